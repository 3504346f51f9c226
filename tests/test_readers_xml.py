"""TCX and GPX readers: every real file in shared/data/tcx_gpx, cadence units, sports, bad input.

Numbers the readers return are checked against an independent parse of the same file: the
standard library's ElementTree with full namespaces and ``datetime.fromisoformat`` for XML,
fitdecode's default processor for the two FIT runs; never against the reader's own output.
Files are found by glob at collection time (as in test_readers_fit.py), so a file added to
shared/data/tcx_gpx is tested too.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from softstep.errors import NoRunningError, SoftstepError, UnreadableFileError
from softstep.model import RECORD_COLUMNS, ReadResult, Recording
from softstep.readers import read

try:  # the same folder the shared_data fixture yields, for collection-time globbing
    from conftest import _shared_data_dir
except ImportError:  # pragma: no cover - run from elsewhere
    _shared_data_dir = None

TCX_NS = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"
TPX_NS = "{http://www.garmin.com/xmlschemas/ActivityExtension/v2}"
GPX_NS = "{http://www.topografix.com/GPX/1/1}"
GPXTPX_NS = "{http://www.garmin.com/xmlschemas/TrackPointExtension/v1}"
EARTH_RADIUS_M = 6_371_008.8

RUN_GARMIN = "tcx_gpx/tcx/run_garmin.tcx"  # Forerunner 620, ns3:RunCadence per leg
SAMPLE_TCX = "tcx_gpx/samples/2020-12-02T06_08_29-300_Running.tcx"
STRAVA_GPX = "tcx_gpx/gpx/strava_export.gpx"  # gpxtpx:hr and gpxtpx:cad, type 9
GARMIN_GPX = "tcx_gpx/gpx/garmin_connect.gpx"  # 3 points, <type>running</type>


def _names(*patterns: str) -> list[str]:
    base = _shared_data_dir() if _shared_data_dir else None
    if base is None or not base.is_dir():
        return []
    found = {str(p.relative_to(base)) for pattern in patterns for p in base.glob(pattern)}
    return sorted(found)


FILES = _names("tcx_gpx/**/*.tcx", "tcx_gpx/**/*.gpx", "tcx_gpx/**/*.fit")

# Headline values per file, from ElementTree / fitdecode (and INVENTORY_fit.md), not from
# softstep: (records, i.e. distinct timestamps; last device DistanceMeters in m, or None).
KNOWN: dict[str, tuple[int, float | None]] = {
    "2020-12-02T06_08_29-300_Running.tcx": (927, 7008.524902),
    "2020-12-04T19_09_21-300_Running.tcx": (1353, 9625.374023),
    "2020-12-06T06_36_21-300_Running.tcx": (1747, 12019.724609),
    "2020-12-08T06_36_12-300_Running.tcx": (898, 6239.574707),
    "2020-12-13T07_25_55-300_Running.tcx": (1355, 9533.685547),
    "2020-12-16T05_44_18-300_Running.tcx": (805, 6051.699707),
    "2020-12-20T05_50_47-300_Running.tcx": (2327, 16095.356445),
    "2020-12-26T06_03_49-300_Running.tcx": (808, 6018.188965),
    "basic.tcx": (383, 4686.31103516),
    "malformed.tcx": (384, 4686.31103516),  # basic.tcx without its root + a time-only point
    "run.tcx": (1424, 4824.94),
    "run_garmin.tcx": (147, 2153.669921875),
    "stopped_example.tcx": (1696, 12007.994141),  # 1697 points, one time written twice
    "garmin_connect.gpx": (3, None),
    "nike_run.gpx": (727, None),
    "run.gpx": (1424, None),
    "stopped_example.gpx": (1696, None),
    "strava_export.gpx": (1696, None),
    "run.fit": (1202, None),
    "garmin-fenix-5-basic.fit": (21, None),
}

# Warnings a clean read of these files may give (a substring each); every other file: none.
EXPECTED_WARNING = {
    "malformed.tcx": "XML breaks at line",
    "nike_run.gpx": "names no activity type; assumed running",
    "run.gpx": "names no activity type; assumed running",
}


# --------------------------------------------------------------------------------------------
# Independent parsers: one row per point, columns t_abs (unix s), distance_m, hr_bpm,
# cadence_spm (what the file's cadence is in steps/min), lat_deg.


def _unix_s(texts: list[str]) -> np.ndarray:
    return np.array([datetime.fromisoformat(t.strip()).timestamp() for t in texts])


def _num(value: str | float | None) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return np.nan
    return float(value)


def _finish(rows: pd.DataFrame) -> pd.DataFrame:
    """Time order; a timestamp written twice (a lap boundary) keeps its first point."""
    rows = rows.sort_values("t_abs", kind="stable").drop_duplicates("t_abs", keep="first")
    rows["hr_bpm"] = rows["hr_bpm"].where(rows["hr_bpm"] > 0)  # 0 = no reading
    return rows.reset_index(drop=True)


def tcx_trackpoints(elements, ns: str = TCX_NS) -> pd.DataFrame:
    """Trackpoint elements -> points; RunCadence (per leg) is doubled here."""
    rows = [
        {
            "time": tp.findtext(f"{ns}Time"),
            "distance_m": _num(tp.findtext(f"{ns}DistanceMeters")),
            "hr_bpm": _num(tp.findtext(f"{ns}HeartRateBpm/{ns}Value")),
            "cadence_spm": 2 * _num(tp.findtext(f"{ns}Extensions/{TPX_NS}TPX/{TPX_NS}RunCadence")),
            "lat_deg": _num(tp.findtext(f"{ns}Position/{ns}LatitudeDegrees")),
        }
        for tp in elements
    ]
    frame = pd.DataFrame(rows)
    frame.insert(0, "t_abs", _unix_s(frame.pop("time").tolist()))
    return _finish(frame)


def gpx_trackpoints(path: Path) -> pd.DataFrame:
    """Points of every trkseg; distance is the great-circle sum within each segment."""
    rows = []
    for seg_id, seg in enumerate(ET.parse(path).getroot().iter(f"{GPX_NS}trkseg")):
        for pt in seg.iter(f"{GPX_NS}trkpt"):
            ext = f"{GPX_NS}extensions/{GPXTPX_NS}TrackPointExtension/{GPXTPX_NS}"
            rows.append(
                {
                    "time": pt.findtext(f"{GPX_NS}time"),
                    "seg": seg_id,
                    "lat_deg": float(pt.get("lat")),
                    "lon_deg": float(pt.get("lon")),
                    "hr_bpm": _num(pt.findtext(f"{ext}hr")),
                    "cadence_spm": 2 * _num(pt.findtext(f"{ext}cad")),
                }
            )
    frame = pd.DataFrame(rows)
    frame.insert(0, "t_abs", _unix_s(frame.pop("time").tolist()))
    lat, lon = np.radians(frame["lat_deg"]), np.radians(frame["lon_deg"])
    h = (
        np.sin(lat.diff() / 2) ** 2
        + np.cos(lat) * np.cos(lat.shift()) * np.sin(lon.diff() / 2) ** 2
    )
    step = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))
    step[frame["seg"].diff() != 0] = 0.0  # first point, and no distance across a segment break
    frame["distance_m"] = step.fillna(0.0).cumsum()
    return _finish(frame)


def fit_records(path: Path) -> pd.DataFrame:
    import fitdecode

    rows = []
    with fitdecode.FitReader(str(path)) as fit:
        for frame in fit:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                value = frame.get_value
                strides = value("cadence", fallback=None)
                frac = value("fractional_cadence", fallback=None) or 0.0
                lat = value("position_lat", fallback=None)
                rows.append(
                    {
                        "t_abs": value("timestamp").timestamp(),
                        "distance_m": _num(value("distance", fallback=None)),
                        "hr_bpm": _num(value("heart_rate", fallback=None)),
                        "cadence_spm": np.nan if strides is None else 2 * (strides + frac),
                        "lat_deg": np.nan if lat is None else lat * 180 / 2**31,
                    }
                )
    return _finish(pd.DataFrame(rows))


def independent(path: Path) -> pd.DataFrame:
    if path.suffix == ".tcx":
        return tcx_trackpoints(ET.parse(path).getroot().iter(f"{TCX_NS}Trackpoint"))
    if path.suffix == ".gpx":
        return gpx_trackpoints(path)
    return fit_records(path)


def _malformed_points(path: Path) -> tuple[int, pd.DataFrame]:
    """malformed.tcx: (line of its first unbound ``xsi:`` prefix, trackpoints before it)."""
    lines = path.read_text().splitlines()
    break_line = next(i for i, line in enumerate(lines, 1) if "xsi:" in line)
    head = "\n".join(lines[: break_line - 1])
    blocks = re.findall(r"<Trackpoint>.*?</Trackpoint>", head, flags=re.DOTALL)
    return break_line, tcx_trackpoints((ET.fromstring(b) for b in blocks), ns="")


# --------------------------------------------------------------------------------------------
def assert_contract(rec: Recording, path: Path) -> None:
    df = rec.records
    assert list(df.columns) == list(RECORD_COLUMNS)
    assert all(str(t) == "float64" for t in df.dtypes)
    t = df["t_s"].to_numpy()
    assert len(t) > 0 and t[0] == 0.0 and np.all(np.diff(t) > 0)
    assert rec.sport == "running" and rec.path == str(path)
    assert rec.source in ("fit", "tcx", "gpx") and rec.source in path.name
    assert rec.start is not None and rec.start.utcoffset().total_seconds() == 0
    for warning in rec.warnings:
        assert path.name in warning and "\n" not in warning, warning


def assert_plausible(rec: Recording) -> None:
    """Units a runner would recognise: m, m/s, steps/min (doubled), beats/min."""
    df = rec.records
    dist = df["distance_m"].dropna().to_numpy()
    assert len(dist) > 0 and dist.min() >= 0
    assert np.all(np.diff(dist) >= 0), "distance_m must not decrease"
    duration = rec.duration_s
    assert dist[-1] <= 7.0 * max(duration, 1.0), f"{dist[-1]:.0f} m in {duration:.0f} s"
    if duration > 600:
        assert dist[-1] >= 1.0 * duration, f"{dist[-1]:.0f} m in {duration:.0f} s: not m?"
    speed = df["speed_m_per_s"].dropna()
    assert 1.5 <= speed.median() <= 6.0, speed.median()
    assert speed.between(0, 15).all()
    cadence = df["cadence_spm"].dropna()
    if (cadence > 0).any():
        assert 130 <= cadence[cadence > 0].median() <= 200, cadence[cadence > 0].median()
        assert cadence.between(0, 260).all()
    hr = df["hr_bpm"].dropna()
    if len(hr):
        assert 60 <= hr.median() <= 220 and hr.between(40, 220).all(), (hr.min(), hr.max())


def _last(values: pd.Series) -> float:
    return float(values.dropna().iloc[-1])


# --------------------------------------------------------------------------------------------
def test_shared_xml_files_are_there(shared_data):
    base = shared_data / "tcx_gpx"
    assert len(list(base.glob("samples/*.tcx"))) == 8
    assert len(list(base.glob("tcx/*.tcx"))) == 5 and len(list(base.glob("gpx/*.gpx"))) == 5
    assert {Path(n).name for n in FILES} >= set(KNOWN), "collection missed files"


@pytest.mark.parametrize("name", FILES)
def test_every_file_reads_as_a_plausible_run(shared_data, name):
    path = shared_data / name
    result = read(path)
    assert isinstance(result, ReadResult) and result.recordings and not result.skipped
    (rec,) = result.recordings
    assert_contract(rec, path)
    assert_plausible(rec)
    assert rec.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    expected = EXPECTED_WARNING.get(path.name)
    if expected is None:
        assert result.warnings == []
    else:
        assert any(str(path) in w and expected in w for w in result.warnings), result.warnings

    n_known, last_known = KNOWN.get(path.name, (None, None))
    if n_known is not None:
        assert len(rec.records) == n_known
    if last_known is not None:
        assert _last(rec.records["distance_m"]) == pytest.approx(last_known, abs=1e-6)
    if path.name == "malformed.tcx":
        _, theirs = _malformed_points(path)
    else:
        theirs = independent(path)
    ours = rec.records
    assert len(ours) == len(theirs)
    assert rec.start.timestamp() == pytest.approx(theirs["t_abs"].iloc[0], abs=1e-3)
    np.testing.assert_allclose(ours["t_s"], theirs["t_abs"] - theirs["t_abs"].iloc[0], atol=1e-3)
    np.testing.assert_allclose(ours["distance_m"], theirs["distance_m"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ours["hr_bpm"], theirs["hr_bpm"])
    np.testing.assert_allclose(ours["cadence_spm"], theirs["cadence_spm"])  # file x 2
    np.testing.assert_allclose(ours["lat_deg"], theirs["lat_deg"], atol=1e-9)


@pytest.mark.parametrize(
    ("gpx", "tcx", "tolerance"),
    [
        ("tcx_gpx/gpx/run.gpx", "tcx_gpx/tcx/run.tcx", 0.02),  # TomTom: one run, two formats
        (STRAVA_GPX, "tcx_gpx/tcx/stopped_example.tcx", 0.10),  # Strava: jittery GPS sums up
    ],
)
def test_gpx_distance_agrees_with_the_device_distance_of_the_same_run(
    shared_data, gpx, tcx, tolerance
):
    (ours,) = read(shared_data / gpx).recordings
    device = KNOWN[Path(tcx).name][1]
    assert _last(ours.records["distance_m"]) == pytest.approx(device, rel=tolerance)
    (theirs,) = read(shared_data / tcx).recordings
    assert ours.start == theirs.start


def test_tcx_laps_follow_lap_start_times(shared_data):
    path = shared_data / RUN_GARMIN
    (rec,) = read(path).recordings
    starts = _unix_s([lap.get("StartTime") for lap in ET.parse(path).iter(f"{TCX_NS}Lap")])
    np.testing.assert_allclose(rec.laps["start_s"], starts - starts[0])
    assert rec.laps["end_s"].iloc[-1] == rec.duration_s


# --------------------------------------------------------------------------------------------
def test_malformed_tcx_keeps_the_trackpoints_before_the_break(shared_data):
    path = shared_data / "tcx_gpx" / "tcx" / "malformed.tcx"
    break_line, theirs = _malformed_points(path)
    assert break_line == 4653  # <Creator xsi:type=...> after the root element (and xmlns) was lost
    result = read(path)  # never raises
    (warning,) = result.warnings
    assert warning.startswith(f"{path}: XML breaks at line {break_line}, column")
    assert f"kept {len(theirs)} trackpoints" in warning and "\n" not in warning
    (rec,) = result.recordings
    assert len(rec.records) == len(theirs) == 384
    np.testing.assert_allclose(rec.records["distance_m"], theirs["distance_m"])
    np.testing.assert_allclose(rec.records["hr_bpm"], theirs["hr_bpm"])
    # the same run as basic.tcx, which is intact: identical points up to the extra last one
    (basic,) = read(shared_data / "tcx_gpx" / "tcx" / "basic.tcx").recordings
    columns = ["t_s", "distance_m", "hr_bpm", "lat_deg", "altitude_m", "speed_m_per_s"]
    pd.testing.assert_frame_equal(rec.records[columns].iloc[:-1], basic.records[columns])
    assert rec.start == basic.start


# --------------------------------------------------------------------------------------------
def _times_two(text: str, tag: str) -> str:
    pattern = rf"(<(?:\w+:)?{tag}>)\s*(\d+(?:\.\d+)?)\s*(</(?:\w+:)?{tag}>)"
    doubled, count = re.subn(pattern, lambda m: f"{m[1]}{float(m[2]) * 2:g}{m[3]}", text)
    assert count > 0
    return doubled


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        (SAMPLE_TCX, "RunCadence"),
        (RUN_GARMIN, "RunCadence"),
        (STRAVA_GPX, "cad"),
        (GARMIN_GPX, "cad"),
    ],
)
def test_cadence_already_in_steps_is_not_doubled_again(shared_data, tmp_path, name, tag):
    original = shared_data / name
    per_leg = read(original)
    assert not any("cadence" in w for w in per_leg.warnings)
    theirs = independent(original)["cadence_spm"]  # the file's per-leg values x 2
    np.testing.assert_allclose(per_leg.recordings[0].records["cadence_spm"], theirs)

    path = tmp_path / f"doubled-{original.name}"
    path.write_text(_times_two(original.read_text(), tag))
    result = read(path)
    np.testing.assert_allclose(result.recordings[0].records["cadence_spm"], theirs)
    (warning,) = [w for w in result.warnings if "cadence" in w]
    assert warning.startswith(f"{path}: ") and "already doubled" in warning


# --------------------------------------------------------------------------------------------
def _activity_block(text: str) -> str:
    return re.search(r'<Activity Sport="Running">.*?</Activity>', text, flags=re.DOTALL)[0]


def test_biking_only_tcx_is_no_running(shared_data, tmp_path):
    path = tmp_path / "ride.tcx"
    text = (shared_data / RUN_GARMIN).read_text()
    path.write_text(text.replace('Sport="Running"', 'Sport="Biking"'))
    with pytest.raises(NoRunningError) as info:
        read(path)
    assert str(info.value) == f"no running activity in {path}: found biking"
    assert info.value.found == ["biking"]


@pytest.mark.parametrize("bike_first", [False, True])
def test_mixed_tcx_gives_the_run_and_names_the_ride(shared_data, tmp_path, bike_first):
    source = shared_data / RUN_GARMIN
    text = source.read_text()
    run = _activity_block(text)
    ride = run.replace('Sport="Running"', 'Sport="Biking"')
    pair = ride + "\n" + run if bike_first else run + "\n" + ride
    path = tmp_path / "brick.tcx"
    path.write_text(text.replace(run, pair))
    result = read(path)
    (rec,) = result.recordings
    assert rec.session_index == (1 if bike_first else 0)
    assert result.skipped == [f"activity {1 if bike_first else 2} of 2: biking"]
    assert result.warnings == []
    pd.testing.assert_frame_equal(rec.records, read(source).recordings[0].records)


def test_tcx_sport_other_is_assumed_running_with_a_warning(shared_data, tmp_path):
    path = tmp_path / "other.tcx"
    path.write_text((shared_data / RUN_GARMIN).read_text().replace('"Running"', '"Other"'))
    result = read(path)
    assert len(result.recordings) == 1
    assert any(str(path) in w and "assumed running" in w for w in result.warnings)


@pytest.mark.parametrize(("type_text", "sport"), [("cycling", "cycling"), ("1", "cycling")])
def test_cycling_gpx_is_no_running(shared_data, tmp_path, type_text, sport):
    path = tmp_path / "ride.gpx"
    text = (shared_data / GARMIN_GPX).read_text()
    path.write_text(text.replace("<type>running</type>", f"<type>{type_text}</type>"))
    with pytest.raises(NoRunningError) as info:
        read(path)
    assert str(info.value) == f"no running activity in {path}: found {sport}"


@pytest.mark.parametrize(
    ("own_type", "sport"), [("", None), ("running", "running"), ("cycling", "cycling")]
)
def test_gpx_sport_is_the_tracks_own_type_only(shared_data, tmp_path, own_type, sport):
    # GPX 1.1: <trk><link> may carry a MIME <type>, and a trkpt its own <type>; neither is
    # the sport (a track whose link said text/html used to be skipped as "text/html")
    text = (shared_data / GARMIN_GPX).read_text()
    link = '<link href="https://example.com/run/1"><text>web</text><type>text/html</type></link>'
    own = f"<type>{own_type}</type>" if own_type else ""
    text = text.replace("<type>running</type>", link + own)
    text = text.replace("<ele>", "<type>cycling</type><ele>", 1)  # wrong per schema, seen anyway
    path = tmp_path / "linked.gpx"
    path.write_text(text)
    if sport == "cycling":
        with pytest.raises(NoRunningError, match="found cycling$"):
            read(path)
        return
    result = read(path)
    assert len(result.recordings) == 1 and result.skipped == []
    assumed = [w for w in result.warnings if "assumed running" in w]
    assert len(assumed) == (1 if sport is None else 0)


def test_mixed_gpx_gives_the_run_and_names_the_ride(shared_data, tmp_path):
    source = shared_data / STRAVA_GPX
    text = source.read_text()
    track = re.search(r"<trk>.*?</trk>", text, flags=re.DOTALL)[0]
    ride = track.replace("<type>9</type>", "<type>cycling</type>")
    path = tmp_path / "brick.gpx"
    path.write_text(text.replace(track, track + "\n" + ride))
    result = read(path)
    (rec,) = result.recordings
    assert rec.session_index == 0 and result.skipped == ["track 2 of 2: cycling"]
    pd.testing.assert_frame_equal(rec.records, read(source).recordings[0].records)


# --------------------------------------------------------------------------------------------
def _cuts(data: bytes, first_point: bytes, closing: bytes) -> list[int]:
    """Cut points: the header, around the first point, and spread over the whole file."""
    at = data.index(first_point)
    close = data.index(closing, at)
    fixed = [1, 40, at - 30, at + 5, close + 3, close + 40]
    spread = (np.linspace(0.03, 0.999, 9) * len(data)).astype(int).tolist()
    return sorted({c for c in fixed + spread + [len(data) - 3] if 0 < c < len(data)})


@pytest.mark.parametrize(
    ("name", "first_point", "closing", "what"),
    [
        (RUN_GARMIN, b"<Trackpoint>", b"</Trackpoint>", "trackpoints"),
        (SAMPLE_TCX, b"<Trackpoint>", b"</Trackpoint>", "trackpoints"),
        (STRAVA_GPX, b"<trkpt ", b"</trkpt>", "track points"),
        ("tcx_gpx/gpx/run.gpx", b"<trkpt ", b"</trkpt>", "track points"),
    ],
)
def test_truncated_copies_salvage_or_fail_cleanly(
    shared_data, tmp_path, name, first_point, closing, what
):
    source = shared_data / name
    data = source.read_bytes()
    (full,) = read(source).recordings
    outcomes = set()
    for cut in _cuts(data, first_point, closing):
        path = tmp_path / f"cut{cut}{source.suffix}"
        path.write_bytes(data[:cut])
        try:
            result = read(path)
        except UnreadableFileError as exc:
            outcomes.add("error")
            message = str(exc)
            assert str(path) in message and "\n" not in message, message
            assert "unexpected" not in message, f"a reader bug: {message}"
            continue
        outcomes.add("salvaged")
        kept = data[:cut].count(closing)
        assert any(
            w.startswith(f"{path}: XML breaks") and f"kept {kept} {what}" in w
            for w in result.warnings
        ), result.warnings
        (rec,) = result.recordings
        assert_contract(rec, path)
        n = len(rec.records)
        assert 0 < n <= kept
        columns = ["t_s", "distance_m", "hr_bpm", "lat_deg", "altitude_m"]
        pd.testing.assert_frame_equal(rec.records[columns], full.records[columns].iloc[:n])
    assert outcomes == {"error", "salvaged"}


def _bomb(depth: int) -> str:
    """Nested entity declarations ("billion laughs"); small enough not to hurt if expanded."""
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, depth + 1)]
    return "<!DOCTYPE doc [\n" + "\n".join(lines) + "\n]>\n"


@pytest.mark.parametrize("name", [RUN_GARMIN, STRAVA_GPX])
@pytest.mark.parametrize(
    "doctype",
    [_bomb(5), '<!DOCTYPE doc [<!ENTITY lol0 SYSTEM "file:///etc/passwd">]>\n'],
    ids=["billion-laughs", "external-entity"],
)
def test_entity_declarations_are_refused(shared_data, tmp_path, name, doctype):
    source = shared_data / name
    declaration, rest = source.read_text().split("?>", 1)
    # a real file with the declarations before its root and the entity used in the first point
    rest = re.sub(r"(<(?:\w+:)?(?:ele|AltitudeMeters)>)", r"\1&lol0;", rest, count=1)
    path = tmp_path / f"bomb{source.suffix}"
    path.write_text(declaration + "?>\n" + doctype + rest)
    with pytest.raises(UnreadableFileError) as info:
        read(path)
    message = str(info.value)
    assert message.startswith(f"cannot read {path}: refused unsafe XML"), message


def test_tcx_without_activity(shared_data, tmp_path):
    path = tmp_path / "empty.tcx"
    path.write_text(
        f'<?xml version="1.0"?>\n<TrainingCenterDatabase xmlns="{TCX_NS[1:-1]}">'
        "<Activities/></TrainingCenterDatabase>"
    )
    with pytest.raises(UnreadableFileError, match="no Activity in this TCX file"):
        read(path)
    # a course: trackpoints, but under <Courses>, not an activity
    text = (shared_data / RUN_GARMIN).read_text()
    track = re.search(r"<Track>.*?</Track>", text, flags=re.DOTALL)[0]
    course = tmp_path / "course.tcx"
    course.write_text(
        f'<?xml version="1.0"?>\n<TrainingCenterDatabase xmlns="{TCX_NS[1:-1]}" '
        f'xmlns:ns3="{TPX_NS[1:-1]}"><Courses><Course><Name>loop</Name>{track}</Course>'
        "</Courses></TrainingCenterDatabase>"
    )
    with pytest.raises(UnreadableFileError) as info:
        read(course)
    assert str(info.value) == (
        f"cannot read {course}: no Activity in this TCX file (a course or workout?)"
    )


@pytest.mark.parametrize(
    "body",
    [
        '<wpt lat="52.1" lon="-0.45"><name>start</name></wpt><wpt lat="52.2" lon="-0.46"/>',
        '<rte><rtept lat="52.1" lon="-0.45"/><rtept lat="52.2" lon="-0.46"/></rte>',
        "<trk><trkseg/></trk>",
    ],
    ids=["waypoints", "route", "empty-track"],
)
def test_gpx_without_track_points(tmp_path, body):
    path = tmp_path / "places.gpx"
    path.write_text(f'<?xml version="1.0"?><gpx version="1.1" xmlns="{GPX_NS[1:-1]}">{body}</gpx>')
    with pytest.raises(UnreadableFileError) as info:
        read(path)
    assert str(info.value) == (
        f"cannot read {path}: no track points in this GPX file (routes or waypoints only?)"
    )


@pytest.mark.parametrize("name", [RUN_GARMIN, STRAVA_GPX, "tcx_gpx/tcx/malformed.tcx"])
def test_gzipped_copy_reads_like_the_original(shared_data, tmp_path, name):
    original = shared_data / name
    path = tmp_path / (original.name + ".gz")
    path.write_bytes(gzip.compress(original.read_bytes()))
    plain, zipped = read(original), read(path)
    (a,), (b,) = plain.recordings, zipped.recordings
    pd.testing.assert_frame_equal(a.records, b.records)
    assert b.source == a.source and b.start == a.start and b.device == a.device
    assert b.content_hash == a.content_hash  # the content's hash, not the wrapper's
    assert zipped.warnings == [w.replace(str(original), str(path)) for w in plain.warnings]


def test_cli_analyses_the_good_file_and_reports_the_bad_one(shared_data, tmp_path, db_url):
    from softstep.cli import app

    good = shared_data / RUN_GARMIN
    data = (shared_data / STRAVA_GPX).read_bytes()
    bad = tmp_path / "truncated-garbage.gpx"
    bad.write_bytes(data[: data.index(b"<trkpt ") + 20] + b"\x00\xff\xfe garbage \x1b[31m")
    result = CliRunner().invoke(
        app, ["analyze", str(good), str(bad), "--no-store", "--json", "--db", db_url]
    )
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stdout + result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [d["file"] for d in docs] == [str(good)]
    (run,) = docs[0]["runs"]
    assert run["source"] == "tcx" and run["sport"] == "running"
    assert run["summary"]["distance_m"] == pytest.approx(KNOWN["run_garmin.tcx"][1], rel=0.01)
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith(f"error: cannot read {bad}"), errors
    assert "unexpected" not in errors[0] and "internal error" not in errors[0]


@pytest.mark.parametrize("suffix", [".gpx", ".tcx"])
def test_points_without_a_readable_time_are_unreadable(tmp_path, suffix):
    path = tmp_path / f"untimed{suffix}"
    if suffix == ".gpx":
        path.write_text("<gpx><trk><trkseg><trkpt lat='1' lon='2'><time>never</time></trkpt>")
        problem = "its tracks hold no timed track points"
    else:
        path.write_text(
            '<TrainingCenterDatabase><Activities><Activity Sport="Running"><Lap><Track>'
            "<Trackpoint><Time>soon</Time><DistanceMeters>5</DistanceMeters></Trackpoint>"
        )
        problem = "its running activities hold no timed trackpoints"
    with pytest.raises(SoftstepError) as info:
        read(path)
    assert isinstance(info.value, UnreadableFileError)
    assert str(info.value) == f"cannot read {path}: {problem}"
