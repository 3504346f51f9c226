"""Plotly figures of one run: landing metrics over time and against speed.

Only running records are drawn (stops and walking breaks are gaps), in display units
(contact in ms). Long runs are thinned to at most MAX_POINTS points per trace; the 30-record
rolling median that carries the trend is computed before thinning.

>>> from softstep import Runner, sample_path
>>> from softstep.pipeline import analyze_file
>>> run = analyze_file(sample_path(), Runner()).runs[0]
>>> [trace.name for trace in over_time(run).data][:2]
['cadence', 'cadence, 30 s median']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from softstep import metrics
from softstep.model import RunAnalysis
from softstep.report import format as fmt

# The landing metrics the report plots, in panel order.
PLOTTED = ("cadence_spm", "contact_s", "vertical_oscillation_cm")
MAX_POINTS = 3000
TREND_RECORDS = 31  # centred rolling median, about 30 s at 1 record/s
RAW_COLOUR = "rgba(31, 119, 180, 0.25)"
TREND_COLOUR = "#1f4e79"
BIN_COLOUR = "#d62728"


def running_table(run: RunAnalysis) -> pd.DataFrame:
    """``metrics.prepare`` output with non-running records' PLOTTED values set to NaN."""
    table = metrics.prepare(run.recording.records, run.steps)
    running = table["running"].to_numpy(bool)
    for name in PLOTTED:
        table[name] = table[name].where(running)
    return table


def plotted_metrics(table: pd.DataFrame) -> list[str]:
    """PLOTTED names that have at least one value in ``table``."""
    return [name for name in PLOTTED if table[name].notna().any()]


def _display(table: pd.DataFrame, name: str) -> np.ndarray:
    return table[name].to_numpy(float) * fmt.METRICS[name].scale


def _thin(n: int) -> slice:
    return slice(None, None, max(1, int(np.ceil(n / MAX_POINTS))))


def over_time(run: RunAnalysis, table: pd.DataFrame | None = None) -> go.Figure | None:
    """One panel per metric against minutes from the start; None when nothing to plot."""
    table = running_table(run) if table is None else table
    names = plotted_metrics(table)
    if not names:
        return None
    fig = make_subplots(rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.06)
    every = _thin(len(table))
    minutes = (table["t_s"].to_numpy(float) / 60.0)[every]
    for row, name in enumerate(names, 1):
        values = _display(table, name)
        trend = pd.Series(values).rolling(TREND_RECORDS, center=True, min_periods=5).median()
        short = fmt.METRICS[name].short
        fig.add_trace(
            go.Scatter(x=minutes, y=values[every], name=short, mode="lines",
                       line={"color": RAW_COLOUR, "width": 1}, showlegend=row == 1),
            row=row, col=1,
        )
        fig.add_trace(
            go.Scatter(x=minutes, y=trend.to_numpy()[every], name=f"{short}, 30 s median",
                       mode="lines", line={"color": TREND_COLOUR, "width": 2},
                       showlegend=row == 1),
            row=row, col=1,
        )
        fig.update_yaxes(title_text=fmt.label(name), row=row, col=1)
    fig.update_xaxes(title_text="minutes from start", row=len(names), col=1)
    fig.update_layout(height=220 * len(names) + 80, margin={"t": 30, "b": 40, "l": 70, "r": 20},
                      legend={"orientation": "h", "y": 1.04}, template="plotly_white")
    return fig


