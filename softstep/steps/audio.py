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
  period in the cadence prior 140-240 steps/min, reinforced at the stride period for
  alternating feet), then one footfall per expected step by dynamic programming over onset
  peaks (beat tracking after Ellis 2007, J. New Music Res. 36:51, run over candidate peaks
  instead of every sample; a step may be missed). Windows without a running rhythm (silence,
  speech, music without footfalls) give no footfalls; chains of footfalls that do not keep
  the rhythm, and footfalls whose onset does not stand out of the local noise, are dropped,
  never invented.

>>> fs = 16000; t = np.arange(10 * fs) / fs  # steps every 1/3 s, a few ms off (a runner)
>>> t_step = np.arange(0.2, 9.8, 1 / 3) + np.random.default_rng(1).normal(0, 0.005, 29)
>>> clicks = np.zeros_like(t); clicks[(t_step * fs).astype(int)] = 1
>>> sound = np.convolve(clicks, np.exp(-np.arange(400) / 60) * np.sin(np.arange(400)), "same")
>>> env = AudioEnvelope(fs); e = np.concatenate([env.push(b) for b in np.split(sound, 10)])
>>> steps = detect_footfalls(pd.DataFrame({"envelope": e}), ENVELOPE_HZ)
>>> round(float(steps["cadence_spm"].median()))
180
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal

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
# running cadence prior, steps/min: from the walk-run transition (SCIENCE.md §6) to above the
# fastest stretch of the test set's real contacts (sacral_grf_treadmill at 4.17 m/s: ~230)
CADENCE_SPM = (140.0, 240.0)
MIN_RUN_S = 6.0  # shortest sound in which a running rhythm can be found, s
WINDOW_S, HOP_S = 8.0, 4.0  # rhythm analysis windows, s
# normalised autocorrelation at the step period below which: no running. Low, because a second
# runner or a song halves it; the chain checks (_regular, _locally_regular, _machine_timed)
# and the onset prominence reject what is not running.
MIN_RHYTHM = 0.15
TIGHTNESS = 100.0  # beat-tracking cost of an interval off the period: tightness * log(ratio)^2
SURE_ONSET_DB = 6.0  # an onset this far above the local noise onsets is a sure footfall, dB
MIN_ONSET_DB = 3.0  # a footfall's onset must rise this much above the local noise onsets, dB
WEAK_ONSET_DB = 1.5  # ... or this much, with a footfall one step period before and after it
RHYTHM_VOUCH = 0.08  # "one step period": within this fraction of the local period
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

    Multirate: each band is filtered at the lowest rate fs / 2**m that still holds it (its top
    edge at most BAND_RATE_FRACTION of that rate, the rate at least MIN_BAND_RATE_HZ), reached
    by halving the rate in steps (an elliptic anti-alias low-pass, then every second sample).
    At 48 kHz the 4-8 kHz band runs at 24 kHz, 1.5-4 kHz at 12 kHz and the two low bands at
    6 kHz: about half the filtering work and a quarter of the RMS work of filtering all four at
    48 kHz. The envelopes are those of the same band-passes up to the low-passes' ripple
    (+-0.025 dB each) and delay (0.05-0.4 ms at 48 kHz, under one bin); per 1 ms bin the RMS is
    then taken over 6-24 samples instead of 48 (the test set's detection and timing are
    unchanged).

    >>> env = AudioEnvelope(8000)
    >>> len(env.push(np.zeros(8000, np.float32))), len(env.push(np.zeros(4, np.float32)))
    (1000, 0)
    >>> env.band_names
    ['band_150_500_hz', 'band_500_1500_hz', 'band_1500_3600_hz']
    >>> AudioEnvelope(48000).band_rates_hz
    [6000.0, 6000.0, 12000.0, 24000.0]
    """

    def __init__(self, sample_rate_hz: float):
        self.fs = float(sample_rate_hz)
        top = 0.45 * self.fs
        edges = [(lo, min(hi, top)) for lo, hi in ONSET_BANDS_HZ if lo < 0.8 * top]
        self.band_names = [f"band_{lo:.0f}_{hi:.0f}_hz" for lo, hi in edges]
        self._halvings = [_rate_level(self.fs, hi) for _, hi in edges]  # band i: fs/2**m
        self.band_rates_hz = [self.fs / 2 ** m for m in self._halvings]
        # anti-alias low-pass of halving step s (rate fs/2**s -> fs/2**(s+1)): passes the top
        # edge of every band below, stops what would fold onto it (above half the new rate
        # minus that edge) by LOWPASS_STOP_DB; its gain centred in its ripple (0..-0.05 dB ->
        # +-0.025 dB), so the band power is not biased low
        self._lowpass = []
        for s in range(max(self._halvings, default=0)):
            rate = self.fs / 2 ** s
            pass_hz = max(hi for (_, hi), m in zip(edges, self._halvings) if m > s)
            order, _ = signal.ellipord(pass_hz, rate / 2 - pass_hz, LOWPASS_RIPPLE_DB,
                                       LOWPASS_STOP_DB, fs=rate)
            sos = signal.ellip(order, LOWPASS_RIPPLE_DB, LOWPASS_STOP_DB, pass_hz, fs=rate,
                               output="sos")
            sos[0, :3] *= 10 ** (LOWPASS_RIPPLE_DB / 40)
            self._lowpass.append(sos)
        self._lowpass_zi = [np.zeros((sos.shape[0], 2)) for sos in self._lowpass]
        self._sos = [signal.butter(4, [lo, hi], btype="bandpass", fs=rate, output="sos")
                     for (lo, hi), rate in zip(edges, self.band_rates_hz)]
        self._zi = [np.zeros((sos.shape[0], 2)) for sos in self._sos]
        self._n_at = [0] * (len(self._lowpass) + 1)  # samples so far at each rate fs/2**s
        self._n_halved = list(self._n_at)  # the same, as far as ``halve`` has gone
        self._n_out = 0  # envelope bins emitted so far
        self._rest = [np.zeros(0) for _ in edges]  # band-passed samples of the unfinished bin
        self._rest_raw = np.zeros(0, np.float32)  # their raw samples
        self.clipped = np.zeros(0, bool)
        self.bands = np.zeros((0, len(edges)), np.float32)

    def _nothing(self) -> np.ndarray:
        self.clipped = np.zeros(0, bool)
        self.bands = np.zeros((0, len(self._sos)), np.float32)
        return np.zeros(0, np.float32)

    def push(self, block: np.ndarray) -> np.ndarray:
        return self.bin(*self.halve(block))

    def halve(self, block: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """First half of ``push``: (the block as an array, [the sound at each rate fs/2**s]).
        ``bin`` of its result does the rest; ``push(b)`` is ``bin(*halve(b))``. The two keep
        separate state, so ``halve`` of the next block may run (in another thread) while
        ``bin`` of this one does, in the same block order: ``readers.audio`` pipelines them.

        >>> env = AudioEnvelope(48000); x, at = env.halve(np.zeros(480)); [len(a) for a in at]
        [480, 240, 120, 60]
        >>> len(env.bin(x, at))
        10
        """
        x = np.asarray(block).ravel()  # float32 or float64 as given: sosfilt works in float64
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        if not len(x):
            return x, []
        # the sound at each rate fs/2**s: low-passed, then the samples at even positions of
        # the whole stream at the rate above kept
        at = [x]
        for s, sos in enumerate(self._lowpass):
            y, self._lowpass_zi[s] = signal.sosfilt(sos, at[s], zi=self._lowpass_zi[s])
            at.append(y[self._n_halved[s] % 2::2])
            self._n_halved[s] += len(at[s])
        self._n_halved[-1] += len(at[-1])
        return x, at

    def bin(self, x: np.ndarray, at: list[np.ndarray]) -> np.ndarray:
        """Second half of ``push``: the envelope of the bins completed by ``halve``'s result
        (``x``, ``at``), setting ``bands`` and ``clipped``."""
        if not len(x):
            return self._nothing()
        for s, part in enumerate(at):
            self._n_at[s] += len(part)
        n_in = self._n_at[0]
        # bin k covers samples [ceil(k r / 1000), ceil((k + 1) r / 1000)) at rate r
        n_done = int(np.floor(n_in * ENVELOPE_HZ / self.fs + 1e-9))
        k = np.arange(self._n_out, n_done + 1)

        def band(i: int) -> np.ndarray:
            """Band i: its power per completed bin (keeps the samples of the unfinished one)."""
            m, rate = self._halvings[i], self.band_rates_hz[i]
            filtered, self._zi[i] = signal.sosfilt(self._sos[i], at[m], zi=self._zi[i])
            y = np.concatenate([self._rest[i], filtered]) if len(self._rest[i]) else filtered
            start = self._n_at[m] - len(y)  # stream position of y[0] (bin n_out's first)
            edges = np.ceil(k * (rate / ENVELOPE_HZ) - 1e-9).astype(np.int64) - start
            np.clip(edges, 0, len(y), out=edges)
            self._rest[i] = y[edges[-1]:]
            return _bin_mean_square(y, edges)

        bands = list(_pool().map(band, range(len(self._sos))) if len(x) >= 4096
                     else map(band, range(len(self._sos))))
        raw = np.concatenate([self._rest_raw, x]) if len(self._rest_raw) else x
        if len(k) < 2:
            self._rest_raw = np.array(raw)  # a copy: the caller may reuse its block
            return self._nothing()
        edges = np.ceil(k * (self.fs / ENVELOPE_HZ) - 1e-9).astype(np.int64) - (n_in - len(raw))
        # a bin is clipped where a raw sample reaches full scale; most blocks have none, found
        # by two fast reductions instead of |x| and a maximum per bin
        if raw.max() >= CLIP_LEVEL or raw.min() <= -CLIP_LEVEL:
            self.clipped = np.maximum.reduceat(np.abs(raw), edges[:-1]) >= CLIP_LEVEL
        else:
            self.clipped = np.zeros(len(k) - 1, bool)
        power = np.array(bands)
        self.bands = np.sqrt(power).T.astype(np.float32)
        self._rest_raw = np.array(raw[edges[-1]:])
        self._n_out = n_done
        return np.sqrt(power.sum(axis=0)).astype(np.float32)


MIN_BAND_RATE_HZ = 5000.0  # no band is filtered below this rate (5+ samples per 1 ms bin)
BAND_RATE_FRACTION = 0.4  # a band's top edge is at most this fraction of its filtering rate
LOWPASS_RIPPLE_DB, LOWPASS_STOP_DB = 0.05, 50.0  # anti-alias low-pass before halving the rate


def _rate_level(fs: float, top_hz: float) -> int:
    """How many times the rate fs can be halved for a band up to ``top_hz`` (multirate
    filtering in AudioEnvelope); 0 keeps fs.

    >>> _rate_level(48000, 8000), _rate_level(48000, 4000), _rate_level(48000, 500)
    (1, 2, 3)
    >>> _rate_level(44100, 1500), _rate_level(8000, 500)
    (3, 0)
    """
    m = 0
    while (rate := fs / 2 ** (m + 1)) >= MIN_BAND_RATE_HZ and top_hz <= BAND_RATE_FRACTION * rate:
        m += 1
    return m


def _bin_mean_square(y: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean of y**2 over each bin [edges[j], edges[j + 1]) (0 for an empty bin), summed per bin
    rather than from a running sum, so it does not depend on where a block started.

    >>> _bin_mean_square(np.array([1.0, 3.0, 2.0, 5.0]), np.array([0, 2, 2, 3])).tolist()
    [5.0, 0.0, 4.0]
    """
    count = np.diff(edges)
    if not len(count):
        return np.zeros(0)
    squares = np.empty(int(edges[-1]) + 1)
    np.square(y[:edges[-1]], out=squares[:-1])
    squares[-1] = 0.0  # reduceat needs an index past every empty bin at the end
    sums = np.add.reduceat(squares, edges[:-1])
    return np.where(count > 0, sums / np.maximum(count, 1), 0.0)


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
    has a (samples x bands) table and each band is smoothed only once; in float32 when the
    envelopes are (as the reader stores them: half the memory and time of float64, dB to
    1e-5). Without bands: both from ``env``."""
    if not band_cols:
        level = _level(env, fs)
        return np.clip(level - _floor(level, fs), 0.0, MAX_RISE_DB), level
    rise_sum = level_sum = None
    for col in band_cols:
        level = _level(samples[col].to_numpy(), fs)
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
    """Envelope in dB re full scale after a 5 ms moving average (along axis 0); float32 for a
    float32 envelope, else float64."""
    smooth = max(int(round(0.005 * fs)), 1)
    envelope = np.asarray(envelope)
    level = _moving_mean(envelope.astype(np.float32 if envelope.dtype == np.float32
                                         else np.float64, copy=False), smooth)
    np.maximum(level, 1e-9, out=level)  # _db in place (an hour of envelope is 14 MB a band)
    np.log10(level, out=level)
    level *= 20.0
    return level


def _moving_mean(x: np.ndarray, size: int) -> np.ndarray:
    """Mean over ``size`` samples centred on each (along axis 0; the ends repeat the first
    and last sample), as ``ndimage.uniform_filter1d(x, size, axis=0, mode="nearest")`` but in
    x's own dtype and without that function's float64 copies of the whole line (an hour of
    envelope is 3.6 million samples).

    >>> _moving_mean(np.array([0.0, 0.0, 5.0, 0.0, 10.0]), 3).tolist()
    [0.0, 1.6666666666666667, 1.6666666666666667, 5.0, 6.666666666666667]
    """
    n, left = len(x), size // 2
    if not n or size <= 1:
        return x.copy()
    padded = np.concatenate([np.repeat(x[:1], left, axis=0), x,
                             np.repeat(x[-1:], size - 1 - left, axis=0)])
    out = padded[:n].copy()
    for k in range(1, size):
        out += padded[k:k + n]
    out /= size
    return out


def _floor(level: np.ndarray, fs: float) -> np.ndarray:
    """Minimum of ``level`` over the 30 ms before each sample (the sample itself excluded;
    the first sample's is itself), along axis 0.

    >>> _floor(np.array([5.0, 3.0, 4.0, 6.0, 7.0, 1.0]), 100.0).tolist()
    [5.0, 5.0, 3.0, 3.0, 3.0, 4.0]
    """
    n = max(int(round(0.030 * fs)), 1)
    # sample i's floor is the minimum of level[i - n .. i - 1]: the running minimum over n
    # samples of level[:-1], built in place by doubling the span (1, 2, 4, ... then the rest;
    # exact, a few passes over the array and no second hour-long array)
    floor = np.empty_like(level)
    floor[:1] = level[:1]
    run = floor[1:]
    run[...] = level[:-1]
    span = 1
    while span < n and len(run) > 1:
        step = min(span, n - span, len(run) - 1)
        np.minimum(run[step:], run[:-step], out=run[step:])  # overlap: NumPy buffers it
        span += step
    return floor


def rhythm(onset: np.ndarray, fs: float, level: np.ndarray | None = None,
           peaks: np.ndarray | None = None, height: np.ndarray | None = None) -> pd.DataFrame:
    """Running rhythm per WINDOW_S window (hop HOP_S): ``start_s``, ``end_s``, ``step_s`` (the
    step period in the cadence prior that best explains the onset strength) and ``strength``
    (normalised autocorrelation at that period, 0-1; below MIN_RHYTHM: no running rhythm).
    With ``level`` (the mean band level, dB, as ``onset``), onset peaks are weighted by how
    loud they are too (``_peak_height``), so a louder runner's rhythm wins over a quieter one's.

    The score of a period P is r(P) + 0.5 r(2P): steps every P, and the same foot every 2P.
    ``peaks`` (``_candidates``) and their ``height`` (``_peak_height``) may be given when the
    caller has them already.
    """
    step = int(round(0.01 * fs))  # analyse at 100 Hz: rhythm needs no 1 ms resolution
    n100 = len(onset) // step
    # a pulse train: each onset peak, weighted by its height over the typical peak within
    # +-2 s (the noise's own onsets count for nothing), spread over +-20 ms for step jitter
    peaks = _candidates(onset, fs) if peaks is None else peaks
    o = np.zeros(n100)
    if len(peaks) and n100:
        height = _peak_height(onset, level, peaks, fs) if height is None else height
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


LOUD_WEIGHT = 2.0  # dB of candidate height per dB of loudness over the local typical peak
LOUD_SPAN_DB = (-6.0, 6.0)  # that loudness term is clipped to this range, dB
LOUD_PERCENTILE = 75.0  # loudness is relative to this percentile of the peaks within +-2 s


def _peak_height(onset: np.ndarray, level: np.ndarray | None, peaks: np.ndarray, fs: float,
                 rise_ms: np.ndarray | None = None, loudness_db: np.ndarray | None = None
                 ) -> np.ndarray:
    """Height of each onset peak for rhythm and tracking, dB: its onset strength plus
    LOUD_WEIGHT x its loudness (the highest ``level`` in the 15 ms from the peak) over the
    LOUD_PERCENTILE loudness of the peaks within +-2 s (about the typical footfall: a quarter
    of the peaks are footfalls), clipped to LOUD_SPAN_DB. Two runners rise equally far out of
    the quiet between their steps; the nearer one (the runner at the microphone) is louder,
    and without this a faster second runner would win the beat tracking by its extra steps.
    The onset strength is first scaled by the peak's ``_sharpness`` (an impact rises in a few
    ms, a syllable swells). Without ``level``: the onset strength. ``rise_ms`` (``_rise_ms``)
    and ``loudness_db`` (``_loudness_db``) of the peaks may be given when the caller has them.

    >>> peaks = np.arange(200, 6000, 200)  # two runners' steps, the odd ones 10 dB quieter
    >>> on = np.zeros(6000); on[peaks] = 20.0
    >>> lv = np.full(6000, -60.0); lv[peaks] = np.where(np.arange(len(peaks)) % 2, -40, -30)
    >>> _peak_height(on, lv, peaks, 1000.0).tolist()[10:14]
    [20.0, 8.0, 20.0, 8.0]
    """
    height = onset[peaks].astype(np.float64)
    if level is None or not len(peaks):
        return height
    height *= _sharpness(_rise_ms(level, peaks, fs) if rise_ms is None else rise_ms)
    if not LOUD_WEIGHT:
        return height
    loud = _loudness_db(level, peaks, fs) if loudness_db is None else loudness_db
    return height + LOUD_WEIGHT * loud


def _loudness_db(level: np.ndarray, peaks: np.ndarray, fs: float) -> np.ndarray:
    """Loudness of each onset peak over the typical footfall around it, dB: the highest
    ``level`` in the 15 ms from the peak minus the LOUD_PERCENTILE of that over the peaks
    within +-2 s, clipped to LOUD_SPAN_DB.

    >>> lv = np.full(3000, -50.0); peaks = np.arange(100, 3000, 100); lv[peaks] = -20.0
    >>> lv[1500] = -23.0; lv[1600] = -40.0
    >>> _loudness_db(lv, peaks, 1000.0)[13:17].tolist()
    [0.0, -3.0, -6.0, 0.0]
    """
    if not len(peaks):
        return np.zeros(0)
    n15 = max(int(round(0.015 * fs)), 1)
    top = level[np.minimum(peaks[:, None] + np.arange(n15)[None, :], len(level) - 1)].max(axis=1)
    t = peaks / fs
    lo, hi = np.searchsorted(t, t - 2.0), np.searchsorted(t, t + 2.0)
    return np.clip(top - _window_stat(top, lo, hi, np.percentile, LOUD_PERCENTILE),
                   *LOUD_SPAN_DB)


# a footfall's sound rises from half to 90 % of its height (dB) within SHARP_RISE_MS (the
# impact; a few ms in every test recording); a chain whose median rise is over MAX_RISE_MS is
# talk or music swelling in time, not footfalls
SHARP_RISE_MS = 5.0
MAX_RISE_MS = 12.0


def _rise_ms(level: np.ndarray, peaks: np.ndarray, fs: float) -> np.ndarray:
    """Rise time of the sound at each onset peak, ms: from the first sample at half to the
    first at 90 % of its rise (dB, ``level`` from its lowest point in the 30 ms before the peak
    to its highest in the 40 ms from 5 ms before it). A foot strike is an impact: its sound
    rises within a few ms; a syllable, a bowed or sung note swells over tens of ms.

    >>> lv = np.full(400, -60.0); lv[100:] = -20.0  # a click at 100
    >>> lv[250:300] = np.linspace(-60, -20, 50); lv[300:] = -20.0  # a 50 ms swell to 300
    >>> lv2 = lv.copy(); lv2[150:250] = -60.0
    >>> _rise_ms(lv2, np.array([101, 280]), 1000.0).round().tolist()
    [0.0, 20.0]
    """
    if not len(peaks):
        return np.zeros(0)
    n30, n40, n5 = (max(int(round(s * fs)), 1) for s in (0.030, 0.040, 0.005))
    idx = np.clip(peaks[:, None] + np.arange(-n30, n40 + 1)[None, :], 0, len(level) - 1)
    lv = level[idx]
    low_at = np.argmin(lv[:, :n30 + 1], axis=1)
    rows = np.arange(len(peaks))
    low = lv[rows, low_at]
    high = lv[:, n30 - n5:].max(axis=1)
    after_low = np.arange(idx.shape[1])[None, :] >= low_at[:, None]
    half = np.argmax(after_low & (lv >= (low + 0.5 * (high - low))[:, None]), axis=1)
    ninety = np.argmax(after_low & (lv >= (low + 0.9 * (high - low))[:, None]), axis=1)
    return (ninety - half) * 1000.0 / fs


def _sharpness(rise_ms: np.ndarray) -> np.ndarray:
    """How much an onset sounds like an impact, 0-1, from its rise time (``_rise_ms``): 1 up to
    SHARP_RISE_MS, then 1 / (1 + ((rise - SHARP_RISE_MS) / 10 ms)^2): 0.5 at 10 ms slower.

    >>> _sharpness(np.array([3.0, 15.0, 35.0])).round(2).tolist()
    [1.0, 0.5, 0.1]
    """
    slow = np.maximum(np.asarray(rise_ms, float) - SHARP_RISE_MS, 0.0) / 10.0
    return 1.0 / (1.0 + slow**2)


def _candidates(onset: np.ndarray, fs: float) -> np.ndarray:
    """Sample indices of onset peaks at least 60 ms apart (no two footfalls are closer), none
    in the first 100 ms (the sound starting, the band-pass settling or a codec's pre-echo is
    no footfall)."""
    peaks, _ = signal.find_peaks(onset, height=0.5, distance=max(int(0.06 * fs), 1))
    return peaks[peaks >= int(0.1 * fs)]


TRACK_ROWS = 4096  # candidates per transition-cost table in _track (~1 MB each)


def _track(t_s: np.ndarray, height: np.ndarray, period_s: np.ndarray,
           tightness: float | None = None) -> np.ndarray:
    """Ellis (2007) dynamic programming over candidate onsets: the chain of candidates that
    maximises sum(height) - tightness * sum(log(interval / (k period))^2) - misses * median
    height, where k = 1 (the next step) or 2 (one footfall too quiet to hear, a "miss");
    one-step intervals are 0.75-1.35 periods (a toe-off scuff or a syllable between two steps
    does not fit), longer ones up to 2.5 periods count as a miss. Returns the indices of the
    best chain.

    The predecessors of candidate j are those within 2.5 of its periods before it (and not
    before those of j - 1). Their transition costs are computed for every j at once, as a
    (candidates x predecessors) table; only the running best score is left to a loop.

    >>> t = np.r_[np.arange(0, 3, 0.33), 1.5]; t.sort()
    >>> _track(t, np.where(t == 1.5, 5.0, 10.0), np.full(len(t), 0.33)).tolist()
    [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]
    """
    tightness = TIGHTNESS if tightness is None else tightness
    t_s = np.asarray(t_s, float)
    period_s = np.asarray(period_s, float)
    n = len(t_s)
    if not n:
        return np.zeros(0, dtype=int)
    miss = float(np.median(height))
    # first predecessor of each j: the first i with t[j] - t[i] <= 2.5 p[j], never before
    # that of j - 1 (so for a growing period too, as a pointer moving forward); the table
    # (predecessors i = j - width .. j - 1) is made TRACK_ROWS candidates at a time
    j = np.arange(n)
    about = np.searchsorted(t_s, t_s - 2.5 * period_s)  # made exact below
    width = int(np.max(j - about, initial=0)) + 2
    offsets = np.arange(width, 0, -1)[None, :]
    # score[width + i]: the best chain ending at candidate i (the first width: no candidate)
    score = np.r_[np.full(width, -np.inf), height.astype(float)]
    back = np.full(n, -1)
    first_before = 0
    for r0 in range(0, n, TRACK_ROWS):
        rows = j[r0:r0 + TRACK_ROWS]
        p = period_s[rows, None]
        back_i = rows[:, None] - offsets
        valid = back_i >= 0
        gap_s = t_s[rows, None] - t_s[np.maximum(back_i, 0)]
        far = np.max(np.where(valid & (gap_s > 2.5 * p), back_i + 1, 0), axis=1)
        first = np.maximum.accumulate(np.maximum(far, first_before))
        first_before = int(first[-1])
        valid &= back_i >= first[:, None]
        ratio = np.where(valid, gap_s, p) / p
        step = np.where((ratio >= 0.75) & (ratio <= 1.35), -tightness * np.log(ratio) ** 2,
                        -np.inf)
        gap = np.where(ratio > 1.35, -tightness * np.log(ratio / 2) ** 2 - miss, -np.inf)
        cost = np.where(valid, np.maximum(step, gap), -np.inf)
        for r in np.flatnonzero(np.isfinite(cost).any(axis=1)).tolist():
            jj = r0 + r
            cand = score[jj:jj + width] + cost[r]
            k = cand.argmax()
            if cand[k] > 0:
                score[width + jj] += cand[k]
                back[jj] = jj - width + k
    chain = []
    jj = int(np.argmax(score[width:]))
    while jj >= 0:
        chain.append(jj)
        jj = back[jj]
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
    syllables or notes near the expected times, and footfalls with a missed step on both sides.

    >>> t = np.r_[np.arange(12) * 0.35, 3.85 + np.cumsum([0.27, 0.42, 0.3, 0.41, 0.28, 0.4])]
    >>> _locally_regular(t, np.full(len(t), 0.35)).astype(int).tolist()
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    """
    ratio = np.diff(t_s) / period_s[1:]
    dev = np.where(ratio <= 1.35, np.abs(np.log(ratio)), np.nan)
    # the intervals on either side of footfall i are dev[i - 1] and dev[i]
    both = pd.Series(np.r_[np.nan, dev])
    local = both.rolling(2 * half_width + 1, center=True, min_periods=3).median().to_numpy()
    # a footfall with a miss on both sides keeps no rhythm of its own (a syllable the chain
    # hopped to through talk)
    one = ratio <= 1.35
    in_step = np.r_[False, one] | np.r_[one, False]
    return ~(local > LOCAL_IRREGULARITY) & in_step


