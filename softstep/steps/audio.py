"""Footfalls from the sound of running: envelope stage and rhythm-guided footfall detector.

Two stages, both pure NumPy/SciPy:

* ``AudioEnvelope``: a stateful stage fed block by block (a file or, later, a microphone):
  four band-passes (150-500 Hz, 0.5-1.5, 1.5-4, 4-8 kHz, those below 0.45 fs), the RMS of
  each per 1 ms bin -> band envelopes and their total (``envelope``) at ENVELOPE_HZ, plus a
  flag per bin where the raw sound reached full scale (clipping). Mains/motor hum (50/60 Hz)
  lies below the bands; what stationary noise is left the detector removes by working on the
  *rise* of the log envelopes.
* ``detect_footfalls``: onset strength = the mean over the bands of each band's rise (dB)
  above its minimum over the previous 30 ms - a band-wise "spectral flux" (Bello et al. 2005,
  IEEE TSAP 13:1035): a foot strike rises in every band at once, speech and music in a few;
  running rhythm per 8 s window from the autocorrelation of a train of onset peaks (step
  period in the cadence prior 140-220 steps/min, reinforced at the stride period for
  alternating feet), then one footfall per expected step by dynamic programming over onset
  peaks (beat tracking after Ellis 2007, J. New Music Res. 36:51, run over candidate peaks
  instead of every sample; a step may be missed). Windows without a running rhythm (silence,
  speech, music without footfalls) give no footfalls; chains of footfalls that do not keep
  the rhythm, and footfalls whose onset does not stand out of the local noise, are dropped,
  never invented.

>>> fs = 16000; t = np.arange(10 * fs) / fs
>>> clicks = np.zeros_like(t); clicks[(np.arange(0.2, 9.8, 1 / 3) * fs).astype(int)] = 1
>>> sound = np.convolve(clicks, np.exp(-np.arange(400) / 60) * np.sin(np.arange(400)), "same")
>>> env = AudioEnvelope(fs); e = np.concatenate([env.push(b) for b in np.split(sound, 10)])
>>> steps = detect_footfalls(pd.DataFrame({"envelope": e}), ENVELOPE_HZ)
>>> round(float(steps["cadence_spm"].median()))
180
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage, signal

from softstep.model import conform, STEP_COLUMNS

ENVELOPE_HZ = 1000.0  # envelope rate, Hz (1 ms resolution for footfall timing)
# Onset bands, Hz (each capped at 0.45 fs; one starting above 0.8 of that is left out). A foot
# strike is broadband (a low thud and a higher slap at once); hum, belt and motor noise are
# stationary, speech and music rise in a few bands at a time: the onset strength is the mean
# rise over the bands (spectral flux, Bello et al. 2005), so only a sound that rises in all of
# them at once scores fully.
ONSET_BANDS_HZ = ((150.0, 500.0), (500.0, 1500.0), (1500.0, 4000.0), (4000.0, 8000.0))
BAND_HZ = (150.0, 8000.0)  # the envelope (loudness) covers the onset bands together
CLIP_LEVEL = 0.999  # |sample| at or above this is full scale (clipped)
CADENCE_SPM = (140.0, 220.0)  # running cadence prior, steps/min
MIN_RUN_S = 6.0  # shortest sound in which a running rhythm can be found, s
WINDOW_S, HOP_S = 8.0, 4.0  # rhythm analysis windows, s
MIN_RHYTHM = 0.30  # normalised autocorrelation at the step period below which: no running
MIN_ONSET_DB = 3.0  # a footfall's onset must rise this much above the local noise onsets, dB
SILENCE_DBFS = -80.0  # envelope peak below this is silence
LOUDNESS_WINDOW_S = 0.030  # loudness = envelope peak within +-30 ms of the footfall


class AudioEnvelope:
    """Stateful envelope stage: raw sound blocks in, envelope samples at ENVELOPE_HZ out.

    ``push(block)`` takes float mono samples (full scale -1..1) at ``sample_rate_hz`` and returns
    the envelope (RMS per 1 ms bin of the sound in BAND_HZ, full-scale units) of every bin
    completed so far. After each push, ``bands`` holds the same bins' RMS per sub-band
    (``band_names``, the ONSET_BANDS_HZ below 0.45 fs; their energies add up to the envelope)
    and ``clipped`` whether a raw sample reached CLIP_LEVEL. Feeding a file in one block or in
    many gives the same output.

    >>> env = AudioEnvelope(8000)
    >>> len(env.push(np.zeros(8000, np.float32))), len(env.push(np.zeros(4, np.float32)))
    (1000, 0)
    >>> env.band_names
    ['band_150_500_hz', 'band_500_1500_hz', 'band_1500_3600_hz']
    """

    def __init__(self, sample_rate_hz: float):
        self.fs = float(sample_rate_hz)
        top = 0.45 * self.fs
        edges = [(lo, min(hi, top)) for lo, hi in ONSET_BANDS_HZ if lo < 0.8 * top]
        self.band_names = [f"band_{lo:.0f}_{hi:.0f}_hz" for lo, hi in edges]
        self._sos = [signal.butter(4, [lo, hi], btype="bandpass", fs=self.fs, output="sos")
                     for lo, hi in edges]
        self._zi = [np.zeros((sos.shape[0], 2)) for sos in self._sos]
        self._n_in = 0  # raw samples consumed so far
        self._n_out = 0  # envelope bins emitted so far
        self._rest = np.zeros((len(edges), 0))  # band-passed samples of the unfinished bin
        self._rest_abs = np.zeros(0)  # their raw |x|
        self.clipped = np.zeros(0, bool)
        self.bands = np.zeros((0, len(edges)), np.float32)

    def _nothing(self) -> np.ndarray:
        self.clipped = np.zeros(0, bool)
        self.bands = np.zeros((0, len(self._sos)), np.float32)
        return np.zeros(0, np.float32)

    def push(self, block: np.ndarray) -> np.ndarray:
        x = np.asarray(block, dtype=np.float64).ravel()
        if not len(x):
            return self._nothing()
        n_rest = self._rest.shape[1]
        start = self._n_in - n_rest
        self._n_in += len(x)
        # bin k covers raw samples [ceil(k fs / 1000), ceil((k + 1) fs / 1000))
        n_done = int(np.floor(self._n_in * ENVELOPE_HZ / self.fs + 1e-9))
        k = np.arange(self._n_out, n_done + 1)
        edges = np.ceil(k * self.fs / ENVELOPE_HZ - 1e-9).astype(np.int64) - start
        done = len(k) >= 2
        lo, hi = (edges[:-1], edges[1:]) if done else (edges[:0], edges[:0])
        cut = int(hi[-1]) if done else 0

        def band(i: int) -> tuple[np.ndarray, np.ndarray]:
            """Band i: (its power per completed bin, its samples of the unfinished bin)."""
            y = np.empty(n_rest + len(x))
            y[:n_rest] = self._rest[i]
            y[n_rest:], self._zi[i] = signal.sosfilt(self._sos[i], x, zi=self._zi[i])
            csum = np.empty(len(y) + 1)
            csum[0] = 0.0
            np.cumsum(y * y, out=csum[1:])
            power = np.maximum(csum[hi] - csum[lo], 0) / np.maximum(hi - lo, 1)
            return power, y[cut:]

        bands = list(_pool().map(band, range(len(self._sos))) if len(x) >= 4096
                     else map(band, range(len(self._sos))))
        raw = np.concatenate([self._rest_abs, np.abs(x)])
        self._rest = np.array([rest for _, rest in bands]).reshape(len(self._sos), -1)
        if not done:
            self._rest_abs = raw
            return self._nothing()
        power = np.array([p for p, _ in bands])
        peak = np.maximum.reduceat(raw, lo)
        self.clipped = peak >= CLIP_LEVEL
        self.bands = np.sqrt(power).T.astype(np.float32)
        self._rest_abs = raw[cut:]
        self._n_out = n_done
        return np.sqrt(power.sum(axis=0)).astype(np.float32)


_POOL = None


def _pool():
    """A small shared thread pool: SciPy's IIR filter releases the GIL, so the bands of a block
    are filtered on separate cores (same numbers as one after the other)."""
    global _POOL
    if _POOL is None:
        import os
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)),
                                   thread_name_prefix="softstep-audio")
    return _POOL


def _db(x: np.ndarray) -> np.ndarray:
    return 20.0 * np.log10(np.maximum(x, 1e-9))


MAX_RISE_DB = 30.0  # one band's rise counts at most this much (a rise out of digital silence)


def onset_strength(envelope: np.ndarray, fs: float) -> np.ndarray:
    """Rise of the log envelope (5 ms smoothed) above its minimum over the previous 30 ms, dB;
    for a 2-D ``envelope`` (samples x bands) the mean over the bands of each band's rise
    (0..MAX_RISE_DB).

    A footfall rises from the noise floor, so its onset strength is its height over the floor;
    the ripple inside a footfall's own sound rises from a high level and stays small.

    >>> e = np.r_[np.full(50, 0.01), np.full(50, 0.1)]
    >>> round(float(onset_strength(e, 1000.0).max()), 6)
    20.0
    >>> round(float(onset_strength(np.c_[e, np.full(100, 0.01)], 1000.0).max()), 6)
    10.0
    """
    level = _level(envelope, fs)
    rise = np.clip(level - _floor(level, fs), 0.0, MAX_RISE_DB)
    return rise if rise.ndim == 1 else rise.mean(axis=1)


def _onset_and_level(samples: pd.DataFrame, band_cols: list[str], env: np.ndarray, fs: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(onset strength as ``onset_strength`` of the band envelopes, dB; the mean over the bands
    of their ``_level``, dB) computed one band at a time, so that an hour of envelope never
    has a (samples x bands) float64 table and each band is smoothed only once. Without bands:
    both from ``env``."""
    if not band_cols:
        level = _level(env, fs)
        return np.clip(level - _floor(level, fs), 0.0, MAX_RISE_DB), level
    rise_sum = level_sum = None
    for col in band_cols:
        level = _level(samples[col].to_numpy(np.float64), fs)
        rise = _floor(level, fs)
        np.subtract(level, rise, out=rise)
        np.clip(rise, 0.0, MAX_RISE_DB, out=rise)
        if rise_sum is None:
            rise_sum, level_sum = rise, level
        else:
            rise_sum += rise
            level_sum += level
    rise_sum /= len(band_cols)
    level_sum /= len(band_cols)
    return rise_sum, level_sum


