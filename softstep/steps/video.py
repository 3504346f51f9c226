"""Side-view video: 2-D keypoints per frame -> foot contacts and the geometry of each landing.

Pure functions over NumPy arrays. The input is the ``samples`` table of a "video" Recording
(``readers.pose``): per frame ``t_s`` and, per side (``l`` / ``r``) and joint, ``x_px`` (to the
right), ``y_px`` (down) and ``score``. Marker trajectories projected onto the sagittal plane give
the same table (``validation.video``), so the arithmetic is checked against a force plate
independently of any pose model.

Method
------
1. **Cleaning.** Keypoints scored under MIN_SCORE, and single-frame jumps (a point more than
   JUMP_FRACTION of the leg length from the median of its +-2 neighbouring frames: the pose model
   briefly put the far heel on the near one) are dropped; gaps of up to MAX_GAP_S are bridged
   linearly.
2. **Scale.** Leg length in pixels = median thigh (hip-knee) + median shank (knee-ankle) + median
   ankle-heel distance; foot length = median heel-to-big-toe distance. With the runner's leg
   length (``Runner.leg_length_m`` = 0.53 x height, SCIENCE.md §6) pixels become cm.
3. **Facing.** On a treadmill the stance foot moves backwards relative to the hips (and overground
   too: the foot stands still while the hips pass it). The sign of the horizontal velocity of
   the heel relative to the mid-hip, over the frames where the heel is low, is the backward
   direction; the runner faces the other way. ``facing_agreement`` is the share of those frames
   that agree.
4. **Contacts** (height threshold on heel and toe, the foot-kinematics family of Zeni et al.
   2008, Gait Posture 27:710, whose pelvis-relative extremes are biased in running: the foot is
   most anterior before it lands). The ground level of each heel and toe track is its lowest
   image position (GROUND_PERCENTILE-th percentile of y); ``lift`` is LIFT_FRACTION of the foot
   length (about a shoe sole's compression) or NOISE_K times the keypoints' jitter
   (``keypoint_noise``), whichever is larger. A contact is a spell with the foot's lowest point
   under ``swing`` (SWING_FRACTION of the foot length, at least 2 x lift) - the heel is down
   early in the stance and the toe late, and in between neither need be within ``lift`` of its
   lowest point. Initial contact (IC) is the first time the heel or the toe comes within
   ``lift`` (the heel for a rearfoot landing, the toe for a forefoot one), toe-off (TO) the last;
   both are interpolated linearly between frames, which is honest to a fraction of a frame only
   where the foot moves steadily - at 30 fps one frame is 33 ms, and contact and flight times
   carry about +-1 frame (README of video_side_treadmill; SCIENCE.md §4: BlazePose timing error
   10-14 ms at higher frame rates). On heel and toe markers against a force plate
   (``softstep validate --only markers``) IC comes 17 ms early and TO 33 ms late at 240 Hz
   (26 / 34 ms at 30 fps): contact times are long by about 50-60 ms, a bias of the method that
   is reported, not corrected.
5. **Per landing** at IC (values interpolated between frames):
   - ``strike_angle_deg``: foot angle (heel -> big toe against the image horizontal, positive =
     toe up) at IC minus the same foot's median angle while flat on the ground (heel and toe
     down; else at mid-stance): the foot-strike angle of Altman & Davis 2012 (SCIENCE.md §3),
     whose reference is the standing foot angle; the ground line's tilt and the keypoints'
     offsets on the shoe cancel in the difference. Classes by
     the ROC cut-offs of Mo et al. (SCIENCE.md §3): rearfoot > 7.4°, forefoot < -0.8°.
   - ``overstride_cm`` / ``overstride_pct_leg``: horizontal heel-to-mid-hip distance at IC,
     positive = heel ahead of the hips (Souza 2016, SCIENCE.md §4).
   - ``shank_angle_deg``: knee -> ankle against the vertical, positive = ankle ahead of the knee
     (a reaching shank; Lieberman 2015 advises a vertical tibia, SCIENCE.md §4).
   - ``knee_flexion_ic_deg``, ``knee_flexion_peak_deg``: 180° minus the hip-knee-ankle angle, at
     IC and its maximum from IC to TO.
   - ``trunk_lean_deg``: mid-hip -> mid-shoulder against the vertical, positive = forward, median
     over the stance.
   - ``vertical_oscillation_cm``: range of the mid-hip height (0.1 s running mean) from this IC
     to the next, scaled like the overstride.
   Every angle carries the ±5-8° of pose estimation against marker capture (SCIENCE.md §4).
6. **Side.** Facing image-left, the camera sees the runner's left side (near leg = L); facing
   right, the right side. The pose model's own left/right label names the foot; a contact whose
   foot keypoints score under MIN_SIDE_SCORE (the far leg hidden behind the near one or the
   treadmill console) or that breaks the L/R alternation gets side <NA>, never a guess. A
   camera looks down on the floor, so the nearer foot's ground line lies lower in the image:
   when the two feet's ground levels differ by NEAR_MIN_FRACTION of the foot length and the
   lower one is not the foot the model calls the near side (a mirrored video, swapped labels),
   every side is <NA> and a warning says why.
   ``confidence`` is the mean heel / toe / ankle score over the stance.

Example
-------
>>> t = np.arange(300) / 30.0
>>> samples = synthetic_samples(t, cadence_spm=170.0, contact_s=0.25)
>>> steps = detect_video(samples, 30.0, leg_length_m=0.9)
>>> round(float(np.nanmedian(steps["cadence_spm"]))), steps.attrs["facing"]
(170, 'left')
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from softstep.model import STEP_COLUMNS, conform

__all__ = [
    "detect_facing",
    "detect_view",
    "detect_recording",
    "detect_video",
    "foot_angle_deg",
    "foot_contacts",
    "foot_lag_s",
    "knee_flexion_deg",
    "overstride",
    "strike_class",
    "synthetic_samples",
]

MIN_SCORE = 0.3  # keypoints scored below this are dropped
JUMP_FRACTION = 0.2  # a point this far (x leg length) from its neighbours' median is a glitch
MAX_GAP_S = 0.1  # gaps up to this long are bridged linearly (3 frames at 30 fps)
GROUND_PERCENTILE = 95.0  # image y percentile that is the ground level of a heel / toe
LIFT_FRACTION = 0.03  # on the ground while within this x foot length of the ground level ...
NOISE_K = 3.0  # ... or within this x the keypoints' frame-to-frame jitter, whichever is larger
MIN_CONTACT_S = 0.08  # shorter ground spells are noise (2 frames at 30 fps)
MAX_CONTACT_S = 0.6  # longer ones are standing or walking, not running contacts
# Fit the ground line's slope per keypoint (``ground_line``). Off: the heel rises and the toe
# sinks through a real stance, so the fitted slope mixes foot roll with camera tilt - on the
# markers of treadmill_force_markers it put every IC 30-40 ms off; level ground keeps them
# within 20 ms.
GROUND_TILT = False
STANCE_SPEED_FRACTION = 0.2  # stance-like: forward speed under this x the 90th-pct speed
MAX_GROUND_SLOPE = 0.3  # |slope| of a ground line, image units per unit (about 17°)
SWING_FRACTION = 0.25  # x foot length: a foot higher than this (or 2 x lift) is in the air
MISSED_STEP_RATIO = 1.5  # an IC-to-IC interval this much over the median spans a missed step
NEAR_MIN_FRACTION = 0.08  # ground levels this far apart (x foot length) tell near from far
MIN_SIDE_SCORE = 0.5  # mean foot keypoint score over the stance needed to name the side
RFS_MIN_DEG = 7.4  # SCIENCE.md §3, Mo et al.: rearfoot > 7.4°
FFS_MAX_DEG = -0.8  # ... forefoot < -0.8°
ANGLE_UNCERTAINTY_DEG = (5.0, 8.0)  # SCIENCE.md §4: pose vs marker capture
VO_SMOOTH_S = 0.1  # running mean of the hip height before its range per step
MIN_CONTACTS = 8  # fewer is not a run (pipeline.MIN_RUNNING_CONTACTS)
# Side or front view (``detect_view``). From the side each foot swings fore-aft past the hips:
# heel/ankle x relative to mid-hip spans 0.68-0.74 leg lengths (5th-95th percentile) on
# male_side (both the keypoint file and BlazePose), 0.57 on synthetic_samples; at 45° it keeps
# cos 45° = 0.7 of that. From the front (or behind) the foot moves towards the camera, not
# across the image: under 0.2. The feet also pass each other every step from the side (the
# left-right order of the ankles flips, ~50 % each way) and never do from the front.
FRONT_MAX_FORE_AFT = 0.3  # x leg length: less fore-aft range than this is a front view ...
OBLIQUE_MAX_FORE_AFT = 0.45  # ... and less than this with the feet (almost) never passing
MIN_FEET_PASSING = 0.1  # share of frames with the minority left-right order of the ankles
MIN_FOOT_RISE = 0.1  # x leg length: feet that rise less (standing) tell no view
# The far foot seen late (``foot_lag_s``): its ICs this far (x the stride) from halfway between
# the near foot's, and at least a frame, are a view artefact, not a limp: the steps then
# alternate long/short by 4 x this (16 %), where healthy runners differ by a few % (softstep
# threshold, no published cut-off). On male_side the far (right) foot's heel and toe reach
# their ground level 2 frames after the foot lands (both RTMPose and BlazePose; the treadmill
# console hides the far foot at the front of the stride): lag 64-72 ms = 0.09-0.10 stride,
# steps 0.43 / 0.29 s, contact 304 / 184 ms. Markers against a force plate: under 0.01.
LATE_FOOT_STRIDE_FRACTION = 0.04
SIDES = ("l", "r")


# ==============================================================================================
# small geometry
# ==============================================================================================
def foot_angle_deg(heel_x, heel_y, toe_x, toe_y, forward: int) -> np.ndarray:
    """Angle of the line heel -> big toe against the image horizontal, degrees, positive = toe
    up. Image y points down; ``forward`` is +1 when the runner faces image-right, -1 left.

    >>> float(foot_angle_deg(100.0, 500.0, 100.0 - 80 * np.cos(np.radians(20)),
    ...                      500.0 - 80 * np.sin(np.radians(20)), -1).round(6))
    20.0
    """
    dx = (np.asarray(toe_x, float) - np.asarray(heel_x, float)) * forward
    dy = np.asarray(heel_y, float) - np.asarray(toe_y, float)
    return np.degrees(np.arctan2(dy, dx))


def strike_class(angle_deg) -> np.ndarray:
    """"rearfoot" / "midfoot" / "forefoot" by the foot-strike angle (SCIENCE.md §3, Mo et al.:
    RFS > 7.4°, FFS < -0.8°); "" where the angle is NaN.

    >>> strike_class(np.array([12.0, 3.0, -5.0, np.nan])).tolist()
    ['rearfoot', 'midfoot', 'forefoot', '']
    """
    a = np.asarray(angle_deg, float)
    with np.errstate(invalid="ignore"):
        return np.select([a > RFS_MIN_DEG, a < FFS_MAX_DEG, np.isfinite(a)],
                         ["rearfoot", "forefoot", "midfoot"], "")


def knee_flexion_deg(hip_x, hip_y, knee_x, knee_y, ankle_x, ankle_y) -> np.ndarray:
    """Knee flexion, degrees: 180 minus the angle hip-knee-ankle (0 = straight leg).

    >>> float(knee_flexion_deg(0.0, 0.0, 0.0, 40.0, 40.0, 80.0).round(6))
    45.0
    """
    ax, ay = np.asarray(hip_x, float) - knee_x, np.asarray(hip_y, float) - knee_y
    bx, by = np.asarray(ankle_x, float) - knee_x, np.asarray(ankle_y, float) - knee_y
    inner = np.degrees(np.arctan2(np.abs(ax * by - ay * bx), ax * bx + ay * by))
    return 180.0 - inner


def segment_angle_deg(top_x, top_y, bottom_x, bottom_y, forward: int) -> np.ndarray:
    """Angle of the segment top -> bottom against the downward vertical, degrees, positive when
    the bottom end is ahead (in the running direction) of the top end.

    >>> float(segment_angle_deg(0.0, 0.0, -10.0, 10.0, -1).round(6))
    45.0
    """
    dx = (np.asarray(bottom_x, float) - top_x) * forward
    dy = np.asarray(bottom_y, float) - top_y
    return np.degrees(np.arctan2(dx, dy))


def overstride(heel_x, hip_x, forward: int, leg_px: float,
               leg_length_m: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal heel-to-hip distance at contact, positive = heel ahead of the hips
    (SCIENCE.md §4, Souza 2016): (cm, % of leg length). cm is NaN without ``leg_length_m``.

    >>> cm, pct = overstride(np.array([200.0]), np.array([300.0]), -1, 400.0, 0.9)
    >>> round(float(cm[0]), 6), round(float(pct[0]), 6)
    (22.5, 25.0)
    """
    ahead_px = (np.asarray(heel_x, float) - np.asarray(hip_x, float)) * forward
    pct = 100.0 * ahead_px / leg_px
    cm = pct * leg_length_m if leg_length_m else np.full_like(pct, np.nan)
    return cm, pct


