"""Who is asking, and which runs they may read or change.

Every route takes ``viewer: Viewer = Depends(current_viewer)`` and reaches a run only through
``readable_run`` / ``changeable_run``, which answer 404 for a run the viewer may not see (the
same answer as a run that does not exist, so ids do not leak).

Single-user mode (the default, on localhost): one viewer who owns the runner ``app.state.runner``
and may read every runner's runs.

>>> v = Viewer(user=None, runner="me", readable=None, csrf_token="t")
>>> v.can_read("ana"), v.can_change("ana")
(True, True)
>>> coach = Viewer(user="cora", runner="cora", readable=frozenset({"cora", "ana"}), csrf_token="t")
>>> coach.can_read("ana"), coach.can_change("ana"), coach.can_read("ben")
(True, False, False)
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request

from softstep.model import RunAnalysis
from softstep.store import RunNotFoundError


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
    """FastAPI dependency: the viewer of this request (single-user mode for now)."""
    state = request.app.state
    return Viewer(user=None, runner=state.runner, readable=None, csrf_token=state.csrf_token)


def _run_not_found(run_id: int) -> HTTPException:
    return HTTPException(404, f"no run {run_id}; list yours at /api/runs")


def readable_run(request: Request, viewer: Viewer, run_id: int) -> RunAnalysis:
    """The stored run ``run_id`` if ``viewer`` may read it; HTTPException 404 otherwise."""
    store = request.app.state.store
    try:
        owner = store.run_runner(run_id)
    except RunNotFoundError:
        raise _run_not_found(run_id) from None
    if not viewer.can_read(owner):
        raise _run_not_found(run_id)
    return store.load_run(run_id)


def changeable_run(request: Request, viewer: Viewer, run_id: int) -> str:
    """The runner of run ``run_id`` if ``viewer`` may change or delete it; 404 when they may
    not read it, 403 when they may read but not change it (a coach on an athlete's run)."""
    store = request.app.state.store
    try:
        owner = store.run_runner(run_id)
    except RunNotFoundError:
        raise _run_not_found(run_id) from None
    if not viewer.can_read(owner):
        raise _run_not_found(run_id)
    if not viewer.can_change(owner):
        raise HTTPException(403, f"run {run_id} is {owner}'s: only they can change it")
    return owner
