"""Web accounts over a Store's database: users with argon2id password hashes, signed-in
sessions (only the sha256 of each token is stored) and athlete -> coach shares.

Example
-------
>>> from softstep.store import Store
>>> store = Store("sqlite://")
>>> accounts = Accounts(store)
>>> accounts.create_user("ana", "correct horse battery")
'ana'
>>> accounts.verify_password("ana", "wrong") is None
True
>>> session = accounts.create_session("ana")
>>> accounts.session(session.token).user.name
'ana'
>>> store.close()
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from softstep.errors import StoreError
from softstep.store.schema import runners, runs, shares, users, web_sessions
from softstep.store.store import Store, _now, _runner_id, delete_runs_where

SESSION_DAYS = 14
MIN_PASSWORD_CHARS = 8
MAX_NAME_CHARS = 200
_HASHER = PasswordHasher()  # argon2id with argon2-cffi's recommended cost


@cache
def _dummy_hash() -> str:
    """Verified against for an unknown user, so that a sign-in costs one verification whether
    or not the name exists (hashed once, on the first sign-in rather than at import)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(StoreError, ValueError):
    """A user name or password that cannot be used; the message says what to change."""


@dataclass(frozen=True)
class User:
    """A web account. ``runner``: the name of the runner whose runs are theirs."""

    id: int
    name: str
    runner: str


@dataclass(frozen=True)
class Session:
    """A signed-in session. ``token``: the cookie value (only its sha256 is stored);
    ``csrf_token``: what forms and scripts of this session send back with every change."""

    token: str
    user: User
    csrf_token: str
    expires_at: datetime


def token_sha256(token: str) -> str:
    """The hex sha256 of a session token, as stored in web_sessions."""
    return hashlib.sha256(token.encode()).hexdigest()


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS or any(c.isspace() for c in name):
        raise AccountError(f"user name {name!r} must be 1 to {MAX_NAME_CHARS} characters "
                           "without spaces, e.g. ana")
    return name


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    return password


_USER_QUERY = sa.select(users.c.id, users.c.name, runners.c.name.label("runner"),
                        users.c.password_hash).join(runners, runners.c.id == users.c.runner_id)


