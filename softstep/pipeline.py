"""The one pipeline every source goes through (DESIGN.md).

``read -> Recording -> detect -> Steps -> summarize -> Summary -> diagnose -> Findings -> plan -> Plan``

Reading and storing are I/O at the edges; everything between is pure.

>>> from softstep import Runner, sample_path
>>> result = analyze_file(sample_path(), Runner())
>>> round(result.runs[0].summary.cadence_spm)              # doctest: +SKIP
166
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from softstep import metrics
from softstep.coach import build_plan, diagnose
from softstep.model import (
    FileAnalysis,
    Recording,
    RunAnalysis,
    Runner,
    empty_steps,
    table_to_records,
    to_jsonable,
)
from softstep.readers import read

Detector = Callable[[Recording], pd.DataFrame]


def _no_contacts(recording: Recording) -> pd.DataFrame:
    """Watch files carry per-second averages, not foot contacts: their Steps table is empty."""
    return empty_steps()


# The step table: which detector turns a source's Recording into Steps (one row per contact).
# Later sources (imu, audio, video) add their detector here and nothing else changes.
DETECTORS: dict[str, Detector] = {
    "fit": _no_contacts,
    "tcx": _no_contacts,
    "gpx": _no_contacts,
}


def detect_steps(recording: Recording) -> pd.DataFrame:
    """Foot contacts of ``recording`` as a Steps table (STEP_COLUMNS)."""
    try:
        detector = DETECTORS[recording.source]
    except KeyError:
        raise ValueError(f"no step detector for source {recording.source!r}") from None
    return detector(recording)


def analyze_recording(recording: Recording, runner: Runner) -> RunAnalysis:
    """Steps, summary, per-km segments, ranked findings and plan for one run."""
    steps = detect_steps(recording)
    summary = metrics.summarize(recording.records, steps, runner)
    segments = metrics.per_km(recording.records, steps)
    findings = diagnose(
        summary, recording.records, steps, segments, runner, placement=recording.placement
    )
    plan = build_plan(findings, summary)
    return RunAnalysis(recording, steps, summary, segments, findings, plan)


def analyze_file(path: str | Path, runner: Runner) -> FileAnalysis:
    """Read ``path`` and analyse each running session in it.

    Raises softstep.errors.UnreadableFileError / NoRunningError with a one-line message.
    """
    result = read(path)
    runs = [analyze_recording(rec, runner) for rec in result.recordings]
    return FileAnalysis(str(path), runs, skipped=result.skipped, warnings=result.warnings)


# --------------------------------------------------------------------------------------------
def run_to_json(run: RunAnalysis, *, include_records: bool = False) -> dict[str, Any]:
    """One run in the documented JSON shape (README, "JSON output")."""
    rec = run.recording
    out: dict[str, Any] = {
        "id": run.run_id,
        "sport": rec.sport,
        "source": rec.source,
        "device": rec.device,
        "start": to_jsonable(rec.start),
        "session_index": rec.session_index,
        "summary": run.summary.to_dict(),
        "segments": table_to_records(run.segments),
        "findings": [
            to_jsonable(
                {
                    "code": f.code,
                    "title": f.title,
                    "detail": f.detail,
                    "confidence": round(f.confidence, 3),
                    "severity": round(f.severity, 3),
                    "evidence": [vars(e) for e in f.evidence],
                    "confirm_with": f.confirm_with,
                    "reference": f.reference,
                }
            )
            for f in run.findings
        ],
        "plan": run.plan.to_dict(),
        "steps": table_to_records(run.steps),
        "warnings": list(rec.warnings),
    }
    if include_records:
        out["records"] = table_to_records(rec.records)
    return out


def to_json(analysis: FileAnalysis, *, include_records: bool = False) -> dict[str, Any]:
    """The ``softstep analyze --json`` object for one file."""
    return {
        "file": analysis.path,
        "warnings": list(analysis.warnings),
        "skipped": list(analysis.skipped),
        "runs": [run_to_json(r, include_records=include_records) for r in analysis.runs],
    }