MIN_JITTER_S = 0.00125  # SD of the step interval of a runner is above this (s); a machine's below


def _machine_timed(t_s: np.ndarray, period_s: np.ndarray, half_width: int = 8) -> np.ndarray:
    """Mask of the footfalls of a chain whose neighbourhood (``half_width`` intervals either
    side) is timed like a machine: the SD of its step intervals is under MIN_JITTER_S. Drum
    machines, quantised music and a metronome keep their beat to a millisecond; a runner's
    step interval varies by several (step-time variability, SD ~1-3 % of the interval even on
    a treadmill: 4 ms on the force-plate run of the test set, 15-30 ms on the sacral one), so
    music at a running tempo (or the metronome of ``softstep listen``) is no running.

    >>> beat = np.arange(20) * 0.353  # a drum machine at 170 bpm, then a runner
    >>> steps = 7.06 + np.cumsum(np.resize([0.34, 0.35, 0.33, 0.355, 0.34, 0.36, 0.335], 20))
    >>> _machine_timed(np.r_[beat, steps], np.full(40, 0.35)).astype(int).tolist()[::4]
    [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    """
    interval = np.diff(t_s)
    one = np.where(interval / period_s[1:] <= 1.35, interval, np.nan)  # a missed step: no step
    # the intervals on either side of footfall i are interval[i - 1] and interval[i]
    both = pd.Series(np.r_[np.nan, one])
    local = both.rolling(2 * half_width + 1, center=True, min_periods=half_width).std()
    return local.to_numpy() < MIN_JITTER_S


