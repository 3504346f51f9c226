"""FIT reader: every real file in shared/data, the CSV twins, developer fields, broken input.

Files are found by glob at collection time, so a file added to shared/data/fit is tested too;
for files not named in EXPECTED only the general contract is checked (reads with sane units,
or fails with a one-line softstep error naming the file).
"""

from __future__ import annotations

import gzip
import hashlib
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from softstep.errors import NoRunningError, SoftstepError, UnreadableFileError
from softstep.model import RECORD_COLUMNS, Recording
from softstep.readers import read
from softstep.readers import fit as fitreader
from softstep.readers.fit import dev_field_column

try:  # the same folder the shared_data fixture yields, for collection-time globbing
    from conftest import _shared_data_dir
except ImportError:  # pragma: no cover - run from elsewhere
    _shared_data_dir = None


def _names(*patterns: str) -> list[str]:
    base = _shared_data_dir() if _shared_data_dir else None
    if base is None or not base.is_dir():
        return []
    found = {str(p.relative_to(base)) for pattern in patterns for p in base.glob(pattern)}
    return sorted(found)


FIT_FILES = _names("fit/**/*.fit", "fit/**/*.FIT", "tcx_gpx/**/*.fit")

# What each known file must give. "run": at least one running Recording; ("norun", sport):
# NoRunningError naming that sport; ("unreadable", words): UnreadableFileError containing them;
# ("salvage", words): read, with a warning naming the file and containing the words.
EXPECTED: dict[str, object] = {
    "2013-02-06-12-11-14.fit": "run",
    "Activity.fit": "run",
    "activity-small-fenix2-run.fit": "run",
    "activity-large-fenxi2-multisport.fit": "run",
    "activity-settings.fit": "run",
    "antfs-dump.63.fit": "run",
    "compressed-speed-distance.fit": "run",
    "developer-types-sample.fit": "run",
    "garmin-fenix-5-run.fit": "run",
    "garmin-fenix-5-basic.fit": "run",
    "run.fit": "run",
    "sample_mulitple_header.fit": "run",
    "2015-10-13-08-43-15.fit": ("norun", "cycling"),
    "20170518-191602-1740899583.fit": ("norun", "indoor_rowing"),
    "2019-02-17-062644-ELEMNT-297E-195-0.fit": ("norun", "cycling"),
    "Edge810-Vector-2013-08-16-15-35-10.fit": ("norun", "cycling"),
    "coros-pace-2-cycling-misaligned-fields.fit": ("norun", "cycling"),
    "elemnt-bolt-no-application-id-inside-developer-data-id.fit": ("norun", "cycling"),
    "event_timestamp.fit": ("norun", "swimming"),
    "garmin-edge-500-activity.fit": ("norun", "cycling"),
    "garmin-edge-820-bike.fit": ("norun", "cycling"),
    "garmin-fenix-5-bike.fit": ("norun", "cycling"),
    "garmin-fenix-5-walk.fit": ("norun", "walking"),
    "garmin-fr935-cr.fit": ("norun", "swimming"),
    "nick.fit": ("norun", "cycling"),  # truncated, no session: its sport message says cycling
    "null_compressed_speed_dist.fit": ("norun", "cycling"),
    "sample-activity-indoor-trainer.fit": ("norun", "cycling"),
    "sample-activity.fit": ("norun", "cycling"),
    "DeveloperData.fit": ("unreadable", "no timestamps"),
    "MonitoringFile.fit": ("unreadable", "no activity records (this is a monitoring"),
    "Settings.fit": ("unreadable", "no activity records (this is a settings file)"),
    "Settings2.fit": ("unreadable", "no activity records (this is a settings file)"),
    "nametest.FIT": ("unreadable", "no activity records (this is a settings file)"),
    "WeightScaleMultiUser.fit": ("unreadable", "no activity records (this is a weight file)"),
    "WeightScaleSingleUser.fit": ("unreadable", "no activity records (this is a weight file)"),
    "WorkoutCustomTargetValues.fit": ("unreadable", "this is a workout file"),
    "WorkoutIndividualSteps.fit": ("unreadable", "this is a workout file"),
    "WorkoutRepeatGreaterThanStep.fit": ("unreadable", "this is a workout file"),
    "WorkoutRepeatSteps.fit": ("unreadable", "this is a workout file"),
    "activity-activity-filecrc.fit": ("salvage", "CRC mismatch"),
    "activity-filecrc.fit": ("salvage", "CRC mismatch"),
    "activity-settings-corruptheader.fit": ("salvage", "byte 771 is not a valid FIT header"),
    "activity-settings-nodata.fit": ("salvage", "ends early at byte 784 (truncated)"),
    "activity-unexpected-eof.fit": ("salvage", "ends early at byte 768 (truncated)"),
    "strava-android-app-201.10-b1218918.fit": ("salvage", "local message 11 not defined"),
}


