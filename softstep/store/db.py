"""Opening the database: URL choice, engine settings, migrations, and user-facing errors.

The URL is the ``url`` argument, else ``$SOFTSTEP_DB``, else SQLite in the user data folder
(``platformdirs.user_data_dir("softstep")/softstep.db``). Any SQLAlchemy URL works; PostgreSQL
is ``postgresql+psycopg://user:password@host/db`` (``pip install softstep[postgres]``).

SQLite connections get foreign keys on, WAL journal, ``synchronous=NORMAL`` and a 30 s busy
timeout; write transactions start with ``BEGIN IMMEDIATE`` so that two writers queue up
instead of failing on a lock upgrade.

Example
-------
>>> resolve_url("sqlite:///runs.db")
'sqlite:///runs.db'
>>> mask_url("postgresql+psycopg://me:secret@localhost/softstep")
'postgresql+psycopg://me:***@localhost/softstep'
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from softstep.errors import StoreError

ENV_VAR = "SOFTSTEP_DB"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "softstep_version"  # not alembic_version: a shared database may hold others
WRITE = "softstep_write"  # execution option: begin the transaction as a writer (SQLite)
# alembic keeps its migration context in module globals: one migration at a time per process.
# Between processes, the migration's write transaction (BEGIN IMMEDIATE on SQLite) serialises.
_MIGRATION_LOCK = threading.Lock()


def default_url() -> str:
    """SQLite in the user data folder, created when missing."""
    import platformdirs

    folder = Path(platformdirs.user_data_dir("softstep", appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the data folder {folder}: {exc.strerror or exc}; "
            f"set {ENV_VAR} or --db to a database URL you can write"
        ) from None
    return f"sqlite:///{folder / 'softstep.db'}"


def resolve_url(url: str | None = None) -> str:
    """The database URL: ``url``, else $SOFTSTEP_DB, else default_url()."""
    return url or os.environ.get(ENV_VAR) or default_url()


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ***, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show it as given, it holds no parsable password
        return url


def _set_wal(cursor: Any, attempts: int = 100, wait_s: float = 0.05) -> None:
    """Switch to WAL (answers "memory" for :memory:, fine). The switch needs an exclusive lock
    and SQLite does not wait on busy_timeout for it, so two processes opening a new database
    at once can see "database is locked": retry for up to ``attempts * wait_s`` seconds."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(wait_s)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy (not the driver) decide where transactions begin: see _sqlite_on_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        _set_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, far fewer fsyncs
    finally:
        cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str) -> Engine:
    """An engine for ``url`` with the SQLite settings above (no I/O yet). An in-memory SQLite
    database is one connection shared by every thread (each thread would otherwise get its
    own empty database): fine for trying things out, not for concurrent writers."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        engine = sa.create_engine(url, poolclass=sa.pool.StaticPool,
                                  connect_args={"check_same_thread": False})
    else:
        engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


# ---------------------------------------------------------------------------------------------
def alembic_config(connection: sa.Connection | None = None) -> Any:
    """An alembic Config pointing at the shipped migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migration_context(conn: sa.Connection, **opts: Any) -> Any:
    """An alembic MigrationContext on softstep's version table (for revision and diff checks)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE, **opts})


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (alembic upgrade), one writer at a time.

    Cheap when already there: the current revision is read first and nothing else runs.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    with _MIGRATION_LOCK, engine.connect() as conn:
        config = alembic_config(conn)
        script = ScriptDirectory.from_config(config)
        current = migration_context(conn).get_current_heads()
        if not current and engine.dialect.name == "sqlite":
            foreign = set(sa.inspect(conn).get_table_names()) - {VERSION_TABLE}
            if foreign:
                conn.rollback()
                raise StoreError(
                    f"cannot open database {mask_url(str(engine.url))}: it is an SQLite "
                    f"database of another program (tables {', '.join(sorted(foreign)[:3])}); "
                    "point --db or SOFTSTEP_DB at a new file or a softstep database"
                )
        conn.rollback()
        if revision == "head" and tuple(current) == tuple(script.get_heads()):
            return
        known = {s.revision for s in script.walk_revisions()}
        unknown = [r for r in current if r not in known]
        if unknown:
            raise StoreError(
                f"cannot open database {mask_url(str(engine.url))}: it was written by a newer "
                f"softstep (schema revision {unknown[0]}); upgrade softstep or use another database"
            )
        writer = conn.execution_options(**{WRITE: True})
        config.attributes["connection"] = writer
        with _sqlite_foreign_keys_off(conn):
            command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the database down to ``revision`` (alembic downgrade); ``base`` drops every table."""
    from alembic import command

    with _MIGRATION_LOCK, engine.connect() as conn, _sqlite_foreign_keys_off(conn):
        command.downgrade(alembic_config(conn.execution_options(**{WRITE: True})), revision)


@contextmanager
def _sqlite_foreign_keys_off(conn: sa.Connection) -> Iterator[None]:
    """SQLite's batch migrations copy a table, drop it and rename the copy: with foreign keys
    on, the drop would cascade-delete every row that refers to it. The pragma only works outside
    a transaction, so it is set on the driver's connection before alembic begins one."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


# ---------------------------------------------------------------------------------------------
def open_error(url: str, exc: BaseException) -> StoreError:
    """A one-line StoreError for a database that cannot be opened, saying what to do."""
    shown = mask_url(url)
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc) else ""
    low = text.lower()
    hint = f"check the URL given with --db or {ENV_VAR}"
    if isinstance(exc, ModuleNotFoundError) or "no module named" in low:
        if "psycopg" in low or "postgres" in shown:
            hint = "install the PostgreSQL driver: pip install 'softstep[postgres]'"
        else:
            hint = "install the database driver for this URL"
    elif "not a database" in low or "malformed" in low:
        hint = "point --db or SOFTSTEP_DB at a new file or a softstep database"
    elif "unable to open" in low or "readonly" in low or "read-only" in low:
        folder = _sqlite_folder(url)
        if folder is not None and not folder.is_dir():
            text = f"folder {folder} does not exist"
            hint = "create it or choose another path"
        elif folder is not None and Path(make_url(url).database or "").expanduser().is_dir():
            text = "that path is a folder"
            hint = "give a file path, e.g. sqlite:///FOLDER/softstep.db"
        else:
            hint = "check that the file and its folder are writable, or choose another path"
    return StoreError(f"cannot open database {shown}: {text}; {hint}")


def write_error(url: str, exc: BaseException, *, integrity: bool = False) -> StoreError:
    """A one-line StoreError for a failed write (the transaction was rolled back).

    ``url`` may already be masked. ``integrity``: the data broke a constraint, which is a bug
    to report rather than a setup problem.
    """
    text = (str(getattr(exc, "orig", None) or exc).strip() or type(exc).__name__).splitlines()[0]
    hint = (
        "please report this with the file if you can share it"
        if integrity
        else "check free space, permissions and that no other program holds a lock, then retry"
    )
    return StoreError(
        f"cannot write to database {mask_url(url)}: {text}; nothing was stored ({hint})"
    )


def _sqlite_folder(url: str) -> Path | None:
    try:
        parsed = make_url(url)
    except Exception:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser().resolve().parent


@contextmanager
def temporary_postgres_database(server_url: str, prefix: str = "softstep_tmp") -> Iterator[str]:
    """A new empty database on the PostgreSQL server of ``server_url`` (a URL whose user may
    create databases), for tests and benchmarks; yields its URL and drops it afterwards."""
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        admin.dispose()