def _track_all(t_s: np.ndarray, height: np.ndarray, period_s: np.ndarray,
               rise_ms: np.ndarray | None = None) -> np.ndarray:
    """Chains of ``_track`` until no chain of 4 or more footfalls is left: the best chain, then
    the best in what lies before and after it, and so on (a run with pauses or long dropouts
    is several chains). A chain is kept where it keeps the rhythm (``_locally_regular``,
    ``_regular``) and, given each candidate's ``rise_ms``, its median rise is an impact's
    (at most MAX_RISE_MS). Returns the chosen indices, ascending."""
    todo, chosen = [(0, len(t_s))], []
    while todo:
        a, b = todo.pop()
        if b - a < 4:
            continue
        chain = a + _track(t_s[a:b], height[a:b], period_s[a:b])
        if len(chain) < 4:
            continue
        # the parts of the chain that keep the rhythm locally (a chain can run on into talk,
        # or hop to another runner's steps for a few), if together they keep it
        kept = chain[_locally_regular(t_s[chain], period_s[chain])]
        if (len(kept) >= 4 and _regular(t_s[kept], period_s[kept])
                and (rise_ms is None or np.median(rise_ms[kept]) <= MAX_RISE_MS)):
            chosen.append(kept)
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
    the onset stands above the local noise onsets, times how well it fits the rhythm, how
    fast it rises (an impact) and, down to half, how much quieter it is than the footfalls
    around it; on the validation set 1 % of footfalls over 0.9 are false, 9-16 % under),
    ``loudness_db`` (envelope peak within +-30 ms, dB re the run's median footfall),
    ``loudness_dbfs`` (the same peak, dB re full scale), ``loudness_rms_db`` /
    ``loudness_rms_dbfs`` (the RMS of the envelope over the same +-30 ms, re the run's median
    footfall / re full scale: the footfall's energy, less swayed by one sharp click than the
    peak), ``impact_clipped`` (the sound reached
    full scale within +-30 ms: loudness is then a lower bound). ``side`` stays <NA>.

    ``steps.attrs`` holds ``rhythm`` (the per-window table of ``rhythm()``), ``running_s``
    (seconds of sound with a running rhythm and footfalls in it: ``_running_s``), ``peak_dbfs``
    and ``duration_s``, so a caller can say why nothing was found.
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
    # the onset peaks, their rise times, loudness and heights: once, for rhythm and tracking
    peaks = _candidates(onset, fs)
    rise_ms = _rise_ms(level, peaks, fs)
    loud_db = _loudness_db(level, peaks, fs)
    track_height = _peak_height(onset, level, peaks, fs, rise_ms, loud_db)
    windows = rhythm(onset, fs, level, peaks, track_height)
    spans = _segments(windows)
    attrs["rhythm"] = windows
    t_peak = peaks / fs
    # local step period at each candidate: that of the rhythm window centred nearest to it
    mid = (windows["start_s"] + windows["end_s"]).to_numpy() / 2
    nearest = _nearest(mid, t_peak) if len(mid) else []
    period = windows["step_s"].to_numpy()[nearest] if len(mid) else np.zeros(0)
    chosen = []
    for s, e in spans:
        inside = np.flatnonzero((t_peak >= s) & (t_peak < e))
        chosen.append(inside[_track_all(t_peak[inside], track_height[inside], period[inside],
                                        rise_ms[inside])])
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
    # a weaker onset is kept where the rhythm vouches for it: a step period from the chosen
    # footfall before it and to the one after it (within RHYTHM_VOUCH)
    ratio = np.diff(t_peak[chosen]) / period[chosen][1:]
    on_beat = np.abs(np.log(ratio)) < np.log(1 + RHYTHM_VOUCH)
    vouched = np.r_[False, on_beat] & np.r_[on_beat, False]
    keep = (prominence >= MIN_ONSET_DB) | (vouched & (prominence >= WEAK_ONSET_DB))
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
    # onsets timed like a machine (music, a metronome) are no footfalls; the onset peaks
    # themselves wander between drum sounds, so this looks at the footfall start times
    human = ~_machine_timed(t, period[chosen])
    t, idx, chosen, prominence = t[human], idx[human], chosen[human], prominence[human]
    if len(chosen) < 2:
        empty.attrs.update(attrs)
        return empty
    step_s = np.r_[np.diff(t), np.nan]
    p_local = period[chosen]
    step_s[:-1][np.diff(t) > 1.5 * p_local[:-1]] = np.nan  # a missed footfall, not a step
    # loudness: peak envelope within +-30 ms
    w = int(LOUDNESS_WINDOW_S * fs)
    around = np.clip(idx[:, None] + np.arange(-w, w + 1)[None, :], 0, len(env) - 1)
    peak = env[around].max(axis=1).astype(np.float64)
    dbfs = _db(peak)
    rms_dbfs = _db(np.sqrt(np.mean(np.square(env[around], dtype=np.float64), axis=1)))
    clipped = (samples["clipped"].to_numpy(bool)[around].any(axis=1)
               if "clipped" in samples else np.zeros(len(idx), bool))
    # rhythm fit: the intervals on both sides against the local period
    prev_next = np.c_[np.r_[np.nan, np.diff(t)], np.r_[np.diff(t), np.nan]]
    dev = np.nanmin(np.abs(np.log(prev_next / p_local[:, None])), axis=1)
    fit = np.exp(-0.5 * (np.nan_to_num(dev, nan=0.3) / 0.1) ** 2)
    # how sure: onset prominence x rhythm fit x impact-like rise x as loud as the footfalls
    # around (a quieter train in between is more likely another runner's)
    sharp = _sharpness(_rise_ms(level, idx, fs))
    quieter = np.clip(-loud_db[chosen] / (-2 * LOUD_SPAN_DB[0]), 0, 0.5)
    confidence = (np.clip(prominence / SURE_ONSET_DB, 0, 1) * (0.5 + 0.5 * fit) * sharp
                  * (1 - quieter))
    out = pd.DataFrame({
        "t_s": t + t0,
        "step_s": step_s,
        "cadence_spm": 60.0 / step_s,
        "confidence": np.round(confidence, 3),
        "loudness_dbfs": np.round(dbfs, 2),
        "loudness_db": np.round(dbfs - np.median(dbfs), 2),
        "loudness_rms_dbfs": np.round(rms_dbfs, 2),
        "loudness_rms_db": np.round(rms_dbfs - np.median(rms_dbfs), 2),
        "impact_clipped": clipped,
    })
    steps = conform(out, STEP_COLUMNS)
    attrs["running_s"] = _running_s(spans, t, p_local)
    steps.attrs.update(attrs)
    return steps


def _running_s(spans: list[tuple[float, float]], t_s: np.ndarray, period_s: np.ndarray
               ) -> float:
    """Seconds of running: in each span with a running rhythm, from its first footfall to one
    step period after its last (a weak rhythm window over talk next to the run is no running).

    >>> _running_s([(0.0, 20.0), (30.0, 40.0)], np.array([5.0, 5.3, 5.6, 9.0]), np.full(4, 0.3))
    4.3
    """
    total = 0.0
    for start, end in spans:  # one per stretch of running: a handful
        inside = (t_s >= start) & (t_s < end)
        if inside.any():
            total += float(t_s[inside].max() - t_s[inside].min() + np.median(period_s[inside]))
    return round(total, 2)


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
                     f"footfalls at {CADENCE_SPM[0]:.0f}-{CADENCE_SPM[1]:.0f} steps/min; is the "
                     "microphone near the feet?)"]
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
