"""Quiet-running cues: when to tell a runner that the footfalls stay too loud (pure, no audio).

Loudness is compared with the runner's own baseline (SCIENCE.md §7: no absolute dB threshold
exists, only within-runner reductions at the same microphone position, surface and speed):

* **baseline** - the runner's earlier audio runs in the store at matched cadence (their median
  footfall dBFS, ``metrics_audio.loudness_baseline``, as ``softstep analyze`` uses), set by the
  session once the live cadence is known; else the median of the footfalls in the first
  BASELINE_S of this session;
* **target** - baseline minus TARGET_REDUCTION_DB (SCIENCE.md metric spec 5: target a >= 3 dB,
  about 30 %, reduction);
* **smoothed loudness** - the mean dBFS of the last SMOOTH_STEPS footfalls (metric spec:
  "computed per step and smoothed over 5 steps"; Van den Berghe 2021 used a 5-step average);
* **cue** - when the smoothed loudness stays above the target for CUE_STEPS footfalls in a row;
  the count then starts again, so a runner who stays loud hears a cue every CUE_STEPS steps.

Fading (SCIENCE.md §2 and metric spec 14, the Davis-lab protocol that coach.plan prescribes):
sessions 1-4 continuous cues; sessions 5-8 faded - cues only in the first and last
FADED_WINDOW_MIN minutes of the session's planned length (coach.plan.QUIET_MINUTES), the
"listen only in the first and last 5 minutes" of the plan; a retention check has no cues.

>>> coach = QuietCues(CueSchedule.for_session(1), baseline_dbfs=-30.0)
>>> [i for i in range(12) if coach.update(i * 0.35, -25.0).cue]  # loud from the 5th step on
[7, 11]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from softstep.coach.plan import QUIET_MINUTES
from softstep.metrics_audio import QUIET_TARGET_DB as TARGET_REDUCTION_DB  # metric spec 5: 3 dB
from softstep.metrics_audio import SMOOTH_STEPS  # metric spec: smoothed over 5 steps

CUE_STEPS = 4  # smoothed loudness above the target this many footfalls in a row -> a cue
BASELINE_S = 30.0  # without a stored baseline, the first 30 s of the session set it
MIN_BASELINE_STEPS = 20  # ... from at least this many footfalls
CONTINUOUS_SESSIONS = 4  # SCIENCE.md §2: continuous feedback in sessions 1-4, then faded
N_SESSIONS = 8  # SCIENCE.md §2: 8 sessions over 2 weeks
FADED_WINDOW_MIN = 5.0  # faded sessions: cues in the first and last 5 minutes (coach.plan)


@dataclass(frozen=True)
class CueSchedule:
    """When cues may sound: ``mode`` "continuous", "faded" or "none" (retention check);
    ``windows_s``: for "faded", the (start_s, end_s) spans of the session with cues."""

    mode: str
    session: int | None
    windows_s: tuple[tuple[float, float], ...] = ()

    @classmethod
    def for_session(cls, session: int, retention: bool = False) -> CueSchedule:
        """The schedule of quiet-running session ``session`` (1-8) of the plan, or of a
        retention check.

        >>> CueSchedule.for_session(6).windows_s
        ((0.0, 300.0), (1200.0, 1500.0))
        >>> CueSchedule.for_session(2).mode, CueSchedule.for_session(2, retention=True).mode
        ('continuous', 'none')
        """
        if retention:
            return cls("none", None)
        if not 1 <= session <= N_SESSIONS:
            raise ValueError(f"session must be 1 to {N_SESSIONS}, got {session}")
        if session <= CONTINUOUS_SESSIONS:
            return cls("continuous", session)
        length_s = 60.0 * QUIET_MINUTES[session - 1]
        window_s = 60.0 * FADED_WINDOW_MIN
        return cls("faded", session, ((0.0, window_s), (length_s - window_s, length_s)))

    def allows(self, t_s: float) -> bool:
        """True when a cue may sound at session time ``t_s`` (s)."""
        if self.mode == "continuous":
            return True
        if self.mode == "none":
            return False
        return any(a <= t_s < b for a, b in self.windows_s)

    def describe(self) -> str:
        """One line for the screen."""
        if self.mode == "none":
            return ("retention check: no cues. Before you start, tell yourself: 'run like the "
                    "end of the program'")
        if self.mode == "continuous":
            return (f"session {self.session} of {N_SESSIONS}: a cue whenever your footfalls "
                    "stay loud")
        (_, a), (b, c) = self.windows_s
        return (f"session {self.session} of {N_SESSIONS} (faded): cues only in the first "
                f"{a / 60:g} min and from {b / 60:g} to {c / 60:g} min")


@dataclass(frozen=True)
class StepFeedback:
    """What one footfall did to the coach.

    smoothed_dbfs : mean loudness of the last SMOOTH_STEPS footfalls, dBFS
    target_dbfs : the target (None while the baseline is being measured)
    over_db : smoothed minus target, dB (None without a target)
    loud_steps : footfalls in a row with the smoothed loudness above the target
    cue : True when this footfall calls for a cue (and the schedule allows one now)
    """

    smoothed_dbfs: float
    target_dbfs: float | None
    over_db: float | None
    loud_steps: int
    cue: bool


class QuietCues:
    """Feed each footfall's (t_s, loudness_dbfs) in order; ``update`` says whether to cue.

    ``baseline_dbfs`` None: the footfalls of the first BASELINE_S (at least
    MIN_BASELINE_STEPS of them) set it, ``baseline_source`` then reads "session".
    """

    def __init__(self, schedule: CueSchedule, baseline_dbfs: float | None = None, *,
                 smooth_steps: int = SMOOTH_STEPS, cue_steps: int = CUE_STEPS,
                 reduction_db: float = TARGET_REDUCTION_DB, baseline_s: float = BASELINE_S):
        self.schedule = schedule
        self.baseline_dbfs = baseline_dbfs
        self.baseline_source = "store" if baseline_dbfs is not None else None
        self.smooth_steps, self.cue_steps = smooth_steps, cue_steps
        self.reduction_db, self.baseline_s = reduction_db, baseline_s
        self._recent: list[float] = []
        self._first: list[float] = []  # loudness of the footfalls in the baseline period
        self._t0: float | None = None
        self.loud_steps = 0
        self.cues = 0

    @property
    def target_dbfs(self) -> float | None:
        return None if self.baseline_dbfs is None else self.baseline_dbfs - self.reduction_db

    def set_baseline(self, baseline_dbfs: float, source: str) -> None:
        """Use ``baseline_dbfs`` (from ``source``: "store" or "session") from now on."""
        self.baseline_dbfs, self.baseline_source = float(baseline_dbfs), source

    def update(self, t_s: float, loudness_dbfs: float, can_cue: bool = True) -> StepFeedback:
        """One footfall at stream time ``t_s`` (s) of ``loudness_dbfs``; ``can_cue`` False
        for a footfall found too late to cue (it still counts in the smoothing)."""
        if self._t0 is None:
            self._t0 = t_s
        self._recent = [*self._recent[-(self.smooth_steps - 1):], float(loudness_dbfs)]
        smoothed = float(np.mean(self._recent))
        if self.baseline_dbfs is None:
            self._first.append(float(loudness_dbfs))
            if (t_s - self._t0 >= self.baseline_s and len(self._first) >= MIN_BASELINE_STEPS):
                self.set_baseline(float(np.median(self._first)), "session")
        target = self.target_dbfs
        if target is None or len(self._recent) < self.smooth_steps:
            self.loud_steps = 0
            return StepFeedback(smoothed, target, None, 0, False)
        over = smoothed - target
        self.loud_steps = self.loud_steps + 1 if over > 0 else 0
        cue = self.loud_steps >= self.cue_steps
        if cue:
            self.loud_steps = 0  # the next cue needs CUE_STEPS more loud footfalls
            cue = can_cue and self.schedule.allows(t_s)
            self.cues += int(cue)
        return StepFeedback(smoothed, target, over, self.loud_steps, cue)


