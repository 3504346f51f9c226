"""Changing and deleting stored runs: ``PATCH /api/runs/{run_id}`` (labels),
``DELETE /api/runs/{run_id}`` and the run page's forms ``POST /runs/{run_id}/labels`` and
``POST /runs/{run_id}/delete``. Only the owner (``access.changeable_run``): a coach gets 403,
anyone else 404."""

from __future__ import annotations

from typing import Any, Literal, get_args

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from softstep.web.access import Viewer, changeable_run, current_viewer
from softstep.web.api import RUN_ERRORS

router = APIRouter()

Surface = Literal["road", "track", "trail", "treadmill", "grass", "other"]
SURFACES: tuple[str, ...] = get_args(Surface)


class Labels(BaseModel):
    """What the runner notes about a run. A field sent as null removes that label; a field
    left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    surface: Surface | None = None
    shoes: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=2000)


@router.patch("/api/runs/{run_id}", tags=["runs"], responses=RUN_ERRORS)
def label_run(request: Request, run_id: int, labels: Labels,
              viewer: Viewer = Depends(current_viewer)) -> Any:
    """Set the labels of your run (stored in ``info.labels`` of the run JSON); answers the
    updated run, as ``GET /api/runs/{run_id}`` does."""
    from softstep.pipeline import run_to_json

    changeable_run(request, viewer, run_id)
    store = request.app.state.store
    store.set_labels(run_id, labels.model_dump(exclude_unset=True))
    return JSONResponse(run_to_json(store.load_run(run_id)))


@router.delete("/api/runs/{run_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["runs"],
               responses=RUN_ERRORS)
def delete_run(request: Request, run_id: int,
               viewer: Viewer = Depends(current_viewer)) -> Response:
    """Delete your run (and its file's record when no run of the file is left)."""
    changeable_run(request, viewer, run_id)
    request.app.state.store.delete_run(run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/runs/{run_id}/delete", include_in_schema=False)
def delete_run_page(request: Request, run_id: int,
                    viewer: Viewer = Depends(current_viewer)) -> Response:
    """The run page's delete button: deletes, then back to the run list."""
    changeable_run(request, viewer, run_id)
    request.app.state.store.delete_run(run_id)
    return RedirectResponse("/runs", status_code=303)


def form_labels(sent: dict[str, str]) -> Labels:
    """The labels of the run page's form, which sends all of them: a field left empty (or
    surface "none") removes that label; ValidationError as for the PATCH body.

    >>> form_labels({"surface": "none", "shoes": " Flats 2 ", "notes": ""}).model_dump()
    {'surface': None, 'shoes': 'Flats 2', 'notes': None}
    """
    cleaned = {name: (value.replace("\r\n", "\n").strip() or None)
               for name, value in sent.items()}
    if cleaned.get("surface") == "none":
        cleaned["surface"] = None
    return Labels(**cleaned)


def _validation_message(exc: ValidationError) -> str:
    """One line per refused field, e.g. "surface: Input should be 'road', ... or 'other'"."""
    lines = [f"{'.'.join(str(part) for part in err['loc']) or 'form'}: {err['msg']}"
             for err in exc.errors()]
    return "; ".join(lines) + ". Nothing was changed: correct it and save again."


@router.post("/runs/{run_id}/labels", include_in_schema=False)
def label_run_page(request: Request, run_id: int, surface: str = Form(""),
                   shoes: str = Form(""), notes: str = Form(""),
                   viewer: Viewer = Depends(current_viewer)) -> Response:
    """The run page's labels form (works without JavaScript): sets all three labels (an empty
    field, or one left out, removes that label), then back to the run page (303); a value the
    PATCH model refuses answers the run page again with the message (422), changing nothing."""
    from softstep.web.pages import render_run_page

    changeable_run(request, viewer, run_id)
    sent = {"surface": surface, "shoes": shoes, "notes": notes}
    try:
        labels = form_labels(sent)
    except ValidationError as exc:
        shown = {name: value for name, value in sent.items() if value}
        return render_run_page(request, viewer, run_id, status_code=422,
                               labels_error=_validation_message(exc), labels_sent=shown)
    request.app.state.store.set_labels(run_id, labels.model_dump())
    return RedirectResponse(f"/runs/{run_id}", status_code=303)
