"""The command line end to end, on real files: what a runner types and what they get back."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from typer.testing import CliRunner

from softstep import sample_path
from softstep.cli import app

cli = CliRunner()

SUMMARY_KEYS = {
    "duration_s",
    "distance_m",
    "cadence_spm",
    "contact_s",
    "vertical_oscillation_cm",
    "step_length_m",
}


def run_json(*args: str) -> list[dict]:
    result = cli.invoke(app, ["analyze", *args, "--json"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_analyze_json_follows_the_documented_schema(db_url):
    (doc,) = run_json(str(sample_path()), "--db", db_url)
    assert doc["file"].endswith("fenix2-run.fit")
    (run,) = doc["runs"]
    assert {"sport", "start", "summary", "segments", "findings", "plan", "steps"} <= run.keys()
    assert SUMMARY_KEYS <= run["summary"].keys()
    assert run["sport"] == "running" and run["id"] is not None
    summary = run["summary"]
    # The session message of this file says 2832 s and 9008.22 m (fitdecode, independently).
    assert summary["distance_m"] == pytest.approx(9008.22, rel=0.01)
    assert 150 < summary["cadence_spm"] < 200
    assert 0.15 < summary["contact_s"] < 0.35
    assert 5 < summary["vertical_oscillation_cm"] < 14
    assert len(run["segments"]) == 10  # 9.0 km: nine full kilometres and a partial one
    assert run["plan"]["weeks"], "a plan always has weeks"
    assert "records" not in run


def test_records_flag_adds_the_per_record_table(db_url):
    (doc,) = run_json(str(sample_path()), "--db", db_url, "--records")
    records = doc["runs"][0]["records"]
    assert len(records) > 2500 and {"t_s", "cadence_spm", "contact_s"} <= records[0].keys()


def test_same_file_twice_is_one_run(db_url, tmp_path):
    first = run_json(str(sample_path()), "--db", db_url)[0]["runs"][0]["id"]
    copy = tmp_path / "renamed.fit"
    copy.write_bytes(sample_path().read_bytes())
    second = run_json(str(copy), "--db", db_url)[0]["runs"][0]["id"]
    assert first == second
    listing = cli.invoke(app, ["runs", "--db", db_url])
    assert listing.exit_code == 0
    assert listing.stdout.count("fenix2-run.fit") + listing.stdout.count("renamed.fit") == 1


def test_batch_keeps_going_past_bad_files(shared_data, db_url, tmp_path):
    empty = tmp_path / "empty.fit"
    empty.write_bytes(b"")
    bike = shared_data / "fit" / "garmin-edge-500-activity.fit"
    result = cli.invoke(
        app, ["analyze", str(empty), str(bike), str(sample_path()), "--db", db_url, "--json"]
    )
    assert result.exit_code == 1
    docs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [Path(d["file"]).name for d in docs] == ["fenix2-run.fit"]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any("empty.fit" in line for line in errors)
    assert any(
        "no running activity in" in line and "garmin-edge-500-activity.fit" in line and "cycling" in line
        for line in errors
    )
    assert "Traceback" not in result.output


def test_console_script_prints_one_line_and_no_traceback(shared_data, tmp_path):
    broken = shared_data / "fit" / "activity-settings-corruptheader.fit"
    garbage = tmp_path / "notes.fit"
    garbage.write_text("this is not a FIT file at all\n" * 20)
    proc = subprocess.run(
        [sys.executable, "-m", "softstep", "analyze", str(garbage), "--no-store", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert "notes.fit" in line
    # A partly readable file is salvaged: exit 0 and a warning naming the file.
    proc = subprocess.run(
        [sys.executable, "-m", "softstep", "analyze", str(broken), "--no-store", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert "activity-settings-corruptheader.fit" in proc.stderr


def test_profile_enables_stiffness(db_url):
    before = run_json(str(sample_path()), "--db", db_url, "--no-store")[0]["runs"][0]["summary"]
    assert before["leg_stiffness_kn_per_m"] is None
    result = cli.invoke(
        app, ["profile", "set", "--height-cm", "178", "--mass-kg", "70", "--db", db_url]
    )
    assert result.exit_code == 0 and "178" in result.stdout
    after = run_json(str(sample_path()), "--db", db_url, "--no-store")[0]["runs"][0]["summary"]
    # Morin's method on running at 2.5-4 m/s gives leg stiffness of roughly 5-20 kN/m.
    assert 4 < after["leg_stiffness_kn_per_m"] < 25
    assert after["vertical_stiffness_kn_per_m"] > after["leg_stiffness_kn_per_m"]


def test_show_returns_what_analyze_stored(db_url, tmp_path):
    (doc,) = run_json(str(sample_path()), "--db", db_url)
    run = doc["runs"][0]
    shown = cli.invoke(app, ["show", str(run["id"]), "--db", db_url, "--json"])
    assert shown.exit_code == 0, shown.output
    again = json.loads(shown.stdout)["runs"][0]
    for key in ("summary", "segments", "findings", "plan", "sport", "start"):
        assert again[key] == run[key], key
    missing = cli.invoke(app, ["show", "999", "--db", db_url])
    assert missing.exit_code == 1 and "999" in missing.stderr


def test_text_and_html_reports(db_url, tmp_path):
    html = tmp_path / "report.html"
    result = cli.invoke(app, ["analyze", str(sample_path()), "--db", db_url, "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert "steps/min" in result.stdout or "spm" in result.stdout
    text = html.read_text()
    assert "plotly" in text.lower() and "fenix2-run.fit" in text


def test_metronome_writes_a_click_track(tmp_path):
    target = tmp_path / "click.wav"
    result = cli.invoke(app, ["metronome", "--spm", "172", "--minutes", "0.5", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with wave.open(str(target)) as wav:
        assert wav.getnframes() / wav.getframerate() == pytest.approx(30, abs=0.05)
    bad = cli.invoke(app, ["metronome", "--spm", "0", "-o", str(tmp_path / "x.wav")])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_help_lists_every_command():
    proc = subprocess.run(
        [sys.executable, "-m", "softstep", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    for command in ("analyze", "runs", "show", "profile", "metronome", "demo"):
        assert command in proc.stdout
