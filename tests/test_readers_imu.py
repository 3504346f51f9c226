"""Inertial reader: real recordings in shared/data, Sensor Logger and phyphox layouts, generic
CSV / Parquet, units, time, saturation and every kind of bad input.

Expected values come from an independent parse of the same file (pandas / numpy on the raw
columns) or, for synthetic files, from the arrays the file was written from; never from the
reader's own output. Synthetic Sensor Logger and phyphox files follow the documented layouts:
Sensor Logger ``time,seconds_elapsed,z,y,x`` with ``time`` in ns since the epoch and m/s² /
rad/s (github.com/tszheichoi/awesome-sensor-logger UNITS.md); phyphox quoted headers, Java
``0.000000000E0`` numbers, ``<set>.csv`` + ``meta/time.csv`` in the zip (phyphox-android
DataExport.java).
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from softstep.errors import UnreadableFileError
from softstep.model import IMU_COLUMNS, RECORD_COLUMNS, Recording
from softstep.readers import read
from softstep.readers.imu import clipped_mask, detect_saturation, placement_from_name

try:  # the same folder the shared_data fixture yields, for collection-time globbing
    from conftest import _shared_data_dir
except ImportError:  # pragma: no cover - run from elsewhere
    _shared_data_dir = None

G0 = 9.80665
ANKLE_HIP = "ankle_hip_outdoor_run/acc_running.csv.gz"
SACRAL = "sacral_grf_treadmill/data/Sample_test_data.csv"


def _foot_trials() -> list[str]:
    base = _shared_data_dir() if _shared_data_dir else None
    if base is None or not (base / "foot_imu_running" / "csv").is_dir():
        return ["2017-11-27-11-18-11"]  # the fixture skips (or fails in CI) without the data
    return sorted(
        p.stem for p in (base / "foot_imu_running" / "csv").glob("*.csv")
        if not p.stem.endswith("_zv_intervals")
    )


def expect_unreadable(path: Path, *fragments: str, **options) -> UnreadableFileError:
    with pytest.raises(UnreadableFileError) as caught:
        read(path, **options)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return caught.value


def check_contract(rec: Recording) -> None:
    """What every inertial Recording promises, whatever the file."""
    assert rec.source == "imu" and rec.sport == "running"
    assert list(rec.samples.columns) == list(IMU_COLUMNS)
    assert rec.samples["t_s"].dtype == np.float64  # axes: float32 (half the memory)
    assert all(rec.samples[c].dtype == np.float32 for c in list(IMU_COLUMNS)[1:])
    assert list(rec.records.columns) == list(RECORD_COLUMNS) and len(rec.records) == 0
    t = rec.samples["t_s"].to_numpy()
    assert t[0] == 0.0
    np.testing.assert_allclose(np.diff(t), 1.0 / rec.sample_rate_hz, rtol=1e-9)
    assert rec.content_hash and len(rec.content_hash) == 64
    assert all(str(rec.path) in w for w in rec.warnings)


# --------------------------------------------------------------------------------------------
# Synthetic signals and file writers


def running(fs: float, seconds: float, seed: int = 0, still_s: float = 2.0):
    """A sacral-like running trace: ``still_s`` standing, then 2.8 steps/s, in g and rad/s.

    Gravity lies along a tilted device axis so that every axis carries signal."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * fs)) / fs
    moving = t >= still_s
    bounce = np.where(moving, 1.6 * np.clip(np.sin(2 * np.pi * 2.8 * t), 0, None) ** 3 - 0.5, 0)
    vertical = 1.0 + bounce + rng.normal(0, 0.003, t.size)
    sway = np.where(moving, 0.3 * np.sin(2 * np.pi * 1.4 * t), 0) + rng.normal(0, 0.003, t.size)
    fore = np.where(moving, 0.2 * np.sin(2 * np.pi * 2.8 * t + 1), 0) + rng.normal(0, 0.003, t.size)
    c, s = np.cos(0.4), np.sin(0.4)
    acc = np.column_stack([sway, c * fore - s * vertical, s * fore + c * vertical])
    gyr = np.column_stack([
        np.where(moving, 2.0 * np.sin(2 * np.pi * 1.4 * t), 0),
        np.where(moving, 1.0 * np.sin(2 * np.pi * 2.8 * t), 0),
        np.where(moving, 0.5 * np.sin(2 * np.pi * 1.4 * t + 0.5), 0),
    ]) + rng.normal(0, 0.002, (t.size, 3))
    return t, acc, gyr


def write_csv(path: Path, columns: dict[str, np.ndarray], fmt: str = "%.6f") -> Path:
    pd.DataFrame(columns).to_csv(path, index=False, float_format=fmt)
    return path


def generic(path: Path, t, acc=None, gyr=None, names=("acc_{}", "gyr_{}"), time="time_s",
            **fmt) -> Path:
    cols = {time: t}
    for block, pattern in ((acc, names[0]), (gyr, names[1])):
        if block is not None:
            cols.update({pattern.format(a): block[:, i] for i, a in enumerate("xyz")})
    return write_csv(path, cols, **fmt)


