"""Footfall-sound metrics: loudness level, spread and trend, odd/even alternation asymmetry,
and the quiet score against the runner's own baseline (issue 4; SCIENCE.md §7, metric spec 5).

Inputs are an audio Steps table (``steps.audio.detect_footfalls``): one row per footfall with
``t_s``, ``step_s``, ``cadence_spm``, ``loudness_dbfs`` (peak of the band-passed envelope, dB re
full scale), ``loudness_db`` (the same re the run's median footfall) and ``impact_clipped``
(the sound reached full scale). ``side`` is <NA>: a microphone cannot tell the feet apart.

Definitions (all pure functions of the table)
---------------------------------------------
- Clipped footfalls have a loudness that is only a lower bound: they are left out of every
  loudness figure here (level, spread, trend, asymmetry, quiet score), as clipped impacts are.
- ``loudness_dbfs``: median footfall dBFS; ``loudness_iqr_db``: its interquartile range.
- ``loudness_trend_db_per_10min``: slope of a robust straight line (``metrics.huber_line``)
  through per-footfall dBFS against time, × 600 s; ``loudness_third_change_db``: median of the
  last third of the footfalls (by time) minus median of the first third. Both need 5 minutes.
- Odd/even alternation (``odd_even``): footfalls alternate feet, so counting steps gives the
  foot up to an unknown swap. Steps are counted with the interval to the previous footfall
  rounded to a whole number of local step times (a missed footfall counts 2), so a miss does
  not swap the feet; an interval that is not near a whole multiple (0.3 step off, an extra
  detection or a pause of > 4 steps) starts a new *stretch*, whose feet cannot be tied to the
  previous stretch. Per stretch: loudness asymmetry = |mean dBFS of foot A - foot B|, timing
  asymmetry = |mean A->B interval - mean B->A interval| (ms, and % of the mean step time; one-
  step intervals only). The run's value is the footfall-weighted mean over stretches of at
  least ``MIN_STRETCH_FOOTFALLS``. Which foot is left and which right is unknown, so only
  magnitudes are reported. Noise alone gives a small positive value (about
  ``2·sd/sqrt(n)``: 0.2 dB for 400 footfalls with a 2-dB step-to-step spread).
- Baseline (``loudness_baseline``): the runner's earlier audio runs in the store whose cadence
  is within ``CADENCE_MATCH_PCT`` of this run's (audio has no speed; cadence is the only match
  we have), each with at least ``MIN_FOOTFALLS``; the baseline level is the median of their
  ``loudness_dbfs``. No such run: no baseline, and this run becomes the baseline.
- ``quiet_score_pct``: 0-100, the share of this run's (unclipped) footfalls at least
  ``QUIET_TARGET_DB`` (3 dB, SCIENCE.md metric spec 5) quieter than the baseline level. It is a
  within-runner figure: SCIENCE.md §7 says no absolute dB threshold exists and only same-
  surface, same-speed, same-microphone comparisons are meaningful. About half the footfalls of
  a runner who has reached the 3-dB target are below it (score ≈ 50); a run as loud as the
  baseline scores a few % (the step-to-step spread); None without a baseline.

Example
-------
>>> import numpy as np
>>> from softstep.model import empty_steps
>>> steps = empty_steps(200); steps["t_s"] = np.arange(200) * 0.35
>>> steps["loudness_dbfs"] = np.where(np.arange(200) % 2, -20.0, -22.0)
>>> steps["impact_clipped"] = False
>>> s = loudness_summary(steps)
>>> s["loudness_dbfs"], round(s["footfall_loudness_asymmetry_db"], 2)
(-21.0, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from softstep import metrics

MIN_FOOTFALLS = 25  # SCIENCE.md §7: Oliveira & Pirscoveanu 2021 recommend >= 25 steps per runner
QUIET_TARGET_DB = 3.0  # SCIENCE.md metric spec 5: target a >= 3 dB (≈ 30 %) reduction
SMOOTH_STEPS = 5  # SCIENCE.md metric spec: "computed per step and smoothed over 5 steps"
CADENCE_MATCH_PCT = 5.0  # softstep choice: baseline runs within ±5 % cadence (a plan step, §2)
MIN_STRETCH_FOOTFALLS = 20  # softstep choice: shorter stretches give too noisy an odd/even split
ROUNDING_TOLERANCE = 0.3  # interval / local step time this far from a whole number: new stretch
MAX_GAP_STEPS = 4  # a pause longer than this many steps: new stretch
LOCAL_STEP_FOOTFALLS = 9  # rolling median of intervals that defines the local step time
MIN_TREND_S = 300.0  # softstep: a trend per 10 min from less than 5 min is mostly extrapolation


def _num(steps: pd.DataFrame, column: str) -> np.ndarray:
    return metrics._num(steps, column)


def usable_dbfs(steps: pd.DataFrame) -> np.ndarray:
    """Per-footfall dBFS with clipped footfalls set to NaN (their loudness is a lower bound).

    >>> from softstep.model import empty_steps
    >>> s = empty_steps(2); s["loudness_dbfs"] = [-20.0, -1.0]; s["impact_clipped"] = [False, True]
    >>> usable_dbfs(s).tolist()
    [-20.0, nan]
    """
    return np.where(metrics._clipped(steps), np.nan, _num(steps, "loudness_dbfs"))


def smoothed_loudness_db(steps: pd.DataFrame, window: int = SMOOTH_STEPS) -> np.ndarray:
    """``loudness_db`` (dB re the run's median) averaged over ``window`` footfalls, centred;
    clipped footfalls are left out of the average (NaN where fewer than 3 remain).

    >>> from softstep.model import empty_steps
    >>> s = empty_steps(5); s["loudness_db"] = [0.0, 1, 2, 3, 4]; s["impact_clipped"] = False
    >>> smoothed_loudness_db(s).tolist()
    [1.0, 1.5, 2.0, 2.5, 3.0]
    """
    x = np.where(metrics._clipped(steps), np.nan, _num(steps, "loudness_db"))
    rolled = pd.Series(x).rolling(window, center=True, min_periods=min(3, window)).mean()
    return rolled.to_numpy(float)


# --------------------------------------------------------------------------------------------
def foot_parity(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(foot, stretch) per footfall: foot 0/1 alternates with the counted steps; a stretch is a
    run of footfalls whose step count is unambiguous (module docstring).

    Returns two int arrays of len(t_s). A missed footfall (an interval of two steps) keeps the
    feet right; an extra or unclear interval starts a new stretch.

    >>> t = np.array([0, 0.35, 0.70, 1.40, 1.75, 2.10])     # the footfall at 1.05 s was missed
    >>> [a.tolist() for a in foot_parity(t)]
    [[0, 1, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]]
    """
    t = np.asarray(t_s, float)
    if len(t) < 2:
        return np.zeros(len(t), int), np.zeros(len(t), int)
    d = np.diff(t)
    local = pd.Series(d).rolling(LOCAL_STEP_FOOTFALLS, center=True, min_periods=1).median()
    local = local.to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = d / local
    n_steps = np.rint(ratio)
    clear = (np.abs(ratio - n_steps) <= ROUNDING_TOLERANCE) & (n_steps >= 1) & (
        n_steps <= MAX_GAP_STEPS)
    stretch = np.r_[0, np.cumsum(~clear)]
    count = np.r_[0, np.cumsum(np.where(clear, n_steps, 0)).astype(int)]
    return count % 2, stretch


def odd_even(steps: pd.DataFrame, keys: np.ndarray | None = None) -> pd.DataFrame:
    """Odd/even asymmetry per group ``keys`` (all one group when None), module docstring.

    Returns a DataFrame indexed by key with ``loudness_asymmetry_db``, ``timing_asymmetry_ms``,
    ``timing_asymmetry_pct`` and ``footfalls`` (in stretches long enough to count); NaN where
    no stretch of the group has ``MIN_STRETCH_FOOTFALLS``.

    >>> from softstep.model import empty_steps
    >>> s = empty_steps(100); s["t_s"] = np.cumsum(np.where(np.arange(100) % 2, 0.36, 0.34))
    >>> s["loudness_dbfs"] = -20.0; s["impact_clipped"] = False
    >>> odd_even(s).round(1).iloc[0].tolist()
    [0.0, 20.0, 5.7, 100.0]
    """
    t = _num(steps, "t_s")
    keys = np.zeros(len(t), int) if keys is None else np.asarray(keys)
    foot, stretch = foot_parity(t)
    dbfs = usable_dbfs(steps)
    interval = np.r_[np.diff(t), np.nan]
    foot_next = np.r_[foot[1:], -1]
    stretch_next = np.r_[stretch[1:], -1]
    one_step = (foot_next != foot) & (stretch_next == stretch)  # exactly one step to the next
    frame = pd.DataFrame({
        "key": keys, "stretch": stretch, "foot": foot,
        "db": dbfs, "step": np.where(one_step, interval, np.nan),
    })
    by = ["key", "stretch"]
    n = frame.groupby(by).size().rename("n")
    means = frame.groupby([*by, "foot"])[["db", "step"]].agg(["mean", "count"]).unstack("foot")
    means = means.reindex(columns=pd.MultiIndex.from_product([["db", "step"], ["mean", "count"],
                                                              [0, 1]]))
    out = pd.DataFrame(index=means.index)
    min_count = MIN_STRETCH_FOOTFALLS // 4  # values of each foot
    for col in ("db", "step"):
        a, b = means[(col, "mean", 0)], means[(col, "mean", 1)]
        enough = (means[(col, "count", 0)] >= min_count) & (means[(col, "count", 1)] >= min_count)
        out[col] = (a - b).abs().where(enough)
        if col == "step":
            out["step_mean"] = ((a + b) / 2).where(enough)
    out = out.join(n)
    out = out[out["n"] >= MIN_STRETCH_FOOTFALLS]

    def weighted(col: str) -> pd.Series:
        ok = out[col].notna()
        w = out["n"].where(ok, 0)
        total = w.groupby(level="key").sum()
        return ((out[col].fillna(0) * w).groupby(level="key").sum() / total).where(total > 0)

    result = pd.DataFrame({
        "loudness_asymmetry_db": weighted("db"),
        "timing_asymmetry_ms": 1000.0 * weighted("step"),
        "step_mean": weighted("step_mean"),
        "footfalls": out["n"].groupby(level="key").sum(),
    })
    result["timing_asymmetry_pct"] = result["timing_asymmetry_ms"] / (10.0 * result["step_mean"])
    all_keys = pd.Index(np.unique(keys), name="key")
    result = result.reindex(all_keys)
    result["footfalls"] = result["footfalls"].fillna(0)
    return result[["loudness_asymmetry_db", "timing_asymmetry_ms", "timing_asymmetry_pct",
                   "footfalls"]]


# --------------------------------------------------------------------------------------------
def loudness_trend(t_s: np.ndarray, dbfs: np.ndarray) -> tuple[float | None, float | None]:
    """(dB per 10 min from a Huber line through finite ``dbfs`` against ``t_s``,
    last-third median minus first-third median in dB); (None, None) with under MIN_FOOTFALLS
    values or under MIN_TREND_S (5 min) of footfalls.

    >>> t = np.arange(1800) * 0.35; x = -20 + 0.5 * t / 600
    >>> [round(v, 2) for v in loudness_trend(t, x)]
    [0.5, 0.35]
    """
    t = np.asarray(t_s, float)
    x = np.asarray(dbfs, float)
    ok = np.isfinite(t) & np.isfinite(x)
    t, x = t[ok], x[ok]
    if len(t) < MIN_FOOTFALLS or np.ptp(t) < MIN_TREND_S:
        return None, None
    slope = metrics.huber_line(t - t[0], x, np.ones(len(t)))[1] * 600.0
    third = len(t) // 3
    change = float(np.median(x[-third:]) - np.median(x[:third]))
    return float(slope), change


def loudness_summary(steps: pd.DataFrame | None) -> dict[str, float | None]:
    """Per-run loudness figures of an audio Steps table, by Summary field name (module
    docstring); {} when the table has no footfall loudness (not an audio run).
    """
    if steps is None or not len(steps) or "loudness_dbfs" not in steps:
        return {}
    dbfs = usable_dbfs(steps)
    if not np.isfinite(_num(steps, "loudness_dbfs")).any():
        return {}
    x = dbfs[np.isfinite(dbfs)]
    out: dict[str, float | None] = dict.fromkeys((
        "loudness_dbfs", "loudness_iqr_db", "loudness_trend_db_per_10min",
        "loudness_third_change_db", "footfall_loudness_asymmetry_db",
        "footfall_timing_asymmetry_ms", "footfall_timing_asymmetry_pct"))
    if len(x) >= MIN_FOOTFALLS // 3:
        q1, q2, q3 = np.percentile(x, [25, 50, 75])
        out["loudness_dbfs"], out["loudness_iqr_db"] = float(q2), float(q3 - q1)
    trend, change = loudness_trend(_num(steps, "t_s"), dbfs)
    out["loudness_trend_db_per_10min"], out["loudness_third_change_db"] = trend, change
    row = odd_even(steps).iloc[0]
    for name, col in (("footfall_loudness_asymmetry_db", "loudness_asymmetry_db"),
                      ("footfall_timing_asymmetry_ms", "timing_asymmetry_ms"),
                      ("footfall_timing_asymmetry_pct", "timing_asymmetry_pct")):
        value = float(row[col])
        out[name] = value if math.isfinite(value) else None
    return out


# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AudioRunRow:
    """One stored audio run, as the baseline needs it (``Store.audio_history``)."""

    run_id: int
    content_hash: str | None
    start: datetime | None
    cadence_spm: float | None
    loudness_dbfs: float | None
    steps_detected: int | None
    device: str | None = None


@dataclass(frozen=True)
class LoudnessBaseline:
    """The runner's own footfall loudness at matched cadence, from earlier audio runs.

    ``loudness_dbfs``: median of the matched runs' median footfall dBFS; ``cadence_spm``:
    median of their cadences; ``run_ids``: the runs it comes from.
    """

    loudness_dbfs: float
    cadence_spm: float
    run_ids: tuple[int, ...]

    def to_dict(self) -> dict:
        return {"loudness_dbfs": round(self.loudness_dbfs, 2),
                "cadence_spm": round(self.cadence_spm, 1), "run_ids": list(self.run_ids)}


def loudness_baseline(
    history: Iterable[AudioRunRow], cadence_spm: float | None, *,
    exclude_hash: str | None = None, match_pct: float = CADENCE_MATCH_PCT,
) -> LoudnessBaseline | None:
    """The baseline of a run at ``cadence_spm`` from ``history`` (module docstring); None when
    no earlier run matches. Runs of the file ``exclude_hash`` (this run's own file) never count.

    >>> rows = [AudioRunRow(1, "a", None, 170.0, -20.0, 400), AudioRunRow(2, "b", None, 171.0,
    ...         -22.0, 400), AudioRunRow(3, "c", None, 150.0, -10.0, 400)]
    >>> loudness_baseline(rows, 172.0)
    LoudnessBaseline(loudness_dbfs=-21.0, cadence_spm=170.5, run_ids=(1, 2))
    >>> loudness_baseline(rows, 172.0, exclude_hash="a").run_ids, loudness_baseline([], 172.0)
    ((2,), None)
    """
    if cadence_spm is None or not math.isfinite(cadence_spm) or cadence_spm <= 0:
        return None
    matched = [
        r for r in history
        if r.loudness_dbfs is not None and math.isfinite(r.loudness_dbfs)
        and r.cadence_spm is not None and math.isfinite(r.cadence_spm)
        and abs(r.cadence_spm - cadence_spm) <= cadence_spm * match_pct / 100.0
        and (r.steps_detected or 0) >= MIN_FOOTFALLS
        and (exclude_hash is None or r.content_hash != exclude_hash)
    ]
    if not matched:
        return None
    return LoudnessBaseline(
        float(np.median([r.loudness_dbfs for r in matched])),
        float(np.median([r.cadence_spm for r in matched])),
        tuple(sorted(r.run_id for r in matched)),
    )


def quiet_share_pct(dbfs: np.ndarray, baseline_dbfs: float | None,
                    target_db: float = QUIET_TARGET_DB) -> float | None:
    """Percent of finite ``dbfs`` at least ``target_db`` below ``baseline_dbfs``; None without a
    baseline or under MIN_FOOTFALLS // 3 values.

    >>> quiet_share_pct(np.array([-25.0, -24.0, -22.0, -20.0, np.nan] * 3), -21.0)
    50.0
    """
    x = np.asarray(dbfs, float)
    x = x[np.isfinite(x)]
    if baseline_dbfs is None or len(x) < MIN_FOOTFALLS // 3:
        return None
    return float(100.0 * np.mean(x <= baseline_dbfs - target_db))


def against_baseline(steps: pd.DataFrame, baseline: LoudnessBaseline | None
                     ) -> dict[str, float | None]:
    """``loudness_vs_baseline_db`` (this run's median dBFS minus the baseline) and
    ``quiet_score_pct``; both None without a baseline or footfall loudness."""
    if baseline is None or steps is None or not len(steps):
        return {"loudness_vs_baseline_db": None, "quiet_score_pct": None}
    dbfs = usable_dbfs(steps)
    x = dbfs[np.isfinite(dbfs)]
    if len(x) < MIN_FOOTFALLS // 3:
        return {"loudness_vs_baseline_db": None, "quiet_score_pct": None}
    return {
        "loudness_vs_baseline_db": float(np.median(x) - baseline.loudness_dbfs),
        "quiet_score_pct": quiet_share_pct(x, baseline.loudness_dbfs),
    }


# --------------------------------------------------------------------------------------------
PER_MINUTE_AUDIO_COLUMNS = [
    "loudness_dbfs", "loudness_asymmetry_db", "timing_asymmetry_pct", "quiet_pct",
]


def per_minute_loudness(steps: pd.DataFrame, keys: np.ndarray,
                        baseline_dbfs: float | None = None) -> pd.DataFrame:
    """Per group ``keys`` (the minutes of ``metrics.per_minute``): median footfall dBFS,
    odd/even loudness and timing asymmetry, and the share of footfalls at least 3 dB under the
    baseline (``quiet_pct``; NaN without one). Indexed by key, PER_MINUTE_AUDIO_COLUMNS."""
    dbfs = usable_dbfs(steps)
    series = pd.Series(dbfs)
    out = pd.DataFrame({"loudness_dbfs": series.groupby(keys).median()})
    asym = odd_even(steps, keys)
    out["loudness_asymmetry_db"] = asym["loudness_asymmetry_db"]
    out["timing_asymmetry_pct"] = asym["timing_asymmetry_pct"]
    if baseline_dbfs is None:
        out["quiet_pct"] = np.nan
    else:
        quiet = (dbfs <= baseline_dbfs - QUIET_TARGET_DB).astype(float)
        quiet[~np.isfinite(dbfs)] = np.nan
        out["quiet_pct"] = 100.0 * pd.Series(quiet).groupby(keys).mean()
    return out[PER_MINUTE_AUDIO_COLUMNS]