# --------------------------------------------------------------------------------------------
def assert_contract(rec: Recording, path: Path) -> None:
    """What every Recording promises: columns, dtypes, time axis, identity."""
    rec_df = rec.records
    assert list(rec_df.columns) == list(RECORD_COLUMNS)
    assert all(str(t) == "float64" for t in rec_df.dtypes)
    assert len(rec_df) > 0
    t = rec_df["t_s"].to_numpy()
    assert t[0] == 0.0 and np.all(np.diff(t) > 0), "t_s must start at 0 and strictly increase"
    assert rec.sport == "running"
    assert rec.path == str(path)
    assert rec.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rec.start is None or rec.start.utcoffset().total_seconds() == 0
    for warning in rec.warnings:
        assert path.name in warning and "\n" not in warning
    if rec.laps is not None:
        assert list(rec.laps.columns) == ["start_s", "end_s"]
        assert (rec.laps["end_s"] >= rec.laps["start_s"]).all()
        assert rec.laps["start_s"].between(0, t[-1]).all()


def assert_sane_units(records: pd.DataFrame) -> None:
    """Physical bounds everywhere; the brief's typical ranges while actually running.

    A units mistake (strides not doubled, ms left as ms, mm as cm) moves the whole
    interquartile range out of these bands; real glitches (one odd second) do not.
    """
    bounds = {
        "cadence_spm": (0, 260),
        "speed_m_per_s": (0, 15),
        "contact_s": (0.1, 0.8),
        "vertical_oscillation_cm": (0.2, 20),
        "step_length_m": (0.2, 2.5),
        "hr_bpm": (30, 230),
        "lat_deg": (-90, 90),
        "lon_deg": (-180, 180),
        "contact_pct": (20, 80),
        "contact_balance_left_pct": (30, 70),
        "vertical_ratio_pct": (1, 20),
        "leg_spring_stiffness_kn_per_m": (2, 40),
        "power_w": (0, 1000),
    }
    for column, (lo, hi) in bounds.items():
        values = records[column].dropna()
        assert values.between(lo, hi).all(), f"{column} outside [{lo}, {hi}]: {values.min()}..{values.max()}"
    speed = records["speed_m_per_s"]
    if speed.notna().any():
        assert speed.quantile(0.99) <= 8.0
    running = records[speed >= 2.0]
    moving_median = speed[speed > 0.5].median()
    if len(running) < 60 or not moving_median >= 2.0:
        return  # a walk-labelled-run or a stub: only the bounds apply
    typical = {
        "cadence_spm": (120, 220),
        "contact_s": (0.15, 0.40),
        "vertical_oscillation_cm": (4, 15),
        "speed_m_per_s": (2, 8),
    }
    for column, (lo, hi) in typical.items():
        values = running[column][running[column] > 0].dropna()
        if len(values) >= 30:
            q25, q75 = values.quantile([0.25, 0.75])
            assert lo <= q25 and q75 <= hi, f"{column} IQR {q25:.3f}..{q75:.3f} not in [{lo}, {hi}]"


def read_any(path: Path):
    """read(path), checking that only one-line softstep errors naming the file escape."""
    try:
        return read(path)
    except SoftstepError as exc:
        message = str(exc)
        assert path.name in message and "\n" not in message, message
        raise


# --------------------------------------------------------------------------------------------
def test_shared_fit_files_are_there(shared_data):
    assert len(list((shared_data / "fit").glob("*.fit"))) >= 40
    assert FIT_FILES, "collection found no FIT files"