def against_speed(run: RunAnalysis, table: pd.DataFrame | None = None) -> go.Figure | None:
    """Each metric against speed: every running record (WebGL ``scattergl``, thinned to
    MAX_POINTS, coloured by minutes from the start), the time-weighted mean per 0.25 m/s bin
    and the per-km means (the trend across the run). Impact (g) is drawn per km when the
    segments carry it. None when the run has no speed or nothing to plot.
    """
    table = running_table(run) if table is None else table
    names = plotted_metrics(table)
    speed = table["speed_m_per_s"].to_numpy(float)
    km = _km_points(run)
    km_names = [n for n in ("impact_g",) if km is not None and n in km and km[n].notna().any()]
    if not (names or km_names) or not np.isfinite(speed).any():
        return None
    bins = metrics.cadence_vs_speed(run.recording.records, run.steps)
    panels = names + km_names
    fig = make_subplots(rows=1, cols=len(panels), horizontal_spacing=0.08)
    every = _thin(len(table))
    minutes = table["t_s"].to_numpy(float)[every] / 60.0
    for col, name in enumerate(panels, 1):
        scale = fmt.METRICS[name].scale if name in fmt.METRICS else 1.0
        if name in names:
            fig.add_trace(_time_coloured(speed[every], _display(table, name)[every], minutes,
                                         first=col == 1), row=1, col=col)
        if name in names and len(bins):
            fig.add_trace(
                go.Scatter(x=bins["speed_m_per_s"], y=bins[name] * scale,
                           mode="lines+markers", name="mean per 0.25 m/s",
                           marker={"color": BIN_COLOUR, "size": 7}, line={"color": BIN_COLOUR},
                           showlegend=col == 1),
                row=1, col=col,
            )
        if km is not None and name in km:
            fig.add_trace(
                go.Scatter(x=km["speed_m_per_s"], y=km[name] * scale, mode="lines+markers+text",
                           text=[f"km {k}" for k in km["km"]], textposition="top center",
                           textfont={"size": 9}, name="mean per km",
                           marker={"color": TREND_COLOUR, "size": 8, "symbol": "diamond"},
                           line={"color": TREND_COLOUR, "dash": "dot"},
                           showlegend=col == 1),
                row=1, col=col,
            )
        title = fmt.label(name) if name in fmt.METRICS else "impact (g)"
        fig.update_yaxes(title_text=title, row=1, col=col)
        fig.update_xaxes(title_text="speed (m/s)", row=1, col=col)
    fig.update_layout(height=380, margin={"t": 30, "b": 50, "l": 70, "r": 20},
                      legend={"orientation": "h", "y": 1.14}, template="plotly_white")
    return fig


def _time_coloured(x: np.ndarray, y: np.ndarray, minutes: np.ndarray, *,
                   first: bool) -> go.Scattergl:
    """Every record as a WebGL point coloured by minutes from the start (fast at 10,000+)."""
    marker = {"color": minutes, "colorscale": "Viridis", "size": 4, "opacity": 0.5,
              "showscale": first}
    if first:
        marker["colorbar"] = {"title": {"text": "min"}, "thickness": 10, "len": 0.8}
    return go.Scattergl(x=x, y=y, mode="markers", name="each record (colour: minutes)",
                        marker=marker, showlegend=first)


def _km_points(run: RunAnalysis) -> pd.DataFrame | None:
    """Per-km segments with a speed, in km order; None when the run has none."""
    seg = run.segments
    if seg is None or not len(seg) or "speed_m_per_s" not in seg or "km" not in seg:
        return None
    seg = seg[np.isfinite(seg["speed_m_per_s"].to_numpy(float))]
    return seg if len(seg) else None


# Per-step columns drawn in the "each landing" figure: (column, label, scale to display units)
PER_STEP = (
    ("impact_g", "impact (g)", 1.0),
    ("contact_s", "contact (ms)", 1000.0),
    ("peak_force_bw", "peak force (BW)", 1.0),
    ("loading_rate_bw_per_s", "loading rate (BW/s)", 1.0),
    ("strike_angle_deg", "foot-strike angle (°)", 1.0),
)  # footfall loudness has its own figure (``loudness``)
CLIPPED_COLOUR = "#d62728"


