"""HTML pages: the run list, one run's report (the same report as ``--html``, with plotly.js
served by the app instead of inlined) and a plain upload form."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Depends, File, HTTPException, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from softstep.errors import SoftstepError
from softstep.report import format as fmt
from softstep.web.access import Viewer, current_viewer, readable_run
from softstep.web.uploads import TooLargeError, ingest

router = APIRouter(include_in_schema=False)


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("softstep.web", "templates"),
                      autoescape=select_autoescape(("html", "j2")))
    env.globals["fmt"] = fmt
    return env


def _page(name: str, status_code: int = 200, **context: object) -> HTMLResponse:
    html = _environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/runs", status_code=307)


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    rows = [row for row in request.app.state.store.runs() if viewer.can_read(row.runner)]
    return _page("runs.html.j2", runs=rows, viewer=viewer)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: int,
             viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    from softstep.model import FileAnalysis
    from softstep.report.html import render_html

    try:
        run = readable_run(request, viewer, run_id)
    except HTTPException:
        return _page("message.html.j2", 404, title="Run not found",
                     message=f"There is no run {run_id}.", viewer=viewer)
    analysis = FileAnalysis(run.recording.path or f"run {run_id}", [run])
    return HTMLResponse(render_html(analysis, plotly_src=request.app.state.plotly_url))


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    return _page("upload.html.j2", max_mb=request.app.state.limit.max_bytes / 1024**2,
                 viewer=viewer)


@router.post("/upload", response_class=HTMLResponse)
def upload_submit(request: Request, file: UploadFile = File(...),
                  viewer: Viewer = Depends(current_viewer)) -> Response:
    state = request.app.state
    max_mb = state.limit.max_bytes / 1024**2
    try:
        stored = ingest(state.store, file.file, file.filename, max_bytes=state.limit.max_bytes,
                        runner=viewer.runner)
    except TooLargeError as exc:
        return _page("upload.html.j2", 413, max_mb=max_mb, error=str(exc), viewer=viewer)
    except SoftstepError as exc:
        return _page("upload.html.j2", 422, max_mb=max_mb, error=str(exc), viewer=viewer)
    target = f"/runs/{stored.ids[0]}" if len(stored.ids) == 1 else "/runs"
    return RedirectResponse(target, status_code=303)
