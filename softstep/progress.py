"""Weekly trends of a runner's form at matched speed (pure functions over DataFrames).

Speed changes cadence, contact time, impact and footfall loudness by as much as training does
(SCIENCE.md: speed explains part of PTA, Sheerin 2020; peak sound correlates with speed at
r = 0.61-0.70; cadence rises ~3 spm per +15 % speed), so SCIENCE.md's principle is to compare a
runner "with their own baseline at a matched speed and surface". Here every run is cut to one
speed band that the compared runs share: the 2 · ``BAND_M_PER_S`` (0.6 m/s) wide band in which
the most runs have at least ``MIN_BAND_S`` seconds (``speed_band``). Runs with less time in
the band are left out. Runs with no speed at all (audio,
IMU without GPS) are compared only when no run has speed, and the result says it is unmatched.

Per ISO week and metric: the median, quartiles, the minutes or steps behind it, and the
half-width of an approximate 95 % interval of the median, ``1.58 · IQR / √n`` (McGill's notch),
with ``n`` the minutes in the band (records, one value a second, are strongly autocorrelated:
a minute is taken as one independent value) or the steps / 10 (steps). A change from the first
to the last week is called real when it exceeds ``√(h_first² + h_last²)``.

Example
-------
>>> import pandas as pd
>>> rec = pd.DataFrame({"run_id": [1] * 120 + [2] * 120,
...     "when": pd.to_datetime(["2026-01-05"] * 120 + ["2026-01-19"] * 120, utc=True),
...     "t_s": list(range(120)) * 2, "speed_m_per_s": [3.0] * 240,
...     "cadence_spm": [160.0] * 120 + [170.0] * 120})
>>> t = weekly_trends(rec, rec.iloc[:0])
>>> [w.week for w in t.weeks], t.metrics[0].change, t.metrics[0].beyond_uncertainty
(['2026-W02', '2026-W04'], 10.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

METRICS: dict[str, str] = {
    "cadence_spm": "spm",
    "contact_s": "s",
    "vertical_oscillation_cm": "cm",
    "impact_g": "g",
    "loudness_dbfs": "dBFS",
}
LABELS = {
    "cadence_spm": "cadence",
    "contact_s": "ground contact time",
    "vertical_oscillation_cm": "vertical oscillation",
    "impact_g": "impact",
    "loudness_dbfs": "footfall loudness",
}
BAND_M_PER_S = 0.3
MIN_BAND_S = 60.0
BIN_M_PER_S = 0.05
MAX_GAP_S = 5.0  # a record gap longer than this (a pause) counts as 0 s of running
STEPS_PER_INDEPENDENT = 10.0
NOTCH = 1.58


@dataclass
class WeekPoint:
    """One metric in one ISO week: median, quartiles, interval half-width, how much data."""

    week: str  # ISO week, e.g. "2026-W05"
    week_start: str  # its Monday, YYYY-MM-DD
    median: float
    q25: float
    q75: float
    half_width: float  # ~95 % interval of the median: median ± half_width
    minutes: float  # running time behind it (records), 0 for steps
    steps: int  # steps behind it (steps), 0 for records
    runs: int


@dataclass
class MetricTrend:
    """A metric's weekly medians and whether the first-to-last change beats the uncertainty."""

    metric: str
    unit: str
    points: list[WeekPoint] = field(default_factory=list)
    change: float | None = None  # last week's median - first week's
    uncertainty: float | None = None  # √(h_first² + h_last²)
    beyond_uncertainty: bool | None = None
    sentence: str = ""


@dataclass
class WeekInfo:
    week: str
    week_start: str
    runs: int


@dataclass
class Trends:
    """A runner's weekly trends. ``band_m_per_s`` is (low, high), None when unmatched."""

    band_m_per_s: tuple[float, float] | None
    speed_matched: bool
    median_speed_m_per_s: float | None  # of the compared parts of the runs
    runs_compared: int
    runs_left_out: int
    weeks: list[WeekInfo] = field(default_factory=list)
    metrics: list[MetricTrend] = field(default_factory=list)


