"""Coaching pages: this week's plan with a metronome download, progress at matched speed, and
the runner's profile (height and mass).

- ``GET /plan?runner=``: the plan stored with the runner's most recent run, this week unfolded.
- ``GET /plan/metronome.wav?spm=&minutes=``: a click track, streamed in 10-s chunks.
- ``GET /progress?runner=`` and ``GET /api/progress?runner=``: weekly trends (softstep.progress).
- ``GET/POST /profile``: the viewer's height (100-230 cm) and mass (25-200 kg, as the CLI);
  ``GET /profile?runner=`` a shared athlete's, read-only.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel

from softstep.coach.metronome import click_wav_chunks, wav_size_bytes
from softstep.model import Plan, PlanWeek
from softstep.progress import LABELS, METRICS, Trends, weekly_trends
from softstep.web.access import Viewer, current_viewer
from softstep.web.api import RUN_ERRORS
from softstep.web.pages import render_page

router = APIRouter()

DEFAULT_SESSION_MIN = 30.0
PREVIEW_MIN = 10.0 / 60.0
HEIGHT_CM = (100.0, 230.0)  # as `softstep profile set`
MASS_KG = (25.0, 200.0)


# -- helpers --------------------------------------------------------------------------------------
def _runner_or_404(viewer: Viewer, runner: str | None) -> str:
    name = runner or viewer.runner
    if not viewer.can_read(name):
        raise HTTPException(404, f"no runner {name!r} you may read; see your own at /plan")
    return name


def week_index(start: datetime, now: datetime, n_weeks: int) -> int:
    """0-based plan week: whole weeks from ``start`` to ``now``, clipped to 0 .. n_weeks - 1.

    >>> week_index(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 16, tzinfo=UTC), 8)
    2
    """
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    weeks = math.floor((now - start).total_seconds() / (7 * 86400))
    return max(0, min(weeks, max(n_weeks - 1, 0)))


def _latest_run(request: Request, runner: str) -> tuple[int, datetime] | None:
    """(run id, when it took place) of the runner's most recent run (a run without a start
    counts from when its file was imported, and is taken as the most recent one); None
    without runs."""
    rows = request.app.state.store.runs(runner)  # oldest first, runs without a start last
    if not rows:
        return None
    return rows[-1].id, request.app.state.store.run_when(rows[-1].id)


def _session_minutes(week: PlanWeek) -> float:
    """Minutes of the week's metronome run (DEFAULT_SESSION_MIN when it has none)."""
    minutes = [s.minutes for s in week.sessions if s.kind == "cadence" and s.minutes]
    return float(minutes[0]) if minutes else DEFAULT_SESSION_MIN


