"""The one pipeline every source goes through (DESIGN.md).

``read -> Recording -> detect -> Steps -> summarize -> Summary -> diagnose -> Findings -> plan -> Plan``

Reading and storing are I/O at the edges; everything between is pure.

>>> from softstep import Runner, sample_path
>>> result = analyze_file(sample_path(), Runner())
>>> round(result.runs[0].summary.cadence_spm)
166
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from softstep import metrics
from softstep.coach import build_plan, diagnose
from softstep.errors import NoRunningError
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
from softstep.report.format import ACTIVITY_WORDS, activity_line, duration

Detector = Callable[[Recording], pd.DataFrame]


def _no_contacts(recording: Recording) -> pd.DataFrame:
    """Watch files carry per-second averages, not foot contacts: their Steps table is empty."""
    return empty_steps()


def _imu_contacts(recording: Recording) -> pd.DataFrame:
    """Body-worn inertial sensor: the detector of its placement (steps/imu_*.py). A file too
    large for memory (``info["chunked"]``) is streamed through it chunk by chunk."""
    from softstep.readers.imu import clipped_mask

    if "chunked" in recording.info:
        from softstep.readers.imu_stream import detect_chunked

        return detect_chunked(recording, _imu_contacts)
    samples, fs = recording.samples, recording.sample_rate_hz
    clipped = clipped_mask(samples)
    placement = recording.placement or "sacrum"
    if placement in TRUNK_PLACEMENTS:
        from softstep.steps.imu_trunk import detect_trunk

        return detect_trunk(samples, fs, placement=placement, clipped=clipped)
    if placement == "wrist":
        from softstep.steps.imu_trunk import detect_wrist

        return detect_wrist(samples, fs)
    from softstep.steps import imu_limb

    detect = imu_limb.detect_foot if placement == "foot" else imu_limb.detect_shank
    return detect(samples, fs, clipped=clipped, side=recording.info.get("side"))


def _force_contacts(recording: Recording) -> pd.DataFrame:
    """Force plate or instrumented treadmill: threshold contacts and impact metrics."""
    from softstep.steps.force import detect_force_contacts

    samples = recording.samples

    def column(name: str) -> np.ndarray | None:
        return samples[name].to_numpy(float) if name in samples else None

    return detect_force_contacts(
        samples["fz_n"].to_numpy(float),
        recording.sample_rate_hz,
        recording.info["body_weight_n"],
        fz_left_n=column("fz_left_n"),
        fz_right_n=column("fz_right_n"),
        cop_ml_m=column("cop_ml_m"),
    )


def _audio_footfalls(recording: Recording) -> pd.DataFrame:
    """Sound of running (readers.audio envelope): rhythm-guided footfall detection."""
    from softstep.steps.audio import detect_recording

    return detect_recording(recording)


def _video_contacts(recording: Recording) -> pd.DataFrame:
    """Side-view video keypoints (readers.pose): contacts and landing geometry (steps.video)."""
    from softstep.steps.video import detect_recording

    return detect_recording(recording)


TRUNK_PLACEMENTS = ("sacrum", "waist", "pocket")

# The step table: which detector turns a source's Recording into Steps (one row per contact).
# A new source (audio, video) adds its detector here and nothing else changes.
DETECTORS: dict[str, Detector] = {
    "fit": _no_contacts,
    "tcx": _no_contacts,
    "gpx": _no_contacts,
    "imu": _imu_contacts,
    "forceplate": _force_contacts,
    "audio": _audio_footfalls,
    "video": _video_contacts,
}


def resolve_placement(recording: Recording) -> None:
    """Guess the placement of an inertial recording that has none, and say so in its warnings."""
    if recording.source != "imu" or recording.placement:
        return
    from softstep.steps.placement import guess_placement

    placement, confidence, reason = guess_placement(recording.samples, recording.sample_rate_hz)
    recording.placement = placement
    recording.info["placement_guess"] = {
        "placement": placement, "confidence": round(confidence, 2), "reason": reason
    }
    recording.warnings.append(
        f"{recording.path}: placement guessed as {placement} (confidence {confidence:.0%}: "
        f"{reason}); give --placement to set it"
    )


def detect_steps(recording: Recording) -> pd.DataFrame:
    """Foot contacts of ``recording`` as a Steps table (STEP_COLUMNS)."""
    try:
        detector = DETECTORS[recording.source]
    except KeyError:
        raise ValueError(f"no step detector for source {recording.source!r}") from None
    return detector(recording)


MIN_RUNNING_CONTACTS = 8  # fewer running contacts than this is no run (a jog across a room)


def activity_seconds(activity: pd.DataFrame | None) -> dict[str, float]:
    """Seconds per activity label (running, walking, standing, other, gap), longest first,
    from a table of ``start_s``, ``end_s``, ``activity`` (imu_trunk windows or imu_limb
    segments).

    >>> activity_seconds(pd.DataFrame({"start_s": [0, 2, 4.0], "end_s": [2, 4, 10.0],
    ...                                "activity": ["walking", "walking", "running"]}))
    {'running': 6.0, 'walking': 4.0}
    """
    if activity is None or not len(activity):
        return {}
    dur = (activity["end_s"] - activity["start_s"]).groupby(activity["activity"]).sum()
    dur = dur[dur > 0].sort_values(ascending=False)
    return {str(k): round(float(v), 2) for k, v in dur.items()}


def account_activity(recording: Recording, steps: pd.DataFrame) -> None:
    """Say how much of an inertial recording was running and what was left out.

    The detectors label the recording (``steps.attrs["activity"]``: running, walking, standing,
    other, gap); only running gives contacts. This stores ``info["activity_s"]`` (seconds per
    label), ``info["running_s"]`` and ``info["excluded_s"]`` (seconds per excluded label) and
    adds a warning "FILE: analysed 21:30 of running; excluded 1:10 walking, 0:40 standing".
    Raises NoRunningError ("no running activity in FILE: found 3:20 walking, 0:40 standing")
    when fewer than MIN_RUNNING_CONTACTS running contacts were found, so that no empty or
    garbage run is analysed or stored. Other sources are left alone.
    """
    if recording.source != "imu":
        return
    seconds = activity_seconds(steps.attrs.get("activity"))
    if not seconds and len(steps) >= MIN_RUNNING_CONTACTS:
        return  # a detector that labels no activity: nothing to report
    running_s = seconds.pop("running", 0.0)
    info = recording.info
    info["activity_s"] = {"running": running_s, **seconds}
    info["running_s"] = running_s
    info["excluded_s"] = seconds
    found = [f"{duration(v)} {ACTIVITY_WORDS.get(k, k)}" for k, v in seconds.items() if v >= 0.5]
    sensor = info.get("sensor")
    where = f"{recording.path} (sensor {sensor})" if sensor else str(recording.path)
    if len(steps) < MIN_RUNNING_CONTACTS:
        if len(steps):
            found.append(f"{len(steps)} running step(s), too few to analyse")
        guess = info.get("placement_guess")
        if guess:
            found.append(f"read as a {guess['placement']} sensor (guessed; give --placement "
                         "if that is wrong)")
        raise NoRunningError(where, found, sensor=sensor)
    line = activity_line(info)
    if line and "excluded" in line:
        recording.warnings.append(f"{where}: {line}")


def analyze_recording(
    recording: Recording, runner: Runner, *, loudness_history: list | None = None,
    video_history: list | None = None,
) -> RunAnalysis:
    """Steps, summary, per-km segments, ranked findings and plan for one run.

    An inertial recording without running in it raises NoRunningError (``account_activity``).
    ``loudness_history`` (``Store.audio_history``: the runner's stored audio runs) gives an
    audio run its loudness baseline at matched cadence (``metrics_audio.loudness_baseline``),
    the quiet score and the loud-landings finding; it is kept in ``info["loudness_baseline"]``
    (None: no earlier audio run matches, this run becomes the baseline).
    ``video_history`` (``Store.video_history``: the runner's stored video runs) gives a video
    run its own overstride baseline (``metrics_video.overstride_baseline``), kept in
    ``info["overstride_baseline_pct_leg"]``; without one softstep's own threshold is used.
    """
    from softstep import metrics_audio, metrics_video

    if recording.source == "video" and runner.leg_length_m:  # pixels -> cm (steps.video)
        recording.info.setdefault("leg_length_m", runner.leg_length_m)
    steps = detect_steps(recording)
    account_activity(recording, steps)
    summary = metrics.summarize(recording.records, steps, runner)
    baseline = None
    if summary.loudness_dbfs is not None:
        baseline = metrics_audio.loudness_baseline(
            loudness_history or [], summary.cadence_spm, exclude_hash=recording.content_hash)
        summary = dataclasses.replace(summary, **metrics_audio.against_baseline(steps, baseline))
        recording.info["loudness_baseline"] = baseline.to_dict() if baseline else None
    segments = metrics.per_km(recording.records, steps)
    if not len(segments) and len(steps):
        segments = metrics.per_minute(
            steps, loudness_baseline_dbfs=baseline.loudness_dbfs if baseline else None)
    overstride_base = None
    if summary.overstride_pct_leg is not None:
        overstride_base = metrics_video.overstride_baseline(
            video_history or [], exclude_hash=recording.content_hash)
        recording.info["overstride_baseline_pct_leg"] = overstride_base
    findings = diagnose(
        summary, recording.records, steps, segments, runner, placement=recording.placement,
        loudness_baseline=baseline, overstride_baseline_pct_leg=overstride_base,
    )
    plan = build_plan(findings, summary)
    return RunAnalysis(recording, steps, summary, segments, findings, plan)


def analyze_file(
    path: str | Path,
    runner: Runner,
    *,
    side: str | None = None,
    loudness_history: list | None = None,
    video_history: list | None = None,
    **read_options: Any,
) -> FileAnalysis:
    """Read ``path`` and analyse each running session in it.

    ``side`` ("L" / "R") is the leg a shank or shoe sensor was on; without it sides stay
    unknown. ``loudness_history`` / ``video_history``: the runner's stored audio / video runs
    (``analyze_recording``).
    ``read_options`` go to ``readers.read``: ``placement`` (one of model.PLACEMENTS),
    ``acc_units`` ("g" / "m/s2"), ``gyr_units`` ("rad/s" / "deg/s"), ``sample_rate_hz``,
    ``mass_kg`` (default: the runner's mass; a force plate scales to body weights with it),
    ``source`` ("video" / "audio": a video file's picture through the pose model, the default,
    or its sound track); None means not given.
    Raises softstep.errors.UnreadableFileError / NoRunningError with a one-line message.
    """
    options = {k: v for k, v in read_options.items() if v is not None}
    if runner.mass_kg and "mass_kg" not in options:
        options["mass_kg"] = runner.mass_kg
    result = read(path, **options)
    for recording in result.recordings:
        resolve_placement(recording)
        if side is not None:
            recording.info["side"] = side
    runs, not_running = [], []
    for rec in result.recordings:
        try:
            runs.append(analyze_recording(rec, runner, loudness_history=loudness_history,
                                          video_history=video_history))
        except NoRunningError as exc:  # one sensor of several may have no running in it
            not_running.append(exc)
    if not runs and not_running:
        raise not_running[0] if len(not_running) == 1 else NoRunningError(
            str(path), [f"{', '.join(e.found)} (sensor {e.sensor})" for e in not_running])
    skipped = [*result.skipped,
               *(f"sensor {e.sensor}: {', '.join(e.found)}" for e in not_running)]
    warnings = list(dict.fromkeys([*result.warnings, *(w for r in runs for w in r.recording.warnings)]))
    return FileAnalysis(str(path), runs, skipped=skipped, warnings=warnings)


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
        "placement": rec.placement,
        "info": to_jsonable(rec.info),
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
