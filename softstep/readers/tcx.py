"""TCX (Garmin Training Center XML): one Recording per running Activity.

Per Trackpoint: Time, Position (degrees), AltitudeMeters, DistanceMeters, HeartRateBpm,
Cadence / Extensions TPX RunCadence (per leg: doubled, unless the file already doubled it),
TPX Speed, TPX Watts. Laps come from Lap StartTime. Activities whose Sport is not "Running"
are skipped and named; "Other" or no Sport is assumed running with a warning.

A document that breaks part-way (truncated, an unbound prefix) keeps every trackpoint parsed
before the break, with a warning naming the file and the line.

>>> from pathlib import Path
>>> doc = (b'<TrainingCenterDatabase><Activities><Activity Sport="Running"><Lap StartTime='
...        b'"2020-01-01T00:00:00Z"><Track><Trackpoint><Time>2020-01-01T00:00:00Z</Time>'
...        b'<DistanceMeters>0</DistanceMeters></Trackpoint></Track></Lap></Activity>'
...        b'</Activities></TrainingCenterDatabase>')
>>> read_tcx(doc, "a.tcx").recordings[0].records["distance_m"].tolist()
[0.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException

from softstep.errors import NoRunningError, UnreadableFileError
from softstep.model import ReadResult, Recording
from softstep.readers._common import (
    content_hash as _sha256,
)
from softstep.readers._common import (
    distance_from_positions_m,
    finish_records,
    per_leg_cadence_to_spm,
    windowed_speed_m_per_s,
)
from softstep.readers._xml import iso_times_s, iterparse_safely, local_name, numbers, xml_problem

# Trackpoint descendant (local name) -> our key. "Value" only occurs under HeartRateBpm there.
TRACKPOINT_FIELDS = {
    "Time": "time",
    "LatitudeDegrees": "lat",
    "LongitudeDegrees": "lon",
    "AltitudeMeters": "alt",
    "DistanceMeters": "dist",
    "Value": "hr",
    "Cadence": "cadence",
    "RunCadence": "run_cadence",
    "Speed": "speed",
    "Watts": "power",
}
_KEYS = tuple(dict.fromkeys(TRACKPOINT_FIELDS.values()))


@dataclass
class _Activity:
    sport: str | None
    columns: dict[str, list] = field(default_factory=lambda: {k: [] for k in _KEYS})
    laps: list[list] = field(default_factory=list)  # [start time text, total time text]
    device: str | None = None

    @property
    def n(self) -> int:
        return len(self.columns["time"])


def _parse(data: bytes) -> tuple[list[_Activity], str | None]:
    """Activities found, and the problem that stopped parsing early (or None)."""
    activities: list[_Activity] = []
    current: _Activity | None = None
    tag_keys: dict[str, str | None] = {}  # full tag -> key, cached
    problem = None
    try:
        for event, elem in iterparse_safely(data):
            tag = local_name(elem.tag)
            if event == "start":
                if tag == "Activity":
                    current = _Activity(sport=elem.get("Sport"))
                elif tag == "Lap" and current is not None:
                    current.laps.append([elem.get("StartTime"), None])
                continue
            if tag == "Trackpoint":
                if current is not None:
                    values: dict[str, str | None] = {}
                    for child in elem.iter():
                        key = tag_keys.get(child.tag, "")
                        if key == "":
                            key = tag_keys[child.tag] = TRACKPOINT_FIELDS.get(local_name(child.tag))
                        if key is not None:
                            values[key] = child.text
                    for key, column in current.columns.items():
                        column.append(values.get(key))
                elem.clear()
            elif tag == "Lap" and current is not None and current.laps:
                for child in elem:
                    if local_name(child.tag) == "TotalTimeSeconds":
                        current.laps[-1][1] = child.text
                elem.clear()
            elif tag == "Creator" and current is not None:
                for child in elem:
                    if local_name(child.tag) == "Name" and child.text:
                        current.device = child.text.strip()
            elif tag == "Activity" and current is not None:
                activities.append(current)
                current = None
                elem.clear()
    except DefusedXmlException as exc:
        raise _Refused(xml_problem(exc)) from None
    except Exception as exc:  # noqa: BLE001 - ParseError and anything the parser raises
        problem = xml_problem(exc)
        if current is not None:
            activities.append(current)
    return activities, problem


class _Refused(Exception):
    pass


def _sport(raw: str | None) -> tuple[str, bool]:
    """(sport name, assumed) from an Activity's Sport attribute."""
    text = (raw or "").strip()
    if text.lower() in ("running", "run"):
        return "running", False
    if text == "" or text.lower() == "other":
        return "running", True
    return text.lower(), False