def sensor_logger_table(t_ns: np.ndarray, xyz: np.ndarray) -> str:
    """One Sensor Logger sensor file: time (ns since the epoch), seconds_elapsed, z, y, x."""
    elapsed = (t_ns - t_ns[0]) / 1e9
    rows = [
        f"{tn},{se!r},{z!r},{y!r},{x!r}"
        for tn, se, (x, y, z) in zip(t_ns.tolist(), elapsed.tolist(), xyz.tolist(), strict=True)
    ]
    return "time,seconds_elapsed,z,y,x\n" + "\n".join(rows) + "\n"


def java_sci(value: float, decimal: str = ".") -> str:
    """phyphox's number format, Java DecimalFormat "0.000000000E0" (e.g. 1.234567890E-2)."""
    if not np.isfinite(value):
        return "NaN"
    mantissa, exponent = f"{value:.9E}".split("E")
    return f"{mantissa}E{int(exponent)}".replace(".", decimal)


def phyphox_table(columns: dict[str, np.ndarray], sep: str = ",", decimal: str = ".") -> str:
    header = sep.join(f'"{name}"' for name in columns)
    rows = zip(*columns.values(), strict=True)
    body = "\n".join(sep.join(java_sci(v, decimal) for v in row) for row in rows)
    return header + "\n" + body + "\n"


def make_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


# --------------------------------------------------------------------------------------------
# Real recordings


@pytest.fixture(scope="module")
def ankle_hip(shared_data):
    path = shared_data / ANKLE_HIP
    raw = pd.read_csv(path)
    return path, raw, read(path, sample_rate_hz=100)


def test_ankle_and_hip_become_two_recordings(ankle_hip):
    _, raw, result = ankle_hip
    by_sensor = {rec.info["sensor"]: rec for rec in result.recordings}
    assert set(by_sensor) == set(raw["loc_id"].unique()) == {"left_ankle", "left_hip"}
    assert [r.session_index for r in result.recordings] == [0, 1]
    for name, rec in by_sensor.items():
        check_contract(rec)
        own = raw[raw["loc_id"] == name]
        assert len(rec.samples) == len(own) == 150_000
        assert rec.sample_rate_hz == 100.0 and rec.start is None
        assert not rec.info["resampled"]
        for axis in "xyz":  # x, y, z are g already: the values are the file's
            np.testing.assert_allclose(rec.samples[f"acc_{axis}_g"], own[axis], atol=1e-6)
        assert rec.samples[["gyr_x_rad_per_s", "gyr_y_rad_per_s"]].isna().all().all()
        assert rec.info["acc_units"].startswith("g (detected from a median |a| of 1.0")
        assert rec.info["side"] == "L"
    assert by_sensor["left_ankle"].placement == "shank"
    assert by_sensor["left_hip"].placement == "waist"
    assert "left_ankle" in by_sensor["left_ankle"].info["placement_source"]


def test_ankle_clips_at_8_g_and_the_hip_does_not(ankle_hip):
    _, raw, result = ankle_hip
    by_sensor = {rec.info["sensor"]: rec for rec in result.recordings}
    ankle, hip = by_sensor["left_ankle"], by_sensor["left_hip"]
    own = raw[raw["loc_id"] == "left_ankle"][["x", "y", "z"]].to_numpy()
    at_level = np.any(np.abs(own) >= 8.0 * 0.995, axis=1)  # the file's own values, ±8 g range
    assert ankle.info["acc_saturation_g"] == 8.0
    assert ankle.info["acc_saturated_axes"] == ["x", "y"]
    assert ankle.info["acc_clipped_fraction"] == pytest.approx(at_level.mean(), abs=1e-6)
    mask = clipped_mask(ankle.samples)
    assert mask.dtype == bool and mask.shape == (150_000,)
    np.testing.assert_array_equal(mask, at_level)
    assert any("saturates at ±8 g" in w and "left_ankle" in w for w in ankle.warnings)
    assert hip.info["acc_saturation_g"] is None and hip.info["acc_clipped_fraction"] == 0.0
    assert not clipped_mask(hip.samples).any()
    # without the reader's note the level is found again from the samples themselves
    bare = ankle.samples.copy()
    bare.attrs.clear()
    np.testing.assert_array_equal(clipped_mask(bare), at_level)


def test_ankle_hip_needs_a_rate_because_its_time_column_is_constant(shared_data):
    err = expect_unreadable(shared_data / ANKLE_HIP, "date_time", "one value", "sample_rate_hz")
    assert "sensor left_hip" in err.problem


