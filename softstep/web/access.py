"""Who is asking, and which runs they may read or change.

Every route takes ``viewer: Viewer = Depends(current_viewer)`` and reaches a run only through
``readable_run`` / ``changeable_run``, which answer 404 for a run the viewer may not see (the
same answer as a run that does not exist, so ids do not leak).

Single-user mode (the default, on localhost): one viewer who owns the runner ``app.state.runner``
and may read every runner's runs. Multi-user mode (``create_app(..., multi_user=True)``): the
viewer is the user of the session cookie ``softstep_session``; they read their own runs and those
of the athletes who share with them, and change only their own. Without a valid session, API
routes answer 401 and pages redirect (303) to ``/login?next=...``.

CSRF (``csrf_guard``, an app-wide dependency): an unsafe request (POST, PUT, PATCH, DELETE) is
refused with 403 when its ``Origin`` (else ``Referer``) names another origin, and, in multi-user
mode when a session cookie signs it in, when it lacks the session's token in header
``X-CSRF-Token`` or form field ``csrf_token``.

>>> v = Viewer(user=None, runner="me", readable=None, csrf_token="t")
>>> v.can_read("ana"), v.can_change("ana")
(True, True)
>>> coach = Viewer(user="cora", runner="cora", readable=frozenset({"cora", "ana"}), csrf_token="t")
>>> coach.can_read("ana"), coach.can_change("ana"), coach.can_read("ben")
(True, False, False)
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import HTTPException, Request

from softstep.model import RunAnalysis
from softstep.store import RunNotFoundError
from softstep.store.accounts import Session

SESSION_COOKIE = "softstep_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Viewer:
    """The person behind a request.

    ``user``: the signed-in account name, None in single-user mode. ``runner``: the runner their
    uploads are stored for. ``readable``: the runners whose runs they may read (their own and
    their athletes'), None for every runner. ``csrf_token``: what their forms and scripts must
    send back with every change (form field ``csrf_token`` or header ``X-CSRF-Token``).
    """

    user: str | None
    runner: str
    readable: frozenset[str] | None
    csrf_token: str

    def can_read(self, runner: str) -> bool:
        return self.readable is None or runner in self.readable

    def can_change(self, runner: str) -> bool:
        return self.user is None or runner == self.runner


def current_viewer(request: Request) -> Viewer:
    """FastAPI dependency: the viewer of this request.

    Single-user mode: the one local viewer. Multi-user mode: the user of the session cookie;
    HTTPException 401 for API routes and 303 to ``/login?next=...`` for pages when there is no
    unexpired session.
    """
    state = request.app.state
    if not state.multi_user:
        return Viewer(user=None, runner=state.runner, readable=None, csrf_token=state.csrf_token)
    session = request_session(request)
    if session is None:
        raise _sign_in_first(request)
    athletes = state.accounts.athletes(session.user.name)
    readable = frozenset({session.user.runner, *(a.runner for a in athletes)})
    return Viewer(user=session.user.name, runner=session.user.runner, readable=readable,
                  csrf_token=session.csrf_token)


def request_session(request: Request) -> Session | None:
    """The unexpired session of the request's cookie (looked up once per request); None when
    there is none or the app is in single-user mode."""
    if not request.app.state.multi_user:
        return None
    if "session" not in request.scope.setdefault("softstep", {}):
        token = request.cookies.get(SESSION_COOKIE, "")
        request.scope["softstep"]["session"] = request.app.state.accounts.session(token)
    return request.scope["softstep"]["session"]


def _sign_in_first(request: Request) -> HTTPException:
    if request.url.path.startswith("/api/") or request.method != "GET":
        return HTTPException(401, "sign in first: POST your name and password to /login, "
                                  "then send the session cookie")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(303, "sign in first",
                         headers={"Location": "/login?next=" + quote(target, safe="")})


def same_origin(request: Request) -> bool:
    """Whether the request's ``Origin`` (else ``Referer``) header, when it has one, names this
    server's own origin (scheme, host and port)."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed:
        return True
    if claimed == "null":
        return False
    parts = urlsplit(claimed)
    own = urlsplit(str(request.base_url))
    return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)


async def sent_token(request: Request) -> str:
    """The CSRF token the request carries: header ``X-CSRF-Token``, else the form field
    ``csrf_token`` of a form body. Starlette caches the parsed form on the request (file parts
    spooled to disk), so the route's own File/Form parameters reuse it: nothing is read twice."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    kind = request.headers.get("content-type", "")
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: 403 for an unsafe request from another origin, or one signed in by
    a session cookie that does not send the session's CSRF token back."""
    if request.method not in UNSAFE_METHODS:
        return
    if not same_origin(request):
        raise HTTPException(403, "cross-site request refused: send it from this site's pages")
    session = request_session(request)
    if session is None or request.url.path == "/login":
        # not signed in: the route answers 401; /login checks its own pre-session token (its
        # form has no session token, and a signed-in browser may sign in again)
        return
    if not secrets.compare_digest((await sent_token(request)).encode(),
                                  session.csrf_token.encode()):
        raise HTTPException(403, f"missing or wrong CSRF token: send the page's csrf-token in "
                                 f"header {CSRF_HEADER} or form field {CSRF_FIELD}")


def _run_not_found(run_id: int) -> HTTPException:
    return HTTPException(404, f"no run {run_id}; list yours at /api/runs")


def readable_owner(request: Request, viewer: Viewer, run_id: int) -> str:
    """The runner of run ``run_id`` if ``viewer`` may read it; HTTPException 404 otherwise
    (the same answer as for a run that does not exist)."""
    try:
        owner = request.app.state.store.run_runner(run_id)
    except RunNotFoundError:
        raise _run_not_found(run_id) from None
    if not viewer.can_read(owner):
        raise _run_not_found(run_id)
    return owner


def readable_run(request: Request, viewer: Viewer, run_id: int) -> RunAnalysis:
    """The stored run ``run_id`` if ``viewer`` may read it; HTTPException 404 otherwise."""
    readable_owner(request, viewer, run_id)
    return request.app.state.store.load_run(run_id)


def changeable_run(request: Request, viewer: Viewer, run_id: int) -> str:
    """The runner of run ``run_id`` if ``viewer`` may change or delete it; 404 when they may
    not read it, 403 when they may read but not change it (a coach on an athlete's run)."""
    owner = readable_owner(request, viewer, run_id)
    if not viewer.can_change(owner):
        raise HTTPException(403, f"run {run_id} is {owner}'s: only they can change it")
    return owner
