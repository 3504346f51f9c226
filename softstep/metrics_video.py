"""Landing geometry of a run: medians over the landings of a side-view video (issue 5).

Inputs are a Steps table with the per-landing geometry of ``steps.video.detect_video`` (a foot
or shank IMU fills some of the same columns: ``strike_angle_deg`` / ``strike_class`` and
``shank_angle_deg``). Each figure is the median over the landings that have it, so a single
mistracked frame moves it little; landings the detector left without geometry (NaN: the far
foot seen late, a hidden leg) are left out, and a figure resting on fewer than
MIN_SUMMARY_LANDINGS landings is None.

Every angle from pose estimation carries about ±5-8° of error against marker capture
(SCIENCE.md §4: OpenPose sagittal RMSE 5-8°, BlazePose knee MAE 7.1°, bias -5.1°). Much of it is
a per-runner, per-camera offset that a median over landings does not average away, so these are
figures for trends within a runner (same camera set-up) rather than absolute diagnoses; the
findings (``coach.diagnose``) fire only beyond that margin (POSE_UNCERTAINTY_DEG).

Summary fields (``softstep.model.Summary``)
--------------------------------------------
- ``strike_angle_deg``: median foot-strike angle, degrees (positive = toe up, SCIENCE.md §3).
- ``rearfoot_pct`` / ``midfoot_pct`` / ``forefoot_pct``: share of the classified landings in each
  class (cut-offs of Mo et al., SCIENCE.md §3: rearfoot > 7.4°, forefoot < -0.8°), %.
- ``overstride_cm``, ``overstride_pct_leg``: median heel-ahead-of-hip distance at contact
  (SCIENCE.md §4, metric spec 7); cm only when the runner's height is known.
- ``shank_angle_deg``: median shank angle at contact, degrees from vertical, positive = ankle ahead
  of the knee (metric spec 8).
- ``knee_flexion_ic_deg``, ``knee_flexion_peak_deg``: median knee flexion at contact and its
  stance peak, degrees (metric spec 9: a trend only).
- ``trunk_lean_deg``: median forward trunk lean over the stance, degrees.
- ``landings_measured``: landings with geometry measured at contact (``measured_landings``);
  the stance knee peak is taken over these too, trunk lean over every step.

Example
-------
>>> import numpy as np
>>> from softstep.model import empty_steps
>>> steps = empty_steps(12); steps["t_s"] = np.arange(12) * 0.35
>>> steps["shank_angle_deg"] = np.where(np.arange(12) % 2, 9.0, np.nan)  # near foot only
>>> steps["strike_class"] = [None, "rearfoot"] * 6
>>> s = landing_summary(steps)
>>> s["shank_angle_deg"], s["rearfoot_pct"], s["landings_measured"]
(9.0, 100.0, 6)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

# SCIENCE.md §4: expect ±5-8° joint-angle error from pose estimation. The lower end is the margin
# a median must clear before a finding rests on it; the upper end is quoted with every angle.
POSE_UNCERTAINTY_DEG = 5.0
POSE_UNCERTAINTY_TEXT = "±5-8°"
MIN_SUMMARY_LANDINGS = 3  # fewer landings with a figure: no median
MIN_BASELINE_LANDINGS = 8  # an earlier video with fewer measured landings is no baseline

STRIKE_CLASSES = ("rearfoot", "midfoot", "forefoot")
MEDIAN_COLUMNS = (
    "strike_angle_deg",
    "overstride_cm",
    "overstride_pct_leg",
    "shank_angle_deg",
    "knee_flexion_ic_deg",
    "knee_flexion_peak_deg",
    "trunk_lean_deg",
)
# Measured at the landing itself: a landing with one of these is a measured landing
LANDING_COLUMNS = ("strike_angle_deg", "overstride_cm", "overstride_pct_leg", "shank_angle_deg",
                   "knee_flexion_ic_deg")
# Whole-body figures taken at every step whichever foot lands: medians over all steps
ALL_STEP_COLUMNS = ("trunk_lean_deg",)


def landing_values(steps: pd.DataFrame | None, column: str) -> np.ndarray:
    """Finite values of a Steps geometry column (NaN / <NA> landings dropped), as float64.

    >>> from softstep.model import empty_steps
    >>> s = empty_steps(3); s["shank_angle_deg"] = [1.0, None, 3.0]
    >>> landing_values(s, "shank_angle_deg").tolist()
    [1.0, 3.0]
    """
    if steps is None or column not in steps or len(steps) == 0:
        return np.zeros(0)
    x = pd.to_numeric(steps[column], errors="coerce").to_numpy(float, na_value=np.nan)
    return x[np.isfinite(x)]


def strike_classes(steps: pd.DataFrame | None) -> np.ndarray:
    """The known strike classes of the landings (rearfoot / midfoot / forefoot), as strings."""
    if steps is None or "strike_class" not in steps or len(steps) == 0:
        return np.zeros(0, dtype=str)
    classes = steps["strike_class"].dropna().astype(str).to_numpy()
    return classes[np.isin(classes, STRIKE_CLASSES)]


def measured_landings(steps: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the landings with foot geometry (LANDING_COLUMNS or a strike class).

    ``steps.video`` leaves a foot seen landing late (the far foot) without it, while it still
    gives that foot's stance knee peak: the knee peak is summarised over these landings only.
    """
    mask = np.zeros(len(steps), dtype=bool)
    for column in LANDING_COLUMNS:
        if column in steps:
            x = pd.to_numeric(steps[column], errors="coerce").to_numpy(float, na_value=np.nan)
            mask |= np.isfinite(x)
    if "strike_class" in steps:
        mask |= steps["strike_class"].notna().to_numpy(bool)
    return mask