@pytest.mark.parametrize("trial", _foot_trials())
def test_foot_imu_trials(shared_data, trial):
    path = shared_data / "foot_imu_running" / "csv" / f"{trial}.csv"
    raw = pd.read_csv(path)
    (rec,) = read(path).recordings
    check_contract(rec)
    dt = np.diff(raw["t_s"].to_numpy())
    assert rec.sample_rate_hz == pytest.approx(1.0 / dt.mean(), rel=1e-4)
    assert 199.9 < rec.sample_rate_hz < 200.1
    assert rec.info["median_dt_ms"] == pytest.approx(np.median(dt) * 1e3, abs=1e-3)
    assert rec.info["gaps"] == 0 and not rec.info["resampled"]
    assert rec.info["time_units"].startswith("t_s: s from the start")
    assert rec.info["acc_units"].startswith("m/s²")
    assert rec.info["gyr_units"].startswith("rad/s")
    assert len(rec.samples) == len(raw)
    for axis in "xyz":
        np.testing.assert_allclose(rec.samples[f"acc_{axis}_g"], raw[f"a{axis}"] / G0, rtol=1e-6)
        np.testing.assert_allclose(rec.samples[f"gyr_{axis}_rad_per_s"], raw[f"g{axis}"],
                                   rtol=1e-6, atol=1e-7)
    assert rec.placement is None  # a date says nothing about where the sensor was


def test_sacral_trace_in_ms_and_m_per_s2(shared_data):
    path = shared_data / SACRAL
    raw = pd.read_csv(path)
    (rec,) = read(path).recordings
    check_contract(rec)
    t_ms = raw["System_Timestamp_Plot_Zeroed"].to_numpy()
    assert rec.sample_rate_hz == pytest.approx(1000 * (len(t_ms) - 1) / (t_ms[-1] - t_ms[0]),
                                               rel=1e-4)
    assert "ms from the start" in rec.info["time_units"]
    assert rec.info["acc_units"].startswith("m/s²")
    np.testing.assert_allclose(rec.samples["acc_x_g"], raw["Accel_LN_X"] / G0, rtol=1e-6)
    assert rec.samples[["gyr_x_rad_per_s", "gyr_z_rad_per_s"]].isna().all().all()


# --------------------------------------------------------------------------------------------
# Sensor Logger


T0_NS = 1_700_000_000_123_000_000


def _sensor_logger_streams(fs=100.0, seconds=12.0, seed=3):
    t, acc_g, gyr = running(fs, seconds, seed)
    rng = np.random.default_rng(seed)
    jitter = rng.integers(-200_000, 200_000, t.size)  # ±0.2 ms, as phones deliver
    t_ns = T0_NS + np.round(t * 1e9).astype(np.int64) + jitter
    gravity = np.tile(acc_g[: int(2 * fs)].mean(axis=0), (t.size, 1))  # still part = gravity
    return t_ns, acc_g * G0, gravity * G0, gyr


def test_sensor_logger_zip_prefers_total_acceleration(tmp_path):
    t_ns, total, gravity, gyr = _sensor_logger_streams()
    user = total - gravity
    gyr_t = t_ns + 3_000_000  # the gyroscope ticks 3 ms after the accelerometer
    path = make_zip(tmp_path / "2024-05-01_10-00-00.zip", {
        "TotalAcceleration.csv": sensor_logger_table(t_ns, total),
        "Accelerometer.csv": sensor_logger_table(t_ns, user + 5.0),  # must not be used
        "Gravity.csv": sensor_logger_table(t_ns, gravity),
        "Gyroscope.csv": sensor_logger_table(gyr_t, gyr),
        "Magnetometer.csv": sensor_logger_table(t_ns, gravity * 40),  # not an IMU stream
        "Metadata.csv": "version,device name,recording time,platform\n"
                        "3,Pixel 7,2024-05-01,android\n",
    })
    (rec,) = read(path).recordings
    check_contract(rec)
    assert rec.info["format"] == "sensor_logger"
    assert rec.device == "Sensor Logger (Pixel 7, android)"
    assert rec.start == datetime.fromtimestamp(T0_NS / 1e9, UTC).replace(
        microsecond=rec.start.microsecond)
    assert abs(rec.start.timestamp() - t_ns[0] / 1e9) < 1e-5
    assert rec.info["time_units"].startswith("time: ns since the epoch")
    assert rec.info["acc_units"].startswith("m/s² (Sensor Logger")
    assert rec.info["gravity"] == "included"
    assert 99.5 < rec.sample_rate_hz < 100.5
    # values: the grid times are the accelerometer's clock; compare there
    t_grid = t_ns[0] / 1e9 + rec.samples["t_s"].to_numpy()
    t_acc = t_ns / 1e9
    for i, axis in enumerate("xyz"):
        expected = np.interp(t_grid, t_acc, total[:, i]) / G0
        np.testing.assert_allclose(rec.samples[f"acc_{axis}_g"], expected, atol=0.05)
        g_expected = np.interp(t_grid, gyr_t / 1e9, gyr[:, i], left=np.nan, right=np.nan)
        got = rec.samples[f"gyr_{axis}_rad_per_s"].to_numpy()
        ok = np.isfinite(g_expected)
        np.testing.assert_allclose(got[ok], g_expected[ok], atol=0.05)
        assert np.isnan(got[~ok]).all()


