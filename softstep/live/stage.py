"""Live footfall stage: raw sound blocks in, each newly confirmed footfall out, once.

The live path is the file path fed block by block (issue 4): every block goes through the same
``steps.audio.AudioEnvelope`` as ``readers.audio`` and the same ``steps.audio.detect_footfalls``
runs on the last HISTORY_S of envelope (the columns the reader produces: ``t_s``, ``envelope``,
``clipped``, ``band_*``). The history is bounded, so an hour-long session costs what its first
minute did.

``detect_footfalls`` costs 15-40 ms of CPU per call whatever the tail's length (its fixed
overhead dominates), too much to run on every 10-ms block. So the stage runs it only when it
can find something new: when the onset strength of the newest envelope
(``steps.audio.onset_strength``, the detector's own measure) has a peak that the detector has
not yet seen, with CONFIRM_S of sound after it, at least MIN_ONSET_DB and half the usual
footfall's onset high, no sooner than EARLIEST_STEP steps after the last footfall; plus once
every FALLBACK_S whatever happens. That is about one call per footfall. The stage itself finds
a footfall about 12 ms (median) after its sound starts; the detector's call comes on top, so
the delay from the sound to the emitted footfall is that call's wall time plus 15-25 ms.

The detector needs MIN_RUN_S (6 s) of sound to find a running rhythm; the footfalls of the
first seconds come out together when it first does (``late=True``).

>>> import numpy as np
>>> stage = LiveFootfalls(16000)
>>> stage.push(np.zeros(1600, np.float32)), stage.t_s
([], 0.1)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal

from softstep.steps.audio import (
    CADENCE_SPM,
    ENVELOPE_HZ,
    MIN_ONSET_DB,
    MIN_RUN_S,
    AudioEnvelope,
    detect_footfalls,
    onset_strength,
)

HISTORY_S = 7.0  # envelope kept for detection, s (detect_footfalls needs MIN_RUN_S = 6 s)
CONFIRM_S = 0.003  # sound needed after an onset peak before it is looked at, s
MIN_DETECT_GAP_S = 0.03  # at most one detection per this much sound, s
FALLBACK_S = 1.0  # a detection at least this often, s of sound
MIN_GAP_S = 0.15  # a footfall this close after the last one emitted is that one again, s
TRIGGER_FRACTION = 0.5  # an onset under this share of the usual footfall's height: no trigger
EARLIEST_STEP = 0.74  # an onset sooner than this many steps after the last footfall: no trigger
LATE_S = 0.5  # a footfall first found this long after its time is "late" (no live cue), s
ONSET_LOOK_S = 0.12  # newest envelope scanned for onset peaks (at least), s
ONSET_EDGE_S = 0.05  # ... less its first 50 ms (the smoothing's edge), s


@dataclass(frozen=True)
class LiveFootfall:
    """One footfall as the live stage emits it.

    t_s : footfall time on the stream clock (s from the first sample pushed)
    loudness_dbfs : envelope peak within +-30 ms, dB re full scale (as ``detect_footfalls``)
    confidence : 0-1, as ``detect_footfalls``
    found_at_s : stream time when it was emitted, s (found_at_s - t_s: the stage's own delay)
    late : found more than LATE_S after it happened (the first seconds, before a rhythm)
    clipped : the sound reached full scale near it (loudness is a lower bound)
    """

    t_s: float
    loudness_dbfs: float
    confidence: float
    found_at_s: float
    late: bool = False
    clipped: bool = False


class EnvelopeHistory:
    """The last ``keep_s`` of an envelope table (envelope, clipped, one column per band) in
    arrays of twice that size: appending is a copy into place, and once full the newest half
    moves to the front, so memory and cost stay flat however long the session.

    >>> h = EnvelopeHistory(2, keep_s=0.004)
    >>> for _ in range(5): h.add(np.ones(3, np.float32), np.zeros(3, bool), np.ones((3, 2)))
    >>> h.n_total, len(h.table()), h.table()["t_s"].tolist()
    (15, 4, [0.011, 0.012, 0.013, 0.014])
    """

    def __init__(self, n_bands: int, keep_s: float = HISTORY_S,
                 band_names: list[str] | None = None):
        self.keep = max(int(round(keep_s * ENVELOPE_HZ)), 1)
        size = 2 * self.keep + 1000
        self.env = np.zeros(size, np.float32)
        self.clipped = np.zeros(size, bool)
        self.bands = np.zeros((size, n_bands), np.float32)
        self.band_names = band_names or [f"band_{i}" for i in range(n_bands)]
        self.n = 0  # bins held
        self.n_total = 0  # bins ever added (the stream clock, in bins)

    def add(self, env: np.ndarray, clipped: np.ndarray, bands: np.ndarray) -> None:
        m = len(env)
        if m > self.keep:
            env, clipped, bands = env[-self.keep:], clipped[-self.keep:], bands[-self.keep:]
            self.n_total += m - self.keep
            m = self.keep
        if self.n + m > len(self.env):
            start = self.n - self.keep + m  # keep the newest (keep - m) bins
            for a in (self.env, self.clipped, self.bands):
                a[:self.n - start] = a[start:self.n]
            self.n -= start
        self.env[self.n:self.n + m] = env
        self.clipped[self.n:self.n + m] = clipped
        self.bands[self.n:self.n + m] = bands
        self.n += m
        self.n_total += m

    def table(self) -> pd.DataFrame:
        """The last ``keep_s`` as an envelope table (t_s on the stream clock), as the reader's."""
        k = min(self.n, self.keep)
        first = self.n_total - k
        cols = {"t_s": (first + np.arange(k)) / ENVELOPE_HZ,
                "envelope": self.env[self.n - k:self.n],
                "clipped": self.clipped[self.n - k:self.n]}
        cols.update({name: self.bands[self.n - k:self.n, i]
                     for i, name in enumerate(self.band_names)})
        return pd.DataFrame(cols, copy=False)

    def recent_bands(self, seconds: float) -> np.ndarray:
        """The band envelopes of the newest ``seconds`` (bins x bands)."""
        k = min(self.n, int(round(seconds * ENVELOPE_HZ)))
        return self.bands[self.n - k:self.n]


class LiveFootfalls:
    """The live footfall stage. ``push(block)`` takes float mono sound (full scale -1..1) at
    ``sample_rate_hz`` and returns the footfalls confirmed by it (``LiveFootfall``, each once,
    in time order).

    ``on_envelope(env, clipped, bands)``, when given, receives every envelope block (the session
    keeps the whole envelope to save the run). ``detect_calls`` / ``detect_s`` count the
    detector's calls and the (wall-clock) seconds spent in them; ``cpu_s`` is the CPU time
    of all of ``push`` (this thread's).
    """

    def __init__(self, sample_rate_hz: float, *, history_s: float = HISTORY_S,
                 on_envelope=None):
        self.envelope = AudioEnvelope(sample_rate_hz)
        self.history = EnvelopeHistory(len(self.envelope.band_names), history_s,
                                       self.envelope.band_names)
        self.on_envelope = on_envelope
        self.last_emitted_s = -np.inf
        self._recent_t: list[float] = []  # the last 9 footfall times emitted, s
        self._recent_onset_db: list[float] = []  # their onset heights (those measured), dB
        self._seen_peak = -1  # envelope bin of the newest onset peak the detector has seen
        self._last_detect = -np.inf  # envelope bin at the last detection
        self._pending = False
        self.detect_calls = 0
        self.detect_s = 0.0
        self.cpu_s = 0.0

    @property
    def t_s(self) -> float:
        """Stream time: seconds of envelope produced so far."""
        return self.history.n_total / ENVELOPE_HZ

    def push(self, block: np.ndarray) -> list[LiveFootfall]:
        start = time.thread_time()
        env = self.envelope.push(block)
        found: list[LiveFootfall] = []
        if len(env):
            self.history.add(env, self.envelope.clipped, self.envelope.bands)
            if self.on_envelope is not None:
                self.on_envelope(env, self.envelope.clipped, self.envelope.bands)
            if self._new_onset(len(env)) >= 0:
                self._pending = True
            now = self.history.n_total
            due = now - self._last_detect >= FALLBACK_S * ENVELOPE_HZ
            if ((self._pending and now - self._last_detect >= MIN_DETECT_GAP_S * ENVELOPE_HZ)
                    or due) and self.history.n >= MIN_RUN_S * ENVELOPE_HZ:
                found = self._detect()
        self.cpu_s += time.thread_time() - start
        return found

    def _new_onset(self, n_new: int) -> int:
        """The envelope bin of the newest onset peak of ``_trigger_db`` or more, with
        CONFIRM_S of sound after it, that no detection has seen yet; -1 when there is none."""
        # the blocks just added (a late batch can be long), the 30-ms floor before them and
        # the smoothing's edge
        look_s = max(ONSET_LOOK_S, n_new / ENVELOPE_HZ + 2 * ONSET_EDGE_S)
        if min(self.history.n, look_s * ENVELOPE_HZ) < 2 * ONSET_EDGE_S * ENVELOPE_HZ:
            return -1
        first, onset = self._recent_onset(look_s)
        peaks, _ = signal.find_peaks(onset, height=self._trigger_db(),
                                     distance=int(0.06 * ENVELOPE_HZ))
        peaks = peaks[peaks >= ONSET_EDGE_S * ENVELOPE_HZ] + first
        ripe = peaks[(peaks <= self.history.n_total - CONFIRM_S * ENVELOPE_HZ)
                     & (peaks > self._seen_peak)]
        # in rhythm: no footfall comes sooner than ~0.75 step after the last (steps.audio
        # _track's shortest step), so the toe-off scuff and a footfall's own later rises
        # between two steps trigger nothing
        step_s = self.step_s()
        if step_s is not None:
            ripe = ripe[ripe / ENVELOPE_HZ > self.last_emitted_s + EARLIEST_STEP * step_s]
        return int(ripe[-1]) if len(ripe) else -1

    def _trigger_db(self) -> float:
        """Onset height that triggers a detection, dB: MIN_ONSET_DB, or half the median onset
        height of the last 8 footfalls emitted when that is more (a footfall stands
        MIN_ONSET_DB above the noise's onsets, so one at half the usual height is rare)."""
        if len(self._recent_onset_db) < 3:
            return MIN_ONSET_DB
        return max(MIN_ONSET_DB, TRIGGER_FRACTION * float(np.median(self._recent_onset_db)))

    def _recent_onset(self, seconds: float = ONSET_LOOK_S) -> tuple[int, np.ndarray]:
        """(first envelope bin, onset strength) of the newest ``seconds`` of envelope."""
        bands = self.history.recent_bands(seconds)
        return self.history.n_total - len(bands), onset_strength(bands, ENVELOPE_HZ)

    @staticmethod
    def _onset_near(onset: tuple[int, np.ndarray], t_s: float) -> float:
        """Highest onset strength from 5 ms before to 40 ms after ``t_s`` in ``onset``
        (``_recent_onset``), dB; NaN when that lies outside it."""
        first, strength = onset
        lo, hi = int(t_s * ENVELOPE_HZ) - 5 - first, int(t_s * ENVELOPE_HZ) + 40 - first
        if lo < ONSET_EDGE_S * ENVELOPE_HZ or hi <= lo:
            return float("nan")
        return float(strength[lo:hi].max())

    def step_s(self) -> float | None:
        """The median of the last 8 step intervals emitted (those in the cadence prior), s;
        None before there are 3."""
        t = np.asarray(self._recent_t)
        d = np.diff(t)
        d = d[(d >= 60.0 / CADENCE_SPM[1]) & (d <= 60.0 / CADENCE_SPM[0])]
        return float(np.median(d)) if len(d) >= 3 else None

    def _detect(self) -> list[LiveFootfall]:
        t0 = time.perf_counter()
        steps = detect_footfalls(self.history.table(), ENVELOPE_HZ)
        self.detect_s += time.perf_counter() - t0
        self.detect_calls += 1
        now = self.history.n_total
        self._last_detect = now
        self._pending = False
        now_s = now / ENVELOPE_HZ
        out = []
        t_s = steps["t_s"].to_numpy(float)
        dbfs = steps["loudness_dbfs"].to_numpy(float)
        confidence = steps["confidence"].to_numpy(float)
        clipped = steps["impact_clipped"].fillna(False).to_numpy(bool)
        onset = None
        for i in np.flatnonzero(t_s > self.last_emitted_s + MIN_GAP_S):  # usually the newest
            if t_s[i] <= self.last_emitted_s + MIN_GAP_S:
                continue
            out.append(LiveFootfall(
                t_s=round(float(t_s[i]), 4), loudness_dbfs=float(dbfs[i]),
                confidence=float(confidence[i]), found_at_s=now_s,
                late=now_s - float(t_s[i]) > LATE_S, clipped=bool(clipped[i])))
            self.last_emitted_s = float(t_s[i])
            self._recent_t = [*self._recent_t[-8:], self.last_emitted_s]
            onset = self._recent_onset() if onset is None else onset
            height = self._onset_near(onset, self.last_emitted_s)
            if np.isfinite(height):
                self._recent_onset_db = [*self._recent_onset_db[-7:], height]
        self._seen_peak = max(self._seen_peak, now - int(CONFIRM_S * ENVELOPE_HZ))
        return out