# ==============================================================================================
# tracks
# ==============================================================================================
def _fill_gaps(x: np.ndarray, max_gap: int) -> np.ndarray:
    """Linear interpolation over NaN runs of at most ``max_gap`` samples (not at the ends)."""
    x = np.asarray(x, float)
    ok = np.isfinite(x)
    if ok.sum() < 2 or ok.all():
        return x.copy()
    idx = np.arange(len(x))
    filled = np.interp(idx, idx[ok], x[ok])
    run_id = np.cumsum(ok)  # NaN runs share the count of valid samples before them
    gap_len = np.bincount(run_id[~ok], minlength=run_id.max() + 1)
    inside = (idx > idx[ok][0]) & (idx < idx[ok][-1])
    keep = ok | (inside & (gap_len[run_id] <= max_gap))
    return np.where(keep, filled, np.nan)


def clean_track(x, y, score, leg_px: float, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """One keypoint's track without low scores and single-frame glitches, short gaps bridged
    (module docstring, step 1). Returns (x, y) in the input's units.

    >>> x = np.arange(10.0); y = np.zeros(10); y[5] = 90.0
    >>> clean_track(x, y, np.ones(10), 100.0, 30.0)[1][4:7].tolist()
    [0.0, 0.0, 0.0]
    """
    x = np.where(np.asarray(score, float) >= MIN_SCORE, np.asarray(x, float), np.nan)
    y = np.where(np.isfinite(x), np.asarray(y, float), np.nan)
    if len(x) >= 5 and np.isfinite(leg_px):
        pad = 2
        wx = sliding_window_view(np.pad(x, pad, constant_values=np.nan), 2 * pad + 1)
        wy = sliding_window_view(np.pad(y, pad, constant_values=np.nan), 2 * pad + 1)
        with np.errstate(invalid="ignore"), _quiet():
            mx, my = np.nanmedian(wx, axis=1), np.nanmedian(wy, axis=1)
        glitch = np.hypot(x - mx, y - my) > JUMP_FRACTION * leg_px
        x, y = np.where(glitch, np.nan, x), np.where(glitch, np.nan, y)
    gap = max(1, int(round(MAX_GAP_S * fs)))
    return _fill_gaps(x, gap), _fill_gaps(y, gap)


class _quiet:
    """Silence numpy's all-NaN-slice RuntimeWarnings inside a block."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def _raw(samples: pd.DataFrame, side: str, joint: str):
    def col(q):
        name = f"{side}_{joint}_{q}"
        return samples[name].to_numpy(float) if name in samples else np.full(len(samples), np.nan)

    return col("x_px"), col("y_px"), np.nan_to_num(col("score"))


def _median_dist(ax, ay, bx, by) -> float:
    with _quiet():
        return float(np.nanmedian(np.hypot(np.asarray(ax) - bx, np.asarray(ay) - by)))


def keypoint_noise(heights: list[np.ndarray]) -> float:
    """Frame-to-frame jitter of keypoint heights, in their units: the robust spread (1.4826 x
    MAD) of the second difference over the frames where each is low (its lowest 30 %, the
    stance, where real motion is nearly linear), divided by sqrt(6) (the second difference of
    white noise has 6 x its variance); the median over the tracks given.

    >>> rng = np.random.default_rng(0)
    >>> round(keypoint_noise([1000 + rng.normal(0, 4, 3000)]))
    4
    """
    out = []
    for y in heights:
        y = np.asarray(y, float)
        if len(y) < 5:
            continue
        d2 = y[2:] - 2 * y[1:-1] + y[:-2]
        with _quiet():  # low by the +-3-frame median: selecting on y itself would bias the spread
            level = np.nanmedian(sliding_window_view(np.pad(y, 3, mode="edge"), 7), axis=1)
            low = level[1:-1] >= np.nanpercentile(level, 70.0)
            d = d2[low & np.isfinite(d2)]
        if len(d) >= 5:
            out.append(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(6.0))
    return float(np.median(out)) if out else 0.0


def body_scale(samples: pd.DataFrame) -> tuple[float, float]:
    """(leg length, foot length) in the samples' units (module docstring, step 2), from both
    sides' keypoints scored at least MIN_SCORE."""
    pts = {}
    for side in SIDES:
        for joint in ("hip", "knee", "ankle", "heel", "big_toe"):
            x, y, s = _raw(samples, side, joint)
            good = s >= MIN_SCORE
            pts[side, joint] = (np.where(good, x, np.nan), np.where(good, y, np.nan))

    def both(a, b):
        return np.nanmedian([_median_dist(*pts[s, a], *pts[s, b]) for s in SIDES])

    with _quiet():
        leg = both("hip", "knee") + both("knee", "ankle") + both("ankle", "heel")
        foot = both("heel", "big_toe")
    return float(leg), float(foot)


def detect_view(samples: pd.DataFrame) -> dict:
    """Side or front view, from the keypoints alone (so keypoint files are checked too).

    ``samples``: the pose table (readers.pose columns). Returns ``view`` ("side", "front" or
    "unknown" when too few feet are seen or they rise less than MIN_FOOT_RISE: standing),
    ``fore_aft_leg`` (median over heels and ankles of the 5th-95th percentile range of their x
    relative to the mid-hip, in leg lengths) and
    ``feet_passing`` (share of frames in which the ankles' left-right order is its less usual
    one: about 0.5 from the side, 0 from the front). Front: fore_aft_leg < FRONT_MAX_FORE_AFT,
    or < OBLIQUE_MAX_FORE_AFT with feet_passing < MIN_FEET_PASSING.

    >>> t = np.arange(150) / 30.0
    >>> detect_view(synthetic_samples(t))["view"]
    'side'
    """
    leg_px, _ = body_scale(samples)
    pts = {}
    for side in SIDES:
        for joint in ("hip", "ankle", "heel"):
            x, y, score = _raw(samples, side, joint)
            good = score >= MIN_SCORE
            pts[side, joint], pts[side, joint, "y"] = np.where(good, x, np.nan), np.where(good, y,
                                                                                          np.nan)

    def spread(v):  # 5th-95th percentile range
        return np.nanpercentile(v, 95.0) - np.nanpercentile(v, 5.0)

    with _quiet():
        hip_x = np.nanmean([pts[s, "hip"] for s in SIDES], axis=0)
        hip_y = np.nanmean([pts[s, "hip", "y"] for s in SIDES], axis=0)
        fore_aft = float(np.nanmedian([spread(pts[s, j] - hip_x) for s in SIDES
                                       for j in ("ankle", "heel")]) / leg_px)
        rise = float(np.nanmedian([spread(pts[s, j, "y"] - hip_y) for s in SIDES
                                   for j in ("ankle", "heel")]) / leg_px)
    order = np.sign(pts["l", "ankle"] - pts["r", "ankle"])
    order = order[np.isfinite(order) & (order != 0)]
    passing = float(min(np.mean(order > 0), np.mean(order < 0))) if len(order) else np.nan
    if not np.isfinite(fore_aft) or len(order) < 10 or not rise >= MIN_FOOT_RISE:
        view = "unknown"
    elif fore_aft < FRONT_MAX_FORE_AFT or (fore_aft < OBLIQUE_MAX_FORE_AFT
                                           and passing < MIN_FEET_PASSING):
        view = "front"
    else:
        view = "side"
    return {"view": view, "fore_aft_leg": round(fore_aft, 3) if np.isfinite(fore_aft) else None,
            "feet_passing": round(passing, 3) if np.isfinite(passing) else None}


def detect_facing(heel_x: np.ndarray, heel_y: np.ndarray, hip_x: np.ndarray) -> tuple[int, float]:
    """Running direction in the image from the feet's motion relative to the hips.

    ``heel_x``, ``heel_y``: (feet x frames) arrays, ``hip_x``: (frames,), image units, y down.
    Over the frames where a heel is low (its lowest 30 % of heights) the stance foot moves
    backwards relative to the hips. Returns (forward, agreement): forward is -1 for a runner
    facing image-left, +1 for image-right; agreement is the share of low-heel frames whose motion
    agrees (0.5 = no information).

    >>> t = np.arange(90) / 30.0
    >>> heel_x = 300 + 120 * np.sin(2 * np.pi * 1.4 * t)      # backwards (+x) while low:
    >>> heel_y = 1000 + 50 * np.cos(2 * np.pi * 1.4 * t)      # y largest where x increases
    >>> detect_facing(heel_x[None], heel_y[None], np.full(90, 300.0))[0]
    -1
    """
    heel_x, heel_y = np.atleast_2d(heel_x), np.atleast_2d(heel_y)
    rel = heel_x - np.asarray(hip_x, float)[None, :]
    v = np.gradient(rel, axis=1) if rel.shape[1] > 1 else np.zeros_like(rel)
    with _quiet():
        low = heel_y >= np.nanpercentile(heel_y, 70.0, axis=1, keepdims=True)
    use = low & np.isfinite(v)
    if not use.any():
        return -1, 0.5
    back = np.sign(v[use])
    backward = 1 if back.sum() >= 0 else -1
    agreement = float(np.mean(back == backward))
    return -backward, agreement


# ==============================================================================================
# contacts
# ==============================================================================================
def _runs(on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) sample index of each run of True."""
    edges = np.diff(np.r_[0, on.astype(np.int8), 0])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def _crossing_s(h: np.ndarray, t: np.ndarray, i: np.ndarray, j: np.ndarray, level: float):
    """Time where ``h`` crosses ``level`` between samples i and j (linear), NaN where it does
    not cross there."""
    hi, hj = h[i], h[j]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (hi - level) / (hi - hj)
        ok = ((hi - level) * (hj - level) <= 0) & (hi != hj)
    return np.where(ok, t[i] + np.clip(frac, 0, 1) * (t[j] - t[i]), np.nan)


def stance_like(x: np.ndarray, y: np.ndarray, forward: int) -> np.ndarray:
    """Frames where a foot keypoint behaves like a stance foot: in the lower half of its heights
    and not moving forward (on a treadmill it moves back with the belt, overground it stands
    still): forward speed under STANCE_SPEED_FRACTION of its 90th-percentile speed.

    >>> t = np.arange(60) / 30.0
    >>> x = 300 + 100 * np.sin(2 * np.pi * 1.4 * t); y = 1000 + 40 * np.cos(2 * np.pi * 1.4 * t)
    >>> int(stance_like(x, y, -1).sum())
    30
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    v = np.gradient(x) * forward if len(x) > 1 else np.zeros_like(x)
    with _quiet():
        fast = np.nanpercentile(np.abs(v), 90.0)
        low = y >= np.nanmedian(y)
    return low & (np.nan_to_num(v, nan=np.inf) < STANCE_SPEED_FRACTION * fast)


def ground_line(x: np.ndarray, y: np.ndarray,
                stance: np.ndarray | None = None) -> tuple[float, float]:
    """Ground under one keypoint as the image line ``y = a + b x`` (a, b). The slope b is the
    least-squares slope of its positions over the ``stance`` frames (``stance_like``), clipped
    to +-MAX_GROUND_SLOPE, 0 without them; the level a puts the line at the
    GROUND_PERCENTILE-th percentile of the detrended heights (the keypoint's lowest positions).
    A tilted camera, or the perspective of a belt not parallel to the image plane, makes b
    non-zero: the stance heel then drifts in image height as it moves back.

    >>> x = np.linspace(200, 500, 50); a, b = ground_line(x, 1000 + 0.1 * x, np.ones(50, bool))
    >>> round(a, 6), round(b, 6)
    (1000.0, 0.1)
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return np.nan, 0.0
    b = 0.0
    if stance is not None:
        use = ok & stance
        if use.sum() >= 6 and np.ptp(x[use]) > 0:
            b = float(np.clip(np.polyfit(x[use], y[use], 1)[0], -MAX_GROUND_SLOPE,
                              MAX_GROUND_SLOPE))
    a = float(np.percentile(y[ok] - b * x[ok], GROUND_PERCENTILE))
    return a, b


def foot_contacts(heel_x: np.ndarray, heel_y: np.ndarray, toe_x: np.ndarray, toe_y: np.ndarray,
                  t_s: np.ndarray, lift: float, swing: float | None = None,
                  forward: int = 0) -> pd.DataFrame:
    """Ground contacts of one foot from its heel and big-toe image positions (y down).

    A contact is a spell with the foot's lowest point under ``swing`` (default 3 x ``lift``)
    above the ground; in it the foot is down while its heel or its toe lies within ``lift`` of
    the ground line under it
    (``ground_line``; with ``forward`` (-1 / +1, the running direction) its slope is fitted to
    the stance-like frames, else level; module docstring, step 4). Returns a table of
    ``ic_s``, ``to_s`` (interpolated between frames), ``ic_i`` / ``to_i`` (first / last frame on
    the ground) and ``heel_first`` (True when the heel reached the ground first); ``attrs``
    holds the ground lines. Contacts cut by the recording's ends, shorter than MIN_CONTACT_S or
    longer than MAX_CONTACT_S are dropped.

    >>> t = np.arange(60) / 30.0
    >>> heel = np.where((t % 0.7) < 0.25, 1000.0, 940.0)
    >>> x = np.full(60, 300.0)
    >>> foot_contacts(x, heel, x - 80, heel + 20, t, 10.0)[["ic_i", "to_i"]].values.tolist()
    [[21, 28], [42, 49]]
    """
    t_s = np.asarray(t_s, float)
    n = len(t_s)
    pts = {"heel": (np.asarray(heel_x, float), np.asarray(heel_y, float)),
           "toe": (np.asarray(toe_x, float), np.asarray(toe_y, float))}
    h, lines = {}, {}
    for name, (x, y) in pts.items():
        stance = stance_like(x, y, forward) if forward else None
        lines[name] = ground_line(x, y, stance)
        h[name] = lines[name][0] + lines[name][1] * x - y  # height above ground, image units
    down = {k: np.nan_to_num(v, nan=np.inf) <= lift for k, v in h.items()}
    on = down["heel"] | down["toe"]
    dt = float(np.median(np.diff(t_s))) if n > 1 else 1.0
    # hysteresis: one contact per spell below the swing level; the heel is down early in the
    # stance and the toe late, and in between neither need be within ``lift`` of its lowest
    swing = 3.0 * lift if swing is None else max(swing, lift)
    with _quiet():
        low = np.nan_to_num(np.fmin(h["heel"], h["toe"]), nan=np.inf) < swing
    spell_first, spell_last = _runs(low)
    spell = np.cumsum(np.r_[low[:1], low[1:] & ~low[:-1]]) - 1
    use = on & low
    first = np.full(len(spell_first), n)
    last = np.full(len(spell_first), -1)
    np.minimum.at(first, spell[use], np.flatnonzero(use))
    np.maximum.at(last, spell[use], np.flatnonzero(use))
    dur = np.where(last >= 0, t_s[np.clip(last, 0, n - 1)] - t_s[np.clip(first, 0, n - 1)] + dt, 0)
    keep = ((last >= 0) & (spell_first > 0) & (spell_last < n - 1) & (first > 0)
            & (last < n - 1) & (dur >= MIN_CONTACT_S) & (dur <= MAX_CONTACT_S))
    first, last = first[keep], last[keep]
    ic = {k: _crossing_s(v, t_s, first - 1, first, lift) for k, v in h.items()}
    to = {k: _crossing_s(v, t_s, last, last + 1, lift) for k, v in h.items()}
    with _quiet():
        ic_s = np.fmin(ic["heel"], ic["toe"])
        to_s = np.fmax(to["heel"], to["toe"])
    ic_s = np.where(np.isfinite(ic_s), ic_s, t_s[first])
    to_s = np.where(np.isfinite(to_s), to_s, t_s[last])
    heel_first = np.nan_to_num(ic["heel"], nan=np.inf) <= np.nan_to_num(ic["toe"], nan=np.inf)
    out = pd.DataFrame({"ic_s": ic_s, "to_s": to_s, "ic_i": first, "to_i": last,
                        "heel_first": heel_first})
    out.attrs["ground"] = lines
    out.attrs["flat"] = down["heel"] & down["toe"]  # frames with heel and toe down
    return out


def foot_lag_s(ic_s: np.ndarray, foot: np.ndarray, near: str) -> float:
    """How late the other foot's initial contacts come, s: the median over the other foot's
    ICs of (IC - the midpoint of the two ``near`` foot ICs around it), over strides no longer
    than MISSED_STEP_RATIO x the median; NaN without any. 0 for a symmetric gait; positive when
    the other (far) foot's ICs are seen late, or the near foot's early.

    >>> ic = np.array([0.0, 0.42, 0.71, 1.13, 1.42, 1.84])
    >>> round(foot_lag_s(ic, np.array(list("lrlrlr")), "l"), 3)
    0.065
    """
    ic_s, foot = np.asarray(ic_s, float), np.asarray(foot)
    near_ic = ic_s[foot == near]
    far_ic = ic_s[foot != near]
    if len(near_ic) < 2 or not len(far_ic):
        return float("nan")
    k = np.searchsorted(near_ic, far_ic) - 1
    inside = (k >= 0) & (k < len(near_ic) - 1)
    k, far_ic = k[inside], far_ic[inside]
    before, after = near_ic[k], near_ic[k + 1]
    stride = after - before
    ok = stride <= MISSED_STEP_RATIO * np.median(np.diff(near_ic))
    if not ok.any():
        return float("nan")
    return float(np.median(far_ic[ok] - 0.5 * (before[ok] + after[ok])))


def stride_s(ic_s: np.ndarray, foot: np.ndarray) -> np.ndarray:
    """Per contact, the stride time of its foot, s: the mean of the intervals to the same
    foot's previous and next contacts (one of them at the ends); NaN where neither exists or
    the interval spans a missed contact (over MISSED_STEP_RATIO x the foot's median stride).
    Cadence from strides (120 / stride) is free of a constant timing offset between the two
    feet, which a side view has: the far foot is partly hidden and seen in perspective.

    >>> stride_s(np.array([0.0, 0.31, 0.71, 1.02, 1.42]), np.array(list("lrlrl"))).round(2).tolist()
    [0.71, 0.71, 0.71, 0.71, 0.71]
    """
    ic_s = np.asarray(ic_s, float)
    foot = np.asarray(foot)
    out = np.full(len(ic_s), np.nan)
    for f in np.unique(foot):  # two feet
        idx = np.flatnonzero(foot == f)
        if len(idx) < 2:
            continue
        d = np.diff(ic_s[idx])
        d = np.where(d > MISSED_STEP_RATIO * np.median(d), np.nan, d)
        with _quiet():
            out[idx] = np.nanmean(np.vstack([np.r_[np.nan, d], np.r_[d, np.nan]]), axis=0)
    return out


def _stance_reduce(values: np.ndarray, start: np.ndarray, stop: np.ndarray, how) -> np.ndarray:
    """``how`` (np.nanmax, np.nanmedian, ...) of ``values[start[k]:stop[k] + 1]`` per k."""
    if not len(start):
        return np.zeros(0)
    width = int(np.max(stop - start)) + 1
    idx = start[:, None] + np.arange(width)[None, :]
    inside = idx <= stop[:, None]
    gathered = np.where(inside, values[np.clip(idx, 0, len(values) - 1)], np.nan)
    with _quiet():
        return how(gathered, axis=1)


# ==============================================================================================
# the detector
# ==============================================================================================
def detect_video(samples: pd.DataFrame, fs: float, *,
                 leg_length_m: float | None = None) -> pd.DataFrame:
    """Foot contacts and landing geometry of a side view (module docstring) as a Steps table.

    ``samples``: the pose table of readers.pose (``t_s`` and ``{l|r}_{joint}_{x_px|y_px|score}``),
    ``fs``: its frame rate, Hz; ``leg_length_m``: the runner's leg length, which scales pixels to
    cm (without it ``overstride_cm`` and ``vertical_oscillation_cm`` are NaN).

    ``attrs`` of the result: ``facing`` ("left" / "right"), ``facing_agreement``, ``near_side``,
    ``leg_px``, ``foot_px``, ``lift_px``, ``cm_per_px`` (None without a leg length),
    ``missed_steps`` (IC-to-IC intervals that span a step not seen: their step and flight times
    are left NaN; cadence comes from each foot's strides), ``one_foot_only``,
    ``far_foot_lag_ms`` (``foot_lag_s`` of the foot not on the camera's side), ``timing_off_foot``
    ("L" / "R" when that lag is over LATE_FOOT_STRIDE_FRACTION of the stride: the foot with the
    shorter contacts, whose side, contact time, flight into it and IC geometry are left out and
    confidence halved; else None),
    ``sides_unknown``, ``frame_ms``, ``angle_uncertainty_deg``, ``duration_s``.
    """
    t = samples["t_s"].to_numpy(float)
    leg_px, foot_px = body_scale(samples)
    track = {}
    for side in SIDES:
        for joint in ("shoulder", "hip", "knee", "ankle", "heel", "big_toe"):
            x, y, s = _raw(samples, side, joint)
            track[side, joint] = clean_track(x, y, s, leg_px, fs)
    with _quiet():
        hip_x = np.nanmean([track[s, "hip"][0] for s in SIDES], axis=0)
        hip_y = np.nanmean([track[s, "hip"][1] for s in SIDES], axis=0)
        sh_x = np.nanmean([track[s, "shoulder"][0] for s in SIDES], axis=0)
        sh_y = np.nanmean([track[s, "shoulder"][1] for s in SIDES], axis=0)
    forward, agreement = detect_facing(
        np.vstack([track[s, "heel"][0] for s in SIDES]),
        np.vstack([track[s, "heel"][1] for s in SIDES]), hip_x)
    near = "l" if forward < 0 else "r"  # facing image-left shows the left side
    noise = keypoint_noise([track[sd, j][1] for sd in SIDES for j in ("heel", "big_toe")])
    lift = max(LIFT_FRACTION * foot_px, NOISE_K * noise)
    cm_per_px = 100.0 * leg_length_m / leg_px if leg_length_m and np.isfinite(leg_px) else None

    parts, ground = [], {}
    for side in SIDES:
        hx, hy = track[side, "heel"]
        tx, ty = track[side, "big_toe"]
        c = foot_contacts(hx, hy, tx, ty, t, lift, max(SWING_FRACTION * foot_px, 2.0 * lift),
                          forward if GROUND_TILT else 0)
        ground[side] = np.mean([c.attrs["ground"]["heel"][0], c.attrs["ground"]["toe"][0]])
        if not len(c):
            continue
        ic, i0, i1 = c["ic_s"].to_numpy(), c["ic_i"].to_numpy(), c["to_i"].to_numpy()

        def at_ic(v, ic=ic):
            return np.interp(ic, t, v, left=np.nan, right=np.nan)

        angle = foot_angle_deg(hx, hy, tx, ty, forward)
        flat_frames = c.attrs["flat"] & np.isfinite(angle)
        with _quiet():  # foot flat (heel and toe down), else the middle of each stance
            flat = np.nanmedian(angle[flat_frames] if flat_frames.sum() >= 3
                                else angle[(i0 + i1) // 2])
        kx, ky = track[side, "knee"]
        ax, ay = track[side, "ankle"]
        px, py = track[side, "hip"]
        knee = knee_flexion_deg(px, py, kx, ky, ax, ay)
        trunk = -segment_angle_deg(sh_x, sh_y, hip_x, hip_y, forward)  # shoulders ahead: +
        cm, pct = overstride(at_ic(hx), at_ic(hip_x), forward, leg_px, leg_length_m)
        scores = np.nanmean([_raw(samples, side, j)[2] for j in ("heel", "big_toe", "ankle")],
                            axis=0)
        parts.append(pd.DataFrame({
            "t_s": ic, "to_s": c["to_s"].to_numpy(), "foot": side, "ic_i": i0, "to_i": i1,
            "confidence": _stance_reduce(scores, i0, i1, np.nanmean),
            "strike_angle_deg": at_ic(angle) - flat,
            "overstride_cm": cm, "overstride_pct_leg": pct,
            "shank_angle_deg": at_ic(segment_angle_deg(kx, ky, ax, ay, forward)),
            "knee_flexion_ic_deg": at_ic(knee),
            "knee_flexion_peak_deg": np.fmax(_stance_reduce(knee, i0, i1, np.nanmax), at_ic(knee)),
            "trunk_lean_deg": _stance_reduce(trunk, i0, i1, np.nanmedian),
        }))
    attrs = {
        "facing": "left" if forward < 0 else "right", "facing_agreement": round(agreement, 3),
        "near_side": near.upper(), "leg_px": round(leg_px, 1), "foot_px": round(foot_px, 1),
        "lift_px": round(lift, 1), "noise_px": round(noise, 2),
        "cm_per_px": None if cm_per_px is None else round(cm_per_px, 4),
        "frame_ms": round(1000.0 / fs, 1), "angle_uncertainty_deg": list(ANGLE_UNCERTAINTY_DEG),
        "duration_s": float(t[-1] - t[0]) if len(t) else 0.0,
    }
    if not parts:
        out = conform(pd.DataFrame({"t_s": np.zeros(0)}), STEP_COLUMNS)
        out.attrs.update(attrs, missed_steps=0, sides_unknown=0, labels_agree=True,
                         near_track_from_ground=None, frames=[], feet=[])
        return out
    steps = pd.concat(parts, ignore_index=True).sort_values("t_s", kind="stable")
    steps = steps.reset_index(drop=True)
    ic = steps["t_s"].to_numpy()
    foot = steps["foot"].to_numpy(str)
    interval = np.r_[np.diff(ic), np.nan]
    other = np.r_[foot[1:] != foot[:-1], False]  # a step goes from one foot to the other
    with _quiet():
        median_step = float(np.nanmedian(interval[other])) if other.any() else np.nan
    missed = other & (interval > MISSED_STEP_RATIO * median_step)
    step_s = np.where(other & ~missed, interval, np.nan)
    cadence = 120.0 / stride_s(ic, foot)
    # the same foot twice within one step: the model swapped the legs' labels there
    repeat = ~other & (interval <= MISSED_STEP_RATIO * median_step)
    broken = repeat | np.r_[False, repeat[:-1]]
    single = len(set(foot)) < 2
    conf = steps["confidence"].to_numpy(float)
    # the camera looks down on the floor: the nearer foot's ground lies lower in the image
    lower = ground.get("r", np.nan) - ground.get("l", np.nan)
    geo_near = ("r" if lower > 0 else "l") if abs(lower) >= NEAR_MIN_FRACTION * foot_px else None
    labels_agree = geo_near in (None, near)
    # one foot's landings seen late (the far foot, hidden or in perspective): its side is not
    # compared with the other's, and what is measured at its IC (contact, flight into it,
    # geometry) is left out
    lag = foot_lag_s(ic, foot, near) if not single else np.nan
    with _quiet():
        stride_med = float(np.nanmedian(stride_s(ic, foot))) if len(ic) > 2 else np.nan
    timing_off = bool(np.isfinite(lag) and abs(lag) >= max(1.0 / fs,
                                                           LATE_FOOT_STRIDE_FRACTION * stride_med))
    off_foot = None
    if timing_off:  # the foot seen late lands late and so has the shorter contacts
        contact_all = steps["to_s"].to_numpy() - ic
        off_foot = min(SIDES, key=lambda f: float(np.median(contact_all[foot == f])))
    off = foot == off_foot
    into_off = np.r_[off[1:], False]  # the step that ends at such an IC
    if timing_off:
        conf = np.where(off, 0.5 * conf, conf)
        for col in ("strike_angle_deg", "overstride_cm", "overstride_pct_leg", "shank_angle_deg",
                    "knee_flexion_ic_deg"):
            steps[col] = np.where(off, np.nan, steps[col].to_numpy(float))
    known = (conf >= MIN_SIDE_SCORE) & ~broken & labels_agree & ~off
    side = pd.array(np.where(known, np.char.upper(foot), None), dtype="string")
    # hip height range from this IC to the next, on a 0.1 s running mean (keypoint jitter would
    # add its own peak-to-peak to every step)
    smooth = max(1, int(round(VO_SMOOTH_S * fs)))
    hip_smooth = pd.Series(hip_y).rolling(smooth, center=True, min_periods=1).mean().to_numpy()
    start = steps["ic_i"].to_numpy()
    stop = np.r_[start[1:], len(t) - 1]
    hip_range = (_stance_reduce(hip_smooth, start, stop, np.nanmax)
                 - _stance_reduce(hip_smooth, start, stop, np.nanmin))
    vo_cm = (np.where(np.isfinite(step_s), hip_range * cm_per_px, np.nan) if cm_per_px
             else np.full(len(steps), np.nan))
    contact = np.where(off, np.nan, steps["to_s"].to_numpy() - ic)
    next_ic = np.r_[ic[1:], np.nan]
    table = steps.drop(columns=["foot", "ic_i", "to_i"]).assign(
        side=side, step_s=step_s, cadence_spm=cadence, contact_s=contact,
        flight_s=np.where(np.isfinite(step_s) & ~off & ~into_off,
                          next_ic - steps["to_s"].to_numpy(), np.nan),
        confidence=np.clip(conf, 0.0, 1.0), vertical_oscillation_cm=vo_cm,
        strike_class=pd.array(np.where(np.isfinite(steps["strike_angle_deg"]),
                                       strike_class(steps["strike_angle_deg"]), None),
                              dtype="string"),
    )
    out = conform(table, STEP_COLUMNS)
    n_missed = int(missed.sum() + (~other[:-1] & ~repeat[:-1]).sum())
    out.attrs.update(attrs, missed_steps=n_missed, one_foot_only=single,
                     labels_agree=bool(labels_agree),
                     near_track_from_ground=None if geo_near is None else geo_near.upper(),
                     sides_unknown=int((~known).sum()),
                     far_foot_lag_ms=None if not np.isfinite(lag) else round(1000.0 * lag, 1),
                     timing_off_foot=None if off_foot is None else off_foot.upper(),
                     frames=steps[["ic_i", "to_i"]].to_numpy().tolist(),
                     feet=foot.tolist())
    return out


def detect_recording(recording) -> pd.DataFrame:
    """Steps of a "video" Recording (readers.pose), or NoRunningError when fewer than
    MIN_CONTACTS contacts are found. The runner's leg length, when the pipeline knows it, is in
    ``recording.info["leg_length_m"]``. Stores the detector's findings (facing, scale, missed
    steps, frame-rate limit, angle uncertainty) in ``recording.info`` and warns about the
    limits a user should know."""
    from softstep.errors import NoRunningError

    info, label = recording.info, str(recording.path)
    view = detect_view(recording.samples)
    info.update(view=view["view"], fore_aft_leg=view["fore_aft_leg"],
                feet_passing=view["feet_passing"])
    if view["view"] == "front":
        from softstep.errors import UnreadableFileError

        raise UnreadableFileError(label, (
            "the runner is filmed from the front or behind, not from the side (the feet swing "
            f"fore-aft over only {view['fore_aft_leg']:.0%} of the leg length, about 70 % from "
            "the side); film from the side, whole body in view, camera at hip height"))
    steps = detect_video(recording.samples, recording.sample_rate_hz,
                         leg_length_m=info.get("leg_length_m"))
    keep = ("facing", "facing_agreement", "near_side", "leg_px", "foot_px", "lift_px",
            "cm_per_px", "noise_px", "missed_steps", "sides_unknown", "labels_agree", "frame_ms",
            "angle_uncertainty_deg", "far_foot_lag_ms", "timing_off_foot")
    info.update({k: steps.attrs[k] for k in keep if k in steps.attrs})
    info["contacts"] = len(steps)
    if len(steps) < MIN_CONTACTS:
        raise NoRunningError(label, [f"{len(steps)} foot contact(s) in "
                                     f"{steps.attrs['duration_s']:.1f} s of keypoints, too few to "
                                     "analyse (is the whole runner in view from the side?)"])
    if steps.attrs["facing_agreement"] < 0.7:
        recording.warnings.append(
            f"{label}: running direction unclear (only {steps.attrs['facing_agreement']:.0%} of "
            "the foot motion agrees); is this a side view?")
    if not steps.attrs.get("labels_agree", True):
        recording.warnings.append(
            f"{label}: the pose model's left/right labels contradict the view (the foot nearer "
            f"the camera is labelled {steps.attrs['near_track_from_ground']}, but a runner facing "
            f"{steps.attrs['facing']} shows the {steps.attrs['near_side']} side; mirrored "
            "video?): left and right are not reported")
    if steps.attrs.get("timing_off_foot"):
        off = steps.attrs["timing_off_foot"]
        where = "far" if off != steps.attrs["near_side"] else "near"
        recording.warnings.append(
            f"{label}: the {where} ({off}) foot's landings are seen about "
            f"{abs(steps.attrs['far_foot_lag_ms']):.0f} ms late (the steps alternate long and "
            "short, its contacts are short: that foot hidden or in perspective as it lands): its "
            "contact time and landing geometry are left out (the summary's landing figures are "
            "medians over the other foot's landings) and left/right are not compared; "
            "film the other side to see that leg")
    if steps.attrs.get("one_foot_only"):
        recording.warnings.append(
            f"{label}: only one foot's contacts were seen (the other leg hidden?): cadence comes "
            "from its strides; step and flight times are not reported")
    elif steps.attrs["missed_steps"]:
        recording.warnings.append(
            f"{label}: {steps.attrs['missed_steps']} step(s) not seen (the far leg hidden?); "
            "their step and flight times are left out")
    if not info.get("leg_length_m"):
        recording.warnings.append(
            f"{label}: overstride and vertical oscillation in cm need the runner's height "
            "(softstep profile set --height-cm); overstride shown as % of leg length only")
    return steps


# ==============================================================================================
# a synthetic side view, for examples and tests
# ==============================================================================================
def synthetic_samples(t_s: np.ndarray, cadence_spm: float = 170.0, contact_s: float = 0.25,
                      facing: str = "left", foot_px: float = 80.0,
                      strike_deg: float = 10.0) -> pd.DataFrame:
    """A crude side-view pose table (readers.pose columns) of a runner on a treadmill: feet
    alternate, each on the ground for ``contact_s`` per stride, landing with the toe up by
    ``strike_deg`` (held from late swing, rolling flat over the first quarter of the stance).
    For examples and tests of the
    arithmetic, not a gait model."""
    t_s = np.asarray(t_s, float)
    stride = 120.0 / cadence_spm
    fwd = -1.0 if facing == "left" else 1.0
    cols = {"t_s": t_s}
    for k, side in enumerate(SIDES):
        ph = ((t_s - 0.05 - k * stride / 2) % stride) / stride
        stance = ph < contact_s / stride
        u = np.clip(ph / (contact_s / stride), 0, 1)
        swing = np.clip((ph - contact_s / stride) / (1 - contact_s / stride), 0, 1)
        heel_x = 360 + fwd * np.where(stance, 100 - 200 * u, -100 + 200 * swing)
        lift_y = np.where(stance, 0.0, 80 * np.sin(np.pi * swing))
        heel_y = 1200 - lift_y
        late_swing = ~stance & (swing > 0.8)  # the foot comes in with its toe up ...
        tilt = np.radians(np.where(stance & (u < 0.25), strike_deg * (1 - 4 * u),
                                   np.where(late_swing, strike_deg, 0.0)))  # ... and rolls flat
        toe_x = heel_x + fwd * foot_px * np.cos(tilt)
        toe_y = heel_y - foot_px * np.sin(tilt) + 0.0
        joints = {"heel": (heel_x, heel_y), "big_toe": (toe_x, toe_y),
                  "small_toe": (toe_x, toe_y), "ankle": (heel_x + fwd * 15, heel_y - 60),
                  "knee": (0.5 * (heel_x + 360) + fwd * 20, 0.5 * (heel_y - 60 + 870)),
                  "hip": (360 + 0 * t_s, 870 + 0 * t_s), "shoulder": (360 + fwd * 30 + 0 * t_s,
                                                                   600 + 0 * t_s)}
        for joint, (x, y) in joints.items():
            cols[f"{side}_{joint}_x_px"] = x
            cols[f"{side}_{joint}_y_px"] = y
            cols[f"{side}_{joint}_score"] = np.full(len(t_s), 0.9)
    from softstep.readers.pose import pose_columns

    return pd.DataFrame(cols)[pose_columns()]
