"""The HTML report: one self-contained file (plotly.js inlined, no network) per input file.

>>> from softstep import Runner, sample_path
>>> from softstep.pipeline import analyze_file
>>> page = render_html(analyze_file(sample_path(), Runner()))
>>> page.startswith("<!DOCTYPE html>"), len(page) > 3_000_000  # plotly.js is inside
(True, True)
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from softstep import __version__
from softstep.model import FileAnalysis, RunAnalysis
from softstep.report import figures
from softstep.report import format as fmt
from softstep.report.video_figures import VideoFigures

PLOT_CONFIG = {"displaylogo": False, "responsive": True}
REPORT_TITLE = "Why you land the way you do"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("softstep.report", "templates"),
        autoescape=select_autoescape(("html", "j2")),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["fmt"] = fmt
    return env


def _plot_div(fig: go.Figure | None) -> Markup | None:
    if fig is None:
        return None
    # plotly writes the figure as JSON inside a script; every label in it is ours, not the user's
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG))


def _video_view(figs: VideoFigures | None, href: str | None) -> dict | None:
    """The contact sheets of a video run as data URIs (the page stays one file) and the link
    to the annotated video written next to the page."""
    if figs is None:
        return None
    names = {"L": "left foot", "R": "right foot", "L?": "left foot (side unsure)",
             "R?": "right foot (side unsure)"}
    sheets = [{"src": "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii"),
               "alt": f"initial contacts of the {names.get(key, 'unknown foot')}",
               "side": names.get(key, "unknown foot")}
              for key, data in figs.sheets.items()]
    return {"sheets": sheets, "href": href, "notes": figs.notes,
            "frames": figs.frames, "contacts": len(figs.contact_frames)}


def _run_view(run: RunAnalysis, video: dict | None = None) -> dict:
    table = figures.running_table(run)
    km_names, km_rows = fmt.segment_cells(run.segments)
    return {
        "run": run,
        "title": run.recording.start.strftime("%A %d %B %Y, %H:%M UTC")
        if run.recording.start
        else "Run (start time unknown)",
        "summary_rows": fmt.summary_rows(run.summary, run.recording.source),
        "drift_rows": fmt.drift_rows(run.summary),
        "km_title": fmt.segment_title(run.segments),
        "km_headings": [fmt.heading(n) for n in km_names],
        "km_rows": km_rows,
        "over_time": _plot_div(figures.over_time(run, table)),
        "against_speed": _plot_div(figures.against_speed(run, table)),
        "per_step": _plot_div(figures.per_step(run)),
        "loudness": _plot_div(figures.loudness(run)),
        "loudness_lines": fmt.loudness_lines(run),
        "video": video,
        "labels": _labels(run),
    }


def _labels(run: RunAnalysis) -> list[str]:
    """The run's labels (``recording.info["labels"]``: a list, one comma-separated string, or
    the web app's {"surface": "road", "shoes": "..."}, shown as "surface: road")."""
    labels = run.recording.info.get("labels") or []
    if isinstance(labels, str):
        labels = labels.split(",")
    elif isinstance(labels, dict):
        labels = [f"{name}: {value}" for name, value in labels.items()]
    return [str(label).strip() for label in labels if str(label).strip()]


def media_video_view(run_id: int, media: list[tuple[str, str, int]]) -> dict | None:
    """The video view of a stored run whose contact sheets and clip live in the store's
    run_media (served at ``/runs/{run_id}/media/{name}``); None when it has none."""
    names = {"left": "left foot", "right": "right foot", "left-unsure": "left foot (side unsure)",
             "right-unsure": "right foot (side unsure)"}
    base = f"/runs/{run_id}/media/"
    sheets = []
    clip = None
    for name, media_type, _size in media:
        if media_type.startswith("image/") and name.startswith("contacts-"):
            side = names.get(name.removeprefix("contacts-").rsplit(".", 1)[0], "unknown foot")
            sheets.append({"src": base + name, "alt": f"initial contacts of the {side}",
                           "side": side})
        elif media_type.startswith("video/"):
            clip = {"src": base + name, "type": media_type}
    if not sheets and clip is None:
        return None
    return {"sheets": sheets, "href": None, "clip": clip, "notes": [], "frames": None,
            "contacts": None}


