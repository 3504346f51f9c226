"""GPX tracks: one Recording per running ``<trk>``.

Per ``trkpt``: lat/lon (degrees), ele, time, and extension hr / cad under any namespace prefix
(gpxtpx:, ns3:, ...). Distance is the haversine sum along each segment (no distance across a
segment break), speed its windowed derivative (a light smoothing of GPS jitter). Cadence is per
leg (doubled) unless the file already doubled it.

Sport comes from ``<trk><type>``: text containing "run" is running, Strava's numeric 9 is a
run; no type is assumed running with a warning; any other type is skipped and named.

>>> doc = (b'<gpx><trk><type>running</type><trkseg><trkpt lat="0" lon="0"><time>'
...        b'2020-01-01T00:00:00Z</time></trkpt><trkpt lat="0" lon="0.001"><time>'
...        b'2020-01-01T00:00:30Z</time></trkpt></trkseg></trk></gpx>')
>>> round(read_gpx(doc, "a.gpx").recordings[0].records["distance_m"].iloc[-1])
111
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from defusedxml import DefusedXmlException

from softstep.errors import NoRunningError, UnreadableFileError
from softstep.model import ReadResult, Recording
from softstep.readers._common import content_hash as _sha256
from softstep.readers._common import (
    finish_records,
    haversine_step_m,
    per_leg_cadence_to_spm,
    windowed_speed_m_per_s,
)
from softstep.readers._xml import iso_times_s, iterparse_safely, local_name, numbers, xml_problem

# trkpt child or extension descendant (local name) -> our key
TRKPT_FIELDS = {"ele": "ele", "time": "time", "hr": "hr", "heartrate": "hr", "cad": "cad",
                "cadence": "cad", "power": "power"}
_KEYS = ("lat", "lon", "seg", *dict.fromkeys(TRKPT_FIELDS.values()))

# Strava's numeric activity types as written in its GPX exports
STRAVA_TYPES = {1: "cycling", 4: "hiking", 9: "running", 10: "walking", 16: "swimming"}


@dataclass
class _Track:
    type: str | None = None
    columns: dict[str, list] = field(default_factory=lambda: {k: [] for k in _KEYS})
    segments: int = 0

    @property
    def n(self) -> int:
        return len(self.columns["time"])


def gpx_sport(type_text: str | None) -> str | None:
    """Sport named by a ``<type>`` text: "running", another sport's name, or None if absent.

    >>> gpx_sport("9"), gpx_sport("Trail Running"), gpx_sport("cycling"), gpx_sport(None)
    ('running', 'running', 'cycling', None)
    """
    text = (type_text or "").strip().lower()
    if not text:
        return None
    if text.isdigit():
        return STRAVA_TYPES.get(int(text), f"activity type {text}")
    if "run" in text:
        return "running"
    return text


def _parse(data: bytes) -> tuple[list[_Track], str | None, str | None]:
    """Tracks, the creator attribute, and the problem that stopped parsing early (or None)."""
    tracks: list[_Track] = []
    current: _Track | None = None
    creator = None
    depth = trk_depth = 0  # elements open now; depth of the open <trk>
    tag_keys: dict[str, str | None] = {}
    problem = None
    try:
        for event, elem in iterparse_safely(data):
            tag = local_name(elem.tag)
            if event == "start":
                depth += 1
                if tag == "trk":
                    current = _Track()
                    trk_depth = depth
                elif tag == "trkseg" and current is not None:
                    current.segments += 1
                elif tag == "gpx":
                    creator = elem.get("creator")
                continue
            depth -= 1  # from here on: the depth of elem's parent
            if tag == "trkpt":
                if current is not None:
                    values: dict[str, str | None] = {"lat": elem.get("lat"), "lon": elem.get("lon")}
                    for child in elem.iter():
                        key = tag_keys.get(child.tag, "")
                        if key == "":
                            key = tag_keys[child.tag] = TRKPT_FIELDS.get(local_name(child.tag))
                        if key is not None:
                            values[key] = child.text
                    values["seg"] = current.segments
                    for key, column in current.columns.items():
                        column.append(values.get(key))
                elem.clear()
            elif tag == "type" and current is not None and depth == trk_depth:
                # only <trk><type>: not a trkpt's type, nor a <link>'s MIME type (text/html)
                current.type = elem.text
            elif tag == "trk" and current is not None:
                tracks.append(current)
                current = None
                elem.clear()
    except DefusedXmlException as exc:
        raise UnreadableFileError("", xml_problem(exc)) from None
    except Exception as exc:  # noqa: BLE001 - ParseError and anything the parser raises
        problem = xml_problem(exc)
        if current is not None:
            tracks.append(current)
    return tracks, creator, problem


def _recording(
    track: _Track, index: int, path: str, digest: str, device: str | None, notes: list[str]
) -> Recording:
    cols = track.columns
    time_s = iso_times_s(cols["time"])
    lat, lon, ele = numbers(cols["lat"]), numbers(cols["lon"]), numbers(cols["ele"])
    hr, cad, power = numbers(cols["hr"]), numbers(cols["cad"]), numbers(cols["power"])
    seg = np.asarray(cols["seg"], dtype=np.float64)
    keep = np.isfinite(time_s)
    order = np.argsort(time_s[keep], kind="stable")
    time_s, lat, lon, ele, hr, cad, power, seg = (
        a[keep][order] for a in (time_s, lat, lon, ele, hr, cad, power, seg)
    )
    warnings = list(notes)

    step = haversine_step_m(lat, lon)
    step[np.diff(seg) != 0] = 0.0  # a new segment starts after a pause: no distance across it
    distance = np.concatenate(([0.0], np.cumsum(np.nan_to_num(step, nan=0.0))))
    speed = windowed_speed_m_per_s(time_s, distance)
    cadence, note = per_leg_cadence_to_spm(cad, speed, path, "GPX")
    if note:
        warnings.append(note)
    columns = {
        "distance_m": distance,
        "speed_m_per_s": speed,
        "altitude_m": ele,
        "hr_bpm": np.where(hr > 0, hr, np.nan),
        "cadence_spm": cadence,
        "lat_deg": lat,
        "lon_deg": lon,
        "power_w": power,
    }
    return Recording(
        source="gpx",
        sport="running",
        records=finish_records(columns, time_s),
        start=datetime.fromtimestamp(float(time_s[0]), UTC),
        device=device,
        path=path,
        session_index=index,
        content_hash=digest,
        laps=None,
        warnings=warnings,
    )


def read_gpx(data: bytes, path: str, content_hash: str | None = None) -> ReadResult:
    """One Recording per running track of a GPX document (see the module docstring).

    Raises UnreadableFileError (no timed track point could be read) or NoRunningError (every
    track names another sport).
    """
    digest = content_hash or _sha256(data)
    try:
        tracks, creator, problem = _parse(data)
    except UnreadableFileError as exc:
        raise UnreadableFileError(path, exc.problem) from None
    file_warnings = []
    if problem:
        kept = sum(t.n for t in tracks)
        if kept == 0:
            raise UnreadableFileError(path, f"not a readable GPX file: {problem}")
        file_warnings.append(f"{path}: {problem}; kept {kept} track points parsed before it")
    if not any(t.n for t in tracks):
        raise UnreadableFileError(path, "no track points in this GPX file (routes or waypoints only?)")

    recordings, skipped, found = [], [], []
    n = len(tracks)
    for i, track in enumerate(tracks):
        sport = gpx_sport(track.type)
        found.append(sport or "running")
        if sport is not None and sport != "running":
            skipped.append(f"track {i + 1} of {n}: {sport}")
            continue
        if not np.isfinite(iso_times_s(track.columns["time"])).any():
            skipped.append(f"track {i + 1} of {n}: no timed track points")
            continue
        notes = list(file_warnings)
        if sport is None:
            notes.append(f"{path}: track {i + 1} names no activity type; assumed running")
        recordings.append(_recording(track, i, path, digest, creator, notes))
    if not recordings:
        if all(s == "running" for s in found):
            raise UnreadableFileError(path, "its tracks hold no timed track points")
        raise NoRunningError(path, list(dict.fromkeys(s for s in found if s != "running")))
    warnings = list(dict.fromkeys(w for r in recordings for w in r.warnings))
    return ReadResult(path=path, recordings=recordings, skipped=skipped, warnings=warnings)