def per_step(run: RunAnalysis) -> go.Figure | None:
    """Each detected landing against time, one panel per per-step measure the source gives.

    Landings whose impact saturated the sensor are drawn in red: their value is a lower bound.
    None when the run has no Steps (watch files).
    """
    steps = run.steps
    shown = [(c, label, k) for c, label, k in PER_STEP if c in steps and steps[c].notna().any()]
    if not len(steps) or not shown:
        return None
    t_min = steps["t_s"].to_numpy(float) / 60.0
    clipped = steps["impact_clipped"].fillna(False).to_numpy(bool)
    fig = make_subplots(rows=len(shown), cols=1, shared_xaxes=True, vertical_spacing=0.06)
    every = _thin(len(steps))
    for row, (column, label, scale) in enumerate(shown, 1):
        y = steps[column].to_numpy(float) * scale
        groups = [(np.ones(len(y), bool), "landing", TREND_COLOUR)]
        if column == "impact_g":
            groups = [(~clipped, "landing", TREND_COLOUR),
                      (clipped, "sensor saturated", CLIPPED_COLOUR)]
        for keep, name, colour in groups:
            if not keep.any():
                continue
            fig.add_trace(
                go.Scatter(x=t_min[keep][every], y=y[keep][every], mode="markers", name=name,
                           marker={"color": colour, "size": 4}, showlegend=row == 1),
                row=row, col=1,
            )
        fig.update_yaxes(title_text=label, row=row, col=1)
    fig.update_xaxes(title_text="minutes from start", row=len(shown), col=1)
    fig.update_layout(height=200 * len(shown) + 80, margin={"t": 30, "b": 40, "l": 70, "r": 20},
                      legend={"orientation": "h", "y": 1.06}, template="plotly_white")
    return fig


SMOOTH_COLOUR = "#ff7f0e"


def loudness(run: RunAnalysis) -> go.Figure | None:
    """Footfall sound of an audio run: each footfall's loudness (dB re the run's median) with
    its 5-step moving average (SCIENCE.md metric spec: "computed per step and smoothed over 5
    steps"), and the cadence per minute. Clipped footfalls are red and left out of the
    average. None when the run has no footfall loudness.
    """
    from softstep import metrics_audio

    steps = run.steps
    if not len(steps) or "loudness_db" not in steps or not steps["loudness_db"].notna().any():
        return None
    t_min = steps["t_s"].to_numpy(float) / 60.0
    y = steps["loudness_db"].to_numpy(float)
    clipped = steps["impact_clipped"].astype("boolean").fillna(False).to_numpy(bool)
    smooth = metrics_audio.smoothed_loudness_db(steps)
    segments = run.segments if run.segments is not None else pd.DataFrame()
    has_minutes = "minute" in segments and segments["cadence_spm"].notna().any()
    rows = 2 if has_minutes else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    every = _thin(len(steps))
    for keep, name, colour in ((~clipped, "each footfall", RAW_COLOUR),
                               (clipped, "clipped (a lower bound)", CLIPPED_COLOUR)):
        if keep.any():
            fig.add_trace(go.Scatter(x=t_min[keep][every], y=y[keep][every], mode="markers",
                                     name=name, marker={"color": colour, "size": 4}),
                          row=1, col=1)
    fig.add_trace(go.Scatter(x=t_min[every], y=smooth[every], mode="lines",
                             name=f"{metrics_audio.SMOOTH_STEPS}-step moving average",
                             line={"color": TREND_COLOUR, "width": 2}), row=1, col=1)
    fig.update_yaxes(title_text="loudness (dB re run median)", row=1, col=1)
    if has_minutes:
        mid = (segments["start_s"].to_numpy(float) + segments["end_s"].to_numpy(float)) / 120.0
        fig.add_trace(go.Scatter(x=mid, y=segments["cadence_spm"], mode="lines+markers",
                                 name="cadence per minute", marker={"color": SMOOTH_COLOUR},
                                 line={"color": SMOOTH_COLOUR}), row=2, col=1)
        fig.update_yaxes(title_text=fmt.label("cadence_spm"), row=2, col=1)
    fig.update_xaxes(title_text="minutes from start", row=rows, col=1)
    fig.update_layout(height=240 * rows + 80, margin={"t": 30, "b": 40, "l": 70, "r": 20},
                      legend={"orientation": "h", "y": 1.08}, template="plotly_white")
    return fig
