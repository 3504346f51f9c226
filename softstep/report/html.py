"""The HTML report: one self-contained file (plotly.js inlined, no network) per input file.

>>> from softstep import Runner, sample_path
>>> from softstep.pipeline import analyze_file
>>> page = render_html(analyze_file(sample_path(), Runner()))
>>> page.startswith("<!DOCTYPE html>"), len(page) > 3_000_000  # plotly.js is inside
(True, True)
"""

from __future__ import annotations

import os
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

PLOT_CONFIG = {"displaylogo": False, "responsive": True}


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


def _run_view(run: RunAnalysis) -> dict:
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
    }


def render_html(analysis: FileAnalysis) -> str:
    """The report page for every run of ``analysis``, as one HTML string (about 5 MB)."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        analysis=analysis,
        runs=[_run_view(run) for run in analysis.runs],
        plotly_js=Markup(get_plotlyjs()),
        version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_html(analysis: FileAnalysis, path: str | Path) -> Path:
    """Write the report to ``path`` atomically (a crash leaves no half-written file).

    Creates missing parent folders. Returns the path written.
    """
    path = Path(path)
    page = render_html(analysis)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