class Accounts:
    """Users, sessions and shares in the database of ``store`` (same engine, same
    transactions: one per call)."""

    def __init__(self, store: Store, *, session_days: float = SESSION_DAYS) -> None:
        self.store = store
        self.session_lifetime = timedelta(days=session_days)

    # -- users ----------------------------------------------------------------------------------
    def create_user(self, name: str, password: str) -> str:
        """Add user ``name`` (their runner: the runner of the same name, created when new);
        returns the name. AccountError for a taken name, a bad name or a short password."""
        name, password_hash = _check_name(name), _HASHER.hash(_check_password(password))

        def insert(conn: sa.Connection) -> str:
            if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
                raise AccountError(f"user {name!r} exists already; `softstep users list` "
                                   "shows the users")
            conn.execute(users.insert().values(name=name, password_hash=password_hash,
                                               runner_id=_runner_id(conn, name),
                                               created_at=_now()))
            return name

        return self.store._write(insert)

    def users(self) -> list[User]:
        """Every user, by name."""
        with self.store._read() as conn:
            rows = conn.execute(_USER_QUERY.order_by(users.c.name)).all()
        return [User(r.id, r.name, r.runner) for r in rows]

    def user(self, name: str) -> User | None:
        """The user ``name``; None when there is none."""
        row = self._user_row(name)
        return None if row is None else User(row.id, row.name, row.runner)

    def _user_row(self, name: str) -> sa.Row | None:
        with self.store._read() as conn:
            return conn.execute(_USER_QUERY.where(users.c.name == name)).one_or_none()

    def verify_password(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None. Takes one argon2 verification
        whether or not the user exists (the time does not tell which names exist)."""
        row = self._user_row(name)
        try:
            _HASHER.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return User(row.id, row.name, row.runner) if row else None

    def change_password(self, name: str, old_password: str, new_password: str,
                        *, keep_token: str | None = None) -> None:
        """Set a new password after checking the old one, and end every other session of the
        user (all but the one of ``keep_token``). AccountError when the old one is wrong."""
        user = self.verify_password(name, old_password)
        if user is None:
            raise AccountError("the current password is wrong; type it again")
        self.set_password(name, new_password, keep_token=keep_token)

    def set_password(self, name: str, new_password: str, *, keep_token: str | None = None) -> None:
        """Set the password of ``name`` (administrators; no old password) and end their other
        sessions. AccountError for an unknown user or a short password."""
        password_hash = _HASHER.hash(_check_password(new_password))
        keep = token_sha256(keep_token) if keep_token else ""

        def update(conn: sa.Connection) -> None:
            user_id = conn.execute(sa.select(users.c.id).where(users.c.name == name)).scalar()
            if user_id is None:
                raise AccountError(f"no user {name!r}; `softstep users add {name}` adds them")
            conn.execute(users.update().where(users.c.id == user_id)
                         .values(password_hash=password_hash))
            conn.execute(web_sessions.delete().where(web_sessions.c.user_id == user_id,
                                                     web_sessions.c.token_sha256 != keep))

        self.store._write(update)

    def remove_user(self, name: str, *, delete_runs: bool = False) -> int:
        """Remove user ``name`` with their sessions and the shares where they are athlete or
        coach, in one transaction. Their runner and its runs stay (``softstep analyze --runner
        NAME`` still reaches them) unless ``delete_runs``, which also deletes every run of that
        runner and the file rows left without runs. Returns how many runs were deleted.
        AccountError for an unknown user.

        >>> from softstep.store import Store
        >>> with Store("sqlite://") as store:
        ...     accounts = Accounts(store)
        ...     _ = accounts.create_user("ana", "correct horse battery")
        ...     accounts.remove_user("ana"), accounts.user("ana")
        (0, None)
        """

        def remove(conn: sa.Connection) -> int:
            row = conn.execute(sa.select(users.c.id, users.c.runner_id)
                               .where(users.c.name == name)).one_or_none()
            if row is None:
                raise AccountError(f"no user {name!r}; `softstep users list` shows the users")
            conn.execute(web_sessions.delete().where(web_sessions.c.user_id == row.id))
            conn.execute(shares.delete().where(sa.or_(shares.c.athlete_id == row.id,
                                                      shares.c.coach_id == row.id)))
            conn.execute(users.delete().where(users.c.id == row.id))
            return delete_runs_where(conn, runs.c.runner_id == row.runner_id) if delete_runs else 0

        return self.store._write(remove)

    # -- sessions -------------------------------------------------------------------------------
    def create_session(self, name: str) -> Session:
        """A new session for user ``name``, valid ``session_lifetime`` from now."""
        user = self.user(name)
        if user is None:
            raise AccountError(f"no user {name!r}")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = _now()
        expires = now + self.session_lifetime

        def insert(conn: sa.Connection) -> None:
            conn.execute(web_sessions.delete().where(web_sessions.c.expires_at < now))
            conn.execute(web_sessions.insert().values(
                token_sha256=token_sha256(token), user_id=user.id, csrf_token=csrf,
                created_at=now, expires_at=expires))

        self.store._write(insert)
        return Session(token, user, csrf, expires)

    def session(self, token: str) -> Session | None:
        """The unexpired session of cookie value ``token``; None when unknown or expired."""
        if not token:
            return None
        query = (_USER_QUERY.add_columns(web_sessions.c.csrf_token, web_sessions.c.expires_at)
                 .join(web_sessions, web_sessions.c.user_id == users.c.id)
                 .where(web_sessions.c.token_sha256 == token_sha256(token)))
        with self.store._read() as conn:
            row = conn.execute(query).one_or_none()
        if row is None or row.expires_at <= _now():
            return None
        return Session(token, User(row.id, row.name, row.runner), row.csrf_token, row.expires_at)

    def delete_session(self, token: str) -> None:
        """End the session of ``token`` (sign out); nothing when it is unknown."""
        self.store._write(lambda conn: conn.execute(
            web_sessions.delete().where(web_sessions.c.token_sha256 == token_sha256(token))))

    # -- shares ---------------------------------------------------------------------------------
    def share(self, athlete: str, coach: str) -> None:
        """Let user ``coach`` read the runs of user ``athlete`` (again: nothing changes)."""
        if athlete == coach:
            raise AccountError("you can read your own runs already; name another user")

        def insert(conn: sa.Connection) -> None:
            ids = self._ids(conn, athlete, coach)
            exists = conn.execute(sa.select(shares.c.coach_id).where(
                shares.c.athlete_id == ids[0], shares.c.coach_id == ids[1])).first()
            if not exists:
                conn.execute(shares.insert().values(athlete_id=ids[0], coach_id=ids[1],
                                                    created_at=_now()))

        self.store._write(insert)

    def unshare(self, athlete: str, coach: str) -> None:
        """Stop letting ``coach`` read the runs of ``athlete``."""
        def delete(conn: sa.Connection) -> None:
            ids = self._ids(conn, athlete, coach)
            conn.execute(shares.delete().where(shares.c.athlete_id == ids[0],
                                               shares.c.coach_id == ids[1]))

        self.store._write(delete)

    @staticmethod
    def _ids(conn: sa.Connection, *names: str) -> list[int]:
        found = dict(conn.execute(sa.select(users.c.name, users.c.id)
                                  .where(users.c.name.in_(names))).all())
        for name in names:
            if name not in found:
                raise AccountError(f"no user {name!r}; check the spelling of the user name")
        return [int(found[n]) for n in names]

    def athletes(self, coach: str) -> list[User]:
        """The users who share their runs with ``coach``, by name."""
        return self._shared(coach, mine=shares.c.coach_id, theirs=shares.c.athlete_id)

    def coaches(self, athlete: str) -> list[User]:
        """The users ``athlete`` shares their runs with, by name."""
        return self._shared(athlete, mine=shares.c.athlete_id, theirs=shares.c.coach_id)

    def _shared(self, name: str, *, mine: sa.Column, theirs: sa.Column) -> list[User]:
        me = sa.select(users.c.id).where(users.c.name == name).scalar_subquery()
        query = (_USER_QUERY.join(shares, theirs == users.c.id).where(mine == me)
                 .order_by(users.c.name))
        with self.store._read() as conn:
            return [User(r.id, r.name, r.runner) for r in conn.execute(query)]
