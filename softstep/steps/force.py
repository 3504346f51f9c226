"""Force plate / instrumented treadmill: vertical force -> foot contacts and impact metrics.

Pure functions of arrays; the reader (``readers.forceplate``) has already put the force in
newtons, positive up (ground reaction on the runner), with the zero-load baseline removed.

- Contacts: a threshold (default 50 N) on the total vertical force after a 4th-order Butterworth
  low-pass run forwards and backwards (default 50 Hz). Initial contact (IC) and toe-off (TC) are
  the threshold crossings, interpolated between samples. Contacts cut by the recording edges,
  and loaded spells under 50 ms or over 1 s (standing, walking), are dropped.
- Side: from the mediolateral centre of pressure (a foot whose mid-stance COP lies left of its
  neighbours' is the left foot) and, when the runner uses both belts of a split-belt treadmill,
  from the belt carrying >= 80 % of the load at mid-stance; where they disagree or neither can
  tell, unknown (<NA>), never a guess.
- Impact metrics (SCIENCE.md §1, Davis-lab convention), on the low-passed force in body
  weights: VIP = the first local peak of vertical force, in BW, NaN where the contact has no
  distinct impact peak (a forefoot or midfoot landing); VALR = mean slope between 20 % and 80 %
  of VIP; VILR = steepest slope in that window; both BW/s.

Example
-------
>>> fs = 1000.0
>>> t = np.arange(int(fs)) / fs
>>> phase = ((t - 0.1) % 0.35) / 0.25                 # 0.25 s contacts every 0.35 s
>>> fz = np.where(phase < 1, 1800 * np.sin(np.pi * np.clip(phase, 0, 1)), 0.0)
>>> steps = detect_force_contacts(fz, fs, body_weight_n=700.0)
>>> steps[["t_s", "contact_s", "cadence_spm", "peak_force_bw"]].round(3).iloc[0].tolist()
[0.102, 0.246, 171.429, 2.571]
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from softstep.model import STEP_COLUMNS, conform

DEFAULT_THRESHOLD_N = 50.0
DEFAULT_LOWPASS_HZ = 50.0
MIN_CONTACT_S = 0.05  # shorter loaded spells are bumps or noise, not foot contacts
MAX_CONTACT_S = 1.0  # longer loaded spells are standing or walking, not running contacts
MAX_STEP_S = 1.5  # a longer IC-to-IC interval is a pause (step_s, cadence left NaN)
SIDE_SHARE = 0.8  # a belt must carry this share of the load at mid-stance to name the side
BELT_USE_SHARE = 0.2  # belts tell sides only when each carries at least this share of contacts
MIN_SIDE_SEPARATION_M = 0.02  # COP this far from the neighbours' mean names the side
MIN_IMPACT_PEAK_BW = 0.5  # an impact peak lower than this is a ripple, not a peak
MIN_IMPACT_DIP_BW = 0.01  # the force must fall by this much (~8 N) after a peak to be distinct
IMPACT_SEARCH_FRACTION = 0.4  # the impact peak lies in the first 40 % of stance ...
IMPACT_SEARCH_MAX_S = 0.15  # ... and within 150 ms of IC (running: 20-50 ms)
EARLY_MAX_FRACTION = 0.25  # ... and, if it is the contact's highest force, in the first 25 %

# Extra per-contact columns that STEP_COLUMNS lacks (returned by force_contact_table and in
# ``detect_force_contacts(...).attrs["force_extras"]``).
EXTRA_COLUMNS: dict[str, str] = {
    "vip_bw": "vertical impact peak, BW (NaN: no distinct impact peak)",
    "vip_after_ic_s": "time from IC to the impact peak, s",
    "valr_bw_per_s": "vertical average loading rate, 20-80 % of VIP, BW/s",
    "vilr_bw_per_s": "vertical instantaneous loading rate, steepest slope in 20-80 % of VIP, BW/s",
    "impulse_bw_s": "vertical impulse of the contact, BW·s",
    "left_share": "left belt's share of the vertical force at mid-stance (NaN: one plate)",
    "cop_ml_m": "mediolateral centre of pressure over mid-stance, m, + to the right (NaN: unknown)",
}


# --------------------------------------------------------------------------------------------
def lowpass(x: np.ndarray, fs: float, cutoff_hz: float, order: int = 4) -> np.ndarray:
    """Zero-lag Butterworth low-pass (``order`` per pass, run forwards and backwards).

    Returns a float copy unchanged when ``cutoff_hz`` is not below 95 % of the Nyquist frequency.

    >>> lowpass(np.ones(50), 1000.0, 50.0).round(6)[:3].tolist()
    [1.0, 1.0, 1.0]
    """
    x = np.asarray(x, dtype=np.float64)
    if not cutoff_hz or cutoff_hz >= 0.95 * fs / 2 or len(x) < 30:
        return x.copy()
    from scipy.signal import butter, sosfiltfilt  # lazy: scipy.signal is slow to import

    sos = butter(order, cutoff_hz, btype="low", fs=fs, output="sos")
    return sosfiltfilt(sos, x, axis=0)


def threshold_crossings(
    signal: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Loaded spells of ``signal`` above ``threshold`` that start and end inside the record.

    Returns ``(on, off, t_on, t_off)``: ``on`` is the first sample above the threshold, ``off``
    the first sample back at or below it (so a contact spans ``signal[on:off]``), and ``t_on``,
    ``t_off`` the crossings in fractional samples, interpolated linearly.

    >>> on, off, t_on, t_off = threshold_crossings(np.array([0, 2, 4, 4, 2, 0, 4.0]), 3.0)
    >>> on.tolist(), off.tolist(), t_on.tolist(), t_off.tolist()
    ([2], [4], [1.5], [3.5])
    """
    x = np.asarray(signal, dtype=np.float64)
    above = x > threshold
    edges = np.diff(above.astype(np.int8))
    on = np.flatnonzero(edges == 1) + 1
    off = np.flatnonzero(edges == -1) + 1
    if len(off) and (not len(on) or off[0] <= on[0]):
        off = off[1:]  # loaded at the first sample: that contact began before the recording
    on = on[: len(off)]  # a contact still loaded at the last sample is cut: drop it
    with np.errstate(invalid="ignore", divide="ignore"):
        t_on = (on - 1) + (threshold - x[on - 1]) / (x[on] - x[on - 1])
        t_off = (off - 1) + (x[off - 1] - threshold) / (x[off - 1] - x[off])
    return on, off, t_on, t_off


