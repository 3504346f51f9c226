"""Trunk-worn (sacrum, waist, pocket) and wrist step detectors.

A trunk sensor rides close to the body's centre of mass (COM), so its vertical acceleration
*including gravity*, in g, is close to the vertical ground reaction force in body weights
(Newton: F = m (a + g), so F / BW = a_vert / g). It reads about 0 g while both feet are off the
ground (free fall) and rises to 2-3 g in mid-stance. Every foot contact is one hump; the trunk
feels both feet, so the humps repeat once per *step*.

Method
------
1. **Vertical.** The direction of gravity is the mean of the acceleration vector over a moving
   ``GRAVITY_WINDOW_S`` window (a tilted or upside-down sensor is handled); the vertical
   acceleration is the projection on it. Axes a file lacks (all NaN) are left out, so a single
   vertical axis is enough; short NaN gaps are bridged for filtering and give no contacts.
2. **Running only.** ``activity_windows`` labels every ``window_s`` window (running, walking,
   standing, other, gap) from its step frequency (autocorrelation, 2.2-4.5 Hz for running), its
   periodicity and its vertical-acceleration range; a window whose left and right steps are
   timed unevenly (a belt-side sensor) runs by its stride (periodic at the stride lag with a
   step peak in between). Contacts come from running windows only.
3. **Contacts.** One hump per step in the vertical acceleration low-passed at
   ``HUMP_LOWPASS_HZ``. Initial contact (IC) is where the 20 Hz vertical acceleration rises
   through a share (``ic_fraction``) of that step's hump peak; toe-off (TC) is where the 5 Hz
   hump falls through ``tc_level_g``, plus an offset. This is a threshold rule on the sacral
   vertical acceleration, like the sacral "IMU method" of Patoz et al. 2022 (Sensors 22:784),
   which starts from the *effective* foot-strike and toe-off (vertical acceleration crossing
   1 g, force = body weight) and moves the threshold to time the true ones (contact-time RMSE
   20 ms, bias 13 ms [V, SCIENCE.md §5]; their threshold values are not reproduced here [M]).
   The published sacral alternatives scored worse on the force plate: Auvinet 2002 (IC from
   the AP-acceleration maximum before the braking minimum; bias -30 ms, LoA +-120 ms in Kiernan
   et al. 2023, Sensors 23:5022) was tried here as a refinement and moved IC 17 ms early with a
   38 ms 95th-percentile error, so IC and TC use the vertical axis only.
   The levels and offsets are this module's own (``TrunkParams``), fitted on the force-plate
   set in ``softstep.validation.sacral`` with cross-validated errors reported there:
   |IC error| median 6 ms (p95 14 ms), contact time RMSE 15 ms, peak force RMSE 0.18 BW.
4. **Per-step values.** Contact and flight from IC/TC; peak force in body weights from the peak
   of the vertical acceleration low-passed at ``force_lowpass_hz`` over the contact, times a
   gain (F/BW = a/g; Patoz 2022 reach 0.15 BW and Alcantara et al. 2021, PeerJ 9:e11199
   predict it from the same signal); impact = peak resultant acceleration in the first half of
   the contact; vertical oscillation by double integration with per-step detrending (see
   ``vertical_oscillation_cm``).

A phone in a pocket is treated as a loose sacral sensor (SCIENCE.md §5: cadence fine, contact
time unvalidated, LoA +-30-150 ms): same rule, confidence x ``POCKET_CONFIDENCE``.

Side is left unknown: the best published sacral left/right rule (Lee et al. 2010) is right for
only 81.9 % of steps (Kiernan 2023), and this package never guesses a side.

The wrist detector (``detect_wrist``) gives cadence only: arm swing repeats once per stride,
and no study validates contact time or impact from the wrist (SCIENCE.md §1, §5).

>>> import numpy as np, pandas as pd
>>> fs = 200.0
>>> t = np.arange(0, 12, 1 / fs)
>>> phase = (t * 2.8) % 1.0                   # 168 steps/min, contact = first 60 % of each step
>>> vert = np.where(phase < 0.6, 2.6 * np.sin(np.pi * phase / 0.6), 0.0)
>>> samples = pd.DataFrame({"t_s": t, "acc_x_g": np.nan, "acc_y_g": np.nan, "acc_z_g": vert})
>>> steps = detect_trunk(samples, fs)
>>> round(float(steps["cadence_spm"].median()))
168
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.fft import irfft, next_fast_len, rfft
from scipy.signal import butter, find_peaks, peak_prominences, sosfiltfilt

from softstep.model import STEP_COLUMNS, conform

G = 9.80665  # m/s² per g
ACC = ("acc_x_g", "acc_y_g", "acc_z_g")

GRAVITY_WINDOW_S = 4.0  # moving mean that estimates the direction of gravity
SIGNAL_LOWPASS_HZ = 20.0  # contact timing signal (the sacral data set was filtered at 20 Hz)
HUMP_LOWPASS_HZ = 5.0  # one smooth hump per step
MIN_DURATION_S = 1.0  # shorter inputs give an empty table
# Trunk signals are analysed at no more than this rate: the sacral validation data are 500 Hz
# and the method is low-pass (20 Hz timing signal), so a 1 kHz file is averaged in pairs first
# (half the work, no loss the validation could see).
MAX_ANALYSIS_HZ = 500.0
PREPARE_BLOCK = 65_536  # samples per block of the gravity projection (fits the CPU cache)

# Activity labels (per window). Walk-run transition ~135-140 steps/min (SCIENCE.md §6), so
# running starts at 2.2 Hz. The top is 4.5 Hz, not 3.7: the force-plate runner of the sacral set
# ran uphill at 3.8-3.9 steps/s (trials 13-14, 227-233 steps/min). The amplitude and
# periodicity limits are this module's own.
RUN_STEP_HZ = (2.2, 4.5)
WALK_STEP_HZ = (1.0, 2.2)
RUN_MIN_RANGE_G = 1.0  # p2.5-p97.5 of vertical acceleration: running swings from ~0 g to 2-3 g
STILL_SD_G = 0.05  # below: standing (or the sensor lying still)
MIN_PERIODICITY = 0.4  # autocorrelation at the step lag (or, per stride, at the stride lag)
# A sensor on one side of the belt may time the two feet unevenly (e.g. 0.28 / 0.40 s at
# 174 steps/min on the outdoor hip run, ../shared/data/ankle_hip_outdoor_run): the step-lag
# autocorrelation then stays at 0.32-0.42 while the stride lag reads 0.8-0.95. Such a window
# runs by its stride when the stride lag is periodic (MIN_PERIODICITY) and a step peak lies in
# between: a local maximum >= MIN_HALF_STRIDE within HALF_STRIDE_SHARE of the stride lag. A
# walking step at the same lag (1.1-2.2 steps/s) has no such peak: half a step is in antiphase
# (autocorrelation < 0 there on the hip run). Own limits, not validated.
HALF_STRIDE_SHARE = (0.3, 0.7)
MIN_HALF_STRIDE = 0.2
CONTEXT_S = 1.0  # each window's periodicity is measured over the window +- this
LABELS = ("running", "walking", "standing", "other", "gap")

# Humps (mid-stance peaks of the 5 Hz vertical acceleration)
HUMP_MIN_G = 1.3
HUMP_MIN_PROMINENCE_G = 0.5
TRUNK_PLACEMENTS = ("sacrum", "waist", "pocket")
POCKET_CONFIDENCE = 0.7  # a phone in a trouser pocket is a loose sensor on a swinging thigh


@dataclass(frozen=True)
class TrunkParams:
    """Constants of the contact rule. The defaults were fitted on all 21 force-plate trials by
    ``softstep.validation.sacral.fit_params`` (grid for the levels, median error for the
    offsets, median ratio for the gain); the validation scores them by cross-validation."""

    ic_fraction: float = 0.2  # IC: 20 Hz vertical acceleration rises through this share of the hump
    tc_level_g: float = 0.6  # TC: the 5 Hz vertical acceleration falls through this
    ic_offset_s: float = -0.002  # added to the IC estimate
    tc_offset_s: float = 0.018  # added to the TC estimate
    force_lowpass_hz: float = 10.0  # peak force from the vertical acceleration low-passed here
    force_gain: float = 0.925  # ... times this


DEFAULT_PARAMS = TrunkParams()


# --------------------------------------------------------------------------------------------
# Signal preparation
@lru_cache(maxsize=64)
def _butter(order: int, cutoff_hz: float, fs: float) -> np.ndarray:
    return butter(order, cutoff_hz, btype="low", fs=fs, output="sos")


def _lowpass(x: np.ndarray, fs: float, cutoff_hz: float, order: int = 4) -> np.ndarray:
    """Zero-lag Butterworth low-pass; returns ``x`` unchanged when the cutoff is near Nyquist."""
    if cutoff_hz >= 0.45 * fs:
        return x.copy()
    sos = _butter(order, float(cutoff_hz), float(fs))
    padlen = min(len(x) - 1, 3 * (2 * sos.shape[0] + 1))
    return sosfiltfilt(sos, x, axis=0, padlen=padlen)


def _moving_sum(x: np.ndarray, size: int) -> np.ndarray:
    """Sum of ``x`` over ``size`` samples around each sample, zeros outside (float64).

    The window of sample i is x[i - size // 2 : i - size // 2 + size], the alignment of
    ``scipy.ndimage.uniform_filter1d(mode="constant")`` (times ``size``); one cumulative sum,
    O(n) whatever the window.

    >>> _moving_sum(np.array([1.0, 2.0, 3.0, 4.0]), 2).tolist()
    [1.0, 3.0, 5.0, 7.0]
    """
    n = len(x)
    csum = _window_cumsum(x, size)
    return csum[size : size + n] - csum[:n]


def _window_cumsum(x: np.ndarray, size: int) -> np.ndarray:
    """Cumulative sum of ``x`` padded for ``_moving_sum``: its window sum at sample i is
    ``csum[i + size] - csum[i]`` (n + size + 1 values, float64)."""
    n = len(x)
    half = size // 2
    csum = np.zeros(n + size + 1)
    np.cumsum(x, out=csum[half + 1 : half + 1 + n])
    csum[half + 1 + n :] = csum[half + n]
    return csum


@dataclass
class _Prepared:
    fs: float
    t: np.ndarray  # s
    valid: np.ndarray  # bool per sample: every present axis finite
    resultant: np.ndarray  # g, unfiltered, present axes
    vert_raw: np.ndarray  # g, unfiltered projection on gravity
    vert: np.ndarray  # g, SIGNAL_LOWPASS_HZ
    hump: np.ndarray  # g, HUMP_LOWPASS_HZ


def at_most(samples: pd.DataFrame, fs: float, clipped: np.ndarray | None = None,
            max_hz: float = MAX_ANALYSIS_HZ) -> tuple[pd.DataFrame, float, np.ndarray | None]:
    """``samples`` (and a per-sample ``clipped`` mask) averaged in blocks of ``q`` samples, the
    smallest ``q`` that brings the rate ``fs / q`` to at most ``max_hz`` (unchanged below
    ``2 · max_hz``). A block's time is its samples' mean time; it is clipped when any sample is.

    >>> frame = pd.DataFrame({"t_s": np.arange(6) / 1000, "acc_z_g": [1, 3, 1, 3, 1, 3.0]})
    >>> out, fs, _ = at_most(frame, 1000.0)
    >>> fs, out["acc_z_g"].tolist(), out["t_s"].round(4).tolist()
    (500.0, [2.0, 2.0, 2.0], [0.0005, 0.0025, 0.0045])
    """
    q = int(fs // max_hz)
    if q < 2:
        return samples, fs, clipped
    n = len(samples) // q * q
    def block_mean(x: np.ndarray) -> np.ndarray:  # strided slices: faster than reshape().mean
        return sum(x[k:n:q] for k in range(1, q)) / q + x[0:n:q] / q

    blocks = {c: block_mean(samples[c].to_numpy()) for c in samples.columns}
    if clipped is not None:
        clipped = np.asarray(clipped)[:n]
        clipped = clipped.reshape(n // q, q, *clipped.shape[1:]).any(axis=1)
    return pd.DataFrame(blocks), fs / q, clipped


def _prepare(samples: pd.DataFrame, fs: float) -> _Prepared | None:
    n = len(samples)
    present = [c for c in ACC if c in samples and samples[c].notna().any()]
    if not present or n < max(int(MIN_DURATION_S * fs), 16):
        return None
    cols: list[np.ndarray | None] = [None, None, None]  # float64 per axis, None when absent
    valid = np.ones(n, bool)
    idx = np.arange(n)
    for j, c in enumerate(ACC):
        if c not in present:
            continue
        col = samples[c].to_numpy(np.float64)
        ok = np.isfinite(col)
        if ok.all():
            cols[j] = col
        else:
            valid &= ok
            cols[j] = np.interp(idx, idx[ok], col[ok])
    if valid.sum() < max(int(MIN_DURATION_S * fs), 16):
        return None
    t = samples["t_s"].to_numpy(float) if "t_s" in samples else idx / fs
    # gravity: moving mean of each axis over the valid samples; vertical: the projection on its
    # direction. Only the direction counts, so the window sums serve as well as the means
    # (the count of valid samples cancels). An absent axis adds nothing. Computed in blocks
    # that stay in the CPU cache, with no (n, 3) temporaries.
    size = max(3, int(GRAVITY_WINDOW_S * fs))
    all_valid = bool(valid.all())
    present_cols = [c for c in cols if c is not None]
    sums = [_window_cumsum(c if all_valid else c * valid, size) for c in present_cols]
    vert_raw = np.empty(n)
    resultant = np.empty(n)
    for lo in range(0, n, PREPARE_BLOCK):
        hi = min(n, lo + PREPARE_BLOCK)
        proj = norm = sq = 0.0
        for c, csum in zip(present_cols, sums, strict=True):
            g = csum[lo + size : hi + size] - csum[lo:hi]
            part = c[lo:hi]
            proj = proj + part * g
            norm = norm + g * g
            sq = sq + part * part
        vert_raw[lo:hi] = proj / np.maximum(np.sqrt(norm), 1e-300)
        resultant[lo:hi] = np.sqrt(sq)
    del sums, cols, present_cols
    vert = _lowpass(vert_raw, fs, SIGNAL_LOWPASS_HZ)
    hump = _lowpass(vert_raw, fs, HUMP_LOWPASS_HZ)
    return _Prepared(fs, t, valid, resultant, vert_raw, vert, hump)


# --------------------------------------------------------------------------------------------
# Activity: running vs walking vs standing, per window
def _window_autocorr(x: np.ndarray, valid: np.ndarray, fs: float, window_s: float,
                     max_lag_s: float = 1.0):
    """Per window: (valid share, sd, p2.5-p97.5 range, autocorrelation (k, lags)).

    The autocorrelation is taken over the window +- CONTEXT_S (zero-padded, local mean removed,
    gaps zeroed), normalised by lag 0 and by the overlap, so a periodic signal reads ~1 at its
    period. Lags 0 to ``max_lag_s`` (+ 2 samples, for peak refinement) are returned; the FFT is
    only as long as those lags need (no wrap-around below them).
    """
    n = len(x)
    w = max(1, round(window_s * fs))
    c = round(CONTEXT_S * fs)
    k = int(np.ceil(n / w))
    # window values (padded to k*w)
    pad = k * w - n
    xv = np.where(valid, x, np.nan)
    win = np.concatenate([xv, np.full(pad, np.nan)]).reshape(k, w)
    share = np.isfinite(win).mean(axis=1) * w / np.r_[np.full(k - 1, w), w - pad]
    with warnings.catch_warnings():  # all-NaN windows (gaps) give NaN quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(win, axis=1)
        lo, hi = _row_percentiles(win, (2.5, 97.5))
    # in batches of windows to bound memory on long recordings
    length = w + 2 * c
    vpad = np.concatenate([np.zeros(c, bool), valid, np.zeros(pad + c, bool)])
    xpad = np.concatenate([np.zeros(c), np.where(valid, x, 0.0), np.zeros(pad + c)])
    xs = np.lib.stride_tricks.sliding_window_view(xpad, length)[::w][:k]
    vs = np.lib.stride_tricks.sliding_window_view(vpad, length)[::w][:k]
    lags = min(length, int(max_lag_s * fs) + 3)
    nfft = next_fast_len(length + lags)
    overlap = np.maximum((length - np.arange(lags)) / length, 0.25)
    ac = np.empty((k, lags))
    for b in range(0, k, 256):
        ctx = xs[b : b + 256].copy()
        ok = vs[b : b + 256]
        mean = (ctx * ok).sum(axis=1, keepdims=True) / np.maximum(ok.sum(axis=1, keepdims=True), 1)
        ctx = (ctx - mean) * ok
        spec = rfft(ctx, nfft, axis=1, workers=-1)  # all cores: the FFTs are half the work
        part = irfft(spec * np.conj(spec), nfft, axis=1, workers=-1)[:, :lags]
        ac[b : b + 256] = part / np.maximum(part[:, :1], 1e-12) / overlap
    return share, sd, hi - lo, ac


def _row_percentiles(win: np.ndarray, q: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """``np.nanpercentile(win, q, axis=1)``, vectorised over the rows without NaN (most)."""
    full = ~np.isnan(win).any(axis=1)
    out = np.full((len(q), len(win)), np.nan)
    if full.any():
        out[:, full] = np.percentile(win[full], q, axis=1)
    if not full.all():
        out[:, ~full] = np.nanpercentile(win[~full], q, axis=1)
    return out[0], out[1]


def _local_peaks(ac: np.ndarray) -> np.ndarray:
    """Bool (k, lags): local maxima of each row (plateaus count at their first sample)."""
    is_peak = np.zeros_like(ac, bool)
    is_peak[:, 1:-1] = (ac[:, 1:-1] > ac[:, :-2]) & (ac[:, 1:-1] >= ac[:, 2:])
    return is_peak


def _refined_lag(ac: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Lag (samples) of the peak at column ``i`` of each row, refined by a parabola."""
    rows = np.arange(len(ac))
    i = np.clip(i, 1, ac.shape[1] - 2)
    y0, y1, y2 = ac[rows, i - 1], ac[rows, i], ac[rows, i + 1]
    denom = y0 - 2 * y1 + y2
    delta = np.where(np.abs(denom) > 1e-12, 0.5 * (y0 - y2) / np.where(denom == 0, 1, denom), 0)
    return i + np.clip(delta, -1, 1)


def _pick_lag(ac: np.ndarray, fs: float, lags_s: tuple[float, float], first_peak: bool):
    """(frequency Hz, periodicity) per row of ``ac``: 1 / the autocorrelation lag in ``lags_s``,
    the first clear local maximum (``first_peak``) or the highest one."""
    k, length = ac.shape
    lo_lag, hi_lag = max(1, int(lags_s[0] * fs)), min(length - 2, int(lags_s[1] * fs))
    seg = ac[:, lo_lag : hi_lag + 1]
    if seg.shape[1] < 3:
        return np.full(k, np.nan), np.zeros(k)
    best = seg.max(axis=1, keepdims=True)
    is_peak = _local_peaks(seg)
    # the first clear local maximum: the step, not the stride, lag. A trunk sensor feels both
    # feet, but a belt-side sensor may repeat more strongly per stride (left/right asymmetry),
    # so a step-lag peak counts when it reaches 0.3 and 40 % of the best one.
    strong = is_peak & (seg >= np.maximum(0.3, 0.4 * best)) & (best > 0)
    if not first_peak:
        strong = is_peak & (seg >= best)
    first = np.where(strong.any(axis=1), strong.argmax(axis=1), seg.argmax(axis=1))
    lag = (lo_lag + _refined_lag(seg, first)) / fs
    periodicity = np.clip(seg[np.arange(k), first], 0.0, 1.0)
    return 1.0 / lag, periodicity


def _window_features(
    x: np.ndarray,
    valid: np.ndarray,
    fs: float,
    window_s: float,
    lags_s: tuple[float, float] = (0.2, 1.0),
    first_peak: bool = True,
):
    """Per window: (valid share, sd, p2.5-p97.5 range, frequency Hz, periodicity).

    The frequency is 1 / the autocorrelation lag in ``lags_s``: the first clear local maximum
    (``first_peak``) or the highest one.
    """
    share, sd, rng, ac = _window_autocorr(x, valid, fs, window_s, max_lag_s=lags_s[1])
    hz, periodicity = _pick_lag(ac, fs, lags_s, first_peak)
    return share, sd, rng, hz, periodicity


def _stride_rhythm(ac: np.ndarray, fs: float):
    """Per window: (step frequency Hz = 2 / stride lag, stride periodicity, half-stride
    periodicity).

    The stride lag is the highest local maximum of the autocorrelation at the stride periods of
    running (2 / RUN_STEP_HZ); the half-stride periodicity is the highest local maximum within
    HALF_STRIDE_SHARE of that lag (the step: two contacts per stride). NaN / 0 / -1 where there
    is no such maximum.
    """
    k, length = ac.shape
    lags = np.arange(length)
    is_peak = _local_peaks(ac)
    lo, hi = int(np.floor(2.0 / RUN_STEP_HZ[1] * fs)), int(np.ceil(2.0 / RUN_STEP_HZ[0] * fs))
    in_range = (lags >= lo) & (lags <= min(hi, length - 2))
    cand = np.where(is_peak & in_range[None, :], ac, -np.inf)
    j = cand.argmax(axis=1)
    found = np.isfinite(cand[np.arange(k), j])
    stride = np.where(found, _refined_lag(ac, j), np.nan)
    stride_p = np.where(found, np.clip(ac[np.arange(k), j], 0.0, 1.0), 0.0)
    a, b = HALF_STRIDE_SHARE
    near = (lags[None, :] >= a * j[:, None]) & (lags[None, :] <= b * j[:, None])
    half = np.where(is_peak & near, ac, -np.inf).max(axis=1)
    half = np.where(found & np.isfinite(half), half, -1.0)
    return 2.0 * fs / stride, stride_p, half


def _label_windows(prep: _Prepared, window_s: float) -> pd.DataFrame:
    fs = prep.fs
    max_lag_s = max(1.0, 2.0 / RUN_STEP_HZ[0])  # step lags 0.2-1 s, stride lags to 2 / 2.2 Hz
    share, sd, rng, ac = _window_autocorr(prep.vert, prep.valid, fs, window_s, max_lag_s)
    step_hz, periodicity = _pick_lag(ac, fs, (0.2, 1.0), first_peak=True)
    stride_step_hz, stride_p, half_p = _stride_rhythm(ac, fs)
    k = len(share)
    w = max(1, round(window_s * fs))
    n = len(prep.vert)
    start = np.arange(k) * w
    end = np.minimum(start + w, n)
    by_step = (
        (step_hz >= RUN_STEP_HZ[0])
        & (step_hz <= RUN_STEP_HZ[1])
        & (periodicity >= MIN_PERIODICITY)
    )
    # uneven left/right steps: periodic per stride, two contacts per stride
    by_stride = (
        ~by_step
        & (stride_step_hz >= RUN_STEP_HZ[0])
        & (stride_step_hz <= RUN_STEP_HZ[1])
        & (stride_p >= MIN_PERIODICITY)
        & (half_p >= MIN_HALF_STRIDE)
    )
    running = (by_step | by_stride) & (rng >= RUN_MIN_RANGE_G)
    # such a window's rhythm is its stride's: step frequency 2 / stride lag (the mean of the
    # uneven left and right steps) and the stride's periodicity (the step confidence uses it)
    step_hz = np.where(by_stride & running, stride_step_hz, step_hz)
    periodicity = np.where(by_stride & running, stride_p, periodicity)
    walking = (
        (step_hz >= WALK_STEP_HZ[0])
        & (step_hz <= RUN_STEP_HZ[1])
        & (periodicity >= MIN_PERIODICITY * 0.75)
    )
    label = np.select(
        [share < 0.5, sd < STILL_SD_G, running, walking],
        ["gap", "standing", "running", "walking"],
        default="other",
    )
    t0 = prep.t[0]
    return pd.DataFrame(
        {
            "start_s": t0 + start / fs,
            "end_s": t0 + end / fs,
            "activity": label,
            "step_hz": step_hz,
            "periodicity": periodicity,
            "range_g": rng,
            "sd_g": sd,
            "stride_periodicity": stride_p,
            "half_stride_periodicity": half_p,
        }
    )


def activity_windows(
    samples: pd.DataFrame, sample_rate_hz: float, window_s: float = 2.0
) -> pd.DataFrame:
    """Label each ``window_s`` window of a trunk recording.

    Returns one row per window: ``start_s``, ``end_s``, ``activity`` (one of LABELS: "running",
    "walking", "standing", "other" = moving without a walking or running rhythm, "gap" = no
    data), ``step_hz`` (dominant step frequency from the autocorrelation of the vertical
    acceleration over the window +- CONTEXT_S), ``periodicity`` (that autocorrelation, 0-1),
    ``range_g`` (2.5-97.5 percentile range of the vertical acceleration), ``sd_g``,
    ``stride_periodicity`` (highest autocorrelation peak at a running stride lag, 2/4.5-2/2.2 s)
    and ``half_stride_periodicity`` (highest peak within 0.3-0.7 of that lag; -1 if none).
    Running = range >= 1 g and either step frequency 2.2-4.5 Hz with periodicity >= 0.4, or
    (uneven left/right steps, e.g. a belt-side sensor) 2 / stride lag in 2.2-4.5 Hz with stride
    periodicity >= 0.4 and half-stride periodicity >= 0.2; such a window reports step_hz = 2 /
    stride lag and periodicity = the stride periodicity. Walking = a rhythm of 1-4.5 Hz without
    the running amplitude; standing = sd < 0.05 g.
    """
    prep = _prepare(samples, sample_rate_hz)
    if prep is None:
        return pd.DataFrame(
            columns=["start_s", "end_s", "activity", "step_hz", "periodicity", "range_g", "sd_g",
                     "stride_periodicity", "half_stride_periodicity"]
        )
    return _label_windows(prep, window_s)


def excluded_seconds(windows: pd.DataFrame) -> dict[str, float]:
    """Seconds per non-running activity, e.g. {"walking": 42.0, "standing": 10.0}."""
    if not len(windows):
        return {}
    dur = (windows["end_s"] - windows["start_s"]).groupby(windows["activity"]).sum()
    return {k: float(v) for k, v in dur.items() if k != "running" and v > 0}


def _sample_labels(windows: pd.DataFrame, n: int, fs: float, window_s: float) -> np.ndarray:
    w = max(1, round(window_s * fs))
    return np.repeat(windows["activity"].to_numpy(), w)[:n]


def running_mask(
    samples: pd.DataFrame, sample_rate_hz: float, window_s: float = 2.0
) -> np.ndarray:
    """True for every sample inside a window labelled "running" (see ``activity_windows``)."""
    n = len(samples)
    prep = _prepare(samples, sample_rate_hz)
    if prep is None:
        return np.zeros(n, bool)
    windows = _label_windows(prep, window_s)
    w = max(1, round(window_s * sample_rate_hz))
    return np.repeat((windows["activity"] == "running").to_numpy(), w)[:n]


# --------------------------------------------------------------------------------------------
# Contacts
def _crossings(x: np.ndarray, level: float, rising: bool) -> np.ndarray:
    """Fractional sample positions where ``x`` crosses ``level`` upwards (or downwards)."""
    above = x > level
    i = np.flatnonzero(above[1:] & ~above[:-1] if rising else ~above[1:] & above[:-1]) + 1
    x0, x1 = x[i - 1], x[i]
    frac = np.where(x1 != x0, (level - x0) / np.where(x1 == x0, 1, x1 - x0), 0.0)
    return i - 1 + np.clip(frac, 0.0, 1.0)


def _last_below(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Fractional position of the last upward crossing of ``level[k]`` in x[lo[k]:hi[k]+1].

    NaN where x never drops below the level in that stretch. Vectorised over k with a padded
    index matrix (each stretch is shorter than one step).
    """
    n = len(x)
    length = int(np.max(hi - lo)) + 1 if len(lo) else 1
    idx = lo[:, None] + np.arange(length)[None, :]
    inside = idx <= hi[:, None]
    vals = x[np.clip(idx, 0, n - 1)]
    below = (vals <= level[:, None]) & inside
    has = below.any(axis=1)
    last = length - 1 - np.argmax(below[:, ::-1], axis=1)  # last index below the level
    i0 = np.clip(lo + last, 0, n - 2)
    x0, x1 = x[i0], x[i0 + 1]
    frac = np.where(x1 != x0, (level - x0) / np.where(x1 == x0, 1, x1 - x0), 0.0)
    out = i0 + np.clip(frac, 0.0, 1.0)
    return np.where(has & (lo + last < hi), out, np.nan)


def _humps(hump: np.ndarray, distance: int, period_s: float, fs: float) -> np.ndarray:
    """Mid-stance humps: ``find_peaks(hump, height=HUMP_MIN_G, prominence=
    HUMP_MIN_PROMINENCE_G, distance=distance)``, the same peaks, faster on long recordings.

    find_peaks measures each prominence out to the nearest higher sample, which on a long, even
    run can be minutes away for every high hump. A prominence measured within a window is never
    larger than the full one, so the peaks that pass within 10 step periods pass; only those
    that do not are measured again over the whole signal.
    """
    peaks, _ = find_peaks(hump, height=HUMP_MIN_G, distance=distance)
    if len(peaks) == 0:
        return peaks
    wlen = 2 * int(10 * period_s * fs) + 1
    prom = peak_prominences(hump, peaks, wlen=wlen)[0]
    unsure = prom < HUMP_MIN_PROMINENCE_G
    if unsure.any():
        prom[unsure] = peak_prominences(hump, peaks[unsure])[0]
    return peaks[prom >= HUMP_MIN_PROMINENCE_G]


@dataclass
class _Contacts:
    ic: np.ndarray  # fractional sample index
    tc: np.ndarray  # fractional sample index (NaN when not found)
    hump: np.ndarray  # int sample index of the hump peak
    fallback: np.ndarray  # bool: IC taken at the trough (no threshold crossing)


def _find_contacts(
    prep: _Prepared, running: np.ndarray, period_s: float, params: TrunkParams
) -> _Contacts:
    fs = prep.fs
    x, hump = prep.vert, prep.hump
    n = len(x)
    distance = max(1, int(0.6 * period_s * fs))
    humps = _humps(hump, distance, period_s, fs)
    humps = humps[running[humps]]
    if len(humps) == 0:
        return _Contacts(np.zeros(0), np.zeros(0), np.zeros(0, int), np.zeros(0, bool))
    # search limits: at most 0.75 period before/after, never past the neighbouring humps
    max_gap = int(0.75 * period_s * fs)
    prev = np.r_[-(10**9), humps[:-1]]
    nxt = np.r_[humps[1:], 10**12]
    lo = np.clip(np.maximum(prev, humps - max_gap), 0, n - 1)
    hi = np.clip(np.minimum(nxt, humps + max_gap), 0, n - 1)

    # IC: the 20 Hz vertical acceleration rises through a fraction of the step's hump peak
    ic = _last_below(x, lo, humps, params.ic_fraction * hump[humps])
    # fallback IC: the lowest point since the previous hump (no dip below the level)
    fallback = ~np.isfinite(ic)
    for k in np.flatnonzero(fallback):  # rare: only steps without a crossing
        seg = x[lo[k] : humps[k] + 1]
        ic[k] = lo[k] + int(np.argmin(seg)) if len(seg) > 1 else np.nan
    # TC: where the 5 Hz vertical acceleration falls through tc_level_g, then an offset. At 1 g
    # this is the "effective" toe-off (force = body weight) that Patoz 2022's IMU method starts
    # from; the fitted level is lower (0.6 g), closer to the real toe-off.
    falling = _crossings(hump, params.tc_level_g, rising=False)
    j = np.searchsorted(falling, humps, side="left")
    tc = falling[np.clip(j, 0, max(len(falling) - 1, 0))] if len(falling) else np.full(
        len(humps), np.nan)
    tc = np.where((j < len(falling)) & (tc < hi), tc, np.nan)

    keep = np.isfinite(ic) & (ic > 0)
    ic = ic[keep] + params.ic_offset_s * fs
    tc = tc[keep] + params.tc_offset_s * fs
    return _Contacts(ic, tc, humps[keep], fallback[keep])


# --------------------------------------------------------------------------------------------
def vertical_oscillation_cm(vert_g: np.ndarray, fs: float, start: np.ndarray,
                            end: np.ndarray, points: int = 100) -> np.ndarray:
    """Peak-to-peak vertical displacement (cm) of each step from ``start`` to ``end`` (samples).

    Drift-free double integration per step, as in trunk-accelerometer COM displacement methods
    (Zijlstra & Hof 2003, Gait Posture 18:1 for walking; Gullstrand et al. 2009, Gait Posture
    30:71 for running [M]): over one step the trunk returns to its height and vertical speed,
    so the step's mean acceleration is removed (speed returns to its start), the speed is
    integrated after removing its mean (height returns to its start). Each step is resampled
    to ``points`` samples so that all steps integrate at once.
    """
    start = np.asarray(start, float)
    end = np.asarray(end, float)
    out = np.full(len(start), np.nan)
    ok = np.isfinite(start) & np.isfinite(end) & (end > start + 2)
    if not ok.any():
        return out
    s, e = start[ok], end[ok]
    u = np.linspace(0.0, 1.0, points)
    pos = s[:, None] + (e - s)[:, None] * u[None, :]
    a = np.interp(pos, np.arange(len(vert_g)), vert_g) * G  # m/s², gravity removed below
    dt = ((e - s) / fs / (points - 1))[:, None]
    trap = np.full(points, 1.0)
    trap[[0, -1]] = 0.5
    trap /= trap.sum()
    a = a - (a * trap).sum(axis=1, keepdims=True)
    v = np.concatenate([np.zeros((len(s), 1)), np.cumsum((a[:, 1:] + a[:, :-1]) / 2 * dt, axis=1)],
                       axis=1)
    v = v - (v * trap).sum(axis=1, keepdims=True)
    z = np.concatenate([np.zeros((len(s), 1)), np.cumsum((v[:, 1:] + v[:, :-1]) / 2 * dt, axis=1)],
                       axis=1)
    out[ok] = (z.max(axis=1) - z.min(axis=1)) * 100.0
    return out


def _window_max(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Max of x[a[k]:b[k]+1] and its index, for integer arrays (vectorised with padding)."""
    n = len(x)
    length = int(np.max(b - a)) + 1 if len(a) else 1
    offs = np.arange(length)
    idx = a[:, None] + offs[None, :]
    inside = (idx <= b[:, None]) & (idx < n)
    vals = np.where(inside, x[np.clip(idx, 0, n - 1)], -np.inf)
    j = np.argmax(vals, axis=1)
    return vals[np.arange(len(a)), j], a + j


def _any_in(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per k: any of mask[a[k] : b[k] + 1] (clipped to the array) is True.

    >>> _any_in(np.array([0, 0, 1, 0], bool), np.array([0, 3]), np.array([1, 5])).tolist()
    [False, False]
    """
    hits = np.flatnonzero(mask)  # few: gaps, clipping, non-running stretches
    a = np.clip(a, 0, len(mask))
    b = np.clip(b + 1, 0, len(mask))
    return np.searchsorted(hits, b, side="left") > np.searchsorted(hits, a, side="left")


def detect_trunk(
    samples: pd.DataFrame,
    sample_rate_hz: float,
    placement: str = "sacrum",
    clipped: np.ndarray | None = None,
    *,
    params: TrunkParams = DEFAULT_PARAMS,
    window_s: float = 2.0,
) -> pd.DataFrame:
    """Foot contacts from a trunk sensor (sacrum, waist or pocket) as a Steps table.

    ``samples`` has IMU_COLUMNS (g including gravity, device axes, any axis may be all NaN);
    ``clipped`` is a per-sample (or per-sample-per-axis) bool array of saturated samples.
    Only running windows give contacts (``activity_windows``). Columns filled: t_s, to_s,
    confidence, step_s, cadence_spm, contact_s, flight_s, impact_g, impact_clipped,
    loading_rate_g_per_s, peak_force_bw, vertical_oscillation_cm. ``side`` stays unknown.
    ``attrs["activity"]`` holds the windows' start_s, end_s and activity (``activity_windows``).
    """
    if placement not in TRUNK_PLACEMENTS:
        raise ValueError(f"detect_trunk: placement {placement!r} is not one of {TRUNK_PLACEMENTS}")
    samples, fs, clipped = at_most(samples, float(sample_rate_hz), clipped)
    prep = _prepare(samples, fs)
    if prep is None:
        return conform(pd.DataFrame(), STEP_COLUMNS)
    n = len(prep.vert)
    windows = _label_windows(prep, window_s)
    w = max(1, round(window_s * fs))
    running = np.repeat((windows["activity"] == "running").to_numpy(), w)[:n] & prep.valid
    run_windows = windows["activity"] == "running"
    if not running.any() or not run_windows.any():
        return _with_activity(conform(pd.DataFrame(), STEP_COLUMNS), windows)
    period_s = float(np.median(1.0 / windows.loc[run_windows, "step_hz"]))
    c = _find_contacts(prep, running, period_s, params)
    if len(c.ic) == 0:
        return _with_activity(conform(pd.DataFrame(), STEP_COLUMNS), windows)

    # drop contacts that touch a gap or leave the running windows
    ic_i = np.clip(np.floor(c.ic).astype(int), 0, n - 1)
    end_i = np.clip(np.where(np.isfinite(c.tc), np.ceil(np.nan_to_num(c.tc)), c.hump), 0, n - 1)
    end_i = end_i.astype(int)
    bad = _any_in(~prep.valid, ic_i - int(0.05 * fs), end_i) | ~running[ic_i]
    keep = ~bad
    ic, tc, hump = c.ic[keep], c.tc[keep], c.hump[keep]
    fallback = c.fallback[keep]
    ic_i, end_i = ic_i[keep], end_i[keep]
    if len(ic) == 0:
        return _with_activity(conform(pd.DataFrame(), STEP_COLUMNS), windows)

    t0 = prep.t[0]
    t_ic = t0 + ic / fs
    t_tc = t0 + tc / fs
    # step interval: to the next contact, unless a gap, non-running stretch or missed step lies
    # between (then unknown rather than wrong)
    nxt_i = np.r_[ic_i[1:], n]
    step_s = np.r_[np.diff(t_ic), np.nan]
    between_bad = _any_in(~running, ic_i, np.minimum(nxt_i, n - 1))
    local = pd.Series(step_s).rolling(9, center=True, min_periods=1).median().to_numpy()
    missed = step_s > 1.6 * local
    step_s = np.where(between_bad | missed, np.nan, step_s)
    contact_s = t_tc - t_ic
    contact_s = np.where((contact_s > 0.05) & (contact_s < 0.6), contact_s, np.nan)
    t_tc = np.where(np.isfinite(contact_s), t_tc, np.nan)
    # a (slightly) negative flight is an estimation error on grounded running: no flight
    flight_s = np.where(np.isfinite(step_s), np.maximum(step_s - contact_s, 0.0), np.nan)

    # impact: peak resultant acceleration in the first half of the contact (impact phase)
    half = np.where(np.isfinite(contact_s), contact_s / 2, 0.1)
    imp_end = np.clip(ic_i + np.maximum(1, np.round(half * fs).astype(int)), 0, n - 1)
    impact_g, imp_idx = _window_max(prep.resultant, ic_i, imp_end)
    rise_s = (imp_idx - ic) / fs
    a_ic = np.interp(ic, np.arange(n), prep.resultant)
    loading = np.where(rise_s > 1.0 / fs, (impact_g - a_ic) / np.maximum(rise_s, 1e-9), np.nan)
    if clipped is None:
        impact_clipped = pd.array([pd.NA] * len(ic), dtype="boolean")
    else:
        clip_arr = np.asarray(clipped, bool)
        if clip_arr.ndim > 1:
            clip_arr = clip_arr.any(axis=1)
        impact_clipped = _any_in(clip_arr[:n], ic_i, imp_end)

    # peak force (BW) from the low-passed vertical acceleration over the contact
    force_sig = _lowpass(prep.vert_raw, fs, params.force_lowpass_hz)
    f_end = np.where(np.isfinite(tc), np.round(np.nan_to_num(tc)).astype(int), hump + 1)
    peak_force, _ = _window_max(force_sig, ic_i, np.clip(f_end, ic_i, n - 1))
    peak_force = peak_force * params.force_gain

    vo = vertical_oscillation_cm(prep.vert, fs, ic, np.where(np.isfinite(step_s),
                                                            ic + step_s * fs, np.nan))

    # confidence: rhythm of the window, regularity of the step, and how the IC was found
    win_idx = np.minimum(ic_i // max(1, round(window_s * fs)), len(windows) - 1)
    periodic = windows["periodicity"].to_numpy()[win_idx]
    rel = np.abs(step_s / local - 1.0)
    regular = np.where(np.isfinite(rel), np.clip(1.0 - 2.0 * rel, 0.3, 1.0), 0.7)
    confidence = np.clip(periodic, 0.0, 1.0) * regular * np.where(fallback, 0.6, 1.0)
    confidence *= np.where(np.isfinite(contact_s), 1.0, 0.8)
    if placement == "pocket":
        confidence *= POCKET_CONFIDENCE

    table = pd.DataFrame(
        {
            "t_s": t_ic,
            "to_s": t_tc,
            "confidence": confidence,
            "step_s": step_s,
            "cadence_spm": 60.0 / step_s,
            "contact_s": contact_s,
            "flight_s": flight_s,
            "impact_g": impact_g,
            "impact_clipped": impact_clipped,
            "loading_rate_g_per_s": loading,
            "peak_force_bw": peak_force,
            "vertical_oscillation_cm": vo,
        }
    )
    return _with_activity(conform(table, STEP_COLUMNS), windows)


def _with_activity(steps: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """``steps`` with ``attrs["activity"]``: the windows' start_s, end_s and activity (the
    same first columns as imu_limb's segments), so the pipeline can report what was excluded."""
    steps.attrs["activity"] = windows[["start_s", "end_s", "activity"]].copy()
    return steps


# --------------------------------------------------------------------------------------------
WRIST_STRIDE_S = (0.44, 1.0)  # arm-swing period = stride: 1-2.3 strides/s
WRIST_MIN_RANGE_G = 0.6  # p2.5-p97.5 of |a|: running arm swing (own limit, not validated)
# The arm rides on a trunk that peaks at 2-3 g in every stance (force 2-3 BW; the hip sensor of
# ../shared/data/ankle_hip_outdoor_run: window p97.5 of |a| 3.6 g median while running), so a
# running window's p97.5 of |a| reaches 2 g. Smooth rhythms without stance peaks stay under it:
# pedalling (a thigh or pocket sensor: 1.5 g, a shank: 1.8 g at 84 rpm), walking, arm
# gestures. Own limit, not validated on wrist data.
WRIST_MIN_PEAK_G = 2.0


def detect_wrist(
    samples: pd.DataFrame, sample_rate_hz: float, window_s: float = 2.0
) -> pd.DataFrame:
    """Cadence from a wrist sensor: one row per step with t_s, step_s, cadence_spm, confidence.

    The arm swings once per stride, so the stride period is the autocorrelation lag of the
    acceleration magnitude in WRIST_STRIDE_S, measured per window (+- CONTEXT_S), and the step
    period is half of it. Steps are placed by accumulating that step frequency over the running
    windows (step frequency 2.2-4.5 Hz, periodicity >= 0.4, |a| range >= WRIST_MIN_RANGE_G and
    p97.5 of |a| >= WRIST_MIN_PEAK_G: the stance peaks the arm rides on): the
    times mark the rhythm, not foot contacts, which the wrist cannot time (contact, impact and
    force stay NaN: not validated from the wrist, SCIENCE.md §1, §5). ``confidence`` is the
    window's periodicity. ``attrs["activity"]`` labels each window (running; walking: an
    arm-swing rhythm of 1-4.5 steps/s without the running rules; standing: sd of |a| under
    STILL_SD_G; other; gap).
    """
    samples, fs, _ = at_most(samples, float(sample_rate_hz))
    prep = _prepare(samples, fs)
    if prep is None:
        return conform(pd.DataFrame(), STEP_COLUMNS)
    mag = _lowpass(prep.resultant, fs, SIGNAL_LOWPASS_HZ)
    share, sd, rng, stride_hz, periodicity = _window_features(
        mag, prep.valid, fs, window_s, lags_s=WRIST_STRIDE_S, first_peak=False
    )
    step_hz = 2.0 * stride_hz
    n = len(mag)
    w = max(1, round(window_s * fs))
    win = np.concatenate([np.where(prep.valid, mag, np.nan), np.full(len(share) * w - n, np.nan)])
    _, top = _row_percentiles(win.reshape(len(share), w), (2.5, 97.5))
    running = (
        (share >= 0.5)
        & (step_hz >= RUN_STEP_HZ[0])
        & (step_hz <= RUN_STEP_HZ[1])
        & (periodicity >= MIN_PERIODICITY)
        & (rng >= WRIST_MIN_RANGE_G)
        & (top >= WRIST_MIN_PEAK_G)
    )
    walking = (step_hz >= WALK_STEP_HZ[0]) & (step_hz <= RUN_STEP_HZ[1]) & (
        periodicity >= MIN_PERIODICITY * 0.75)
    start = np.arange(len(share)) * w
    windows = pd.DataFrame({
        "start_s": prep.t[0] + start / fs,
        "end_s": prep.t[0] + np.minimum(start + w, n) / fs,
        "activity": np.select([share < 0.5, sd < STILL_SD_G, running, walking],
                              ["gap", "standing", "running", "walking"], default="other"),
    })
    per_sample_hz = np.repeat(np.where(running, step_hz, 0.0), w)[:n] * prep.valid
    conf_sample = np.repeat(periodicity, w)[:n]
    phase = np.cumsum(per_sample_hz) / fs  # steps since the start
    idx = np.flatnonzero(np.diff(np.floor(phase)) > 0) + 1
    if len(idx) == 0:
        return _with_activity(conform(pd.DataFrame(), STEP_COLUMNS), windows)
    hz = per_sample_hz[idx]
    # sub-sample time at which the accumulated phase reaches the next whole step
    t = prep.t[idx - 1] + (np.floor(phase[idx]) - phase[idx - 1]) / np.maximum(hz, 1e-9)
    step_s = np.r_[np.diff(t), np.nan]
    # the last step of a running stretch has no next step in the same stretch
    step_s = np.where(np.abs(step_s * hz - 1.0) < 0.25, step_s, np.nan)
    table = pd.DataFrame(
        {
            "t_s": t,
            "confidence": np.clip(conf_sample[idx], 0.0, 1.0),
            "step_s": step_s,
            "cadence_spm": 60.0 / step_s,
        }
    )
    return _with_activity(conform(table, STEP_COLUMNS), windows)
