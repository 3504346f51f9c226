"""Weekly trends of a runner's form at matched speed (pure functions over DataFrames).

Speed changes cadence, contact time, impact and footfall loudness by as much as training does
(SCIENCE.md: speed explains part of PTA, Sheerin 2020; peak sound correlates with speed at
r = 0.61-0.70; cadence rises ~3 spm per +15 % speed), so SCIENCE.md's principle is to compare a
runner "with their own baseline at a matched speed and surface". Here every run is cut to one
speed band that the compared runs share: the 2 · ``BAND_M_PER_S`` (0.6 m/s) wide band in which
the most runs have at least ``MIN_BAND_S`` seconds (``speed_band``). Runs with less time in
the band are left out. Runs with no speed at all (audio,
IMU without GPS) are compared only when no run has speed, and the result says it is unmatched.

Per ISO week and metric: the median, quartiles, the minutes or steps behind it, and a 95 %
interval of the median. Records (one a second) are strongly autocorrelated, so a minute of
running (or 10 consecutive steps) is taken as one independent value: the week's median is the
median of its minutes' medians, and its interval the distribution-free one of those values
(``median_interval``: order statistics from the binomial distribution, no normality assumed).
A week with fewer than ``MIN_UNITS`` such values has no 95 % interval. A change from the first
to the last week is called real when it exceeds ``√(h_first² + h_last²)``, ``h`` each interval's
half-width.

Example
-------
>>> import pandas as pd
>>> rec = pd.DataFrame({"run_id": [1] * 480 + [2] * 480,
...     "when": pd.to_datetime(["2026-01-05"] * 480 + ["2026-01-19"] * 480, utc=True),
...     "t_s": list(range(480)) * 2, "speed_m_per_s": [3.0] * 960,
...     "cadence_spm": [160.0] * 480 + [170.0] * 480})
>>> t = weekly_trends(rec, rec.iloc[:0])
>>> [w.week for w in t.weeks], t.metrics[0].change, t.metrics[0].beyond_uncertainty
(['2026-W02', '2026-W04'], 10.0, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import binom

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
SECONDS_PER_INDEPENDENT = 60.0
STEPS_PER_INDEPENDENT = 10
COVERAGE = 0.95
MIN_UNITS = 6  # 5 values cannot bound a median at 95 %: all on one side has p = 2 · 0.5^5 > 5 %


@dataclass
class WeekPoint:
    """One metric in one ISO week: median, quartiles, interval half-width, how much data."""

    week: str  # ISO week, e.g. "2026-W05"
    week_start: str  # its Monday, YYYY-MM-DD
    median: float
    q25: float
    q75: float
    low: float | None  # 95 % interval of the median, None with fewer than MIN_UNITS values
    high: float | None
    half_width: float | None  # (high - low) / 2
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
    uncertainty: float | None = None  # √(h_first² + h_last²); None: a week without interval
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


def median_interval(values: np.ndarray, coverage: float = COVERAGE) -> tuple[float, float]:
    """(low, high): a distribution-free interval of the median of independent ``values``, the
    order statistics x_(j) and x_(n+1-j) with j from the binomial(n, ½) distribution, so that
    it holds the median with probability >= ``coverage``. (nan, nan) when n is too small.

    >>> median_interval(np.arange(1.0, 11.0))  # n = 10: ranks 2 and 9 (97.9 %)
    (2.0, 9.0)
    >>> median_interval(np.arange(5.0))
    (nan, nan)
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    j = int(binom.ppf((1 - coverage) / 2, n, 0.5)) if n else 0  # 1-based rank of ``low``
    if j < 1 or n < MIN_UNITS:
        return (math.nan, math.nan)
    return (float(x[j - 1]), float(x[n - j]))


def _unit_medians(data: pd.DataFrame, metric: str, from_steps: bool) -> pd.Series:
    """The metric's median in each independent unit (a minute of a run, or 10 consecutive
    steps), indexed by (week, week_start, run_id, unit)."""
    if from_steps:
        unit = data.groupby("run_id").cumcount() // STEPS_PER_INDEPENDENT
    else:
        unit = (data["t_s"] // SECONDS_PER_INDEPENDENT).astype(int)
    return data.groupby(["week", "week_start", "run_id", unit.rename("unit")])[metric].median()


def _weekly(frame: pd.DataFrame, metric: str, from_steps: bool) -> list[WeekPoint]:
    data = frame[["week", "week_start", "run_id", "t_s", "dur_s", metric]].dropna(subset=[metric])
    if data.empty:
        return []
    grouped = data.groupby(["week", "week_start"], sort=True)
    quartiles = grouped[metric].quantile([0.25, 0.75]).unstack()
    minutes = grouped["dur_s"].sum() / 60.0
    count = grouped[metric].size()
    runs = grouped["run_id"].nunique()
    units = _unit_medians(data, metric, from_steps).groupby(level=["week", "week_start"])
    points = []
    for (w, m), values in units:
        low, high = median_interval(values.to_numpy())
        known = not math.isnan(low)
        points.append(WeekPoint(
            week=w, week_start=m, median=float(values.median()),
            q25=float(quartiles.at[(w, m), 0.25]), q75=float(quartiles.at[(w, m), 0.75]),
            low=low if known else None, high=high if known else None,
            half_width=(high - low) / 2 if known else None,
            minutes=0.0 if from_steps else round(float(minutes[(w, m)]), 1),
            steps=int(count[(w, m)]) if from_steps else 0, runs=int(runs[(w, m)])))
    return points


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
    if trend.beyond_uncertainty is None:
        thin = points[0] if points[0].half_width is None else points[-1]
        what = "10-step stretches" if thin.steps else "minutes"
        judge = (f"{thin.week} has too few {what} at this speed to tell whether that is real "
                 f"(needs {MIN_UNITS})")
    elif trend.beyond_uncertainty:
        judge = "that is more than the uncertainty of the weekly medians"
    else:
        judge = "that is within the uncertainty of the weekly medians, so it may be noise"
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
        if first.half_width is not None and last.half_width is not None:
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