def speed_band(records: pd.DataFrame,
               half_m_per_s: float = BAND_M_PER_S) -> tuple[float, float] | None:
    """(low, high) m/s: the ``2 · half_m_per_s`` wide band that the most runs share (each with
    at least MIN_BAND_S seconds in it); of those, the band where the run with the least time in
    it has the most (so one long run at its own pace cannot pull the band away from the others);
    of equally good bands, the middle one. None without speed.

    >>> t = list(range(100)) * 3
    >>> recs = pd.DataFrame({"run_id": [1] * 100 + [2] * 100 + [3] * 100, "t_s": t,
    ...     "speed_m_per_s": [2.0] * 100 + [2.9] * 100 + [3.1] * 100})
    >>> speed_band(recs)
    (2.75, 3.35)
    """
    frame = records.assign(dur_s=_durations_s(records)) if len(records) else records
    moving = frame[frame["speed_m_per_s"] > 0.5] if len(frame) else frame
    if moving.empty:
        return None
    step = BIN_M_PER_S
    bins = np.floor(moving["speed_m_per_s"].to_numpy() / step + 1e-9).astype(int)
    runs, run_index = np.unique(moving["run_id"].to_numpy(), return_inverse=True)
    width = int(round(2 * half_m_per_s / step))
    seconds = np.zeros((len(runs), bins.max() + 1 + width))  # [run, speed bin]
    np.add.at(seconds, (run_index, bins), moving["dur_s"].to_numpy())
    cumulative = np.concatenate([np.zeros((len(runs), 1)), np.cumsum(seconds, axis=1)], axis=1)
    in_band = cumulative[:, width:] - cumulative[:, :-width]  # [run, band starting at bin k]
    shared = (in_band >= MIN_BAND_S).sum(axis=0)
    least = np.where(in_band >= MIN_BAND_S, in_band, np.inf).min(axis=0)
    least[shared == 0] = 0.0
    score = np.where(shared == shared.max(), least, -1.0)
    tied = np.flatnonzero(score >= score.max() - 1e-6)
    best = int(tied[len(tied) // 2])  # of equally good bands, the middle one
    low = best * step
    return (round(low, 3), round(low + 2 * half_m_per_s, 3))


def _durations_s(records: pd.DataFrame) -> pd.Series:
    """Seconds each record stands for: the gap to the previous record of its run (first record:
    the run's median gap), gaps over MAX_GAP_S count 0."""
    gap = records.groupby("run_id")["t_s"].diff()
    typical = gap.groupby(records["run_id"]).transform("median").fillna(1.0)
    gap = gap.fillna(typical)
    return gap.where((gap >= 0) & (gap <= MAX_GAP_S), 0.0)


def matched_records(records: pd.DataFrame, band: tuple[float, float]) -> pd.DataFrame:
    """Records within ``band`` (m/s), with a ``dur_s`` column, of runs with >= MIN_BAND_S
    seconds in it."""
    frame = records.assign(dur_s=_durations_s(records))
    inside = frame[frame["speed_m_per_s"].between(*band)]
    seconds = inside.groupby("run_id")["dur_s"].transform("sum")
    return inside[seconds >= MIN_BAND_S]


def _iso_week(when: pd.Series) -> tuple[pd.Series, pd.Series]:
    iso = when.dt.isocalendar()
    label = iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)
    monday = (when.dt.tz_convert(None).dt.normalize()
              - pd.to_timedelta(when.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")
    return label, monday


def _weekly(frame: pd.DataFrame, metric: str, from_steps: bool) -> list[WeekPoint]:
    data = frame[["week", "week_start", "run_id", "dur_s", metric]].dropna(subset=[metric])
    if data.empty:
        return []
    grouped = data.groupby(["week", "week_start"], sort=True)
    stats = grouped[metric].quantile([0.25, 0.5, 0.75]).unstack()
    minutes = grouped["dur_s"].sum() / 60.0
    count = grouped[metric].size()
    runs = grouped["run_id"].nunique()
    n_eff = (count / STEPS_PER_INDEPENDENT) if from_steps else minutes
    half = NOTCH * (stats[0.75] - stats[0.25]) / np.sqrt(n_eff.clip(lower=1.0))
    return [
        WeekPoint(week=w, week_start=m, median=float(stats.at[(w, m), 0.5]),
                  q25=float(stats.at[(w, m), 0.25]), q75=float(stats.at[(w, m), 0.75]),
                  half_width=float(half[(w, m)]),
                  minutes=0.0 if from_steps else round(float(minutes[(w, m)]), 1),
                  steps=int(count[(w, m)]) if from_steps else 0, runs=int(runs[(w, m)]))
        for w, m in stats.index
    ]


def _sentence(trend: MetricTrend, speed_m_per_s: float | None) -> str:
    label = LABELS.get(trend.metric, trend.metric)
    points = trend.points
    if len(points) < 2 or trend.change is None:
        return (f"{label.capitalize()}: only one week so far; upload runs from more weeks "
                "to see a trend.")
    where = f" at {speed_m_per_s:.1f} m/s" if speed_m_per_s else " (speed not matched)"
    digits = 0 if trend.unit == "spm" else (3 if trend.unit == "s" else 1)
    amount = f"{abs(trend.change):.{digits}f} {trend.unit}"
    verb = "went up" if trend.change > 0 else "went down" if trend.change < 0 else "stayed at"
    span = f"from {points[0].week} to {points[-1].week}"
    if trend.beyond_uncertainty:
        judge = "that is more than the uncertainty of the weekly medians"
    else:
        judge = ("that is within the uncertainty of the weekly medians, so it may be noise")
    if trend.change == 0:
        return f"{label.capitalize()} stayed the same {span}{where}."
    return f"{label.capitalize()} {verb} {amount}{where} {span}; {judge}."


def _trend(frame: pd.DataFrame, metric: str, from_steps: bool,
           speed_m_per_s: float | None) -> MetricTrend:
    trend = MetricTrend(metric=metric, unit=METRICS[metric], points=_weekly(frame, metric,
                                                                             from_steps))
    if len(trend.points) >= 2:
        first, last = trend.points[0], trend.points[-1]
        trend.change = round(last.median - first.median, 4)
        trend.uncertainty = round(float(np.hypot(first.half_width, last.half_width)), 4)
        trend.beyond_uncertainty = bool(abs(trend.change) > trend.uncertainty)
    trend.sentence = _sentence(trend, speed_m_per_s)
    return trend


def _step_frame(steps: pd.DataFrame, run_ids: np.ndarray) -> pd.DataFrame:
    frame = steps[steps["run_id"].isin(run_ids)]
    return frame.assign(dur_s=0.0)


def weekly_trends(records: pd.DataFrame, steps: pd.DataFrame) -> Trends:
    """Weekly trends of every metric in METRICS that the runs have, at matched speed.

    ``records`` / ``steps``: as ``Store.trend_tables`` gives them (``run_id``, ``when``,
    ``t_s``, ``speed_m_per_s``, metric columns). Records with speed are used where there are
    any; otherwise the runs' per-step values, unmatched (``speed_matched`` False).
    """
    band = speed_band(records) if len(records) else None
    all_runs = set(records["run_id"]).union(steps["run_id"])
    if band is not None:
        frame = matched_records(records, band)
        from_steps = False
    else:
        frame = _step_frame(steps, steps["run_id"].unique())
        from_steps = True
    compared = set(frame["run_id"])
    speed = float(frame["speed_m_per_s"].median()) if band is not None and len(frame) else None
    result = Trends(band_m_per_s=band, speed_matched=band is not None,
                    median_speed_m_per_s=None if speed is None else round(speed, 2),
                    runs_compared=len(compared), runs_left_out=len(all_runs - compared))
    if frame.empty:
        return result
    week, monday = _iso_week(frame["when"])
    frame = frame.assign(week=week.to_numpy(), week_start=monday.to_numpy())
    per_week = frame.groupby(["week", "week_start"])["run_id"].nunique()
    result.weeks = [WeekInfo(w, m, int(n)) for (w, m), n in per_week.items()]
    for metric in METRICS:
        if metric in frame and frame[metric].notna().any():
            result.metrics.append(_trend(frame, metric, from_steps, speed))
    return result