def test_sensor_logger_ios_adds_gravity(tmp_path):
    t_ns, total, gravity, gyr = _sensor_logger_streams(seed=4)
    folder = "2024-05-01_10-00-00/"  # some exports keep the recording's folder in the zip
    path = make_zip(tmp_path / "ios.zip", {
        folder + "Accelerometer.csv": sensor_logger_table(t_ns, total - gravity),
        folder + "Gravity.csv": sensor_logger_table(t_ns, gravity),
        folder + "Gyroscope.csv": sensor_logger_table(t_ns, gyr),
        folder + "Metadata.csv": "device name,platform\niPhone 13,ios\n",
    })
    (rec,) = read(path).recordings
    assert rec.info["gravity"] == f"added from {folder}Gravity.csv"
    assert rec.device == "Sensor Logger (iPhone 13, ios)"
    mag = np.linalg.norm(rec.samples[["acc_x_g", "acc_y_g", "acc_z_g"]].to_numpy()[:150], axis=1)
    np.testing.assert_allclose(mag, 1.0, atol=0.02)  # standing: gravity is back, 1 g


def test_sensor_logger_accelerometer_alone_warns_no_gravity(tmp_path):
    t_ns, total, gravity, _ = _sensor_logger_streams(seed=5)
    path = tmp_path / "Accelerometer.csv"
    path.write_text(sensor_logger_table(t_ns, total - gravity))
    (rec,) = read(path).recordings
    assert rec.info["gravity"] == "absent"
    assert any("no gravity" in w for w in rec.warnings)
    assert rec.info["acc_units"].startswith("m/s²")


def test_sensor_logger_total_acceleration_csv_alone(tmp_path):
    t_ns, total, _, _ = _sensor_logger_streams(seed=6)
    path = tmp_path / "TotalAcceleration.csv"
    path.write_text(sensor_logger_table(t_ns, total))
    (rec,) = read(path).recordings
    check_contract(rec)
    assert rec.info["format"] == "sensor_logger" and rec.start is not None
    still = rec.samples.iloc[:150][["acc_x_g", "acc_y_g", "acc_z_g"]].to_numpy()
    np.testing.assert_allclose(np.linalg.norm(still, axis=1), 1.0, atol=0.02)


def test_sensor_logger_table_with_an_unknown_name(tmp_path):
    t_ns, total, _, _ = _sensor_logger_streams(seed=7)
    path = tmp_path / "export.zip"
    make_zip(path, {"Magnetometer.csv": sensor_logger_table(t_ns, total)})
    expect_unreadable(path, "Magnetometer.csv: a Sensor Logger table whose name does not say")


# --------------------------------------------------------------------------------------------
# phyphox


def test_phyphox_acceleration_with_g_csv(tmp_path):
    t, acc_g, _ = running(200.0, 10.0, seed=8)
    acc = acc_g * G0
    path = tmp_path / "Raw Data.csv"
    path.write_text(phyphox_table({
        "Time (s)": t,
        "Acceleration x (m/s^2)": acc[:, 0],
        "Acceleration y (m/s^2)": acc[:, 1],
        "Acceleration z (m/s^2)": acc[:, 2],
        "Absolute acceleration (m/s^2)": np.linalg.norm(acc, axis=1),
    }))
    (rec,) = read(path).recordings
    check_contract(rec)
    assert rec.info["format"] == "phyphox" and rec.device == "phyphox"
    assert rec.info["acc_units"].startswith("m/s² (from the column names")
    assert rec.sample_rate_hz == pytest.approx(200.0, rel=1e-6)
    for i, axis in enumerate("xyz"):
        np.testing.assert_allclose(rec.samples[f"acc_{axis}_g"], acc[:, i] / G0, rtol=1e-6,
                                   atol=1e-7)


def test_phyphox_semicolon_and_decimal_comma(tmp_path):
    t, _, gyr = running(100.0, 8.0, seed=9)
    path = tmp_path / "Raw Data.csv"
    path.write_text(phyphox_table({
        "Time (s)": t,
        "Gyroscope x (rad/s)": gyr[:, 0],
        "Gyroscope y (rad/s)": gyr[:, 1],
        "Gyroscope z (rad/s)": gyr[:, 2],
    }, sep=";", decimal=","))
    (rec,) = read(path).recordings
    check_contract(rec)
    assert rec.info["gyr_units"].startswith("rad/s (from the column names")
    np.testing.assert_allclose(rec.samples["gyr_x_rad_per_s"], gyr[:, 0], atol=1e-6)
    assert rec.samples["acc_x_g"].isna().all()


