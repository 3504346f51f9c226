"""Files too large for memory (softstep.readers.imu_stream): real-data-derived recordings forced
through the chunked path with small chunks must give the in-memory result."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from softstep.errors import UnreadableFileError
from softstep.model import Runner
from softstep.pipeline import analyze_file, run_to_json
from softstep.readers import imu_stream, read

RUNNER = Runner("stream", height_cm=173, mass_kg=76.8)
SACRAL = "sacral_grf_treadmill/data/Sample_test_data.csv"
ANKLE_HIP = "ankle_hip_outdoor_run/acc_running.csv.gz"
SUMMARY_KEYS = ("cadence_spm", "contact_s", "flight_s", "duty_factor", "impact_g",
                "loading_rate_g_per_s", "peak_force_bw", "vertical_oscillation_cm")


@pytest.fixture
def force_chunks(monkeypatch):
    """Every inertial file is streamed, in chunks of ``chunk_s`` seconds."""

    def apply(chunk_s: float) -> None:
        monkeypatch.setattr(imu_stream, "STREAM_ROWS", 1_000)
        monkeypatch.setattr(imu_stream, "SMALL_BYTES", 0)
        monkeypatch.setattr(imu_stream, "CHUNK_S", chunk_s)

    return apply


@pytest.fixture(scope="module")
def sacral_csv(shared_data, tmp_path_factory) -> Path:
    """The raw 512 Hz sacral trace (m/s², real running) tiled to 8 minutes, generic CSV."""
    raw = pd.read_csv(shared_data / SACRAL)
    acc = raw[["Accel_LN_X", "Accel_LN_Y", "Accel_LN_Z"]].to_numpy()
    n = 8 * 60 * 512
    tiled = np.tile(acc, (math.ceil(n / len(acc)), 1))[:n]
    path = tmp_path_factory.mktemp("stream") / "sacrum_8min.csv"
    frame = pd.DataFrame({"time_s": np.arange(n) / 512.0, "acc_x": tiled[:, 0],
                          "acc_y": tiled[:, 1], "acc_z": tiled[:, 2]})
    frame.to_csv(path, index=False, float_format="%.6f")
    return path


@pytest.fixture(scope="module")
def ankle_csv(shared_data, tmp_path_factory) -> Path:
    """Minutes 13-25 of the real left-ankle run (100 Hz, g; clipped at ±8 g in minutes 14 and
    23)."""
    raw = pd.read_csv(shared_data / ANKLE_HIP)
    ankle = raw[raw["loc_id"] == "left_ankle"].iloc[13 * 60 * 100 : 25 * 60 * 100]
    path = tmp_path_factory.mktemp("stream") / "left_ankle.csv"
    pd.DataFrame({"time_s": np.arange(len(ankle)) / 100.0, "acc_x_g": ankle["x"].to_numpy(),
                  "acc_y_g": ankle["y"].to_numpy(), "acc_z_g": ankle["z"].to_numpy()}
                 ).to_csv(path, index=False)
    return path


def assert_same_run(memory, chunked, max_step_diff: int) -> None:
    a, b = memory.steps, chunked.steps
    assert abs(len(a) - len(b)) <= max_step_diff, (len(a), len(b))
    sa, sb = memory.summary.to_dict(), chunked.summary.to_dict()
    for key in SUMMARY_KEYS:
        if sa.get(key) is None or (isinstance(sa[key], float) and math.isnan(sa[key])):
            continue
        assert sb[key] == pytest.approx(sa[key], rel=2e-3), key
    # the contacts themselves: the same instants, on the file's clock
    t_a, t_b = a["t_s"].to_numpy(float), b["t_s"].to_numpy(float)
    i = np.clip(np.searchsorted(t_b, t_a), 1, len(t_b) - 1)
    nearest = np.minimum(np.abs(t_b[i] - t_a), np.abs(t_b[i - 1] - t_a))
    assert np.mean(nearest < 0.005) > 0.99


def test_trunk_file_in_chunks_matches_memory(sacral_csv, force_chunks):
    memory = analyze_file(sacral_csv, RUNNER, placement="sacrum").runs[0]
    assert "chunked" not in memory.recording.info
    force_chunks(60.0)
    chunked = analyze_file(sacral_csv, RUNNER, placement="sacrum").runs[0]
    info = chunked.recording.info
    assert info["chunked"]["chunks"] == 8 and info["chunked"]["skipped_chunks"] == 0
    assert len(memory.steps) > 1000
    assert_same_run(memory, chunked, max_step_diff=2)
    # only the first chunk (plus its overlap) is kept as samples, not the whole file
    assert len(chunked.recording.samples) <= 70 * 512
    assert info["samples"] == memory.recording.info["samples"]
    assert info["duration_s"] == pytest.approx(memory.recording.info["duration_s"], abs=0.01)
    assert info["running_s"] == pytest.approx(memory.recording.info["running_s"], abs=4.0)
    assert any("analysed in chunks" in w for w in chunked.recording.warnings)
    assert run_to_json(chunked)["info"]["chunked"]["chunk_s"] == 60.0


def test_limb_file_in_chunks_matches_memory(ankle_csv, force_chunks):
    memory = analyze_file(ankle_csv, RUNNER, placement="shank").runs[0]
    force_chunks(120.0)
    chunked = analyze_file(ankle_csv, RUNNER, placement="shank").runs[0]
    assert chunked.recording.info["chunked"]["chunks"] == 6
    assert len(memory.steps) > 300
    assert_same_run(memory, chunked, max_step_diff=2)
    # clipped impacts stay flagged, and the excluded time is accounted over all chunks
    assert chunked.steps["impact_clipped"].sum() == pytest.approx(
        memory.steps["impact_clipped"].sum(), abs=2)
    assert memory.recording.info["acc_saturation_g"] == 8.0
    assert chunked.recording.info["acc_saturation_g"] == 8.0
    # minute 1.8 holds one sample at the rail on each of two axes: the whole file shows the
    # x axis clipping (minute 10), its own chunk alone does not; that is the only difference
    assert chunked.recording.info["acc_clipped_fraction"] == pytest.approx(
        memory.recording.info["acc_clipped_fraction"], abs=3 / 72_000)
    for label, seconds in memory.recording.info["activity_s"].items():
        assert chunked.recording.info["activity_s"].get(label, 0.0) == pytest.approx(
            seconds, abs=5.0), label


def test_gzip_and_parquet_stream_alike(sacral_csv, force_chunks, tmp_path):
    gz = tmp_path / "sacrum.csv.gz"
    gz.write_bytes(gzip.compress(sacral_csv.read_bytes(), compresslevel=1))
    parquet = tmp_path / "sacrum.parquet"
    pd.read_csv(sacral_csv).to_parquet(parquet, index=False)
    force_chunks(90.0)
    runs = [analyze_file(p, RUNNER, placement="sacrum").runs[0] for p in (sacral_csv, gz, parquet)]
    assert all("chunked" in r.recording.info for r in runs)
    assert runs[0].recording.content_hash == runs[1].recording.content_hash  # gunzipped content
    for other in runs[1:]:
        assert_same_run(runs[0], other, max_step_diff=0)


def test_file_over_max_bytes_is_streamed_not_refused(sacral_csv):
    result = read(sacral_csv, max_bytes=2**20, placement="sacrum")
    rec = result.recordings[0]
    assert rec.info["chunked"]["chunk_s"] == imu_stream.CHUNK_S
    assert rec.sample_rate_hz == 512.0 and rec.info["acc_units"].startswith("m/s²")


def test_too_large_multi_sensor_table_is_refused_clearly(shared_data, tmp_path, force_chunks):
    force_chunks(60.0)
    with pytest.raises(UnreadableFileError) as caught:
        read(shared_data / ANKLE_HIP, sample_rate_hz=100.0)
    message = str(caught.value)
    assert "several sensors" in message and "loc_id" in message and "\n" not in message


def test_truncated_streamed_csv_drops_the_cut_line(sacral_csv, force_chunks, tmp_path):
    cut = tmp_path / "cut.csv"
    data = sacral_csv.read_bytes()
    cut.write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 12])  # last line cut short
    force_chunks(120.0)
    run = analyze_file(cut, RUNNER, placement="sacrum").runs[0]
    assert any("cut short" in w for w in run.recording.warnings)
    assert run.recording.info["chunked"]["skipped_chunks"] == 0


def test_progress_is_reported_per_chunk(sacral_csv, force_chunks):
    from softstep.pipeline import _imu_contacts

    force_chunks(120.0)
    rec = read(sacral_csv, placement="sacrum").recordings[0]
    seen: list[tuple[int, int]] = []
    steps = imu_stream.detect_chunked(rec, _imu_contacts, progress=lambda d, t: seen.append((d, t)))
    done = [d for d, _ in seen[:-1]]
    assert len(done) == 4 and done == sorted(done) and done[-1] == 8 * 60 * 512
    assert seen[-1] == (-1, -1)  # the end: a bar would be closed here
    assert len(steps) > 1000 and rec.info["chunked"]["chunks"] == 4