@pytest.mark.parametrize("name", FIT_FILES)
def test_every_fit_file_reads_or_fails_cleanly(shared_data, name):
    path = shared_data / name
    expected = EXPECTED.get(path.name)
    kind = expected if isinstance(expected, str) or expected is None else expected[0]
    try:
        result = read_any(path)
    except NoRunningError as exc:
        assert kind in ("norun", None), f"{name}: unexpected {exc}"
        assert exc.found and f"no running activity in {path}" in str(exc)
        if kind == "norun":
            assert expected[1] in str(exc)
        return
    except UnreadableFileError as exc:
        assert kind in ("unreadable", None), f"{name}: unexpected {exc}"
        if kind == "unreadable":
            assert expected[1] in str(exc)
        return
    assert kind in ("run", "salvage", None), f"{name}: read, but expected {expected}"
    assert result.recordings
    for rec in result.recordings:
        assert rec.source == "fit"
        assert_contract(rec, path)
        assert_sane_units(rec.records)
    assert set(result.warnings) == {w for r in result.recordings for w in r.warnings}
    if kind == "salvage":
        assert any(path.name in w and expected[1] in w for w in result.warnings), result.warnings
    if kind == "run":
        assert not any("assumed" in w or "ends early" in w for w in result.warnings)


# --------------------------------------------------------------------------------------------
def _garmin_twin(shared_data: Path, stem: str) -> pd.DataFrame:
    csv = pd.read_csv(shared_data / "fit" / f"{stem}-records.csv")
    # "Sun Jun 11 07:34:09 PDT 2017": the zone only shifts all rows alike
    when = pd.to_datetime(
        csv["timestamp"].str.replace(r" P[DS]T ", " ", regex=True), format="%a %b %d %H:%M:%S %Y"
    )
    csv["t_s"] = (when - when.iloc[0]).dt.total_seconds()
    return csv


def test_fenix5_run_matches_its_csv_twin(shared_data):
    csv = _garmin_twin(shared_data, "garmin-fenix-5-run")
    (rec,) = read(shared_data / "fit" / "garmin-fenix-5-run.fit").recordings
    ours = rec.records
    assert len(ours) == len(csv)
    np.testing.assert_allclose(ours["t_s"], csv["t_s"])
    np.testing.assert_allclose(ours["speed_m_per_s"], csv["speed"])
    np.testing.assert_allclose(ours["distance_m"], csv["distance"])
    np.testing.assert_allclose(ours["hr_bpm"], csv["heart_rate"])
    np.testing.assert_allclose(ours["altitude_m"], csv["altitude"], atol=1e-9)
    np.testing.assert_allclose(ours["lat_deg"], csv["position_lat"] * 180 / 2**31)
    # the CSV has whole strides/min; we add fractional_cadence and double to steps/min
    steps = ours["cadence_spm"].to_numpy()
    assert np.all(steps >= 2 * csv["cadence"]) and np.all(steps < 2 * (csv["cadence"] + 1))
    assert np.median(steps[csv["speed"] > 2]) > 150  # steps, not strides
    assert rec.start.isoformat() == "2017-06-11T14:34:09+00:00"  # 07:34:09 PDT


def test_compressed_speed_distance_matches_its_csv_twin(shared_data):
    csv = pd.read_csv(shared_data / "fit" / "compressed-speed-distance-records.csv")
    csv.columns = ["timestamp", "hr", "speed", "distance", "cadence"]
    content = fitreader.decode(shared_data / "fit" / "compressed-speed-distance.fit")
    table = content.table().set_index("fit_time_s")
    # relative timestamps (device clock, < 0x10000000) are kept as such
    assert table.index.max() < fitreader.FIT_ABSOLUTE_MIN_S
    joined = table.loc[csv["timestamp"].astype(float)]
    np.testing.assert_allclose(joined["speed_m_per_s"], csv["speed"])
    np.testing.assert_allclose(joined["distance_m"], csv["distance"])
    np.testing.assert_allclose(joined["hr_bpm"], csv["hr"])
    np.testing.assert_allclose(joined["cadence_rpm"], csv["cadence"])  # NaN where "null"

    (rec,) = read(shared_data / "fit" / "compressed-speed-distance.fit").recordings
    assert rec.start is None  # only relative time: no absolute start
    t_first = table.index.min()
    at = (csv["timestamp"] - t_first).to_numpy(float)
    ours = rec.records.set_index("t_s").loc[at]
    np.testing.assert_allclose(ours["cadence_spm"], 2 * csv["cadence"])  # running: doubled