def test_phyphox_zip_of_sets_with_its_start_time(tmp_path):
    t, acc_g, gyr = running(100.0, 10.0, seed=10)
    acc = acc_g * G0
    gyr_t = t + 0.004
    start = 1_714_557_600.25
    time_csv = ('"event","experiment time","system time","system time text"\n'
                f'"START",{java_sci(0.0)},{start:.3f},"2024-05-01 10:00:00.250 UTC+00:00"\n')
    path = make_zip(tmp_path / "phyphox 2024-05-01 12-00-00.zip", {
        "Accelerometer.csv": phyphox_table({
            "Time (s)": t, "Acceleration x (m/s^2)": acc[:, 0],
            "Acceleration y (m/s^2)": acc[:, 1], "Acceleration z (m/s^2)": acc[:, 2]}),
        "Gyroscope.csv": phyphox_table({
            "Time (s)": gyr_t, "Gyroscope x (rad/s)": gyr[:, 0],
            "Gyroscope y (rad/s)": gyr[:, 1], "Gyroscope z (rad/s)": gyr[:, 2]}),
        "meta/time.csv": time_csv,
        "meta/device.csv": '"property","value"\n"deviceModel","Pixel 7"\n',
    })
    (rec,) = read(path).recordings
    check_contract(rec)
    assert rec.info["format"] == "phyphox" and rec.device == "phyphox (Pixel 7)"
    assert rec.start.timestamp() == pytest.approx(start, abs=1e-6)
    expected = np.interp(t, gyr_t, gyr[:, 1], left=np.nan)
    got = rec.samples["gyr_y_rad_per_s"].to_numpy()
    assert np.isnan(got[0]) and np.isnan(expected[0])  # before the first gyroscope sample
    np.testing.assert_allclose(got[1:], expected[1:], atol=1e-6)


def test_phyphox_linear_acceleration_has_no_gravity(tmp_path):
    t, acc_g, _ = running(100.0, 6.0, seed=11)
    lin = (acc_g - acc_g[:100].mean(axis=0)) * G0
    path = tmp_path / "Raw Data.csv"
    path.write_text(phyphox_table({"Time (s)": t, **{
        f"Linear Acceleration {a} (m/s^2)": lin[:, i] for i, a in enumerate("xyz")}}))
    (rec,) = read(path).recordings
    assert rec.info["gravity"] == "absent" and any("no gravity" in w for w in rec.warnings)


# --------------------------------------------------------------------------------------------
# Generic CSV / Parquet, units, names


def test_generic_names_with_unit_suffixes(tmp_path):
    t, acc_g, gyr = running(100.0, 10.0, seed=12)
    path = generic(tmp_path / "run.csv", t, acc_g * G0, np.degrees(gyr),
                   names=("acc_{}_m_s2", "gyr_{}_deg_s"))
    (rec,) = read(path).recordings
    assert rec.info["acc_units"].startswith("m/s² (from the column names")
    assert rec.info["gyr_units"].startswith("deg/s (from the column names")
    np.testing.assert_allclose(rec.samples["acc_z_g"], acc_g[:, 2], atol=2e-6)
    np.testing.assert_allclose(rec.samples["gyr_x_rad_per_s"], gyr[:, 0], atol=1e-6)


@pytest.mark.parametrize(("acc_scale", "gyr_scale", "acc_text", "gyr_text"), [
    (1.0, 1.0, "g (detected", "rad/s (detected"),
    (G0, 180 / np.pi, "m/s² (detected", "deg/s (detected"),
])
def test_units_detected_from_the_data(tmp_path, acc_scale, gyr_scale, acc_text, gyr_text):
    t, acc_g, gyr = running(100.0, 10.0, seed=13)
    path = generic(tmp_path / "plain.csv", t, acc_g * acc_scale, gyr * gyr_scale,
                   names=("a{}", "g{}"), time="t")
    (rec,) = read(path).recordings
    assert rec.info["acc_units"].startswith(acc_text)
    assert "while still" in rec.info["acc_units"]
    assert rec.info["gyr_units"].startswith(gyr_text)
    np.testing.assert_allclose(rec.samples["acc_y_g"], acc_g[:, 1], atol=2e-6)
    np.testing.assert_allclose(rec.samples["gyr_z_rad_per_s"], gyr[:, 2], atol=2e-5)


def test_explicit_units_win_and_contradictions_are_refused(tmp_path):
    t, acc_g, gyr = running(100.0, 10.0, seed=14)
    path = generic(tmp_path / "ms2.csv", t, acc_g * G0, gyr * 180 / np.pi)
    (rec,) = read(path, acc_units="m/s2", gyr_units="deg/s").recordings
    assert rec.info["acc_units"].startswith("m/s² (given")
    assert rec.info["gyr_units"].startswith("deg/s (given")
    expect_unreadable(path, "you said g but |a| is 9.8 — m/s²?", acc_units="g")
    expect_unreadable(path, "you said rad/s but |ω| p99 is", "— deg/s?", gyr_units="rad/s")
    in_g = generic(tmp_path / "g.csv", t, acc_g, gyr)
    expect_unreadable(in_g, "you said m/s² but |a| is 1.0 — g?", acc_units="m/s2")
    expect_unreadable(in_g, "you said deg/s but |ω| p99 is", "— rad/s?", gyr_units="deg/s")
    labelled = generic(tmp_path / "labelled.csv", t, acc_g * G0, names=("acc_{}_g", "gyr_{}"))
    expect_unreadable(labelled, "the column names say g but |a| is 9.8 — m/s²?")


@pytest.mark.parametrize(("option", "value", "fragment"), [
    ("acc_units", "furlongs", "unknown accelerometer units 'furlongs'"),
    ("gyr_units", "rpm", "unknown gyroscope units 'rpm'"),
    ("placement", "knee", "unknown placement 'knee'"),
    ("sample_rate_hz", -5, "sample rate must be a positive number"),
])
def test_unknown_options(tmp_path, option, value, fragment):
    t, acc_g, _ = running(100.0, 5.0)
    expect_unreadable(generic(tmp_path / "run.csv", t, acc_g), fragment, **{option: value})