# -- plan -----------------------------------------------------------------------------------------
@router.get("/plan", response_class=HTMLResponse, include_in_schema=False)
def plan_page(request: Request, runner: str | None = None,
              viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    name = _runner_or_404(viewer, runner)
    latest = _latest_run(request, name)
    if latest is None:
        return render_page("plan.html.j2", title="Your plan", viewer=viewer, runner=name, plan=None)
    run_id, started = latest
    plan: Plan = request.app.state.store.load_run(run_id).plan
    index = week_index(started, datetime.now(UTC), len(plan.weeks))
    week = plan.weeks[index] if plan.weeks else None
    spm = week.cadence_target_spm if week and week.cadence_target_spm else (
        plan.baseline_cadence_spm)
    minutes = _session_minutes(week) if week else DEFAULT_SESSION_MIN
    return render_page("plan.html.j2", title="Your plan", viewer=viewer, runner=name, plan=plan,
                       week=week, week_number=index + 1, run_id=run_id, started=started,
                       spm=round(spm) if spm else None, minutes=minutes)


@router.get("/plan/metronome.wav", include_in_schema=False)
def metronome_wav(spm: float = Query(..., description="steps/min, 60-240"),
                  minutes: float = Query(DEFAULT_SESSION_MIN, description="0-180 min"),
                  viewer: Viewer = Depends(current_viewer)) -> StreamingResponse:
    try:
        body = click_wav_chunks(spm, minutes)
    except ValueError as exc:
        raise HTTPException(422, f"{exc}; e.g. /plan/metronome.wav?spm=172&minutes=30") from None
    name = f"metronome-{spm:g}spm-{minutes:g}min.wav"
    return StreamingResponse(body, media_type="audio/wav", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Length": str(wav_size_bytes(minutes))})


# -- progress -------------------------------------------------------------------------------------
class WeekPointOut(BaseModel):
    week: str
    week_start: str
    median: float
    q25: float
    q75: float
    low: float | None
    high: float | None
    half_width: float | None
    minutes: float
    steps: int
    runs: int


class MetricTrendOut(BaseModel):
    metric: str
    unit: str
    points: list[WeekPointOut]
    change: float | None
    uncertainty: float | None
    beyond_uncertainty: bool | None
    sentence: str


class WeekOut(BaseModel):
    week: str
    week_start: str
    runs: int


class ProgressOut(BaseModel):
    """Weekly medians of form metrics within one shared speed band (softstep.progress)."""

    runner: str
    band_m_per_s: tuple[float, float] | None
    speed_matched: bool
    median_speed_m_per_s: float | None
    runs_compared: int
    runs_left_out: int
    weeks: list[WeekOut]
    metrics: list[MetricTrendOut]


def _trends(request: Request, runner: str) -> Trends:
    records, steps = request.app.state.store.trend_tables(runner, tuple(METRICS))
    return weekly_trends(records, steps)


@router.get("/api/progress", response_model=ProgressOut, tags=["progress"],
            responses=RUN_ERRORS)
def progress_api(request: Request, runner: str | None = None,
                 viewer: Viewer = Depends(current_viewer)) -> ProgressOut:
    """Weekly trends at matched speed: per ISO week and metric the median, quartiles, a 95 %
    interval of the median (``low``, ``high``; null with under 6 minutes or 10-step stretches)
    and the minutes/steps behind it; whether the first-to-last change is larger than its
    uncertainty. 404 for a runner you may not read."""
    name = _runner_or_404(viewer, runner)
    return ProgressOut(runner=name, **dataclasses.asdict(_trends(request, name)))


@router.get("/progress", response_class=HTMLResponse, include_in_schema=False)
def progress_page(request: Request, runner: str | None = None,
                  viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    name = _runner_or_404(viewer, runner)
    trends = _trends(request, name)
    return render_page("progress.html.j2", title="Progress at matched speed", viewer=viewer,
                       runner=name, trends=trends, labels=LABELS,
                       plotly_url=request.app.state.plotly_url,
                       data=dataclasses.asdict(trends)["metrics"])


# -- profile --------------------------------------------------------------------------------------
def _parse(label: str, text: str, bounds: tuple[float, float], unit: str) -> float | None:
    """None for an empty field; ValueError that says the allowed range otherwise."""
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and bounds[0] <= value <= bounds[1]):
        raise ValueError(f"{label} must be a number from {bounds[0]:g} to {bounds[1]:g} {unit}, "
                         f"not {text!r}")
    return value


@router.get("/profile", response_class=HTMLResponse, include_in_schema=False)
def profile_page(request: Request, runner: str | None = None,
                 viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    """Your profile form; ``?runner=`` another runner's you may read (a coach's athlete),
    shown read-only. 404 for a runner you may not read."""
    name = _runner_or_404(viewer, runner)
    profile = request.app.state.store.runner(name)
    return _profile_page(viewer, profile.height_cm, profile.mass_kg, runner=name)


def _profile_page(viewer: Viewer, height: object, mass: object, *, runner: str | None = None,
                  error: str | None = None, saved: bool = False) -> HTMLResponse:
    runner = runner or viewer.runner
    return render_page("profile.html.j2", 422 if error else 200, title="Profile", viewer=viewer,
                       runner=runner, editable=runner == viewer.runner, error=error, saved=saved,
                       height=height, mass=mass, bounds=(HEIGHT_CM, MASS_KG))


@router.post("/profile", response_class=HTMLResponse, include_in_schema=False)
def profile_save(request: Request, height_cm: str = Form(""), mass_kg: str = Form(""),
                 csrf_token: str = Form(""),
                 viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    if csrf_token != viewer.csrf_token:
        raise HTTPException(403, "the form is out of date: reload /profile and send it again")
    store = request.app.state.store
    try:
        height = _parse("height", height_cm, HEIGHT_CM, "cm")
        mass = _parse("mass", mass_kg, MASS_KG, "kg")
    except ValueError as exc:
        return _profile_page(viewer, height_cm, mass_kg, error=str(exc))
    profile = store.set_profile(viewer.runner, height_cm=height, mass_kg=mass)
    return _profile_page(viewer, profile.height_cm, profile.mass_kg, saved=True)
