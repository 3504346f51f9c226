"""A ``softstep listen`` session: sound blocks -> live footfalls -> cues and screen -> saved run.

``LiveSession.process(block)`` is everything done per block: the live stage
(``live.stage.LiveFootfalls``), the quiet-running coach (``live.cues.QuietCues``) and the whole
envelope kept (as ``readers.audio`` keeps it for a file), so that at the end
``recording()`` is the Recording ``readers.audio.read_audio`` would have made from the same
sound, and ``save()`` analyses and stores it through ``pipeline.analyze_recording`` and the
store exactly as ``softstep analyze`` does.

>>> from softstep.live.cues import CueSchedule, QuietCues
>>> s = LiveSession(16000, QuietCues(CueSchedule.for_session(1)))
>>> s.process(np.zeros(16000, np.float32)), round(s.t_s, 3)
([], 1.0)
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from softstep.live.cues import QuietCues, StepFeedback
from softstep.live.stage import LiveFootfall, LiveFootfalls
from softstep.model import FileAnalysis, Recording, Runner, empty_records
from softstep.readers.audio import CLIPPED_WARN_FRACTION, _EnvelopeTable
from softstep.steps.audio import CLIP_LEVEL, ENVELOPE_HZ


@dataclass(frozen=True)
class LiveStep:
    """One footfall as the session shows it: the stage's footfall, the coach's verdict, and
    the wall-clock time (``time.perf_counter``) it was emitted."""

    footfall: LiveFootfall
    feedback: StepFeedback
    emitted_wall_s: float


class LiveSession:
    """Per-block work of a live session, and what is kept for saving it.

    ``loudness_history``: the runner's stored audio runs (``Store.audio_history``); once the
    live cadence is known the coach's baseline is taken from those at matched cadence
    (``metrics_audio.loudness_baseline``), else the session's first 30 s set it.
    """

    def __init__(self, sample_rate_hz: float, coach: QuietCues, *,
                 loudness_history: list | None = None):
        self.sample_rate_hz = float(sample_rate_hz)
        self.coach = coach
        self.stage = LiveFootfalls(sample_rate_hz, on_envelope=self._keep)
        self.table = _EnvelopeTable(len(self.stage.envelope.band_names), 60_000)
        self.history = loudness_history or []
        self.stored_baseline = None  # metrics_audio.LoudnessBaseline once matched
        self.steps: list[LiveStep] = []
        self.n_samples = self.n_clipped = 0
        self.peak = 0.0
        self.started_utc = datetime.now(timezone.utc)

    @property
    def t_s(self) -> float:
        """Seconds of sound processed."""
        return self.stage.t_s

    def _keep(self, env: np.ndarray, clipped: np.ndarray, bands: np.ndarray) -> None:
        self.table.add(env, clipped, bands)

    def process(self, block: np.ndarray) -> list[LiveStep]:
        """One block of float mono sound; returns the footfalls it confirmed, with feedback."""
        x = np.asarray(block, np.float32).ravel()
        if not x.size:
            return []
        a = np.abs(x)
        self.n_samples += a.size
        self.n_clipped += int(np.count_nonzero(a >= CLIP_LEVEL))
        self.peak = max(self.peak, float(a.max()))
        out = []
        for f in self.stage.push(x):
            self._match_baseline()
            feedback = self.coach.update(f.t_s, f.loudness_dbfs, can_cue=not f.late)
            out.append(LiveStep(f, feedback, time.perf_counter()))
        self.steps.extend(out)
        return out

    def _match_baseline(self) -> None:
        """Once the cadence is known: the stored baseline at matched cadence, if any."""
        if self.stored_baseline is not None or self.coach.baseline_source == "session":
            return
        cadence = self.cadence_spm()
        if cadence is None or not self.history:
            return
        from softstep.metrics_audio import loudness_baseline

        base = loudness_baseline(self.history, cadence)
        if base is not None:
            self.stored_baseline = base
            self.coach.set_baseline(base.loudness_dbfs, "store")

    def cadence_spm(self) -> float | None:
        """Cadence of the last footfalls (median of the last 8 steps), steps/min."""
        step_s = self.stage.step_s()
        return 60.0 / step_s if step_s else None

    def recording(self, label: str, info: dict | None = None) -> Recording:
        """The session's sound as ``readers.audio.read_audio`` would read it from a file:
        source "audio", ``samples`` with ``t_s``, ``envelope``, ``clipped`` and the band
        envelopes at ENVELOPE_HZ, the same ``info`` keys, plus ``info["live"]``."""
        env, clipped, bands = self.table.columns()
        samples = pd.DataFrame({"t_s": np.arange(len(env)) / ENVELOPE_HZ, "envelope": env,
                                "clipped": clipped,
                                **dict(zip(self.stage.envelope.band_names, bands))}, copy=False)
        n = max(self.n_samples, 1)
        clipped_fraction = self.n_clipped / n
        warnings = []
        if clipped_fraction > CLIPPED_WARN_FRACTION:
            warnings.append(f"{label}: {100 * clipped_fraction:.1f} % of the sound is clipped "
                            "(the microphone saturated); loud footfalls read quieter than they "
                            "were — move the microphone further from the feet or lower its gain")
        rec_info = {
            "codec": "live", "container": None, "sample_rate_hz": self.sample_rate_hz,
            "channels": 1, "duration_s": round(self.n_samples / self.sample_rate_hz, 3),
            "peak_dbfs": round(float(20 * np.log10(self.peak)), 1) if self.peak > 0 else None,
            "clipped_fraction": round(clipped_fraction, 6),
            "live": {**(info or {}), **self.summary()},
        }
        return Recording(source="audio", sport="running", records=empty_records(0),
                         start=self.started_utc, device="microphone (softstep listen)",
                         path=label, samples=samples, sample_rate_hz=ENVELOPE_HZ,
                         warnings=warnings, info=rec_info)

    def summary(self) -> dict:
        """What the session did live: footfalls shown, cues, baseline and target, delays."""
        live = [s for s in self.steps if not s.footfall.late]
        delays = [s.footfall.found_at_s - s.footfall.t_s for s in live]
        return {
            "footfalls_live": len(live),
            "footfalls_late": len(self.steps) - len(live),
            "cues": self.coach.cues,
            "cue_schedule": self.coach.schedule.mode,
            "session": self.coach.schedule.session,
            "baseline_dbfs": (round(self.coach.baseline_dbfs, 2)
                              if self.coach.baseline_dbfs is not None else None),
            "baseline_source": self.coach.baseline_source,
            "stage_delay_median_ms": round(1000 * float(np.median(delays)), 1) if delays else None,
            "cpu_s_per_s": (round(self.stage.cpu_s / self.t_s, 4) if self.t_s else None),
        }

    def save(self, runner: Runner, label: str, *, store=None, runner_name: str = "me",
             info: dict | None = None, file_name: str | None = None) -> FileAnalysis:
        """Analyse the session as a run (``pipeline.analyze_recording``, as ``softstep
        analyze``) and store it when ``store`` is given (its file name ``file_name``, default
        ``label``). Raises NoRunningError (naming ``label``) when the sound held no running."""
        from softstep.pipeline import analyze_recording

        rec = self.recording(label, info)
        run = analyze_recording(rec, runner, loudness_history=self.history)
        analysis = FileAnalysis(label, [run], warnings=list(rec.warnings))
        if store is not None:
            result = store.import_analysis(analysis, runner=runner_name,
                                           file_name=file_name or label)
            for r, run_id in zip(analysis.runs, result.run_ids, strict=True):
                r.run_id = run_id
        return analysis


MAX_BATCH = 20  # blocks joined into one push at most (0.2 s of 10-ms blocks)


def _drain(blocks: queue.Queue, n: int) -> list:
    """Up to ``n`` items already waiting in ``blocks`` (stops after a ``None``)."""
    out: list = []
    while len(out) < n:
        try:
            item = blocks.get_nowait()
        except queue.Empty:
            break
        out.append(item)
        if item is None:
            break
    return out


def run_blocks(session: LiveSession, blocks: queue.Queue, *, on_steps=None, on_tick=None,
               stop_after_s: float | None = None, tick_s: float = 0.25) -> str:
    """Process blocks from ``blocks`` until ``None`` (the source ended), ``stop_after_s`` of
    sound, or Ctrl-C. ``on_steps(steps)`` gets each block's footfalls (cue sounds, screen);
    ``on_tick()`` runs about every ``tick_s`` (screen refresh). Returns why it stopped: "end",
    "time" or "interrupted"."""
    last_tick = time.perf_counter()
    try:
        while True:
            try:
                block = blocks.get(timeout=tick_s)
            except queue.Empty:
                block = np.zeros(0, np.float32)
            ended = block is None
            # blocks that queued up while the last one was processed (a busy machine) go
            # through in one push: the stage catches up instead of falling further behind
            more = [] if ended else _drain(blocks, MAX_BATCH)
            if more and more[-1] is None:
                ended, more = True, more[:-1]
            if more:
                block = np.concatenate([block, *more])
            if block is None:
                return "end"
            steps = session.process(block)
            if ended:
                if steps and on_steps is not None:
                    on_steps(steps)
                return "end"
            if steps and on_steps is not None:
                on_steps(steps)
            if on_tick is not None and time.perf_counter() - last_tick >= tick_s:
                on_tick()
                last_tick = time.perf_counter()
            if stop_after_s is not None and session.t_s >= stop_after_s:
                return "time"
    except KeyboardInterrupt:
        return "interrupted"