def test_placement_given_and_from_the_file_name(tmp_path):
    t, acc_g, gyr = running(100.0, 5.0)
    path = generic(tmp_path / "left_shoe_run.csv", t, acc_g, gyr)
    (rec,) = read(path).recordings
    assert rec.placement == "foot" and rec.info["side"] == "L"
    (rec,) = read(path, placement="shank").recordings
    assert rec.placement == "shank" and rec.info["placement_source"] == "given"


def test_sensor_column_splits_recordings_with_placements(tmp_path):
    t, acc_g, _ = running(100.0, 6.0, seed=15)
    n = t.size
    frame = pd.DataFrame({
        "sensor": ["right_shin"] * n + ["lower_back"] * n,
        "timestamp": np.concatenate([t, t]),
        "ax": np.concatenate([acc_g[:, 0], -acc_g[:, 0]]),
        "ay": np.concatenate([acc_g[:, 1], acc_g[:, 1]]),
        "az": np.concatenate([acc_g[:, 2], acc_g[:, 2]]),
    })
    path = tmp_path / "two.csv"
    frame.to_csv(path, index=False)
    shin, back = read(path).recordings
    assert (shin.placement, shin.info["side"], back.placement) == ("shank", "R", "sacrum")
    np.testing.assert_allclose(back.samples["acc_x_g"], -acc_g[:, 0], atol=1e-6)


def test_spaces_after_commas_and_comment_lines(tmp_path):
    t, acc_g, _ = running(100.0, 6.0, seed=26)
    rows = "".join(f"{a:.2f}, {x:.5f}, {y:.5f}, {z:.5f}\n" for a, (x, y, z) in zip(t, acc_g))
    path = tmp_path / "logger.txt"
    path.write_text("# logger v2, 100 Hz\n# units: g\ntime_s, acc_x, acc_y, acc_z\n" + rows)
    (rec,) = read(path).recordings
    np.testing.assert_allclose(rec.samples["acc_y_g"], acc_g[:, 1], atol=1e-5)


def test_parquet_with_epoch_milliseconds(tmp_path):
    t, acc_g, gyr = running(100.0, 8.0, seed=16)
    t_ms = 1_714_557_600_000 + np.round(t * 1000).astype(np.int64)
    path = tmp_path / "run.parquet"
    pd.DataFrame({"timestamp": t_ms, "acc_x": acc_g[:, 0], "acc_y": acc_g[:, 1],
                  "acc_z": acc_g[:, 2], "gyr_x": gyr[:, 0], "gyr_y": gyr[:, 1],
                  "gyr_z": gyr[:, 2]}).to_parquet(path)
    (rec,) = read(path).recordings
    check_contract(rec)
    assert rec.info["format"] == "parquet"
    assert "ms since the epoch" in rec.info["time_units"]
    assert rec.start == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    np.testing.assert_allclose(rec.samples["gyr_y_rad_per_s"], gyr[:, 1], atol=1e-12)


def test_iso_timestamps_and_gzip(tmp_path):
    t, acc_g, _ = running(50.0, 8.0, seed=17)
    stamps = pd.Timestamp("2024-05-01T10:00:00Z") + pd.to_timedelta(t, unit="s")
    text = pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                         "x": acc_g[:, 0], "y": acc_g[:, 1], "z": acc_g[:, 2]}).to_csv(index=False)
    import gzip

    path = tmp_path / "iso.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    (rec,) = read(path).recordings
    assert rec.info["time_units"] == "timestamp: ISO timestamps"
    assert rec.start == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert rec.sample_rate_hz == pytest.approx(50.0)


def test_coarse_timestamps_are_spread(tmp_path):
    fs = 50.0
    t, acc_g, _ = running(fs, 10.0, seed=18)
    whole_seconds = 1_714_557_600 + np.floor(t)  # a logger that writes seconds only
    path = generic(tmp_path / "coarse.csv", whole_seconds, acc_g, time="epoch", fmt="%.6f")
    (rec,) = read(path).recordings
    assert rec.sample_rate_hz == pytest.approx(fs, rel=0.01)
    assert rec.info["coarse_timestamps"] and any("coarser than the samples" in w
                                                 for w in rec.warnings)


def test_placement_words():
    assert placement_from_name("LeftAnkle") == "shank"
    assert placement_from_name("sacral_imu") == "sacrum"
    assert placement_from_name("hip_and_ankle") is None  # two places: no guess


# --------------------------------------------------------------------------------------------
# Time: rate, jitter, gaps, order