@pytest.mark.parametrize(
    "stem", ["garmin-edge-500-activity", "garmin-edge-820-bike", "garmin-fenix-5-bike", "garmin-fenix-5-walk"]
)
def test_non_running_twins_decode_like_their_csv(shared_data, stem):
    csv = _garmin_twin(shared_data, stem)
    table = fitreader.decode(shared_data / "fit" / f"{stem}.fit").table()
    assert len(table) == len(csv)
    np.testing.assert_allclose(table["fit_time_s"] - table["fit_time_s"].iloc[0], csv["t_s"])
    np.testing.assert_allclose(table["speed_m_per_s"], csv["speed"])
    np.testing.assert_allclose(table["distance_m"], csv["distance"])
    np.testing.assert_allclose(table["hr_bpm"], csv["heart_rate"])
    # cycling cadence is revolutions/min and is not doubled by decode; a FIT "invalid" value
    # is NaN for us and 0 in the twin
    ours, theirs = table["cadence_rpm"].to_numpy(), csv["cadence"].to_numpy(float)
    known = np.isfinite(ours)
    np.testing.assert_allclose(np.floor(ours[known]), theirs[known])
    assert np.all((theirs[~known] == 0) | np.isnan(theirs[~known]))


# --------------------------------------------------------------------------------------------
def test_stryd_developer_fields_on_real_file(shared_data):
    path = shared_data / "fit" / "developer-types-sample.fit"
    content = fitreader.decode(path)
    # Form Power (Watts) and Leg Spring Stiffness (KN/m) come from developer fields
    assert {"form_power_w", "leg_spring_stiffness_kn_per_m", "speed_m_per_s", "distance_m"} <= set(content.dev)
    (rec,) = read(path).recordings
    df = rec.records
    running = df[df["speed_m_per_s"] > 1.5]
    assert running["form_power_w"].notna().mean() > 0.9
    assert 40 < running["form_power_w"].median() < 150
    # Stryd leg spring stiffness of runners is roughly 6-15 kN/m
    assert 6 < running["leg_spring_stiffness_kn_per_m"].median() < 20
    assert (running["form_power_w"] < running["power_w"]).mean() > 0.95
    # native fields win over the developer copies of speed and distance
    native_speed = np.where(
        np.isfinite(content.native["enhanced_speed"]), content.native["enhanced_speed"], content.native["speed"]
    )
    np.testing.assert_allclose(df["speed_m_per_s"], native_speed)
    np.testing.assert_allclose(df["distance_m"], content.native["distance"])
    assert not np.allclose(content.dev["distance_m"], content.native["distance"], equal_nan=True)


STRYD_AND_RUNSCRIBE = [
    # (developer field name, units in the file) -> (column, scale)
    (("Power", "Watts"), ("power_w", 1.0)),
    (("Form Power", "Watts"), ("form_power_w", 1.0)),
    (("Ground Time", "Milliseconds"), ("contact_s", 0.001)),
    (("Ground Time", None), ("contact_s", 0.001)),
    (("Vertical Oscillation", "Centimeters"), ("vertical_oscillation_cm", 1.0)),
    (("Vertical Oscillation", "mm"), ("vertical_oscillation_cm", 0.1)),
    (("Leg Spring Stiffness", "KN/m"), ("leg_spring_stiffness_kn_per_m", 1.0)),
    (("Impact Loading Rate", "BW/s"), ("impact_loading_rate_bw_per_s", 1.0)),
    (("Cadence", "RPM"), ("cadence_spm", 1.0)),
    (("Cadence", "spm"), ("cadence_spm", 1.0)),
    (("Impact Gs", "G"), ("impact_g", 1.0)),
    (("Impact Gs L", "Gs"), ("impact_g_left", 1.0)),
    (("Impact Gs R", None), ("impact_g_right", 1.0)),
    (("impact_gs_left", "g"), ("impact_g_left", 1.0)),
    (("ImpactGsRight", "m/s^2"), ("impact_g_right", 1 / 9.80665)),
    (("L Impact Gs", "G"), ("impact_g_left", 1.0)),
    (("Braking Gs Left", "G"), ("braking_g_left", 1.0)),
    (("RS Braking Gs", "G"), ("braking_g", 1.0)),
    (("Footstrike Type", None), ("strike_type", 1.0)),
    (("Footstrike Type R", ""), ("strike_type_right", 1.0)),
    (("FS Type L", None), ("strike_type_left", 1.0)),
    (("Pronation Excursion", "Degrees"), ("pronation_deg", 1.0)),
    (("Pronation Excursion Right", "deg"), ("pronation_deg_right", 1.0)),
    (("Contact Time", "ms"), ("contact_s", 0.001)),
    (("Contact Time L", "ms"), ("contact_s_left", 0.001)),
    (("contact_time_right", "s"), ("contact_s_right", 1.0)),
    (("Impact", "G"), ("impact_g", 1.0)),
]


@pytest.mark.parametrize(("field", "expected"), STRYD_AND_RUNSCRIBE)
def test_developer_field_mapping(field, expected):
    name, units = field
    column, scale = dev_field_column(name, units)
    assert column == expected[0]
    assert scale == pytest.approx(expected[1])