def _recording(act: _Activity, index: int, path: str, digest: str, notes: list[str]) -> Recording:
    cols = act.columns
    time_s = iso_times_s(cols["time"])
    order = np.argsort(time_s, kind="stable")  # NaN last
    time_s = time_s[order]
    get = {k: numbers(v)[order] for k, v in cols.items() if k != "time"}
    warnings = list(notes)

    lat, lon = get["lat"], get["lon"]
    distance = get["dist"]
    if not np.isfinite(distance).any() and np.isfinite(lat).any():
        distance = distance_from_positions_m(lat, lon)
    speed = get["speed"]
    if not np.isfinite(speed).any() and np.isfinite(distance).any():
        speed = _speed_where_known(time_s, distance)
    cadence_leg = np.where(np.isfinite(get["run_cadence"]), get["run_cadence"], get["cadence"])
    cadence, note = per_leg_cadence_to_spm(cadence_leg, speed, path, "TCX")
    if note:
        warnings.append(note)

    columns = {
        "distance_m": distance,
        "speed_m_per_s": speed,
        "altitude_m": get["alt"],
        "hr_bpm": np.where(get["hr"] > 0, get["hr"], np.nan),
        "cadence_spm": cadence,
        "lat_deg": lat,
        "lon_deg": lon,
        "power_w": get["power"],
    }
    records = finish_records(columns, time_s)
    finite = time_s[np.isfinite(time_s)]
    t0, t1 = float(finite[0]), float(finite[-1])
    return Recording(
        source="tcx",
        sport="running",
        records=records,
        start=datetime.fromtimestamp(t0, UTC),
        device=act.device,
        path=path,
        session_index=index,
        content_hash=digest,
        laps=laps_table([a for a, _ in act.laps], [b for _, b in act.laps], t0, t1),
        warnings=warnings,
    )


def _speed_where_known(time_s: np.ndarray, distance_m: np.ndarray) -> np.ndarray:
    """Windowed speed over the points that have both a time and a distance; NaN elsewhere."""
    ok = np.isfinite(time_s) & np.isfinite(distance_m)
    speed = np.full(len(time_s), np.nan)
    speed[ok] = windowed_speed_m_per_s(time_s[ok], distance_m[ok])
    return speed


def laps_table(
    starts: list[str | None], totals: list[str | None], t0: float, t1: float
) -> pd.DataFrame | None:
    """(start_s, end_s) per lap from the run's first record; a lap ends where the next starts.

    The last lap ends at the later of start + its total time and the last record (clipped to
    the last record).
    """
    start = iso_times_s(list(starts))
    total = numbers(list(totals))
    ok = np.isfinite(start)
    if not ok.any():
        return None
    start, total = start[ok], total[ok]
    order = np.argsort(start)
    start, total = start[order], total[order]
    end = np.append(start[1:], max(t1, start[-1] + np.nan_to_num(total[-1])))
    end = np.minimum(end, t1)
    return pd.DataFrame({"start_s": np.maximum(start, t0) - t0, "end_s": np.maximum(end, t0) - t0})


def read_tcx(data: bytes, path: str, content_hash: str | None = None) -> ReadResult:
    """One Recording per running Activity of a TCX document (see the module docstring).

    Raises UnreadableFileError (no trackpoints could be read) or NoRunningError (only other
    sports).
    """
    digest = content_hash or _sha256(data)
    try:
        activities, problem = _parse(data)
    except _Refused as exc:
        raise UnreadableFileError(path, str(exc)) from None
    file_warnings = []
    if problem:
        kept = sum(a.n for a in activities)
        if kept == 0 and not activities:
            raise UnreadableFileError(path, f"not a readable TCX file: {problem}")
        file_warnings.append(f"{path}: {problem}; kept {kept} trackpoints parsed before it")
    if not activities:
        raise UnreadableFileError(path, "no Activity in this TCX file (a course or workout?)")

    recordings, skipped, found = [], [], []
    n = len(activities)
    for i, act in enumerate(activities):
        sport, assumed = _sport(act.sport)
        found.append(sport)
        if sport != "running":
            skipped.append(f"activity {i + 1} of {n}: {sport}")
            continue
        if not np.isfinite(iso_times_s(act.columns["time"])).any():
            skipped.append(f"activity {i + 1} of {n}: running, but no timed trackpoints")
            continue
        notes = list(file_warnings)
        if assumed:
            notes.append(f"{path}: activity {i + 1} names no sport ({act.sport or 'none'}); "
                         "assumed running")
        recordings.append(_recording(act, i, path, digest, notes))
    if not recordings:
        if any(s == "running" for s in found):
            raise UnreadableFileError(path, "its running activities hold no timed trackpoints")
        raise NoRunningError(path, list(dict.fromkeys(found)))
    warnings = list(dict.fromkeys(w for r in recordings for w in r.warnings))
    return ReadResult(path=path, recordings=recordings, skipped=skipped, warnings=warnings)