def test_jittered_clock_is_resampled_onto_a_uniform_grid(tmp_path):
    fs = 100.0
    rng = np.random.default_rng(19)
    t = np.arange(1000) / fs + rng.uniform(-0.003, 0.003, 1000)
    t.sort()
    signal = np.sin(2 * np.pi * 1.3 * t)
    path = write_csv(tmp_path / "jitter.csv", {"time_s": t, "acc_x": signal, "acc_y": 0 * t,
                                               "acc_z": 1 + 0.3 * signal}, fmt="%.9f")
    (rec,) = read(path).recordings
    check_contract(rec)
    assert rec.info["resampled"]
    dt = np.diff(t)
    assert rec.sample_rate_hz == pytest.approx(1.0 / dt.mean(), rel=1e-3)
    assert rec.info["jitter_p95_ms"] == pytest.approx(
        np.percentile(np.abs(dt - np.median(dt)), 95) * 1e3, rel=0.05)
    grid = t[0] + rec.samples["t_s"].to_numpy()
    np.testing.assert_allclose(rec.samples["acc_x_g"], np.interp(grid, t, signal), atol=1e-6)


def test_gaps_are_counted_and_long_ones_left_empty(tmp_path):
    fs = 100.0
    t, acc_g, _ = running(fs, 12.0, seed=20)
    keep = ~(((t > 5.0) & (t < 6.0)) | ((t > 8.0) & (t < 8.2)))
    path = generic(tmp_path / "gappy.csv", t[keep], acc_g[keep])
    (rec,) = read(path).recordings
    check_contract(rec)
    assert rec.info["gaps"] == 2 and rec.info["resampled"]
    assert rec.info["longest_gap_s"] == pytest.approx(1.0, abs=0.02)
    assert any("2 gap(s)" in w and "gappy.csv" in w for w in rec.warnings)
    ts = rec.samples["t_s"].to_numpy() + t[0]
    acc_x = rec.samples["acc_x_g"].to_numpy()
    assert np.isnan(acc_x[(ts > 5.02) & (ts < 5.98)]).all()  # the 1 s gap stays empty
    short = (ts > 8.02) & (ts < 8.18)
    assert np.isfinite(acc_x[short]).all()  # the 0.2 s gap is bridged


def test_a_few_samples_out_of_order_are_sorted(tmp_path):
    t, acc_g, _ = running(100.0, 6.0, seed=21)
    order = np.arange(t.size)
    for i in (100, 250, 400):
        order[[i, i + 1]] = order[[i + 1, i]]
    path = generic(tmp_path / "swapped.csv", t[order], acc_g[order])
    (rec,) = read(path).recordings
    assert rec.info["out_of_order"] == 3
    assert any("out of time order; sorted" in w for w in rec.warnings)
    np.testing.assert_allclose(rec.samples["acc_x_g"], acc_g[:, 0], atol=1e-6)


def test_joined_sessions_are_refused(tmp_path):
    t, acc_g, _ = running(100.0, 6.0, seed=22)
    path = generic(tmp_path / "joined.csv", np.concatenate([t, t]), np.vstack([acc_g, acc_g]))
    expect_unreadable(path, "time goes backwards", "joined", "Split the file")


# --------------------------------------------------------------------------------------------
# Saturation on synthetic data


def test_saturation_plateaus_and_single_hits():
    acc = np.zeros((1000, 3))
    acc[:, 2] = 1.0
    acc[100:104, 0] = 16.0  # a plateau at the ±16 g range
    acc[500, 1] = -3.2  # an unclipped peak
    assert detect_saturation(acc) == (16.0, [0])
    acc[100:104, 0] = [10, 15.2, 11, 9]  # a single peak near no range: not clipped
    assert detect_saturation(acc) == (None, [])
    acc[[300, 700], 2] = 3.999  # the same extreme twice, within 2 % of ±4 g
    assert detect_saturation(acc) == (4.0, [2])


def test_clipped_mask_on_a_generic_file(tmp_path):
    t, acc_g, _ = running(200.0, 10.0, seed=23)
    acc = acc_g.copy()
    moving = t >= 2.0  # shank-like peaks while running, 1 g standing
    acc[moving] += 16.0 * (acc_g[moving] - acc_g[:400].mean(axis=0))
    clipped = np.clip(acc, -16.0, 16.0)
    path = generic(tmp_path / "shin.csv", t, clipped, fmt="%.5f")
    (rec,) = read(path).recordings
    truth = np.any(np.abs(acc) >= 16.0 * 0.995, axis=1)
    assert truth.sum() > 10
    assert rec.info["acc_saturation_g"] == 16.0
    np.testing.assert_array_equal(clipped_mask(rec.samples), truth)


# --------------------------------------------------------------------------------------------
# Bad input: one line naming the file and the problem


def test_no_time_column(tmp_path):
    _, acc_g, _ = running(100.0, 5.0)
    path = write_csv(tmp_path / "notime.csv", {"acc_x": acc_g[:, 0], "acc_y": acc_g[:, 1],
                                               "acc_z": acc_g[:, 2]})
    expect_unreadable(path, "no time column", "sample_rate_hz")
    (rec,) = read(path, sample_rate_hz=100).recordings  # evenly spaced: the rate is enough
    assert rec.sample_rate_hz == 100.0 and len(rec.samples) == len(acc_g)