@pytest.mark.parametrize(
    ("name", "units"),
    [
        ("Ground Time", "steps"),  # a unit foreign to the quantity
        ("Vertical Oscillation", "percent"),
        ("Impact", "BW"),  # Stryd impact in body weights: no g column for it
        ("Impact", None),  # ambiguous without a unit
        ("Power L", "Watts"),  # no per-foot power column
        ("Leg Spring Stiffness Balance", "%"),
        ("Impact Loading Rate Balance", "%"),
        ("Air Power", "Watts"),
        ("doughnuts_earned", "doughnuts"),
        ("live_activity_id", None),
    ],
)
def test_developer_fields_we_do_not_take(name, units):
    assert dev_field_column(name, units) is None


def _content(n: int, native: dict, dev: dict) -> fitreader.FitContent:
    full = {k: np.full(n, np.nan) for k in fitreader.NATIVE_RECORD_FIELDS if k != "timestamp"}
    full.update({k: np.asarray(v, float) for k, v in native.items()})
    return fitreader.FitContent(
        label="x.fit", time_s=np.arange(n, dtype=float), native=full,
        dev={k: np.asarray(v, float) for k, v in dev.items()},
    )


def test_per_foot_runscribe_values_average_into_the_run_value():
    content = _content(
        3,
        native={},
        dev={
            "impact_g_left": [8.0, 10.0, np.nan],
            "impact_g_right": [10.0, 12.0, 9.0],
            "contact_s_left": [0.25, 0.26, 0.27],
            "contact_s_right": [0.27, 0.28, 0.29],
            "strike_type_left": [3, 4, 0],  # 0: no value
            "strike_type_right": [5, 6, 7],
        },
    )
    cols = fitreader.converted_columns(content)
    np.testing.assert_allclose(cols["impact_g"], [9.0, 11.0, 9.0])
    np.testing.assert_allclose(cols["contact_s"], [0.26, 0.27, 0.28])
    np.testing.assert_allclose(cols["strike_type"], [4.0, 5.0, 7.0])


def test_native_running_dynamics_win_over_developer_fields_and_units_convert():
    content = _content(
        2,
        native={"stance_time": [250.0, 0.0], "vertical_oscillation": [85.0, 90.0],
                "step_length": [1100.0, 1200.0], "cadence": [85, 86], "fractional_cadence": [0.5, 0]},
        dev={"contact_s": [0.3, 0.31], "vertical_oscillation_cm": [7.0, 7.1]},
    )
    cols = fitreader.converted_columns(content)
    np.testing.assert_allclose(cols["contact_s"], [0.25, 0.31])  # native 0 = no value: dev fills
    np.testing.assert_allclose(cols["vertical_oscillation_cm"], [8.5, 9.0])
    np.testing.assert_allclose(cols["step_length_m"], [1.1, 1.2])
    np.testing.assert_allclose(cols["_cadence_rpm"], [85.5, 86.0])


# --------------------------------------------------------------------------------------------
def test_multisport_file_gives_each_running_session(shared_data):
    result = read(shared_data / "fit" / "activity-large-fenxi2-multisport.fit")
    assert [r.session_index for r in result.recordings] == [2, 4]
    assert result.skipped == [
        "session 1 of 7: generic",
        "session 2 of 7: transition",
        "session 4 of 7: transition",
        "session 6 of 7: transition",
        "session 7 of 7: cycling",
    ]
    first, second = result.recordings
    # each run spans its own session (total_elapsed_time 2294.84 s and 6764.48 s)
    assert abs(first.duration_s - 2294.84) < 5 and abs(second.duration_s - 6764.48) < 5
    assert first.start.isoformat() == "2015-08-29T10:36:00+00:00"
    assert first.content_hash == second.content_hash


def test_chained_fit_file_reads_the_run_after_swim_and_bike(shared_data):
    result = read(shared_data / "fit" / "sample_mulitple_header.fit")
    (run,) = result.recordings
    assert run.session_index == 4 and len(result.skipped) == 4
    assert "session 3 of 5: cycling" in result.skipped
    assert 160 < run.records["cadence_spm"].median() < 175


def test_laps_of_the_sample_run(shared_data):
    (rec,) = read(shared_data / "fit" / "activity-small-fenix2-run.fit").recordings
    laps = rec.laps
    assert len(laps) == 4
    # the first lap message starts 1 s after the first record (14:45:09 vs 14:45:08)
    assert laps["start_s"].iloc[0] == 1.0 and laps["start_s"].is_monotonic_increasing
    assert laps["end_s"].iloc[-1] <= rec.duration_s + 1e-9


