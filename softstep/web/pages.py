"""HTML pages: the run list, one run's report (the same report as ``--html``, inside the site's
nav, with plotly.js served by the app instead of inlined) and a plain upload form."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, HTTPException, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from softstep.errors import SoftstepError, StoreError
from softstep.report import format as fmt
from softstep.web.access import Viewer, current_viewer, readable_owner
from softstep.web.run_edits import SURFACES
from softstep.web.uploads import TooLargeError, ingest

router = APIRouter(include_in_schema=False)


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("softstep.web", "templates"),
                      autoescape=select_autoescape(("html", "j2")))
    env.globals["fmt"] = fmt
    return env


def render_page(name: str, status_code: int = 200, **context: object) -> HTMLResponse:
    """The template ``name`` of softstep/web/templates rendered with ``context``."""
    html = _environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/runs", status_code=307)


def _day(text: str | None, name: str) -> date | None:
    """``text`` (YYYY-MM-DD) as a date, None when empty; ValueError with what to type."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a date; write it as YYYY-MM-DD, "
                         "e.g. 2026-03-01") from None


def _in_range(row_start: datetime | None, since: date | None, until: date | None) -> bool:
    """Whether a run started on a day between ``since`` and ``until`` (both included, UTC);
    a run without a start time passes only when no range is asked."""
    if since is None and until is None:
        return True
    if row_start is None:
        return False
    day = row_start.date()
    return (since is None or day >= since) and (until is None or day <= until)


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, runner: str | None = None, since: str | None = None,
              until: str | None = None, source: str | None = None,
              viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    """The runs the viewer may read, filtered by runner, start day (UTC, inclusive) and
    source; 400 with the form and a message for a date that is not YYYY-MM-DD."""
    readable = [row for row in request.app.state.store.runs() if viewer.can_read(row.runner)]
    form = {"runner": runner or "", "since": since or "", "until": until or "",
            "source": source or ""}
    choices = {"runners": sorted({r.runner for r in readable}),
               "sources": sorted({r.source for r in readable})}
    try:
        since_day, until_day = _day(since, "since"), _day(until, "until")
    except ValueError as exc:
        return render_page("runs.html.j2", 400, runs=[], form=form, error=str(exc), viewer=viewer,
                           filtered=True, **choices)
    rows = [row for row in readable
            if (not runner or row.runner == runner) and (not source or row.source == source)
            and _in_range(row.start, since_day, until_day)]
    return render_page("runs.html.j2", runs=rows, form=form, error=None, viewer=viewer,
                       filtered=any(form.values()), **choices)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: int,
             viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    return render_run_page(request, viewer, run_id)


def render_run_page(request: Request, viewer: Viewer, run_id: int, status_code: int = 200,
                    labels_error: str | None = None,
                    labels_sent: dict[str, str] | None = None) -> HTMLResponse:
    """The run page; its owner also gets the labels and delete forms (prefilled with the
    stored labels, or with ``labels_sent`` and ``labels_error`` when a labels form was refused).
    404 page when ``viewer`` may not read the run."""
    from softstep.model import FileAnalysis
    from softstep.report.html import REPORT_TITLE, media_video_view, render_parts

    try:
        owner = readable_owner(request, viewer, run_id)
    except HTTPException:
        return render_page("message.html.j2", 404, title="Run not found",
                           message=f"There is no run {run_id}.", viewer=viewer)
    store = request.app.state.store
    run = store.load_run(run_id)
    analysis = FileAnalysis(run.recording.path or f"run {run_id}", [run])
    video = media_video_view(run_id, store.media(run_id))
    plan_href = "/plan?" + urlencode({"runner": owner})
    report = render_parts(analysis, {0: video} if video else None,
                          plotly_src=request.app.state.plotly_url, plan_href=plan_href)
    edit = None
    if viewer.can_change(owner):
        stored = run.recording.info.get("labels")
        labels = {k: str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}
        edit = {"labels": labels_sent if labels_sent is not None else labels,
                "error": labels_error, "surfaces": SURFACES}
    return render_page("run.html.j2", status_code, title=REPORT_TITLE, report=report, viewer=viewer,
                       run_id=run_id, edit=edit)


@router.get("/runs/{run_id}/media/{name}")
def run_media(request: Request, run_id: int, name: str,
              viewer: Viewer = Depends(current_viewer)) -> Response:
    """A contact sheet (JPEG) or the annotated clip (mp4) of a video run; 404 when the run is
    not readable or has no such media. Cached privately for a day (media never change)."""
    readable_owner(request, viewer, run_id)
    item = request.app.state.store.media_item(run_id, name)
    if item is None:
        raise HTTPException(404, f"run {run_id} has no media {name!r}; its page lists them")
    media_type, data = item
    return Response(data, media_type=media_type,
                    headers={"Cache-Control": "private, max-age=86400"})


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    return render_page("upload.html.j2", max_mb=request.app.state.limit.max_bytes / 1024**2,
                       viewer=viewer)


@router.post("/upload", response_class=HTMLResponse)
def upload_submit(request: Request, file: list[UploadFile] = File(...),
                  viewer: Viewer = Depends(current_viewer)) -> Response:
    """The upload form without JavaScript: one or several files in the field ``file``.

    Stores every readable file; redirects to the run page when exactly one run came in, to the
    run list otherwise; answers the form again with the first error (413 or 422) when a file is
    too large or unreadable (the files before it stay stored)."""
    state = request.app.state
    max_mb = state.limit.max_bytes / 1024**2
    ids: list[int] = []
    for upload in file:
        try:
            stored = ingest(state.store, upload.file, upload.filename,
                            max_bytes=state.limit.max_bytes, runner=viewer.runner)
        except TooLargeError as exc:
            return render_page("upload.html.j2", 413, max_mb=max_mb, error=str(exc), viewer=viewer)
        except StoreError:
            raise  # 503, by the app's exception handler
        except SoftstepError as exc:
            return render_page("upload.html.j2", 422, max_mb=max_mb, error=str(exc), viewer=viewer)
        ids.extend(stored.ids)
    target = f"/runs/{ids[0]}" if len(ids) == 1 else "/runs"
    return RedirectResponse(target, status_code=303)
