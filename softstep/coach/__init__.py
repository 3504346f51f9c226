"""Coaching: probable causes of hard landing (``diagnose``), a retraining plan (``build_plan``)
and a metronome click track (``coach.metronome``).

>>> from softstep.coach import build_plan, diagnose
"""

from __future__ import annotations

from softstep.coach.diagnose import diagnose, expected_cadence_spm
from softstep.coach.plan import build_plan

__all__ = ["build_plan", "diagnose", "expected_cadence_spm"]