def landing_summary(steps: pd.DataFrame | None) -> dict[str, float | int | None]:
    """Median landing geometry and strike-class shares (module docstring); {} without any.

    Returns a dict of Summary fields: the MEDIAN_COLUMNS medians (degrees, cm, % of leg length),
    ``rearfoot_pct`` / ``midfoot_pct`` / ``forefoot_pct`` (%) and ``landings_measured``.
    """
    if steps is None or len(steps) == 0:
        return {}
    measured = measured_landings(steps)
    n = int(measured.sum())
    if n == 0:
        return {}
    out: dict[str, float | int | None] = {"landings_measured": n}
    for column in MEDIAN_COLUMNS:
        rows = steps if column in ALL_STEP_COLUMNS else steps[measured]
        x = landing_values(rows, column)
        out[column] = float(np.median(x)) if len(x) >= MIN_SUMMARY_LANDINGS else None
    classes = strike_classes(steps)
    for name in STRIKE_CLASSES:
        out[f"{name}_pct"] = (
            float(100.0 * np.mean(classes == name)) if len(classes) >= MIN_SUMMARY_LANDINGS
            else None
        )
    return out


# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VideoRunRow:
    """One stored side-view video run, as the overstride baseline needs it
    (``Store.video_history``)."""

    run_id: int
    content_hash: str | None
    start: datetime | None
    overstride_pct_leg: float | None
    landings_measured: int | None


def overstride_baseline(
    history: Iterable[VideoRunRow], *, exclude_hash: str | None = None
) -> float | None:
    """The runner's own overstride reference, % of leg length: the median of the stored video
    runs' median overstride, each with at least MIN_BASELINE_LANDINGS landings; the run being
    analysed (``exclude_hash``, the same file stored before) does not count. None without any.

    SCIENCE.md §4 / metric spec 7: no validated cut-off exists, the target is a reduction from
    the runner's own baseline.

    >>> rows = [VideoRunRow(1, "a", None, 20.0, 15), VideoRunRow(2, "b", None, 24.0, 15),
    ...         VideoRunRow(3, "c", None, 40.0, 4)]
    >>> overstride_baseline(rows), overstride_baseline(rows, exclude_hash="b")
    (22.0, 20.0)
    """
    values = [
        r.overstride_pct_leg for r in history
        if r.overstride_pct_leg is not None and np.isfinite(r.overstride_pct_leg)
        and (r.landings_measured or 0) >= MIN_BASELINE_LANDINGS
        and (exclude_hash is None or r.content_hash != exclude_hash)
    ]
    return float(np.median(values)) if values else None