def contacts_from_force(
    fz_filtered: np.ndarray, sample_rate_hz: float, threshold_n: float = DEFAULT_THRESHOLD_N
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``threshold_crossings`` of an already low-passed force, spells of 50 ms to 1 s only."""
    on, off, t_on, t_off = threshold_crossings(fz_filtered, threshold_n)
    length = off - on
    keep = (length >= MIN_CONTACT_S * sample_rate_hz) & (length <= MAX_CONTACT_S * sample_rate_hz)
    return on[keep], off[keep], t_on[keep], t_off[keep]


def estimate_body_weight_n(
    fz_n: np.ndarray,
    sample_rate_hz: float,
    threshold_n: float = DEFAULT_THRESHOLD_N,
    lowpass_hz: float = DEFAULT_LOWPASS_HZ,
) -> tuple[float, int]:
    """Body weight from steady running: the mean vertical force over whole steps, N.

    Over whole steps the vertical impulse equals body weight × time (the centre of mass ends
    where it began), so the mean force from the first initial contact to the last one is the
    body weight. Returns ``(body_weight_n, n_steps)``; NaN and 0 with fewer than 2 steps.
    Accelerating, decelerating or sloped running biases it: give the mass when it is known.

    >>> fs = 1000.0
    >>> t = np.arange(3 * int(fs)) / fs
    >>> phase = (t % 0.35) / 0.25
    >>> fz = np.where(phase < 1, 1000 * np.sin(np.pi * np.clip(phase, 0, 1)), 0.0)
    >>> bw, n = estimate_body_weight_n(fz, fs)
    >>> round(bw), n, round(1000 * 2 / np.pi * 0.25 / 0.35)
    (455, 7, 455)
    """
    fz = np.asarray(fz_n, dtype=np.float64)
    filtered = lowpass(fz, sample_rate_hz, lowpass_hz)
    on, _, _, _ = contacts_from_force(filtered, sample_rate_hz, threshold_n)
    if len(on) < 3:
        return float("nan"), 0
    return float(np.mean(fz[on[0] : on[-1]])), len(on) - 1


# --------------------------------------------------------------------------------------------
def flight_baseline(
    fz_plates: np.ndarray,
    sample_rate_hz: float,
    threshold_n: float = DEFAULT_THRESHOLD_N,
    lowpass_hz: float = DEFAULT_LOWPASS_HZ,
    window_s: float = 1.0,
    smooth_flights: int = 9,
) -> tuple[np.ndarray, int]:
    """Zero-load level of each plate, estimated from the flight phases of running, N.

    ``fz_plates`` is (n,) or (n, plates), positive up. A plate drifts (a treadmill warms up;
    tens of N over a session), so its reading in the air is not 0. In flight no plate carries a
    load: the mean reading of each plate in each flight phase is its zero level at that time.
    Those levels are smoothed with a running median over ``smooth_flights`` flights and
    interpolated to every sample (held constant before the first and after the last flight).

    Flight phases come in two passes: a coarse baseline (the low-passed total's minimum in
    each ``window_s`` window) finds where the total is under ``threshold_n``; those spells,
    trimmed by 5 ms at each end and at least 20 ms long, are the flights.

    Returns ``(baseline, n_flights)``, the baseline shaped like ``fz_plates``. With fewer than 2
    flights (walking, grounded running, standing) the baseline is all zeros and ``n_flights``
    says how many were found: the caller should warn that nothing was corrected.

    >>> fs = 1000.0
    >>> t = np.arange(4 * int(fs)) / fs
    >>> phase = (t % 0.35) / 0.25
    >>> load = np.where(phase < 1, 1800 * np.sin(np.pi * np.clip(phase, 0, 1)), 0.0)
    >>> base, n = flight_baseline(load - 20 + 10 * t, fs)
    >>> inner = slice(500, 3500)                         # held constant outside the flights
    >>> n, round(float(np.abs(base - (-20 + 10 * t))[inner].max()), 3)
    (11, 0.0)
    """
    raw = np.asarray(fz_plates, dtype=np.float64)
    plates = raw.reshape(len(raw), -1)
    n = len(plates)
    total = lowpass(plates.sum(axis=1), sample_rate_hz, lowpass_hz)
    # pass 1: coarse baseline, the minimum of each window, interpolated between window centres
    width = max(round(window_s * sample_rate_hz), 1)
    n_win = max(n // width, 1)
    minima = total[: n_win * width].reshape(n_win, -1).min(axis=1) if n >= width else total[:1]
    centres = (np.arange(len(minima)) + 0.5) * width
    coarse = np.interp(np.arange(n), centres, minima)
    # pass 2: flights = spells under the threshold above the coarse baseline, trimmed
    below = np.concatenate(([False], (total - coarse) < threshold_n, [False]))
    edges = np.diff(below.astype(np.int8))
    start = np.flatnonzero(edges == 1)
    stop = np.flatnonzero(edges == -1)
    trim = round(0.005 * sample_rate_hz)
    start, stop = start + trim, stop - trim
    keep = (stop - start) >= max(round(0.020 * sample_rate_hz), 2)
    keep &= (start > 0) & (stop < n)  # a spell touching an edge may be a cut contact
    start, stop = start[keep], stop[keep]
    if len(start) < 2:
        return np.zeros_like(raw), len(start)
    # mean of each plate over each flight, from cumulative sums (no loop over flights)
    csum = np.vstack([np.zeros((1, plates.shape[1])), np.cumsum(plates, axis=0)])
    levels = (csum[stop] - csum[start]) / (stop - start)[:, None]
    k = min(smooth_flights, len(start))
    if k >= 3:
        from scipy.ndimage import median_filter

        levels = median_filter(levels, size=(k | 1, 1), mode="nearest")
    mid = (start + stop - 1) / 2.0
    idx = np.arange(n)
    base = np.column_stack([np.interp(idx, mid, levels[:, j]) for j in range(plates.shape[1])])
    return base.reshape(raw.shape), len(start)


# --------------------------------------------------------------------------------------------
def _first_at_or_above(f: np.ndarray, start: np.ndarray, stop: np.ndarray, level: np.ndarray):
    """First fractional sample in ``[start, stop]`` where ``f`` reaches ``level`` (per contact).

    Gathers each window into one padded 2-D array; NaN where the level is never reached.
    """
    width = int(np.max(stop - start)) + 1 if len(start) else 1
    cols = np.arange(width)
    idx = start[:, None] + cols[None, :]
    inside = idx <= stop[:, None]
    vals = np.where(inside, f[np.minimum(idx, len(f) - 1)], -np.inf)
    hit = vals >= level[:, None]
    found = hit.any(axis=1)
    i = start + np.argmax(hit, axis=1)
    prev = np.maximum(i - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (level - f[prev]) / (f[i] - f[prev])
    t = np.where((i > start) & np.isfinite(frac), prev + np.clip(frac, 0, 1), i.astype(float))
    return np.where(found, t, np.nan)


def _max_slope(slope: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Largest ``slope[k]`` for ``lo <= k < hi`` per contact (NaN where the window is empty)."""
    ok = np.isfinite(lo) & np.isfinite(hi)
    lo_i = np.where(ok, np.floor(np.nan_to_num(lo)), 0).astype(np.int64)
    hi_i = np.where(ok, np.ceil(np.nan_to_num(hi)), 0).astype(np.int64)
    hi_i = np.maximum(hi_i, lo_i + 1)
    width = int(np.max(hi_i - lo_i)) if len(lo) else 1
    idx = lo_i[:, None] + np.arange(width)[None, :]
    vals = np.where(idx < hi_i[:, None], slope[np.clip(idx, 0, len(slope) - 1)], -np.inf)
    out = vals.max(axis=1)
    return np.where(ok, out, np.nan)


def impact_metrics(
    f_bw: np.ndarray,
    sample_rate_hz: float,
    on: np.ndarray,
    off: np.ndarray,
    *,
    fallback_pct_stance: float | None = None,
) -> pd.DataFrame:
    """VIP, VALR and VILR of each contact ``f_bw[on:off]`` (low-passed force in BW).

    VIP is the first local maximum that stands out (the force falls by at least 0.01 BW after
    it, and it reaches 0.5 BW) within the first 40 % of stance and 150 ms of IC; if it is also the contact's
    highest force it must lie in the first 25 % (otherwise it is the active peak of a landing
    without an impact peak). No such peak: VIP, VALR and VILR are NaN, unless
    ``fallback_pct_stance`` is given (13 is used in the literature [M]); then the force at that
    % of stance stands in for VIP as the reference of the 20-80 % window (VIP stays NaN).

    Returns columns vip_bw, vip_after_ic_s, valr_bw_per_s, vilr_bw_per_s, one row per contact.
    """
    f = np.asarray(f_bw, dtype=np.float64)
    fs = float(sample_rate_hz)
    on = np.asarray(on, dtype=np.int64)
    off = np.asarray(off, dtype=np.int64)
    m = len(on)
    nan = np.full(m, np.nan)
    if m == 0:
        return pd.DataFrame(
            {"vip_bw": nan, "vip_after_ic_s": nan, "valr_bw_per_s": nan, "vilr_bw_per_s": nan}
        )
    # local maxima and minima of the whole signal, once
    inner = f[1:-1]
    peaks = np.flatnonzero((inner > f[:-2]) & (inner >= f[2:])) + 1
    troughs = np.flatnonzero((inner < f[:-2]) & (inner <= f[2:])) + 1
    nxt = np.searchsorted(troughs, peaks, side="right")
    dip = np.where(
        nxt < len(troughs), f[peaks] - f[troughs[np.minimum(nxt, len(troughs) - 1)]], 0.0
    )
    cand = peaks[(dip >= MIN_IMPACT_DIP_BW) & (f[peaks] >= MIN_IMPACT_PEAK_BW)]
    # the first candidate after each IC
    k = np.searchsorted(cand, on, side="left")
    p = cand[np.minimum(k, max(len(cand) - 1, 0))] if len(cand) else np.zeros(m, np.int64)
    length = off - on
    contact_max = np.maximum.reduceat(f, np.column_stack([on, off]).ravel())[::2]
    rel = (p - on) / length
    is_peak = (k < len(cand)) & (p >= on) & (rel <= IMPACT_SEARCH_FRACTION)
    is_peak &= (p - on) <= IMPACT_SEARCH_MAX_S * fs
    is_peak &= (f[p] < contact_max - MIN_IMPACT_DIP_BW) | (rel <= EARLY_MAX_FRACTION)
    vip = np.where(is_peak, f[p], np.nan)
    ref_idx = np.where(is_peak, p, -1).astype(np.float64)
    ref_force = vip.copy()
    if fallback_pct_stance is not None:
        t_ref = on + fallback_pct_stance / 100.0 * length
        i0 = np.floor(t_ref).astype(np.int64)
        frac = t_ref - i0
        f_ref = f[i0] * (1 - frac) + f[np.minimum(i0 + 1, len(f) - 1)] * frac
        use = ~is_peak
        ref_idx = np.where(use, np.ceil(t_ref), ref_idx)
        ref_force = np.where(use, f_ref, ref_force)
    ok = np.isfinite(ref_force) & (ref_idx >= 0)
    stop = np.where(ok, ref_idx, on).astype(np.int64)
    level20 = np.where(ok, 0.2 * ref_force, np.inf)
    level80 = np.where(ok, 0.8 * ref_force, np.inf)
    t20 = _first_at_or_above(f, on, stop, level20)
    t80 = _first_at_or_above(f, on, stop, level80)
    with np.errstate(invalid="ignore", divide="ignore"):
        valr = 0.6 * ref_force / ((t80 - t20) / fs)
    slope = np.diff(f) * fs  # slope[k]: from sample k to k + 1
    vilr = _max_slope(slope, t20, t80)
    valr = np.where(ok & (t80 > t20), valr, np.nan)
    vilr = np.where(ok & (t80 > t20), vilr, np.nan)
    return pd.DataFrame(
        {
            "vip_bw": vip,
            "vip_after_ic_s": np.where(is_peak, (p - on) / fs, np.nan),
            "valr_bw_per_s": valr,
            "vilr_bw_per_s": vilr,
        }
    )


# --------------------------------------------------------------------------------------------
def _belt(x: np.ndarray | None, n: int) -> np.ndarray | None:
    if x is None:
        return None
    x = np.asarray(x, dtype=np.float64)
    if len(x) != n:
        raise ValueError(f"belt force has {len(x)} samples, the total has {n}")
    return None if not np.isfinite(x).any() else x

# --------------------------------------------------------------------------------------------
def _left_share(left, right, on, off) -> np.ndarray:
    """Left belt's share of the vertical force at each mid-stance sample (NaN: no belts)."""
    m = len(on)
    if left is None or right is None or not m:
        return np.full(m, np.nan)
    mid = (on + off) // 2
    lv, rv = np.clip(left[mid], 0, None), np.clip(right[mid], 0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        return lv / (lv + rv)


def _stance_mean(x, on, off, n) -> np.ndarray:
    """Mean of ``x`` over the middle third of each contact (NaN where ``x`` is unknown)."""
    m = len(on)
    if x is None or not m:
        return np.full(m, np.nan)
    third = (off - on) // 3
    lo, hi = on + third, np.maximum(off - third, on + third + 1)
    finite = np.isfinite(x)
    csum = np.concatenate(([0.0], np.cumsum(np.where(finite, x, 0.0))))
    count = np.concatenate(([0], np.cumsum(finite)))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (csum[hi] - csum[lo]) / (count[hi] - count[lo])
    return np.where(count[hi] - count[lo] > 0, mean, np.nan)


def _sides(left_share: np.ndarray, cop_ml: np.ndarray) -> pd.Series:
    """L / R / <NA> per contact from the belts' load split and the mediolateral COP."""
    m = len(left_share)
    by_belt = np.full(m, "", dtype=object)
    on_left, on_right = left_share >= SIDE_SHARE, left_share <= 1 - SIDE_SHARE
    if m and min(on_left.mean(), on_right.mean()) >= BELT_USE_SHARE:
        by_belt[on_left], by_belt[on_right] = "L", "R"
    by_cop = np.full(m, "", dtype=object)
    if m >= 2 and np.isfinite(cop_ml).sum() >= 2:
        padded = np.concatenate(([np.nan], cop_ml, [np.nan]))
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN neighbours -> NaN
            neighbours = np.nanmean(np.vstack([padded[:-2], padded[2:]]), axis=0)
        offset = cop_ml - neighbours
        by_cop[offset <= -MIN_SIDE_SEPARATION_M] = "L"
        by_cop[offset >= MIN_SIDE_SEPARATION_M] = "R"
    consistent = (by_cop == "") | (by_cop == by_belt)
    agree = np.where(by_belt == "", by_cop, np.where(consistent, by_belt, ""))
    side = pd.Series(agree, dtype="string")
    return side.mask(side == "", pd.NA)


def force_contact_table(
    fz_n: np.ndarray,
    sample_rate_hz: float,
    body_weight_n: float,
    threshold_n: float = DEFAULT_THRESHOLD_N,
    lowpass_hz: float = DEFAULT_LOWPASS_HZ,
    fz_left_n: np.ndarray | None = None,
    fz_right_n: np.ndarray | None = None,
    *,
    cop_ml_m: np.ndarray | None = None,
    fallback_pct_stance: float | None = None,
) -> pd.DataFrame:
    """Every contact with the STEP_COLUMNS a force plate fills plus EXTRA_COLUMNS.

    Same arguments as ``detect_force_contacts``; see there.
    """
    fz = np.asarray(fz_n, dtype=np.float64)
    fs = float(sample_rate_hz)
    if not fs > 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate_hz}")
    if not np.isfinite(fz).all():
        raise ValueError("vertical force holds NaN or infinite values; the reader must fill them")
    left, right = _belt(fz_left_n, len(fz)), _belt(fz_right_n, len(fz))
    cop_ml_m = _belt(cop_ml_m, len(fz))
    filtered = lowpass(fz, fs, lowpass_hz)
    on, off, t_on, t_off = contacts_from_force(filtered, fs, threshold_n)
    m = len(on)
    ic = t_on / fs
    tc = t_off / fs
    next_ic = np.append(ic[1:], np.nan)
    step = next_ic - ic
    pause = ~(step <= MAX_STEP_S)
    step = np.where(pause, np.nan, step)
    flight = np.where(pause, np.nan, next_ic - tc)
    bw = float(body_weight_n) if body_weight_n is not None else float("nan")
    if not bw > 0:
        bw = float("nan")
    f_bw = filtered / bw if np.isfinite(bw) else np.full_like(filtered, np.nan)
    if m:
        bounds = np.column_stack([on, off]).ravel()
        peak = np.maximum.reduceat(filtered, bounds)[::2] / bw
        impulse = np.add.reduceat(fz, bounds)[::2] / fs / bw
    else:
        peak = impulse = np.zeros(0)
    if np.isfinite(bw):
        impact = impact_metrics(f_bw, fs, on, off, fallback_pct_stance=fallback_pct_stance)
    else:
        impact = impact_metrics(np.zeros(0), fs, on[:0], off[:0]).reindex(range(m))
    left_share = _left_share(left, right, on, off)
    side = _sides(left_share, _stance_mean(cop_ml_m, on, off, len(fz)))
    with np.errstate(invalid="ignore", divide="ignore"):
        cadence = 60.0 / step
    table = pd.DataFrame(
        {
            "t_s": ic,
            "to_s": tc,
            "side": side,
            "confidence": np.ones(m),
            "step_s": step,
            "cadence_spm": cadence,
            "contact_s": tc - ic,
            "flight_s": flight,
            "peak_force_bw": peak,
            "loading_rate_bw_per_s": impact["valr_bw_per_s"].to_numpy(),
        }
    )
    for name in EXTRA_COLUMNS:
        if name in impact:
            table[name] = impact[name].to_numpy()
    table["impulse_bw_s"] = impulse
    table["left_share"] = left_share
    table["cop_ml_m"] = _stance_mean(cop_ml_m, on, off, len(fz))
    return table


def detect_force_contacts(
    fz_n: np.ndarray,
    sample_rate_hz: float,
    body_weight_n: float,
    threshold_n: float = DEFAULT_THRESHOLD_N,
    lowpass_hz: float = DEFAULT_LOWPASS_HZ,
    fz_left_n: np.ndarray | None = None,
    fz_right_n: np.ndarray | None = None,
    *,
    cop_ml_m: np.ndarray | None = None,
    fallback_pct_stance: float | None = None,
) -> pd.DataFrame:
    """Foot contacts from vertical ground reaction force: the Steps table (STEP_COLUMNS).

    Parameters
    ----------
    fz_n : total vertical force, N, positive up, baseline removed; shape (n,)
    sample_rate_hz : samples per second (a force plate: 1000-2400 Hz)
    body_weight_n : body weight, N; NaN leaves peak force and the impact metrics NaN
    threshold_n : contact threshold on the low-passed force, N (50 N, as the reference set)
    lowpass_hz : cut-off of the 4th-order zero-lag Butterworth low-pass, Hz
    fz_left_n, fz_right_n : the two belts of a split-belt treadmill, N, shape (n,)
    cop_ml_m : mediolateral centre of pressure, m, positive toward the runner's right, shape (n,)
        (the reader's ``cop_ml_m``; NaN where unknown)

    Side, never a guess: from the belts, the one carrying >= 80 % of the load at mid-stance,
    but only when the runner uses both belts (each carries >= 20 % of the contacts; a runner who
    stays on one belt lands both feet on it). From the centre of pressure, a contact whose
    mid-stance COP lies >= 2 cm left (right) of the mean of its two neighbours' is L (R). Where
    both tell and disagree, or neither tells, the side is <NA>.
    fallback_pct_stance : see ``impact_metrics`` (None: loading rate NaN without an impact peak)

    Returns ``conform(table, STEP_COLUMNS)``: t_s (IC), to_s (TC), side, confidence (1.0),
    step_s / cadence_spm (to the next contact; NaN for the last one and across pauses
    > 1.5 s), contact_s, flight_s, peak_force_bw (highest low-passed force, BW) and
    loading_rate_bw_per_s (VALR). ``attrs["placement"]`` is ``"force_plate"`` (coach rules read
    it); ``attrs["force_extras"]`` holds EXTRA_COLUMNS (vip_bw, vilr_bw_per_s, ...) as lists.
    """
    table = force_contact_table(
        fz_n, sample_rate_hz, body_weight_n, threshold_n, lowpass_hz, fz_left_n, fz_right_n,
        cop_ml_m=cop_ml_m, fallback_pct_stance=fallback_pct_stance,
    )
    steps = conform(table, STEP_COLUMNS)
    steps.attrs["placement"] = "force_plate"
    steps.attrs["force_extras"] = {
        name: [float(v) for v in table[name].to_numpy()] for name in EXTRA_COLUMNS
    }
    return steps
