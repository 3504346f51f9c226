"""Step detectors for a limb-worn inertial sensor: shank / ankle (``detect_shank``) and
foot / shoe (``detect_foot``).

A sensor on one leg sees only the contacts of **its own foot**. Both detectors therefore emit
one row per contact of that foot and never invent the other foot's contacts:

- ``side`` is the side the caller gives (``"L"`` / ``"R"``), else ``<NA>``; it is never guessed.
- **Cadence convention.** ``step_s`` is *half the stride time* from this contact to the same
  foot's next contact, and ``cadence_spm = 120 / stride_s``: steps per minute **of the runner**
  (both feet), measured from one foot. It equals the cadence a trunk sensor or a watch reports
  as long as left and right steps are about equal. ``step_s`` and ``cadence_spm`` are ``NaN``
  for the last contact of a running bout (its next contact is not part of running).
- ``flight_s = step_s - contact_s``: the runner's flight per step, assuming both feet have the
  same contact time (a one-foot sensor cannot see the other foot's contact).

Only **running** is emitted. Every stride (contact to the same foot's next contact) is labelled;
a stride counts as running when its frequency is 1.1-1.8 Hz (66-108 strides/min, i.e.
132-216 steps/min; the walk-run transition is ~135-140 steps/min, SCIENCE.md §6), the limb felt a
peak of at least ``RUN_PEAK_G`` in it, and, where toe-off is known, the foot spent less than
half the stride on the ground (running has a flight phase, walking has double support). Runs of
fewer than ``MIN_BOUT_STRIDES`` running strides are dropped. What was excluded is returned as
``steps.attrs["activity"]`` (a table of segments labelled running / walking / standing (the
sensor at rest) / other, see ``ACTIVITY_COLUMNS``), so the pipeline can report it;
``activity_windows`` returns it alone. A segment starts at the contact that starts its first
stride, so a bout's last contact sits on the boundary of the segment after it.

Methods, per piece (SCIENCE.md §1, §3, §5):

- **Stride markers (all paths).** One marker per stride: a local maximum that is the largest
  within +-``DOMINANCE`` local stride periods, the period coming from the autocorrelation of
  the moving samples of each ``PERIOD_WINDOW_S`` window (0.45-1.8 s). This module's own
  segmentation, no published source.
- **Foot with gyroscope (Falbriard 2018, Front Physiol 9:610).** The pitch (sagittal) angular
  velocity is the gyroscope's first principal axis (low-passed at ``GYRO_LOWPASS_HZ``); its
  sign is set so that the push-off after foot-flat is negative (the heel rises: toe-down) and
  mid-swing is positive (toe-up). Mid-swing = the stride marker of the pitch velocity
  low-passed at ``SEGMENT_LOWPASS_HZ`` (impacts put brief spikes into the gyroscope); in each
  mid-swing -> mid-swing cycle, IC = the minimum of pitch angular velocity in the first half,
  TC = the minimum in the second half. A minimum on a saturated plateau is taken at the
  plateau's centre. The last contact of a bout (no mid-swing follows) gets its IC from the
  half stride after the last mid-swing and no TC; a bout's last contact keeps its TC only if
  it lasted less than half the stride before it (a braking last step rolls on).
- **Foot-strike angle (Falbriard 2020, Front Bioeng 8:65).** Foot pitch at IC relative to the
  foot-flat pitch: pitch angular velocity integrated between the foot-flat instants of two
  consecutive stances (the stillest instant of each stance), with the linear drift between them
  removed. Positive = toe up. Classes by the ROC cut-offs of Mo et al. (SCIENCE.md §3):
  rearfoot > 7.4 deg, forefoot < -0.8 deg, midfoot between. Cross-check (van Werkhoven 2019,
  Sports 7:184): the sign of pitch angular velocity at the acceleration-defined impact
  (negative = the foot still plantarflexing = rearfoot); the per-run agreement of the two
  classifiers is ``steps.attrs["strike_cross_check"]``.
- **Shank with gyroscope.** The shank-gyroscope event family compared by Kiernan et al. 2023
  (Sensors 23:5022; Aminian / Greene / McGrath type): mid-swing = the dominant maximum of
  sagittal shank angular velocity, IC = the minimum that follows it (first half of the
  mid-swing cycle), TC = the minimum before the next mid-swing (second half). Kiernan 2023
  reports shank limits of agreement of about +-100-150 ms for IC and TC (SCIENCE.md §5): shank
  contact times are rough. Sign: the 150 ms before each acceleration impact are late swing,
  rotating forward (positive); with no accelerometer, the larger extreme is the swing.
  ``shank_angle_deg`` at IC (positive = ankle ahead of knee) is the
  integrated sagittal angular velocity, de-drifted per stride, with its offset fixed by
  gravity: over one stride of steady running the sensor's mean acceleration in the world frame
  is gravity alone, which pins the absolute angle (a planar version of the quiet-standing
  calibration of Bradach 2023). Not validated against a reference in this repository.
- **Accelerometer only (any limb; e.g. an ActiGraph at the ankle).** Stride markers on the
  resultant acceleration low-passed at ``SEGMENT_LOWPASS_HZ`` (the late-swing peak at the shoe
  and ankle, the impact at the tibia); IC = the onset of the impact transient: the first sample
  whose high-passed (> ``TRANSIENT_HZ``) acceleration magnitude reaches half its largest value
  between the marker - 80 ms and the marker + 250 ms. The swing peak is smooth and the impact
  is sharp, so the high-pass separates them. This follows the impact-based shank IC family of
  Purcell 2006 (reviewed by Kiernan 2023) in spirit; the exact Purcell rule was not available
  to check [M]. **Toe-off is not estimated** without a gyroscope: ``to_s``, ``contact_s`` and
  ``flight_s`` stay NaN. On a shoe the IC comes 0-30 ms earlier than the gyroscope IC
  (``softstep.validation.foot``).
- **Impact.** ``impact_g`` = the largest value in the ``IMPACT_WINDOW_S`` after the impact
  onset (the IC itself without a gyroscope; with one, the onset of the acceleration transient
  within -30/+80 ms of the gyroscope IC) of the
  shank's **axial** acceleration (shank) or the resultant (foot), counted only under the
  Van den Berghe 2021 rule (SCIENCE.md §2): above 3 g with no higher value in the next 375 ms;
  otherwise NaN. The shank's axial axis is the direction of the mean specific force while
  the sensor is still (quiet standing), or over the whole recording when it never is; this is
  a virtual axis, the same whatever way the sensor was strapped on (a rotated sensor gives the
  same numbers). ``loading_rate_g_per_s`` = (impact - value at the onset) / (time from onset
  to peak).
  ``impact_clipped`` = the rise or the peak touches saturation (the caller's ``clipped`` mask,
  one per sample or samples x axes, OR-ed over axes; else an axis sitting on its rail: its
  largest magnitude repeated on >= 2 samples); the value of a clipped impact is a lower bound.
  Foot-strike angles are lower bounds where the gyroscope saturated between IC and foot flat
  (counted in ``attrs["strike_cross_check"]["gyro_clipped_ic_to_flat"]``).

All arrays are processed vectorised (NumPy / SciPy); the only Python loops run over a handful of
neighbour offsets, never over samples.

>>> import numpy as np, pandas as pd
>>> fs = 100.0
>>> t = np.arange(0, 20, 1 / fs)
>>> phase = (t * 1.35) % 1.0                           # 1.35 strides/s = 162 steps/min
>>> impact = 7.0 * np.exp(-((phase - 0.05) / 0.012) ** 2)
>>> swing = 1.5 * np.sin(2 * np.pi * t * 1.35)
>>> samples = pd.DataFrame({"t_s": t, "acc_x_g": swing, "acc_y_g": 0.2 * swing,
...                         "acc_z_g": 1.0 + impact})
>>> steps = detect_shank(samples, fs, side="L")
>>> round(float(steps["cadence_spm"].median()))
162
>>> steps["side"].unique().tolist()
['L']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal

from softstep.model import STEP_COLUMNS, conform

ACC = ["acc_x_g", "acc_y_g", "acc_z_g"]
GYR = ["gyr_x_rad_per_s", "gyr_y_rad_per_s", "gyr_z_rad_per_s"]

# ---- running / walking / still ---------------------------------------------------------------
RUN_STRIDE_HZ = (1.1, 1.8)  # running stride frequency (brief; 132-216 steps/min)
GAIT_STRIDE_S = (0.45, 1.8)  # any stride a limb sensor can make (walking included)
RUN_PEAK_G = 3.0  # a running stride's peak |a| at shank/foot; walking at the ankle: 3.5-5 g
RUN_MAX_DUTY = 0.5  # contact / stride: running < 0.5 (flight phase); walking > 0.5
MIN_BOUT_STRIDES = 2  # fewer consecutive running strides are not counted as running
STILL_SD_G = 0.03  # SD of |a| over 1 s below which the sensor is still
ACTIVITY_COLUMNS = ["start_s", "end_s", "activity", "strides", "stride_hz", "peak_g"]

# ---- stride segmentation ----------------------------------------------------------------------
PERIOD_WINDOW_S = 6.0  # autocorrelation window for the local stride period (>= 3 strides)
PERIOD_HOP_S = 1.0
PERIOD_RATE_HZ = 50.0  # the period is estimated on a copy decimated to about this rate
DOMINANCE = 0.6  # a stride marker must be the largest within +-0.6 local stride periods
SEGMENT_LOWPASS_HZ = 6.0  # low-pass of |a| for the stride markers
GYRO_LOWPASS_HZ = 25.0  # pitch angular velocity (keeps the IC / TC minima sharp)
IC_SEARCH_S = (-0.08, 0.25)  # jerk onset searched around the |a| stride marker
IC_JERK_FRACTION = 0.5
TRANSIENT_HZ = 15.0  # impact transients live above this; the swing peak (< 10 Hz) does not

# ---- impact (SCIENCE.md §1-2) ----------------------------------------------------------------
IMPACT_WINDOW_S = 0.10  # impact peak searched from the impact onset to onset + this
IMPACT_ONSET_S = (-0.03, 0.08)  # with a gyroscope IC: the transient onset is sought around it
VDB_MIN_G = 3.0  # Van den Berghe 2021: > 3 g ...
VDB_CLEAR_S = 0.375  # ... with no higher value within the next 375 ms

# ---- foot-strike angle (SCIENCE.md §3) -------------------------------------------------------
RFS_MIN_DEG = 7.4
FFS_MAX_DEG = -0.8


# ==============================================================================================
# public API
# ==============================================================================================
def detect_shank(
    samples: pd.DataFrame,
    sample_rate_hz: float,
    clipped: np.ndarray | None = None,
    side: str | None = None,
    gravity_axis: np.ndarray | None = None,
) -> pd.DataFrame:
    """Contacts of the foot under a shank / ankle sensor while running (STEP_COLUMNS).

    ``samples`` has IMU_COLUMNS on a uniform grid (acceleration in g including gravity, angular
    velocity in rad/s; any column may be all NaN). ``clipped``: optional boolean mask, one per
    sample (or samples x axes), True where the accelerometer saturated. ``side``: "L" / "R" if
    known. The activity segments are in ``result.attrs["activity"]``. ``gravity_axis``: the
    unit vector of the mean specific force at rest in device axes (the shank's axial axis);
    None measures it from ``samples`` (a file read in chunks passes the whole file's).
    """
    steps, activity, extra = _detect(samples, sample_rate_hz, clipped, side, "shank",
                                     gravity_axis)
    steps.attrs.update({"placement": "shank", "activity": activity, **extra})
    return steps


def detect_foot(
    samples: pd.DataFrame,
    sample_rate_hz: float,
    clipped: np.ndarray | None = None,
    side: str | None = None,
) -> pd.DataFrame:
    """Contacts of the foot wearing a shoe / foot sensor while running (STEP_COLUMNS).

    Same arguments as ``detect_shank``. Adds ``strike_angle_deg`` / ``strike_class`` where a
    gyroscope exists; ``result.attrs["strike_cross_check"]`` holds the agreement with the
    sign-of-pitch-velocity classifier.
    """
    steps, activity, extra = _detect(samples, sample_rate_hz, clipped, side, "foot")
    steps.attrs.update({"placement": "foot", "activity": activity, **extra})
    return steps


def activity_windows(
    samples: pd.DataFrame, sample_rate_hz: float, placement: str = "shank"
) -> pd.DataFrame:
    """Segments of running / walking / standing / other (``ACTIVITY_COLUMNS``) of a limb
    sensor: the same table as ``detect_*(...).attrs["activity"]``. Same labels and first three
    columns as ``imu_trunk.activity_windows``, so ``imu_trunk.excluded_seconds`` reads it too."""
    return _detect(samples, sample_rate_hz, None, None, placement)[1]


# ==============================================================================================
# the detector
# ==============================================================================================
def _empty() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    return (
        conform(pd.DataFrame(), STEP_COLUMNS),
        pd.DataFrame({c: pd.Series(dtype="object" if c == "activity" else "float64")
                      for c in ACTIVITY_COLUMNS}),
        {},
    )


def _detect(samples, fs, clipped, side, placement, gravity_axis=None):
    fs = float(fs)
    if samples is None or len(samples) < int(3 * fs) or not fs > 0:
        return _empty()
    t = samples["t_s"].to_numpy(float) if "t_s" in samples else np.arange(len(samples)) / fs
    acc = _axes(samples, ACC)
    gyr = _axes(samples, GYR)
    if acc is None and gyr is None:
        return _empty()
    amag = np.linalg.norm(acc, axis=1) if acc is not None else None
    still = _still(amag, gyr, fs)

    # --- strides: contact (IC) and toe-off (TC) sample indices ---------------------------------
    pitch = None
    if gyr is not None and gyr.shape[1] >= 2:
        pitch = _pitch_velocity(gyr, fs, placement, still, acc)
    if pitch is not None:
        ic, tc, pitch = _gyro_events(pitch, fs, still)
    elif acc is not None:
        ic, tc = _acc_events(amag, acc, fs, still), None
    else:
        return _empty()
    if len(ic) < 2:
        return _empty()[0], _activity(t, still, np.zeros(0, int), np.zeros(0, int),
                                      np.zeros(0, bool), np.zeros(0), fs), {}

    # --- stride labels ------------------------------------------------------------------------
    stride_s = np.diff(ic) / fs  # stride k: ic[k] -> ic[k+1]
    peak_g = np.full(len(stride_s), np.nan)
    if amag is not None:
        peak_g = _range_max(amag, ic[:-1], ic[1:])
    duty = np.full(len(stride_s), np.nan)
    if tc is not None:
        duty = np.where(tc[:-1] >= 0, (tc[:-1] - ic[:-1]) / np.diff(ic), np.nan)
    run = (
        (stride_s >= 1 / RUN_STRIDE_HZ[1])
        & (stride_s <= 1 / RUN_STRIDE_HZ[0])
        & ~(peak_g < RUN_PEAK_G)  # NaN (no accelerometer) does not veto
        & ~(duty >= RUN_MAX_DUTY)
    )
    run = _min_run_length(run, MIN_BOUT_STRIDES)
    activity = _activity(t, still, ic[:-1], ic[1:], run, peak_g, fs)

    # contact k is running when the stride it starts or the stride it ends is running
    starts = np.r_[run, False]
    ends = np.r_[False, run]
    keep = starts | ends
    if not keep.any():
        return _empty()[0], activity, {}
    k = np.flatnonzero(keep)
    ick = ic[k]
    stride_fwd = np.where(starts[k], np.r_[stride_s, np.nan][k], np.nan)
    table = pd.DataFrame({"t_s": t[ick]})
    table["step_s"] = stride_fwd / 2
    table["cadence_spm"] = 120.0 / stride_fwd
    table["side"] = pd.Series([side if side in ("L", "R") else None] * len(k), dtype="string")

    if tc is not None:
        tck = tc[k]
        # TC of a bout's last contact counts only if that contact still looks like running
        # (shorter than half the stride before it): a braking last step rolls on for longer
        prev_stride = np.r_[np.nan, stride_s][k] * fs
        known = (tck >= 0) & (starts[k] | ((tck - ick) < RUN_MAX_DUTY * prev_stride))
        table["to_s"] = np.where(known, t[np.clip(tck, 0, None)], np.nan)
        table["contact_s"] = np.where(known, (tck - ick) / fs, np.nan)
        table["flight_s"] = table["step_s"] - table["contact_s"]

    # confidence: detector base x stride regularity against the bout's median stride
    med = pd.Series(np.r_[stride_s, np.nan]).where(starts).rolling(9, center=True, min_periods=1)
    med = med.median().to_numpy()[k]
    ratio = stride_fwd / med
    regular = np.clip(1 - 2 * np.abs(np.where(np.isfinite(ratio), ratio, 1.0) - 1), 0.2, 1.0)
    base = 0.9 if pitch is not None else 0.75
    table["confidence"] = base * regular

    extra: dict = {}
    if acc is not None:
        impact_signal = amag
        if placement == "shank":
            axis = _gravity_axis(acc, still, fs) if gravity_axis is None else gravity_axis
            impact_signal = acc @ axis
        sat = _saturation_mask(samples, acc, clipped)
        onset = ick
        if pitch is not None:  # gyroscope IC: the impact starts at the transient onset near it
            onset = _transient_onset(_transient(acc, fs), ick, fs, IMPACT_ONSET_S)
        imp = _impacts(impact_signal, onset, fs, sat)
        table["impact_g"] = imp["impact_g"]
        table["impact_clipped"] = pd.array(imp["clipped"], dtype="boolean")
        table["loading_rate_g_per_s"] = imp["loading_rate"]
        extra["impacts_clipped"] = int(np.sum(imp["clipped"]))

    if pitch is not None and placement == "foot":
        angle, cls, check = _strike(pitch, gyr, ic, tc, fs, k, amag, acc)
        table["strike_angle_deg"] = angle
        table["strike_class"] = pd.array(cls, dtype="string")
        extra["strike_cross_check"] = check
    if pitch is not None and placement == "shank" and acc is not None:
        table["shank_angle_deg"] = _shank_angle(pitch, gyr, acc, ic, fs, k, still, gravity_axis)

    return conform(table, STEP_COLUMNS), activity, extra


# ==============================================================================================
# signals
# ==============================================================================================
def _axes(samples: pd.DataFrame, names: list[str]) -> np.ndarray | None:
    """The present (not all-NaN) columns as an (n, k) array, gaps filled by interpolation."""
    present = [c for c in names if c in samples and samples[c].notna().any()]
    if not present:
        return None
    frame = samples[present].astype(float).interpolate(limit_direction="both")
    return frame.to_numpy()


def _lowpass(x: np.ndarray, fs: float, fc: float) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth low-pass (cut-off capped below Nyquist)."""
    sos = signal.butter(2, min(fc, 0.45 * fs), fs=fs, output="sos")
    return signal.sosfiltfilt(sos, x)


def _still(amag: np.ndarray | None, gyr: np.ndarray | None, fs: float) -> np.ndarray:
    """Samples where the sensor is at rest: |a| steady over 1 s (and the gyroscope quiet)."""
    n = len(amag) if amag is not None else len(gyr)
    w = max(3, int(fs))
    still = np.ones(n, bool)
    if amag is not None:
        sd = pd.Series(amag).rolling(w, center=True, min_periods=w // 2).std().to_numpy()
        still &= sd < STILL_SD_G
    if gyr is not None:
        wmag = pd.Series(np.linalg.norm(gyr, axis=1)).rolling(w, center=True, min_periods=1)
        still &= wmag.max().to_numpy() < 0.5
    return still


def _gravity_axis(acc: np.ndarray, still: np.ndarray, fs: float) -> np.ndarray:
    """Unit vector of the mean specific force: at rest if >= 1 s of rest exists, else overall.

    For a shank sensor at quiet standing this is the tibia's long axis within a few degrees
    (the reorientation of Bradach 2023, SCIENCE.md §1); positive = up the leg."""
    part = acc[still] if still.sum() >= fs else acc
    m = part.mean(axis=0)
    return m / np.linalg.norm(m)


def _local_period(x: np.ndarray, fs: float, lo_s: float, hi_s: float, moving: np.ndarray):
    """Stride period (s) per sample from windowed autocorrelation, and its strength (r).

    Only moving samples take part: each window's signal is centred on its moving samples'
    mean and set to zero where the sensor is still, so a bout that starts or ends inside a
    window is not blurred by the rest around it."""
    n_full = len(x)
    step = max(1, int(fs // PERIOD_RATE_HZ))  # the period needs ~20 ms resolution, not more
    x, moving, fs = x[::step], moving[::step], fs / step
    n = len(x)
    w = min(n, int(PERIOD_WINDOW_S * fs))
    hop = max(1, int(PERIOD_HOP_S * fs))
    starts = np.arange(0, max(n - w, 0) + 1, hop)
    idx = starts[:, None] + np.arange(w)
    seg = x[idx]
    mov = moving[idx]
    centre = (seg * mov).sum(axis=1, keepdims=True) / np.maximum(mov.sum(axis=1, keepdims=True), 1)
    seg = np.where(mov, seg - centre, 0.0)
    spec = np.fft.rfft(seg, 2 * w, axis=1)
    ac = np.fft.irfft(spec * np.conj(spec), axis=1)[:, :w]
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    lo, hi = int(lo_s * fs), min(int(hi_s * fs) + 1, w - 1)
    if hi <= lo:
        return np.full(n_full, np.nan), np.zeros(n_full)
    best = np.argmax(ac[:, lo:hi], axis=1)
    lag = (lo + best) / fs
    r = ac[np.arange(len(starts)), lo + best]
    centres = (starts + w / 2) * step
    at = np.arange(n_full)
    return np.interp(at, centres, lag), np.interp(at, centres, r)


def _dominant_peaks(x: np.ndarray, fs: float, period_s: np.ndarray, min_height: float):
    """Local maxima of x that are the largest within +-DOMINANCE local periods (one per stride)."""
    peaks, _ = signal.find_peaks(x, height=min_height, distance=max(1, int(0.25 * fs)))
    if len(peaks) == 0:
        return peaks
    h = x[peaks]
    half = DOMINANCE * period_s[peaks] * fs
    keep = np.isfinite(half)
    for off in range(1, 9):  # neighbours on either side (a stride holds few candidates)
        for sgn in (1, -1):
            j = np.arange(len(peaks)) + sgn * off
            ok = (j >= 0) & (j < len(peaks))
            jj = np.clip(j, 0, len(peaks) - 1)
            near = ok & (np.abs(peaks[jj] - peaks) < half)
            higher = (h[jj] > h) | ((h[jj] == h) & (peaks[jj] < peaks))
            keep &= ~(near & higher)
    return peaks[keep]


def _transient(acc: np.ndarray, fs: float) -> np.ndarray:
    """Magnitude of the high-passed acceleration (> TRANSIENT_HZ): impacts, not swing motion."""
    sos = signal.butter(4, min(TRANSIENT_HZ, 0.4 * fs), btype="highpass", fs=fs, output="sos")
    return np.linalg.norm(signal.sosfiltfilt(sos, acc, axis=0), axis=1)


def _window(x: np.ndarray, start: np.ndarray, stop: np.ndarray, fill: float):
    """Rows x[start_i:stop_i] padded with ``fill``; returns (matrix, column index)."""
    start = np.clip(start, 0, len(x))
    stop = np.clip(stop, start, len(x))
    width = int(max(1, (stop - start).max(initial=1)))
    col = np.arange(width)
    idx = start[:, None] + col
    valid = idx < stop[:, None]
    vals = np.where(valid, x[np.clip(idx, 0, len(x) - 1)], fill)
    return vals, col, valid


def _range_max(x: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    vals, _, valid = _window(x, start, stop, -np.inf)
    out = vals.max(axis=1)
    return np.where(valid.any(axis=1), out, np.nan)


def _plateau_argmin(vals: np.ndarray, col: np.ndarray) -> np.ndarray:
    """Column of each row's minimum; on a flat (saturated) bottom, the plateau's centre."""
    first = np.argmin(vals, axis=1)
    vmin = vals[np.arange(len(vals)), first]
    near = vals <= vmin[:, None] + 0.005 * np.abs(vmin[:, None])
    after = (~near) & (col[None, :] > first[:, None])
    last = np.where(after.any(axis=1), after.argmax(axis=1), vals.shape[1]) - 1
    return (first + last) // 2


def _min_run_length(flag: np.ndarray, n: int) -> np.ndarray:
    """Keep only runs of at least ``n`` consecutive True values."""
    if len(flag) == 0:
        return flag
    f = np.r_[False, flag, False].astype(int)
    edges = np.flatnonzero(np.diff(f))
    begin, end = edges[::2], edges[1::2]
    long_enough = (end - begin) >= n
    marks = np.zeros(len(flag) + 1, int)
    np.add.at(marks, begin[long_enough], 1)
    np.add.at(marks, end[long_enough], -1)
    return np.cumsum(marks)[:-1] > 0


# ==============================================================================================
# events
# ==============================================================================================
def _acc_events(amag: np.ndarray, acc: np.ndarray, fs: float, still: np.ndarray) -> np.ndarray:
    """IC sample indices from acceleration only (one per stride of this foot)."""
    lp = _lowpass(amag, fs, SEGMENT_LOWPASS_HZ)
    period, strength = _local_period(lp, fs, *GAIT_STRIDE_S, moving=~still)
    period = np.where(strength > 0.2, period, np.nan)  # no periodic movement: no strides
    markers = _dominant_peaks(lp, fs, period, min_height=1.3)
    if len(markers) == 0:
        return markers
    # IC = onset of the impact transient: first sample whose jerk reaches half the largest
    # jerk found between the marker - 80 ms and the marker + 250 ms (never past the next marker)
    jerk = _transient(acc, fs)
    stop = np.r_[markers[1:], len(amag)]
    return np.unique(_transient_onset(jerk, markers, fs, IC_SEARCH_S, stop))


def _transient_onset(jerk, around, fs, span_s, stop=None):
    """First sample whose transient reaches IC_JERK_FRACTION of the largest one within
    ``around + span_s`` (never past ``stop``)."""
    lo = np.clip(around + int(span_s[0] * fs), 0, len(jerk) - 1)
    hi = around + int(span_s[1] * fs)
    if stop is not None:
        hi = np.minimum(hi, stop)
    vals, _, _ = _window(jerk, lo, np.maximum(hi, lo + 1), 0.0)
    top = vals.max(axis=1, keepdims=True)
    return lo + np.argmax(vals >= IC_JERK_FRACTION * top, axis=1)


def _pitch_velocity(gyr, fs, placement, still, acc=None):
    """Sagittal angular velocity, signed so that mid-swing is positive (toe-up / ankle-forward).

    Axis: first principal component of the angular velocity while moving (the sagittal
    rotation dominates at the shank and the foot). Sign, foot: push-off after foot-flat is
    toe-down (negative). Shank (or a foot without a foot-flat): the 150 ms before each impact
    are late swing, still rotating forward (positive); without an accelerometer, the swing
    lobe is taken to have the largest peak (true of running shanks: ~8-12 rad/s in swing)."""
    wmag = np.linalg.norm(gyr, axis=1)
    moving = wmag > 1.0
    if moving.sum() < fs:  # less than a second of rotation: no gait
        return None
    g = gyr[moving]
    _, vecs = np.linalg.eigh(np.cov(g.T))
    axis = vecs[:, -1]
    w = _lowpass(gyr @ axis, fs, GYRO_LOWPASS_HZ)
    sign = 0.0
    if placement == "foot":
        quiet = _lowpass(wmag, fs, 5.0) < 1.5
        ends = np.flatnonzero(quiet[:-1] & ~quiet[1:])
        if len(ends):
            cs = np.r_[0.0, np.cumsum(w)]
            span = int(0.1 * fs)
            stop = np.minimum(ends + span, len(w))
            sign = -np.sign(np.sum(cs[stop] - cs[ends]))
    if sign == 0 and acc is not None:
        # shank: the shank still swings forward (positive) in the 150 ms before each impact
        tr = _transient(acc, fs)
        height = 0.5 * np.percentile(tr, 99.5)
        hits, _ = signal.find_peaks(tr, height=height, distance=int(0.4 * fs))
        hits = hits[hits >= int(0.15 * fs)]
        if len(hits) >= 3:
            cs = np.r_[0.0, np.cumsum(w)]
            sign = np.sign(np.sum(cs[hits] - cs[hits - int(0.15 * fs)]))
    if sign == 0:  # no impacts to anchor on: the swing lobe has the largest peak
        hi, lo = np.percentile(w[moving], [99.5, 0.5])
        sign = 1.0 if hi >= -lo else -1.0
    return sign * w


def _gyro_events(w: np.ndarray, fs: float, still: np.ndarray):
    """IC and TC indices from pitch angular velocity (Falbriard 2018 half-cycle minima).

    The last contact of a bout has no following mid-swing: its IC is the minimum within half
    a stride after the last mid-swing, and its TC is unknown (-1)."""
    # mid-swing is a broad lobe (~0.2 s); impacts put brief spikes of either sign into the
    # gyroscope, so the markers (and the stride period) come from a heavily smoothed copy
    smooth = _lowpass(w, fs, SEGMENT_LOWPASS_HZ)
    moving = ~still & (np.abs(w) > 0.2)
    period, strength = _local_period(smooth, fs, *GAIT_STRIDE_S, moving=moving)
    period = np.where(strength > 0.2, period, np.nan)
    top = np.percentile(smooth, 99)
    mid_swing = _dominant_peaks(smooth, fs, period, min_height=max(1.5, 0.3 * top))
    if len(mid_swing) < 2:
        return np.zeros(0, int), np.zeros(0, int), w
    a, b = mid_swing[:-1], mid_swing[1:]
    linked = (b - a) <= GAIT_STRIDE_S[1] * fs
    # a mid-swing with no next one within a stride ends a bout: search half a typical stride
    typical = np.nanmedian((b - a)[linked]) if linked.any() else fs
    half = np.where(linked, (a + b) // 2, a + int(0.5 * typical))
    v1, c1, _ = _window(w, a, half, np.inf)
    ic = a + _plateau_argmin(v1, c1)
    v2, c2, _ = _window(w, half, np.where(linked, b, half + 1), np.inf)
    tc = np.where(linked, half + _plateau_argmin(v2, c2), -1)
    last = mid_swing[-1]
    v3, c3, _ = _window(w, np.array([last]), np.array([last + int(0.5 * typical)]), np.inf)
    ic = np.r_[ic, last + _plateau_argmin(v3, c3)]
    tc = np.r_[tc, -1]
    ic = np.clip(ic, 0, len(w) - 1)
    return ic, tc, w


# ==============================================================================================
# per-contact values
# ==============================================================================================
def _saturation_mask(samples, acc, clipped) -> np.ndarray:
    """True where any accelerometer axis saturated: the caller's ``clipped`` mask, else an
    axis sitting on its rail: the axis's largest magnitude, reached on two or more samples
    (a sensor pinned at its range repeats the same extreme value, e.g. exactly -8.000 g on a
    +-8 g ActiGraph; a free peak of a continuous signal does not)."""
    if clipped is not None:
        m = np.asarray(clipped, bool)
        return m.any(axis=1) if m.ndim == 2 else m
    absacc = np.abs(acc)
    top = absacc.max(axis=0)
    at_top = absacc >= top - 1e-6 * np.maximum(top, 1.0)
    railed = (at_top.sum(axis=0) >= 2) & (top > 2.0)  # a limb at rest never reaches its rail
    return (at_top & railed).any(axis=1)


def _gyro_rail(gyr: np.ndarray) -> np.ndarray:
    """True where a gyroscope axis sits near its range: at least 0.5 % of moving samples pile up
    within 3 % of the axis's 99.9th percentile of |w| (a free tail thins out instead; the
    shoe sensor of ``foot_imu_running`` piles up at ~9 rad/s, the 500 deg/s range)."""
    absg = np.abs(gyr)
    moving = np.linalg.norm(gyr, axis=1) > 1.0
    if moving.sum() < 100:
        return np.zeros(len(gyr), bool)
    top = np.percentile(absg[moving], 99.9, axis=0)
    near = absg >= 0.97 * top
    piled = near[moving].mean(axis=0) >= 0.005
    return (near & piled).any(axis=1)


def _impacts(x: np.ndarray, ic: np.ndarray, fs: float, sat: np.ndarray) -> dict:
    """Impact peak after each IC under the Van den Berghe 2021 rule, its clipping and rise."""
    n = len(x)
    win = max(2, int(IMPACT_WINDOW_S * fs))
    vals, _, _ = _window(x, ic, ic + win, -np.inf)
    off = np.argmax(vals, axis=1)
    peak_idx = np.minimum(ic + off, n - 1)
    peak = x[peak_idx]
    clear = int(VDB_CLEAR_S * fs)
    after = _range_max(x, peak_idx + 1, np.minimum(peak_idx + 1 + clear, n))
    counts = (peak > VDB_MIN_G) & ~(after > peak)
    impact = np.where(counts, peak, np.nan)
    csum = np.r_[0, np.cumsum(sat)]
    clipped = (csum[np.minimum(peak_idx + 2, n)] - csum[ic]) > 0
    rise_s = (peak_idx - ic) / fs
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(counts & (rise_s > 0), (peak - x[ic]) / rise_s, np.nan)
    return {"impact_g": impact, "clipped": clipped, "loading_rate": rate}


def _strike(w, gyr, ic, tc, fs, k, amag, acc):
    """Foot-strike angle at IC vs foot flat (Falbriard 2020) and its class; sign cross-check."""
    theta = np.r_[0.0, np.cumsum(w[:-1])] / fs  # rad, integral of pitch velocity
    # foot-flat instant of each stance: the stillest sample (smoothed |w|) between IC and TC
    wmag = _lowpass(np.linalg.norm(gyr, axis=1), fs, 10.0)
    stance_end = np.where(tc > ic, tc, ic + int(0.3 * fs))  # unknown toe-off: 300 ms
    vals, _, _ = _window(wmag, ic, stance_end, np.inf)
    flat = ic + np.argmin(vals, axis=1)
    prev_flat = np.r_[-1, flat[:-1]]
    linked = (prev_flat >= 0) & ((flat - prev_flat) <= GAIT_STRIDE_S[1] * fs)
    pf = np.where(linked, prev_flat, flat)
    span = np.maximum(flat - pf, 1)
    drift = np.where(linked, (theta[flat] - theta[pf]) * (ic - pf) / span, 0.0)
    ref = theta[pf] + drift  # foot-flat pitch carried to IC
    ref = np.where(linked, ref, theta[flat])  # no previous stance: integrate back from flat
    angle = np.degrees(theta[ic] - ref)
    angle[stance_end >= len(w)] = np.nan  # the recording ends before this foot is flat
    angle = angle[k]
    # gyroscope saturation during the roll from IC to foot flat: that angle is a lower bound
    sat = _gyro_rail(gyr)
    csum = np.r_[0, np.cumsum(sat)]
    roll_clipped = (csum[flat[k] + 1] - csum[ic[k]]) > 0
    cls = np.where(angle > RFS_MIN_DEG, "rearfoot",
                   np.where(angle < FFS_MAX_DEG, "forefoot", "midfoot")).astype(object)
    cls[~np.isfinite(angle)] = None
    # van Werkhoven 2019: sign of pitch velocity at the impact (acceleration-defined IC)
    check = {"method": "sign of pitch angular velocity at impact (van Werkhoven 2019)",
             "gyro_clipped_ic_to_flat": int(roll_clipped.sum())}
    if acc is not None:
        impact_at = _transient_onset(_transient(acc, fs), ic[k], fs, IMPACT_ONSET_S)
        has = np.isfinite(angle)
        sign_rfs = (w[impact_at] < 0)[has]
        angle_rfs = (cls == "rearfoot")[has]
        check.update({
            "n": int(has.sum()),
            "rearfoot_by_angle": int(angle_rfs.sum()),
            "rearfoot_by_sign": int(sign_rfs.sum()),
            "agreement": float(np.mean(sign_rfs == angle_rfs)) if has.any() else float("nan"),
        })
    return angle, cls, check


def _shank_angle(w, gyr, acc, ic, fs, k, still, gravity_axis=None):
    """Shank angle at IC relative to quiet standing (deg, + = ankle ahead of knee): integrated
    sagittal angular velocity, de-drifted per stride, offset so that the stride's mean
    acceleration in the world frame points straight up (gravity). The standing direction of
    gravity in the sensor stands for the tibia's axis; without >= 1 s of standing it is NaN."""
    if gyr.shape[1] != 3 or acc.shape[1] != 3 or still.sum() < fs:
        # the tibia's long axis in sensor coordinates is only known from quiet standing
        return np.full(len(k), np.nan)
    moving = np.linalg.norm(gyr, axis=1) > 1.0
    _, vecs = np.linalg.eigh(np.cov(gyr[moving].T))
    u_p = vecs[:, -1]  # the pitch axis, signed like w (swing positive)
    if np.corrcoef(gyr[moving] @ u_p, w[moving])[0, 1] < 0:
        u_p = -u_p
    g = _gravity_axis(acc, still, fs) if gravity_axis is None else gravity_axis
    u_a = g - (g @ u_p) * u_p
    u_a /= np.linalg.norm(u_a)
    u_f = np.cross(u_a, u_p)
    f = (acc @ u_a) + 1j * (acc @ u_f)
    theta = np.r_[0.0, np.cumsum(w[:-1])] / fs
    a, b = ic[:-1], ic[1:]
    valid_stride = (b - a) <= GAIT_STRIDE_S[1] * fs
    vals, col, valid = _window(theta, a, b, np.nan)
    length = np.maximum(b - a, 1)[:, None]
    phi = vals - theta[a][:, None] - (theta[b] - theta[a])[:, None] * col[None, :] / length
    fv, _, _ = _window(f, a, b, 0.0)
    rotated = np.where(valid, fv * np.exp(-1j * np.where(valid, phi, 0.0)), 0)
    mean = rotated.sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
    theta0 = np.degrees(np.angle(mean))
    theta0 = np.where(valid_stride, theta0, np.nan)
    per_contact = np.r_[theta0, np.nan]
    return per_contact[k]


# ==============================================================================================
# activity segments
# ==============================================================================================
def _activity(t, still, s0, s1, run, peak_g, fs) -> pd.DataFrame:
    """Run-length segments: running / walking / standing / other, with stride stats."""
    n = len(t)
    label = np.full(n, 3, np.int8)  # 0 running, 1 walking, 2 standing (at rest), 3 other
    label[still] = 2
    stride_s = (s1 - s0) / fs
    walking = ~run & (stride_s > 1 / RUN_STRIDE_HZ[0]) & (stride_s <= GAIT_STRIDE_S[1])
    code = np.where(run, 0, np.where(walking, 1, 3))
    # paint strides over the timeline (stride intervals do not overlap)
    marks = np.zeros(n + 1, np.int64)
    painted = code != 3
    np.add.at(marks, s0[painted], 1)
    np.add.at(marks, s1[painted], -1)
    inside = np.cumsum(marks)[:-1] > 0
    which = np.searchsorted(s0, np.arange(n), side="right") - 1
    which = np.clip(which, 0, max(len(s0) - 1, 0))
    if len(s0):
        label = np.where(inside, code[which], label)
    edges = np.flatnonzero(np.diff(label)) + 1
    begin = np.r_[0, edges]
    end = np.r_[edges, n]
    names = np.array(["running", "walking", "standing", "other"])
    dt = 1 / fs
    seg = pd.DataFrame({
        "start_s": t[begin],
        "end_s": t[end - 1] + dt,
        "activity": names[label[begin]],
    })
    # strides that start in each segment
    seg_of_stride = np.searchsorted(begin, s0, side="right") - 1 if len(s0) else np.zeros(0, int)
    counted = painted & (label[np.clip(s0, 0, n - 1)] == code)
    strides = np.bincount(seg_of_stride[counted], minlength=len(begin))
    dur = np.bincount(seg_of_stride[counted], weights=stride_s[counted], minlength=len(begin))
    pk = pd.Series(peak_g[counted]).groupby(seg_of_stride[counted]).median()
    seg["strides"] = strides
    with np.errstate(divide="ignore", invalid="ignore"):
        seg["stride_hz"] = np.where(strides > 0, strides / dur, np.nan)
    seg["peak_g"] = pk.reindex(range(len(begin))).to_numpy(float)
    return seg[ACTIVITY_COLUMNS]