def _level(envelope: np.ndarray, fs: float) -> np.ndarray:
    """Envelope in dB re full scale after a 5 ms moving average (along axis 0)."""
    smooth = max(int(round(0.005 * fs)), 1)
    level = ndimage.uniform_filter1d(np.asarray(envelope, np.float64), smooth, axis=0,
                                     mode="nearest")
    np.maximum(level, 1e-9, out=level)  # _db in place (an hour of envelope is 29 MB a band)
    np.log10(level, out=level)
    level *= 20.0
    return level


def _floor(level: np.ndarray, fs: float) -> np.ndarray:
    """Minimum of ``level`` over the 30 ms before each sample (the sample itself excluded)."""
    n = max(int(round(0.030 * fs)), 1)
    # minimum_filter1d centred on i + origin; shift so the window is [i - n, i - 1]
    # the window only looks back, so sample i's floor is that of level[:-1] at i - 1: written
    # straight into place, no second hour-long array
    floor = np.empty_like(level)
    floor[:1] = level[:1]
    if len(level) > 1:
        ndimage.minimum_filter1d(level[:-1], n, axis=0, mode="nearest", origin=(n - 1) // 2,
                                 output=floor[1:])
    return floor


def rhythm(onset: np.ndarray, fs: float) -> pd.DataFrame:
    """Running rhythm per WINDOW_S window (hop HOP_S): ``start_s``, ``end_s``, ``step_s`` (the
    step period in the cadence prior that best explains the onset strength) and ``strength``
    (normalised autocorrelation at that period, 0-1; below MIN_RHYTHM: no running rhythm).

    The score of a period P is r(P) + 0.5 r(2P): steps every P, and the same foot every 2P.
    """
    step = int(round(0.01 * fs))  # analyse at 100 Hz: rhythm needs no 1 ms resolution
    n100 = len(onset) // step
    # a pulse train: each onset peak, weighted by its height over the typical peak within
    # +-2 s (the noise's own onsets count for nothing), spread over +-20 ms for step jitter
    peaks = _candidates(onset, fs)
    o = np.zeros(n100)
    if len(peaks) and n100:
        height = onset[peaks]
        t = peaks / fs
        lo, hi = np.searchsorted(t, t - 2.0), np.searchsorted(t, t + 2.0)
        # floor: the median peak, but at most half the loud (90th percentile) peaks, so a
        # recording of footfalls alone (every peak a footfall) keeps its pulses
        floor = np.minimum(_window_stat(height, lo, hi, np.median),
                           0.5 * _window_stat(height, lo, hi, np.percentile, 90))
        keep = peaks // step < n100
        np.maximum.at(o, peaks[keep] // step, np.maximum(height - floor, 0.0)[keep])
        o = np.convolve(o, [0.25, 0.5, 1.0, 0.5, 0.25], "same")
    win, hop = int(WINDOW_S * 100), int(HOP_S * 100)
    if n100 < win:
        starts = np.array([0]) if n100 >= MIN_RUN_S * 100 else np.zeros(0, int)
        win = n100
    else:
        starts = np.arange(0, n100 - win + 1, hop)
        if starts[-1] + win < n100:
            starts = np.r_[starts, n100 - win]
    if not len(starts):
        return pd.DataFrame({"start_s": [], "end_s": [], "step_s": [], "strength": []})
    frames = np.lib.stride_tricks.sliding_window_view(o, win)[starts]
    frames = frames - frames.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(frames, n=2 * win, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :win]
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    lags = np.arange(int(np.floor(6000 / CADENCE_SPM[1])), int(np.ceil(6000 / CADENCE_SPM[0])) + 1)
    lags = lags[2 * lags < win]
    score = ac[:, lags] + 0.5 * ac[:, 2 * lags]
    best = np.argmax(score, axis=1)
    period = lags[best].astype(float)
    # parabolic refinement of the period to a fraction of 10 ms
    i = np.clip(best, 1, len(lags) - 2)
    a, b, c = (score[np.arange(len(i)), i + d] for d in (-1, 0, 1))
    denom = a - 2 * b + c
    shift = np.where((best == i) & (denom < 0), 0.5 * (a - c) / np.where(denom < 0, denom, -1), 0)
    period = period + np.clip(shift, -0.5, 0.5)
    strength = ac[np.arange(len(best)), lags[best]]
    # a period at the edge of the prior that is no peak of the autocorrelation is the flank of
    # a rhythm outside the prior (a 240 bpm drum, a 120 bpm song): no running rhythm
    lag = lags[best]
    rows = np.arange(len(best))
    is_peak = (ac[rows, lag] >= ac[rows, lag - 1]) & (ac[rows, lag] >= ac[rows, lag + 1])
    edge = (best == 0) | (best == len(lags) - 1)
    strength = np.where(edge & ~is_peak, 0.0, strength)
    return pd.DataFrame({"start_s": starts / 100.0, "end_s": (starts + win) / 100.0,
                         "step_s": period / 100.0, "strength": np.clip(strength, 0, 1)})


def _window_stat(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, stat, *args
                 ) -> np.ndarray:
    """``stat(values[lo[i]:hi[i]], *args)`` for every i (0.0 for an empty slice), vectorised:
    the slices of each length go through one call of ``stat(..., axis=1)``, so the result is
    the same as a loop over the slices at a fraction of the cost.

    >>> v = np.array([1.0, 5.0, 2.0, 8.0])
    >>> _window_stat(v, np.array([0, 1, 3]), np.array([3, 4, 3]), np.median).tolist()
    [2.0, 5.0, 0.0]
    """
    out = np.zeros(len(lo))
    count = hi - lo
    for c in np.unique(count[count > 0]):
        rows = np.flatnonzero(count == c)
        out[rows] = stat(values[lo[rows, None] + np.arange(c)[None, :]], *args, axis=1)
    return out


def _candidates(onset: np.ndarray, fs: float) -> np.ndarray:
    """Sample indices of onset peaks at least 60 ms apart (no two footfalls are closer), none
    in the first 100 ms (the sound starting, the band-pass settling or a codec's pre-echo is
    no footfall)."""
    peaks, _ = signal.find_peaks(onset, height=0.5, distance=max(int(0.06 * fs), 1))
    return peaks[peaks >= int(0.1 * fs)]


def _track(t_s: np.ndarray, height: np.ndarray, period_s: np.ndarray, tightness: float = 100.0
           ) -> np.ndarray:
    """Ellis (2007) dynamic programming over candidate onsets: the chain of candidates that
    maximises sum(height) - tightness * sum(log(interval / (k period))^2) - misses * median
    height, where k = 1 (the next step) or 2 (one footfall too quiet to hear, a "miss");
    one-step intervals are 0.75-1.35 periods (a toe-off scuff or a syllable between two steps
    does not fit), longer ones up to 2.5 periods count as a miss. Returns the indices of the
    best chain.

    >>> t = np.r_[np.arange(0, 3, 0.33), 1.5]; t.sort()
    >>> _track(t, np.where(t == 1.5, 5.0, 10.0), np.full(len(t), 0.33)).tolist()
    [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]
    """
    n = len(t_s)
    score = height.astype(float).copy()
    miss = float(np.median(height))
    back = np.full(n, -1)
    lo = 0
    for j in range(1, n):
        p = period_s[j]
        while lo < j and t_s[j] - t_s[lo] > 2.5 * p:
            lo += 1
        if lo >= j:
            continue
        ratio = (t_s[j] - t_s[lo:j]) / p
        step = np.where((ratio >= 0.75) & (ratio <= 1.35), -tightness * np.log(ratio) ** 2,
                        -np.inf)
        gap = np.where(ratio > 1.35, -tightness * np.log(ratio / 2) ** 2 - miss, -np.inf)
        cand = score[lo:j] + np.maximum(step, gap)
        k = int(np.argmax(cand))
        if cand[k] > 0:
            score[j] += cand[k]
            back[j] = lo + k
    chain = []
    j = int(np.argmax(score))
    while j >= 0:
        chain.append(j)
        j = back[j]
    return np.array(chain[::-1], dtype=int)


MAX_IRREGULARITY = 0.05  # median |log(interval / period)| of a chain of real footfalls is below
LOCAL_IRREGULARITY = 0.08  # the same over 9 intervals around each footfall (noisier, so looser)


def _regular(t_s: np.ndarray, period_s: np.ndarray) -> bool:
    """True when a chain's steps keep the rhythm: the median |log(interval / period)| of its
    one-step intervals is under MAX_IRREGULARITY (running: ~0.02; a chain forced through
    speech syllables or random noise: 0.06 and more).

    >>> p = np.full(5, 0.35)
    >>> _regular(np.arange(5) * 0.35, p), _regular(np.r_[0, 0.3, 0.7, 0.95, 1.4], p)
    (True, False)
    """
    ratio = np.diff(t_s) / period_s[1:]
    one = ratio[ratio <= 1.35]
    return bool(len(one) >= 3 and np.median(np.abs(np.log(one))) < MAX_IRREGULARITY)


def _locally_regular(t_s: np.ndarray, period_s: np.ndarray, half_width: int = 4) -> np.ndarray:
    """Mask of the footfalls of a chain whose neighbourhood (``half_width`` intervals either
    side) keeps the rhythm (median |log(interval / period)| under LOCAL_IRREGULARITY): a chain
    that runs on from the running into talk or music loses the part where it only found
    syllables or notes near the expected times.

    >>> t = np.r_[np.arange(12) * 0.35, 3.85 + np.cumsum([0.27, 0.42, 0.3, 0.41, 0.28, 0.4])]
    >>> _locally_regular(t, np.full(len(t), 0.35)).astype(int).tolist()
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    """
    ratio = np.diff(t_s) / period_s[1:]
    dev = np.where(ratio <= 1.35, np.abs(np.log(ratio)), np.nan)
    # the intervals on either side of footfall i are dev[i - 1] and dev[i]
    both = pd.Series(np.r_[np.nan, dev])
    local = both.rolling(2 * half_width + 1, center=True, min_periods=3).median().to_numpy()
    return ~(local > LOCAL_IRREGULARITY)


def _track_all(t_s: np.ndarray, height: np.ndarray, period_s: np.ndarray) -> np.ndarray:
    """Chains of ``_track`` until no chain of 4 or more footfalls is left: the best chain, then
    the best in what lies before and after it, and so on (a run with pauses or long dropouts
    is several chains). Returns the chosen indices, ascending."""
    todo, chosen = [(0, len(t_s))], []
    while todo:
        a, b = todo.pop()
        if b - a < 4:
            continue
        chain = a + _track(t_s[a:b], height[a:b], period_s[a:b])
        if len(chain) < 4:
            continue
        if _regular(t_s[chain], period_s[chain]):
            chosen.append(chain[_locally_regular(t_s[chain], period_s[chain])])
        todo += [(a, int(chain[0])), (int(chain[-1]) + 1, b)]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, int)


