"""`softstep validate` on the real data sets, and force-plate files through `softstep analyze`."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from softstep.cli import app
from softstep.model import Runner
from softstep.pipeline import analyze_file
from softstep.readers import read
from softstep.validation import report

cli = CliRunner()
G = 9.80665


def _force_csv(path, body_weight_n: float = 700.0, fs: float = 1000.0, seconds: float = 10.0):
    """A synthetic run on a plate: half-sine contacts of 2.5 BW, 250 ms, one every 350 ms."""
    t = np.arange(int(seconds * fs)) / fs
    phase = ((t - 0.1) % 0.35) / 0.25
    fz = np.where(phase < 1, 2.5 * body_weight_n * np.sin(np.pi * np.clip(phase, 0, 1)), 0.0)
    pd.DataFrame({"time_s": t, "fz_n": fz}).to_csv(path, index=False)
    return path


def test_read_sends_a_force_csv_to_the_force_plate_reader(tmp_path):
    path = _force_csv(tmp_path / "plate.csv")
    rec = read(path, mass_kg=70.0).recordings[0]
    assert rec.source == "forceplate"
    assert rec.info["body_weight_n"] == pytest.approx(70.0 * G, abs=0.01)
    # an inertial CSV with time_s is still an inertial file
    t = np.arange(0, 5, 0.01)
    imu = tmp_path / "imu.csv"
    pd.DataFrame({"time_s": t, "acc_z": 1 + 0.5 * np.sin(2 * np.pi * 2.8 * t)}).to_csv(imu)
    assert read(imu).recordings[0].source == "imu"


def test_analyze_file_takes_the_runner_mass_for_a_force_plate(tmp_path):
    path = _force_csv(tmp_path / "plate.csv", body_weight_n=700.0)
    with_mass = analyze_file(path, Runner(mass_kg=70.0)).runs[0]
    assert with_mass.recording.info["body_weight_n"] == pytest.approx(70.0 * G, abs=0.01)
    # 2.5 x 700 N over a body weight of 686.5 N
    assert with_mass.steps["peak_force_bw"].median() == pytest.approx(2.5 * 700 / (70 * G), 0.02)
    estimated = analyze_file(path, Runner()).runs[0]
    assert estimated.recording.info["body_weight_n"] != pytest.approx(70.0 * G, abs=0.01)


def test_analyze_force_plate_tsv_prints_contacts_and_loading_rate(shared_data, db_url):
    tsv = shared_data / "treadmill_force_markers" / "JDX_S999_run_0021_f_1.tsv"
    result = cli.invoke(app, ["analyze", str(tsv), "--no-store", "--db", db_url])
    assert result.exit_code == 0, result.output
    contacts = re.search(r"Foot contacts detected\s+(\d+)", result.output)
    rate = re.search(r"Loading rate\s+([\d.]+) BW/s", result.output)
    assert contacts and int(contacts.group(1)) == 29  # the reference file lists 29
    assert rate and 30 < float(rate.group(1)) < 80


def test_validate_meets_every_target(shared_data):
    # audio: tests/test_validation_audio.py scores a smaller set of the same files
    sensors = [n for n in report.DATA_SETS if n != "audio"]
    result = cli.invoke(app, ["validate", "--data", str(shared_data), "--json",
                              "--only", ",".join(sensors)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    assert doc["passed"] and not doc["failed"]
    targets = {(t["data_set"], t["target"]): t for t in doc["targets"]}
    assert {t["data_set"] for t in doc["targets"]} == set(sensors)
    value = lambda d, name: next(v["value"] for (s, n), v in targets.items() if s == d and
                                 n.startswith(name))
    assert value("sacral", "force-plate contacts found") >= 99.0
    assert value("sacral", "false contacts") <= 1.0
    assert value("sacral", "median |IC error|") <= 10.0
    assert value("sacral", "contact-time RMSE") <= 20.0
    assert value("sacral", "peak vertical force RMSE") < 0.25
    assert value("ankle_hip", "step counts agree") <= 1.0
    assert value("ankle_hip", "cadence agrees") <= 1.0
    assert value("foot", "IC before foot-flat start") > 0
    assert value("foot", "toe-off after foot-flat end") > 0
    assert value("forceplate", "reference contacts matched") == 100.0
    sacral = {row["method"]: row for row in doc["tables"]["sacral"]}
    ours = sacral["softstep analyze (shipped constants)"]
    base = sacral["baseline peak picker (cross-validated)"]
    assert ours["contacts"] == 320  # every complete plate contact of the 21 trials
    assert ours["ic_abs_median_ms"] < 0.5 * base["ic_abs_median_ms"]
    cv = {row["method"]: row for row in doc["tables"]["sacral_cv"]}
    assert cv["softstep, leave-one-condition-out"]["contact_rmse_ms"] <= 20.0
    minutes = [r for r in doc["tables"]["ankle_hip"] if r["running"] and r["minute"] != "total"]
    assert len(minutes) >= 15 and all(r["agree"] for r in minutes)


def test_validate_prints_tables_and_fails_a_missed_target(shared_data, monkeypatch):
    args = ["validate", "--data", str(shared_data), "--only", "forceplate"]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "PASS forceplate: reference contacts matched" in result.output
    assert "VALR, median" in result.output and "all 2 targets passed" in result.output
    monkeypatch.setattr(report, "FORCEPLATE_IC_MS", 0.001)
    result = cli.invoke(app, args)
    assert result.exit_code == 1
    assert "FAIL forceplate: IC error against the reference" in result.output


def test_validate_names_a_missing_folder_or_data_set(tmp_path):
    result = cli.invoke(app, ["validate", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "SOFTSTEP_SHARED_DATA" in result.output
    result = cli.invoke(app, ["validate", "--data", str(tmp_path), "--only", "sacral,shoes"])
    assert result.exit_code == 2 and "unknown data set shoes" in result.output
    result = cli.invoke(app, ["validate", "--data", str(tmp_path), "--only", "foot"])
    assert result.exit_code == 2 and "foot_imu_running" in result.output