def test_no_inertial_columns(tmp_path):
    # (time_s + fz_n is a force-plate CSV now: tests/test_validate.py)
    path = write_csv(tmp_path / "hr.csv", {"time_s": np.arange(10.0), "heart_rate": np.ones(10)})
    expect_unreadable(
        path, "no accelerometer or gyroscope columns", "found columns: time_s, heart_rate"
    )


def test_all_zero_accelerometer(tmp_path):
    t = np.arange(0, 10, 0.01)
    path = generic(tmp_path / "off.csv", t, np.zeros((t.size, 3)))
    expect_unreadable(path, "the accelerometer reads a constant 0.00 g on every axis: sensor off?")


def test_constant_gyroscope_beside_a_live_accelerometer_is_ignored(tmp_path):
    t, acc_g, _ = running(100.0, 6.0)
    path = generic(tmp_path / "deadgyro.csv", t, acc_g, np.zeros((t.size, 3)))
    (rec,) = read(path).recordings
    assert rec.samples["gyr_x_rad_per_s"].isna().all()
    assert any("gyroscope reads a constant" in w for w in rec.warnings)


def test_too_short(tmp_path):
    t, acc_g, _ = running(100.0, 1.5)
    expect_unreadable(generic(tmp_path / "short.csv", t, acc_g), "only 1.49 s", "at least 2 s")


def test_truncated_csv_is_salvaged(tmp_path):
    t, acc_g, _ = running(100.0, 6.0, seed=24)
    path = generic(tmp_path / "cut.csv", t, acc_g)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 15])  # the last line loses its end
    lines = data.decode().splitlines()
    (rec,) = read(path).recordings
    assert len(rec.samples) == len(lines) - 2  # header and the cut line
    assert any("cut.csv" in w and "cut short" in w for w in rec.warnings)


def test_junk_inside_a_csv(tmp_path):
    t, acc_g, _ = running(100.0, 6.0)
    path = generic(tmp_path / "junk.csv", t, acc_g)
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(300, lines[0])  # a second header in the middle: two files pasted together
    path.write_text("".join(lines))
    expect_unreadable(path, "not a number")


def test_truncated_and_corrupt_zip(tmp_path):
    t_ns, total, _, gyr = _sensor_logger_streams(seconds=6.0)
    good = make_zip(tmp_path / "good.zip", {
        "TotalAcceleration.csv": sensor_logger_table(t_ns, total),
        "Gyroscope.csv": sensor_logger_table(t_ns, gyr),
    }).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good[: len(good) * 2 // 3])
    expect_unreadable(cut, "broken zip archive")
    corrupt = bytearray(good)
    start = good.index(b"TotalAcceleration.csv") + 40
    corrupt[start : start + 200] = bytes(200)  # zero part of the compressed data
    bad = tmp_path / "corrupt.zip"
    bad.write_bytes(bytes(corrupt))
    expect_unreadable(bad, "broken zip archive")


def test_empty_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    expect_unreadable(empty, "empty")
    header = tmp_path / "header.csv"
    header.write_text("time_s,acc_x,acc_y,acc_z\n")
    expect_unreadable(header, "no samples")


def test_too_large(tmp_path):
    t, acc_g, _ = running(100.0, 20.0)
    path = generic(tmp_path / "big.csv", t, acc_g)
    # an inertial table over the limit is read in chunks (readers.imu_stream), not refused
    assert "chunked" in read(path, max_bytes=10_000).recordings[0].info
    notes = tmp_path / "notes.txt"
    notes.write_text("dear diary, today I ran far\n" * 1000)
    expect_unreadable(notes, "too large", max_bytes=10_000)
    table = "time,seconds_elapsed,z,y,x\n" + "0,0,0,0,0\n" * 50_000
    packed = make_zip(tmp_path / "bomb.zip", {"TotalAcceleration.csv": table})
    assert packed.stat().st_size < 20_000
    expect_unreadable(packed, "unpacks to", max_bytes=100_000)


def test_not_a_table(tmp_path):
    path = tmp_path / "notes"
    path.write_text("dear diary, today I ran far\nand it was lovely\n")
    expect_unreadable(path, "not a FIT, TCX, GPX or sensor data")


def test_fit_reading_ignores_imu_options():
    from softstep import sample_path

    result = read(sample_path(), acc_units="g", placement="sacrum")
    assert result.recordings[0].source == "fit"


def test_messages_are_one_line_for_zip_members(tmp_path):
    path = make_zip(tmp_path / "pair.zip", {"a.csv": "time_s,acc_x\n0,1\n",
                                             "b.txt": "nothing here\n"})
    err = expect_unreadable(path)
    assert "a.csv" in err.problem or "b.txt" in err.problem


def test_zip_bytes_written_in_memory_read_the_same(tmp_path):
    # the same CSV, plain and zipped, gives the same samples
    t, acc_g, gyr = running(100.0, 6.0, seed=25)
    plain = generic(tmp_path / "plain.csv", t, acc_g, gyr)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("plain.csv", plain.read_bytes())
    zipped = tmp_path / "plain.zip"
    zipped.write_bytes(buffer.getvalue())
    a, b = read(plain).recordings[0], read(zipped).recordings[0]
    pd.testing.assert_frame_equal(a.samples, b.samples)