def test_strava_app_file_keeps_records_before_corruption_and_drops_garbage(shared_data):
    path = shared_data / "fit" / "strava-android-app-201.10-b1218918.fit"
    (rec,) = read(path).recordings
    # the record decoded from the corrupt bytes says 2085 and 38.9 m/s: outside the session
    assert rec.records["speed_m_per_s"].max() < 4
    assert rec.duration_s < 3600
    # Strava writes position and distance as two records per second: merged into one row
    assert rec.records["distance_m"].notna().mean() > 0.9 and rec.records["lat_deg"].notna().mean() > 0.9


# --------------------------------------------------------------------------------------------
def _expect_unreadable(path: Path, *words: str, **kwargs) -> UnreadableFileError:
    with pytest.raises(UnreadableFileError) as info:
        read(path, **kwargs)
    message = str(info.value)
    assert path.name in message and "\n" not in message
    for word in words:
        assert word in message, message
    return info.value


def test_empty_file(tmp_path):
    path = tmp_path / "empty.fit"
    path.write_bytes(b"")
    _expect_unreadable(path, "empty")


def test_too_large_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.fit"
    path.write_bytes(b"\x0e" * 2000)
    _expect_unreadable(path, "too large", "1,000", max_bytes=1000)


def test_too_large_once_decompressed(tmp_path, shared_data):
    path = tmp_path / "run.fit.gz"
    path.write_bytes(gzip.compress((shared_data / "fit" / "garmin-fenix-5-run.fit").read_bytes()))
    _expect_unreadable(path, "too large", max_bytes=3000)


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.fit"
    path.write_bytes(random.Random(7).randbytes(4096))
    _expect_unreadable(path, "not a FIT file")


def test_text_renamed_fit(tmp_path):
    path = tmp_path / "notes.fit"
    path.write_text("these are my running notes, not a watch file\n" * 30)
    _expect_unreadable(path, "not a FIT file", "text")


def test_missing_file_and_folder(tmp_path):
    _expect_unreadable(tmp_path / "nowhere.fit", "no such file")
    folder = tmp_path / "folder.fit"
    folder.mkdir()
    _expect_unreadable(folder, "folder")


def test_gzipped_fit_reads_like_the_original(tmp_path, shared_data):
    original = shared_data / "fit" / "garmin-fenix-5-run.fit"
    path = tmp_path / "garmin-fenix-5-run.fit.gz"
    path.write_bytes(gzip.compress(original.read_bytes()))
    (plain,) = read(original).recordings
    (zipped,) = read(path).recordings
    pd.testing.assert_frame_equal(plain.records, zipped.records)
    assert zipped.content_hash == plain.content_hash  # hash of the content, not the wrapper


def test_fit_without_fit_suffix_is_sniffed(tmp_path, shared_data):
    path = tmp_path / "activity.bin"
    path.write_bytes((shared_data / "fit" / "garmin-fenix-5-run.fit").read_bytes())
    assert read(path).recordings[0].source == "fit"


def test_truncated_copies_salvage_or_fail_cleanly(tmp_path, shared_data):
    data = (shared_data / "fit" / "garmin-fenix-5-run.fit").read_bytes()
    outcomes = set()
    for cut in range(1, len(data), 97):
        path = tmp_path / f"cut{cut}.fit"
        path.write_bytes(data[:cut])
        try:
            result = read_any(path)
        except (UnreadableFileError, NoRunningError):
            outcomes.add("error")
            continue
        outcomes.add("salvaged")
        assert any(path.name in w and "truncated" in w for w in result.warnings), result.warnings
        for rec in result.recordings:
            assert_contract(rec, path)
    assert outcomes == {"error", "salvaged"}


def test_corrupted_bytes_never_escape_as_other_errors(tmp_path, shared_data):
    data = bytearray((shared_data / "fit" / "activity-small-fenix2-run.fit").read_bytes()[:20000])
    rng = random.Random(11)
    for i in range(15):
        broken = bytearray(data)
        for _ in range(5):
            broken[rng.randrange(14, len(broken))] = rng.randrange(256)
        path = tmp_path / f"flip{i}.fit"
        path.write_bytes(bytes(broken))
        try:
            result = read_any(path)
        except (UnreadableFileError, NoRunningError):
            continue
        for rec in result.recordings:
            assert_contract(rec, path)