def _report_context(analysis: FileAnalysis, videos: dict[int, dict] | None,
                    plotly_src: str | None, plan_href: str | None) -> dict:
    videos = videos or {}
    return {
        "analysis": analysis,
        "title": REPORT_TITLE,
        "runs": [_run_view(run, videos.get(k)) for k, run in enumerate(analysis.runs)],
        "plotly_js": None if plotly_src else Markup(get_plotlyjs()),
        "plotly_src": plotly_src,
        "plan_href": plan_href,
        "version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def render_html(analysis: FileAnalysis, videos: dict[int, dict] | None = None, *,
                plotly_src: str | None = None, plan_href: str | None = None) -> str:
    """The report page for every run of ``analysis``, as one HTML string (about 5 MB).
    ``videos`` maps a run's index to its video view (``_video_view``: contact sheets, link).
    ``plotly_src``: the URL of plotly.min.js to load instead of inlining it (the web app
    serves it, and each page stays small). ``plan_href``: a link to this week's plan page."""
    template = _environment().get_template("report.html.j2")
    return template.render(_report_context(analysis, videos, plotly_src, plan_href))


@dataclass(frozen=True)
class ReportParts:
    """The report cut out for a host page (the web app's run page, which has its own nav):
    ``head`` goes in the host's <head> (the report's styles and the plotly.js <script>),
    ``body`` inside its <main>, under an <h1> of REPORT_TITLE."""

    head: Markup
    body: Markup


def render_parts(analysis: FileAnalysis, videos: dict[int, dict] | None = None, *,
                 plotly_src: str, plan_href: str | None = None) -> ReportParts:
    """The blocks ``head`` and ``body`` of the report page (render_html's arguments; plotly.js
    is always loaded from ``plotly_src``, e.g. "/static/plotly.min.js").

    >>> from softstep import Runner, sample_path
    >>> from softstep.pipeline import analyze_file
    >>> parts = render_parts(analyze_file(sample_path(), Runner()), plotly_src="/plotly.js")
    >>> '<script src="/plotly.js">' in parts.head, "<html" in parts.body
    (True, False)
    """
    template = _environment().get_template("report.html.j2")
    context = template.new_context(_report_context(analysis, videos, plotly_src, plan_href))
    head, body = ("".join(template.blocks[name](context)) for name in ("head", "body"))
    return ReportParts(Markup(head), Markup(body))


def video_figures(analysis: FileAnalysis, path: Path, video: str | Path,
                  progress: Callable[[int, int], None] | None = None) -> dict[int, dict]:
    """For each side-view video run of ``analysis``: the annotated video of ``video`` written
    next to the page ``path`` (``<page stem>.annotated.mp4``) and the contact sheets; the video
    views render_html takes. UnreadableFileError naming the clip when it cannot be decoded."""
    from softstep.report.video_figures import render_video_figures

    views = {}
    runs = [k for k, run in enumerate(analysis.runs) if run.recording.source == "video"]
    for n, k in enumerate(runs):
        run = analysis.runs[k]
        info = run.recording.info
        name = f"{path.stem}{'' if len(runs) == 1 else f'.{n + 1}'}.annotated.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        figs = render_video_figures(
            video, run.recording.samples, run.steps, out_video=path.with_name(name),
            near_side=info.get("near_side"),
            pose_size=(info.get("width_px"), info.get("height_px")),
            progress=progress)
        views[k] = _video_view(figs, name)
    return views


def write_html(analysis: FileAnalysis, path: str | Path, *, video: str | Path | None = None,
               progress: Callable[[int, int], None] | None = None) -> Path:
    """Write the report to ``path`` atomically (a crash leaves no half-written file).

    ``video``: the clip of a side-view video run; its annotated video is written next to the
    page and its contact sheets are embedded (``progress(frame, frames)`` is called while it
    is drawn). Creates missing parent folders. Returns the path written.
    """
    path = Path(path)
    videos = video_figures(analysis, path, video, progress) if video is not None else None
    page = render_html(analysis, videos) if videos else render_html(analysis)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
