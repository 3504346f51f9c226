"""The JSON API under ``/api`` (its OpenAPI schema at ``/openapi.json``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from softstep.errors import SoftstepError, StoreError
from softstep.store import RunRow
from softstep.web.access import Viewer, current_viewer, readable_run
from softstep.web.uploads import TooLargeError, ingest

router = APIRouter(prefix="/api", tags=["runs"])


class Problem(BaseModel):
    """An error: one line that says what is wrong and what to do."""

    detail: str


class UploadResult(BaseModel):
    """The runs an upload became. ``id`` is set when the file holds exactly one run."""

    id: int | None
    ids: list[int]
    duplicate: bool
    warnings: list[str]


# What any route that reaches one run may answer besides success.
RUN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Not signed in (multi-user server)."},
    403: {"model": Problem, "description": "Not yours to change, or a missing CSRF token."},
    404: {"model": Problem, "description": "No such run, or not one you may see."},
}


def too_large(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_413_CONTENT_TOO_LARGE)


def store_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    """503 when the database cannot be read or written (StoreError: nothing was changed)."""
    return JSONResponse({"detail": f"{exc}; nothing was changed, try again"},
                        status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


@router.post(
    "/runs",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadResult,
    responses={
        200: {"model": UploadResult, "description": "The file was already stored: its runs."},
        413: {"model": Problem, "description": "The file is larger than the server accepts."},
        422: {"model": Problem, "description": "The file is unreadable or holds no running; "
              "nothing was stored."},
        503: {"model": Problem, "description": "The database could not be written; nothing "
              "was stored, try again."},
    },
)
def upload_run(request: Request, response: Response, file: UploadFile = File(...),
               viewer: Viewer = Depends(current_viewer)) -> Any:
    """Analyse an uploaded recording (FIT, TCX, GPX, sensor CSV/zip, audio, ...) and store its
    runs. 201 with the new run ids; 200 with the existing ids when the same file (by content)
    was uploaded before, which is never stored twice."""
    state = request.app.state
    try:
        stored = ingest(state.store, file.file, file.filename,
                        max_bytes=state.limit.max_bytes, runner=viewer.runner)
    except (TooLargeError, StoreError):
        raise  # 413 and 503, by the app's exception handlers
    except SoftstepError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    if stored.duplicate:
        response.status_code = status.HTTP_200_OK
    if stored.ids:
        response.headers["Location"] = f"/api/runs/{stored.ids[0]}"
    return UploadResult(id=stored.ids[0] if len(stored.ids) == 1 else None, ids=stored.ids,
                        duplicate=stored.duplicate, warnings=stored.warnings)


@router.get("/runs", response_model=list[RunRow])
def list_runs(request: Request, runner: str | None = None,
              viewer: Viewer = Depends(current_viewer)) -> Any:
    """The runs you may read, oldest first (runs without a start time last), of one runner or
    all."""
    return [row for row in request.app.state.store.runs(runner) if viewer.can_read(row.runner)]


@router.get("/runs/{run_id}", responses=RUN_ERRORS)
def get_run(request: Request, run_id: int, records: bool = False,
            viewer: Viewer = Depends(current_viewer)) -> Any:
    """One stored run: exactly the run object of ``softstep analyze --json`` (README, "JSON
    output"): summary, steps, segments, findings and plan; ``records=true`` adds the records."""
    from softstep.pipeline import run_to_json

    run = readable_run(request, viewer, run_id)
    return JSONResponse(run_to_json(run, include_records=records))