def _segments(windows: pd.DataFrame) -> list[tuple[float, float]]:
    """(start_s, end_s) spans with a running rhythm, merged. Each rhythmic window vouches for
    its middle (the middle HOP_S of it; the first and last window also for their outer ends),
    so a window half over talk and half over running does not bring the talk in.

    >>> w = pd.DataFrame({"start_s": [0, 4, 8, 12.0], "end_s": [8, 12, 16, 20.0],
    ...                   "step_s": 0.35, "strength": [0.1, 0.5, 0.6, 0.1]})
    >>> _segments(w)
    [(6.0, 14.0)]
    """
    if not len(windows):
        return []
    start = windows["start_s"].to_numpy(float)
    end = windows["end_s"].to_numpy(float)
    margin = np.maximum((end - start - HOP_S) / 2, 0)
    lo, hi = start + margin, end - margin
    lo[0], hi[-1] = start[0], end[-1]
    spans: list[tuple[float, float]] = []
    for a, b in zip(lo[windows["strength"] >= MIN_RHYTHM], hi[windows["strength"] >= MIN_RHYTHM]):
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], float(b)))
        else:
            spans.append((float(a), float(b)))
    return spans


def _nearest(grid: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Index of the nearest value of the ascending ``grid`` to each ``t`` (the lower on a tie),
    without a (len(t), len(grid)) table.

    >>> _nearest(np.array([2.0, 6.0, 10.0]), np.array([0.0, 4.0, 4.1, 11.0])).tolist()
    [0, 0, 1, 2]
    """
    j = np.clip(np.searchsorted(grid, t), 1, max(len(grid) - 1, 1))
    if len(grid) == 1:
        return np.zeros(len(t), int)
    before = np.abs(t - grid[j - 1]) <= np.abs(t - grid[j])
    return np.where(before, j - 1, j)


def detect_footfalls(samples: pd.DataFrame, fs: float) -> pd.DataFrame:
    """Footfalls in an envelope table (``envelope`` at ``fs`` Hz, optional ``clipped`` and
    ``t_s``) as a Steps table (model.STEP_COLUMNS): ``t_s`` (onset of the footfall sound, s),
    ``step_s`` / ``cadence_spm`` (interval to the next footfall), ``confidence`` (0-1: how far
    the onset stands above the local noise onsets times how well it fits the rhythm),
    ``loudness_db`` (envelope peak within +-30 ms, dB re the run's median footfall),
    ``loudness_dbfs`` (the same peak, dB re full scale), ``impact_clipped`` (the sound reached
    full scale within +-30 ms: loudness is then a lower bound). ``side`` stays <NA>.

    ``steps.attrs`` holds ``rhythm`` (the per-window table of ``rhythm()``), ``running_s``
    (seconds of sound with a running rhythm), ``peak_dbfs`` and ``duration_s``, so a caller
    can say why nothing was found.
    """
    env = samples["envelope"].to_numpy()  # as stored (float32 from the reader): only indexed
    t0 = float(samples["t_s"].iloc[0]) if "t_s" in samples and len(samples) else 0.0
    duration_s = len(env) / fs
    peak_dbfs = float(_db(np.float64(env.max(initial=0.0))))
    attrs = {"duration_s": round(duration_s, 3), "peak_dbfs": round(peak_dbfs, 1),
             "running_s": 0.0, "rhythm": None}
    empty = conform(pd.DataFrame(), STEP_COLUMNS)
    if peak_dbfs < SILENCE_DBFS or duration_s < MIN_RUN_S:
        empty.attrs.update(attrs)
        return empty
    band_cols = [c for c in samples.columns if c.startswith("band_")]
    onset, level = _onset_and_level(samples, band_cols, env, fs)
    windows = rhythm(onset, fs)
    spans = _segments(windows)
    attrs["rhythm"] = windows
    attrs["running_s"] = round(sum(e - s for s, e in spans), 2)
    peaks = _candidates(onset, fs)
    t_peak = peaks / fs
    # local step period at each candidate: that of the rhythm window centred nearest to it
    mid = (windows["start_s"] + windows["end_s"]).to_numpy() / 2
    nearest = _nearest(mid, t_peak) if len(mid) else []
    period = windows["step_s"].to_numpy()[nearest] if len(mid) else np.zeros(0)
    chosen = []
    for s, e in spans:
        inside = np.flatnonzero((t_peak >= s) & (t_peak < e))
        chosen.append(inside[_track_all(t_peak[inside], onset[peaks[inside]], period[inside])])
    chosen = np.unique(np.concatenate(chosen)) if chosen else np.zeros(0, int)
    if len(chosen) < 2:
        empty.attrs.update(attrs)
        return empty
    # prominence over the local noise: the median height of the onset peaks within +-5 s that
    # are not within 100 ms of a chosen one (a footfall's own later rises are not noise)
    height = onset[peaks]
    pos = np.searchsorted(t_peak[chosen], t_peak)
    gap_before = np.abs(t_peak - t_peak[chosen][np.clip(pos - 1, 0, None)])
    gap_after = np.abs(t_peak[chosen][np.clip(pos, None, len(chosen) - 1)] - t_peak)
    other = np.minimum(gap_before, gap_after) > 0.100
    t_other, h_other = t_peak[other], height[other]
    noise = np.zeros(len(chosen))
    if len(t_other):
        lo = np.searchsorted(t_other, t_peak[chosen] - 5.0)
        hi = np.searchsorted(t_other, t_peak[chosen] + 5.0)
        noise = _window_stat(h_other, lo, hi, np.median)
    prominence = height[chosen] - noise
    keep = prominence >= MIN_ONSET_DB
    chosen, prominence = chosen[keep], prominence[keep]
    if len(chosen) < 2:
        empty.attrs.update(attrs)
        return empty
    # A footfall can sound as two rises (heel, then forefoot; or a ringing shoe) and the
    # strongest may be the second: its start is the first rise within the 50 ms before the
    # chosen onset peak that reaches 60 % of its height at a level within 3 dB of it. The
    # footfall starts where the level, after its lowest point in the 30 ms before that rise's
    # end, first crosses half way (in dB) from that low to the rise's end. The level is the
    # mean over the bands of their levels in dB, so one loud band (a bass line) does not hide
    # the rise in the others.
    idx = peaks[chosen]
    rows = np.arange(len(idx))
    n50, n10, n30 = (int(round(s * fs)) for s in (0.050, 0.010, 0.030))
    look = np.clip(idx[:, None] + np.arange(-n50, 1)[None, :], 0, len(env) - 1)
    early = (onset[look] >= 0.6 * onset[idx][:, None]) & (level[look] >= level[idx][:, None] - 3)
    start = look[rows, np.argmax(early, axis=1)]
    rise = np.clip(start[:, None] + np.arange(0, n10 + 1)[None, :], 0, len(env) - 1)
    top = rise[rows, np.argmax(onset[rise], axis=1)]
    win_idx = np.clip(top[:, None] + np.arange(-n30, 1)[None, :], 0, len(env) - 1)
    lvl = level[win_idx]
    low_at = np.argmin(lvl, axis=1)
    half = (lvl[rows, low_at] + level[top]) / 2
    above = (lvl >= half[:, None]) & (np.arange(n30 + 1)[None, :] >= low_at[:, None])
    t = win_idx[rows, np.argmax(above, axis=1)] / fs
    step_s = np.r_[np.diff(t), np.nan]
    p_local = period[chosen]
    step_s[:-1][np.diff(t) > 1.5 * p_local[:-1]] = np.nan  # a missed footfall, not a step
    # loudness: peak envelope within +-30 ms
    w = int(LOUDNESS_WINDOW_S * fs)
    around = np.clip(idx[:, None] + np.arange(-w, w + 1)[None, :], 0, len(env) - 1)
    peak = env[around].max(axis=1).astype(np.float64)
    dbfs = _db(peak)
    clipped = (samples["clipped"].to_numpy(bool)[around].any(axis=1)
               if "clipped" in samples else np.zeros(len(idx), bool))
    # rhythm fit: the intervals on both sides against the local period
    prev_next = np.c_[np.r_[np.nan, np.diff(t)], np.r_[np.diff(t), np.nan]]
    dev = np.nanmin(np.abs(np.log(prev_next / p_local[:, None])), axis=1)
    fit = np.exp(-0.5 * (np.nan_to_num(dev, nan=0.3) / 0.1) ** 2)
    confidence = np.clip(prominence / (2 * MIN_ONSET_DB), 0, 1) * (0.5 + 0.5 * fit)
    out = pd.DataFrame({
        "t_s": t + t0,
        "step_s": step_s,
        "cadence_spm": 60.0 / step_s,
        "confidence": np.round(confidence, 3),
        "loudness_dbfs": np.round(dbfs, 2),
        "loudness_db": np.round(dbfs - np.median(dbfs), 2),
        "impact_clipped": clipped,
    })
    steps = conform(out, STEP_COLUMNS)
    steps.attrs.update(attrs)
    return steps


MIN_FOOTFALLS = 8  # fewer footfalls than this is no run (as pipeline.MIN_RUNNING_CONTACTS)


def detect_recording(recording) -> pd.DataFrame:
    """Footfalls of an audio Recording (``samples`` from readers.audio), or NoRunningError
    saying what the sound held instead: too short, silence, or no running rhythm.

    Stores ``info["running_s"]`` (seconds of sound with a running rhythm) and
    ``info["footfalls"]``; footfalls whose sound reached full scale get a warning.
    """
    from softstep.errors import NoRunningError
    from softstep.report.format import duration

    steps = detect_footfalls(recording.samples, recording.sample_rate_hz)
    info, label = recording.info, str(recording.path)
    duration_s = float(steps.attrs.get("duration_s", 0.0))
    info["running_s"] = steps.attrs.get("running_s", 0.0)
    info["footfalls"] = len(steps)
    if len(steps) < MIN_FOOTFALLS:
        if duration_s < MIN_RUN_S:
            found = [f"only {duration_s:.1f} s of sound, too short to find a running rhythm "
                     f"(record at least {MIN_RUN_S:.0f} s of running)"]
        elif steps.attrs.get("peak_dbfs", -np.inf) < SILENCE_DBFS:
            found = [f"{duration(duration_s)} of silence (no sound above {SILENCE_DBFS:.0f} dBFS)"]
        elif not info["running_s"]:
            found = [f"{duration(duration_s)} of sound without a running rhythm (no regular "
                     "footfalls at 140-220 steps/min; is the microphone near the feet?)"]
        else:
            found = [f"{len(steps)} footfall(s) in {duration(duration_s)} of sound, too few to "
                     "analyse"]
        raise NoRunningError(label, found)
    n_clipped = int(steps["impact_clipped"].fillna(False).sum())
    if n_clipped:
        recording.warnings.append(
            f"{label}: {n_clipped} of {len(steps)} footfalls reached full scale (clipped): "
            "their loudness is a lower bound")
    return steps
