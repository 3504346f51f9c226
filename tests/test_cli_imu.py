"""Inertial (IMU) files through the command line: what a runner types and what they get back.

Bad input (issue 3, "Fast and safe"): every case ends in one clear line that names the file,
exit code 1, no traceback, and nothing stored. Decisions documented here:

- non-monotonic time: a few samples out of order (at most 10, or 1 % of them, none going back
  over 1 s) are sorted with a warning; more (a scrambled or joined file) is refused;
- a CSV cut mid-row is salvaged up to its last whole row with a warning; a cut zip or Parquet
  file (their index sits at the end) is refused;
- a recording without running (walking, standing, cycling) raises NoRunningError naming what
  was found, e.g. "no running activity in FILE: found 0:20 walking, 0:06 standing".

The synthetic signals are marked as such; the real ones come from ../shared/data.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from softstep.cli import app
from softstep.store import Store

cli = CliRunner()
FS = 200.0
G0 = 9.80665
FOOT_WALK = "foot_imu_running/csv/2017-11-22-11-44-47.csv"
FOOT_RUN = "foot_imu_running/csv/2017-11-27-11-18-11.csv"
ANKLE_HIP = "ankle_hip_outdoor_run/acc_running.csv.gz"


# --------------------------------------------------------------------------------------------
# synthetic signals
def sacral_run(still_s: float = 5.0, run_s: float = 25.0, seed: int = 0) -> pd.DataFrame:
    """Synthetic: a sacral sensor standing ``still_s`` then running ``run_s`` at 168 steps/min
    (sine-wave vertical force in contact, 0 g in flight, mean 1 g; AP brakes then propels),
    in g."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, still_s + run_s, 1 / FS)
    phase = ((t - still_s) * 2.8) % 1.0
    contact = (phase < 0.6) & (t >= still_s)
    hump = np.pi / 2 / 0.6 * np.sin(np.pi * phase / 0.6)
    vert = np.where(t < still_s, 1.0, np.where(contact, hump, 0.0))
    ap = np.where(contact, -0.6 * np.sin(2 * np.pi * phase / 0.6), 0.0)
    noise = rng.normal(0, 0.01, (3, len(t)))
    return pd.DataFrame({"time_s": t, "acc_x": ap + noise[0], "acc_y": noise[1],
                         "acc_z": vert + noise[2]})


def pedalling(segment: str, duration_s: float = 40.0, fs: float = 100.0,
              cadence_rpm: float = 84.0, seed: int = 0) -> pd.DataFrame:
    """Synthetic cycling: a sensor on the shank, the thigh (a phone in a trouser pocket) or the
    sacrum of a cyclist pedalling at ``cadence_rpm`` (84 rpm = 1.4 Hz). The limb segments
    rotate smoothly back and forth once per pedal turn (shank 20 +- 25 deg, thigh 60 +- 20 deg
    from vertical) while the sensor point moves on an ellipse (centripetal acceleration
    w^2 r: up to 0.8 g); the sacrum leans 40 deg forward and rocks +-2 deg twice per turn.
    No impacts, no flight. Columns: time_s, acc_x..z (g), gyr_x..z (rad/s)."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, duration_s, 1 / fs)
    w = 2 * np.pi * cadence_rpm / 60.0
    ph = w * t
    if segment == "sacrum":
        theta = np.radians(40) + np.radians(2) * np.sin(2 * ph)
        dtheta = np.radians(2) * 2 * w * np.cos(2 * ph)
        linear = np.c_[0.02 * np.sin(ph), 0.05 * np.sin(2 * ph)] * G0
    else:
        mean, amp, rx, ry = {"shank": (20, 25, 0.06, 0.10), "thigh": (60, 20, 0.08, 0.06)}[segment]
        theta = np.radians(mean) + np.radians(amp) * np.sin(ph)
        dtheta = np.radians(amp) * w * np.cos(ph)
        linear = -(w**2) * np.c_[rx * np.cos(ph), ry * np.sin(ph)]
    world = linear + np.c_[np.zeros_like(t), np.full_like(t, G0)]  # (forward, up), with gravity
    c, s = np.cos(theta), np.sin(theta)
    acc = np.c_[world[:, 1] * c + world[:, 0] * s, -world[:, 1] * s + world[:, 0] * c,
                0.03 * G0 * np.sin(ph + 0.3)] / G0 + rng.normal(0, 0.02, (len(t), 3))
    gyr = np.c_[rng.normal(0, 0.05, (len(t), 2)), dtheta + rng.normal(0, 0.05, len(t))]
    return pd.DataFrame({"time_s": t, **{f"acc_{a}": acc[:, i] for i, a in enumerate("xyz")},
                         **{f"gyr_{a}": gyr[:, i] for i, a in enumerate("xyz")}})


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, float_format="%.5f")
    return path


# --------------------------------------------------------------------------------------------
# running the command
def analyze(*args: str) -> tuple[int, list[dict], str]:
    result = cli.invoke(app, ["analyze", *args])
    docs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, docs, result.stderr


def stored(db_url: str) -> int:
    store = Store(db_url)
    try:
        return len(store.runs())
    finally:
        store.close()


def refused(path: Path, db_url: str, *fragments: str, options: tuple[str, ...] = ()) -> str:
    """Analyse ``path``; assert one clear error line naming it, exit 1, nothing stored."""
    code, docs, stderr = analyze(str(path), "--db", db_url, "--json", *options)
    assert code == 1, stderr
    assert docs == [] and "Traceback" not in stderr and "internal error" not in stderr, stderr
    (line,) = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
    assert str(path) in line, line
    for fragment in fragments:
        assert fragment in line, line
    assert stored(db_url) == 0
    return line


def analysed(path: Path, db_url: str, *options: str) -> tuple[dict, str]:
    code, docs, stderr = analyze(str(path), "--db", db_url, "--json", *options)
    assert code == 0, stderr
    (doc,) = docs
    return doc, stderr


# --------------------------------------------------------------------------------------------
# bad input, one case each
def test_wrong_units_are_refused(tmp_path, db_url):
    run_g = sacral_run()
    in_ms2 = run_g.copy()
    in_ms2[["acc_x", "acc_y", "acc_z"]] *= G0
    path = write_csv(in_ms2, tmp_path / "run_ms2.csv")
    refused(path, db_url, "you said g but |a| is 9.8 — m/s²?", "--acc-units m/s2",
            options=("--acc-units", "g"))
    path = write_csv(run_g, tmp_path / "run_g.csv")
    refused(path, db_url, "you said m/s² but |a| is 1.0 — g?", options=("--acc-units", "m/s2"))
    turning = pedalling("shank")  # a gyroscope in deg/s: |ω| p99 over 200
    turning[["gyr_x", "gyr_y", "gyr_z"]] *= 180 / np.pi
    path = write_csv(turning, tmp_path / "gyro_deg_s.csv")
    refused(path, db_url, "you said rad/s but |ω| p99 is", "— deg/s?",
            options=("--gyr-units", "rad/s"))


def test_units_that_cannot_be_told_are_refused(tmp_path, db_url):
    """Feet per second squared (gravity reads 32.2) and gravity of 2.9 (neither unit)."""
    feet = sacral_run()
    feet[["acc_x", "acc_y", "acc_z"]] *= G0 / 0.3048
    path = write_csv(feet, tmp_path / "run_ft_s2.csv")
    refused(path, db_url, "cannot tell the accelerometer units", "|a| of 32.1", "ft/s²")
    refused(path, db_url, "you said m/s²", "not gravity in m/s²", options=("--acc-units", "m/s2"))
    odd = sacral_run()
    odd[["acc_x", "acc_y", "acc_z"]] *= 2.9
    path = write_csv(odd, tmp_path / "run_odd.csv")
    refused(path, db_url, "cannot tell the accelerometer units", "give --acc-units")


def test_acceleration_without_gravity_is_refused(tmp_path, db_url):
    """A phone's 'linear acceleration' exported as acc_x..z: units cannot be told from gravity."""
    linear = sacral_run()
    linear["acc_z"] -= 1.0
    linear[["acc_x", "acc_y", "acc_z"]] *= G0
    path = write_csv(linear, tmp_path / "linear.csv")
    for options in ((), ("--acc-units", "m/s2")):
        refused(path, db_url, "the acceleration holds no gravity", "TotalAcceleration",
                options=options)


def test_detected_units_are_stated(tmp_path, db_url):
    in_ms2 = sacral_run()
    in_ms2[["acc_x", "acc_y", "acc_z"]] *= G0
    doc, _ = analysed(write_csv(in_ms2, tmp_path / "run.csv"), db_url, "--no-store")
    assert doc["runs"][0]["info"]["acc_units"].startswith("m/s² (detected from a median |a|")


def test_no_time_column_needs_the_sample_rate(tmp_path, db_url):
    run = sacral_run()
    timed, _ = analysed(write_csv(run, tmp_path / "timed.csv"), db_url, "--no-store")
    path = write_csv(run.drop(columns="time_s"), tmp_path / "untimed.csv")
    refused(path, db_url, "no time column", "--sample-rate")
    doc, _ = analysed(path, db_url, "--no-store", "--sample-rate", str(FS))
    assert len(doc["runs"][0]["steps"]) == len(timed["runs"][0]["steps"]) > 60


def test_a_few_samples_out_of_order_are_sorted_a_scrambled_file_is_refused(tmp_path, db_url):
    run = sacral_run()
    t = run["time_s"].to_numpy().copy()
    for i in (300, 2000, 4000):  # three neighbours swapped: a logger's buffer hiccup
        t[i], t[i + 1] = t[i + 1], t[i]
    swapped = run.assign(time_s=t)
    doc, stderr = analysed(write_csv(swapped, tmp_path / "swapped.csv"), db_url, "--no-store")
    assert "3 sample(s) out of time order; sorted them" in stderr
    assert doc["runs"][0]["info"]["out_of_order"] == 3 and len(doc["runs"][0]["steps"]) > 60
    scrambled = write_csv(run.sample(frac=1.0, random_state=1), tmp_path / "scrambled.csv")
    refused(scrambled, db_url, "time goes backwards", "Split the file")


@pytest.mark.parametrize(("values", "fragment"), [
    ((0.0, 0.0, 0.0), "reads a constant 0.00 g on every axis: sensor off?"),
    ((0.1, 0.2, 0.97), "reads constant values (0.10, 0.20, 0.97 g) on every axis"),
])
def test_zero_or_constant_axes_are_refused(tmp_path, db_url, values, fragment):
    run = sacral_run()
    for axis, value in zip("xyz", values, strict=True):
        run[f"acc_{axis}"] = value
    refused(write_csv(run, tmp_path / "flat.csv"), db_url, fragment)


def test_truncated_csv_is_salvaged_truncated_zip_and_parquet_are_refused(tmp_path, db_url):
    run = sacral_run()
    text = run.to_csv(index=False, float_format="%.5f")
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: int(len(text) * 0.7) + 5])  # ends in the middle of a row
    doc, stderr = analysed(cut, db_url)
    assert "the last line is cut short (file truncated?); dropped it" in stderr
    steps = doc["runs"][0]["steps"]
    assert len(steps) > 40 and all(np.isfinite(s["t_s"]) for s in steps)
    assert stored(db_url) == 1

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run.csv", text)
    zipped = tmp_path / "run.zip"
    zipped.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    other_db = f"sqlite:///{tmp_path / 'other.db'}"
    refused(zipped, other_db, "broken zip archive, cut short?")
    parquet = tmp_path / "run.parquet"
    run.to_parquet(parquet)
    parquet.write_bytes(parquet.read_bytes()[: parquet.stat().st_size // 2])
    refused(parquet, other_db, "broken Parquet file, cut short?")


# --------------------------------------------------------------------------------------------
# no running: walking, standing, cycling
def test_walking_and_standing_only_is_no_running(tmp_path, db_url):
    """Synthetic: 15 s standing, then 25 s walking (1.8 steps/s, +-0.3 g) at the sacrum."""
    t = np.arange(0, 40, 1 / FS)
    walking = t >= 15
    z = 1 + np.where(walking, 0.3 * np.sin(2 * np.pi * 1.8 * t), 0.0)
    x = np.where(walking, 0.2 * np.sin(2 * np.pi * 0.9 * t), 0.0)
    noise = np.random.default_rng(4).normal(0, 0.005, (3, len(t)))
    frame = pd.DataFrame({"time_s": t, "acc_x": x + noise[0], "acc_y": noise[1],
                          "acc_z": z + noise[2]})
    path = write_csv(frame, tmp_path / "stroll.csv")
    line = refused(path, db_url, "no running activity in", options=("--placement", "sacrum"))
    found = dict((label, m * 60 + s) for m, s, label in
                 ((int(a), int(b), c) for a, b, c in re.findall(r"(\d+):(\d\d) (\w+)", line)))
    assert found["walking"] == pytest.approx(25, abs=3)
    assert found["standing"] == pytest.approx(15, abs=3)


def test_a_sensor_without_running_is_skipped_and_said(tmp_path, db_url):
    """Synthetic two-sensor file: the hip runs, the ankle sensor lies still on a bench."""
    hip = sacral_run(still_s=2.0).assign(loc_id="left_hip")
    bench = sacral_run(still_s=40.0, run_s=0.0).iloc[: len(hip)].assign(loc_id="left_ankle")
    bench["time_s"] = hip["time_s"].to_numpy()
    path = write_csv(pd.concat([hip, bench]), tmp_path / "two.csv")
    doc, _ = analysed(path, db_url)
    assert [r["info"]["sensor"] for r in doc["runs"]] == ["left_hip"]
    (skipped,) = doc["skipped"]
    assert skipped.startswith("sensor left_ankle: 0:2") and "standing" in skipped
    assert stored(db_url) == 1
    both_still = pd.concat([bench.assign(loc_id="left_hip"), bench])
    line = refused(write_csv(both_still, tmp_path / "still.csv"), f"sqlite:///{tmp_path}/b.db",
                   "no running activity in")
    assert "standing (sensor left_hip)" in line and "standing (sensor left_ankle)" in line


def test_real_walking_trial_is_no_running(shared_data, db_url):
    """A shoe sensor's walking trial (foot_imu_running): walking and standing, no run."""
    path = shared_data / FOOT_WALK
    for placement in ((), ("--placement", "foot")):
        line = refused(path, db_url, "no running activity in", "walking", "standing",
                       options=placement)
    assert "running step" not in line


@pytest.mark.parametrize("segment", ["shank", "thigh", "sacrum"])
def test_cycling_is_no_running(tmp_path, db_url, segment):
    """Synthetic pedalling (see ``pedalling``): no placement, guessed or given, finds a run."""
    path = write_csv(pedalling(segment), tmp_path / f"ride_{segment}.csv")
    for placement in (None, "shank", "foot", "pocket", "sacrum", "wrist"):
        options = ("--placement", placement) if placement else ()
        refused(path, db_url, "no running activity in", options=options)


# --------------------------------------------------------------------------------------------
# exclusions are reported, per placement
def test_trunk_exclusions_are_reported(tmp_path, db_url):
    run = sacral_run(still_s=12.0)
    doc, stderr = analysed(write_csv(run, tmp_path / "run.csv"), db_url, "--no-store",
                           "--placement", "sacrum")
    info = doc["runs"][0]["info"]
    assert info["excluded_s"]["standing"] == pytest.approx(12, abs=2.5)
    assert info["running_s"] == pytest.approx(25, abs=2.5)
    line = r"run\.csv: analysed 0:2\d of running; excluded 0:1\d standing"
    assert re.search(line, stderr), stderr
    text = cli.invoke(app, ["analyze", str(tmp_path / "run.csv"), "--db", db_url, "--no-store",
                            "--placement", "sacrum"])
    assert re.search(r"Analysed 0:2\d of running; excluded 0:1\d standing", text.stdout)
    assert "placement sacrum (given)" in text.stdout


def test_wrist_exclusions_are_reported(tmp_path, db_url):
    """Synthetic: standing 12 s, then arm swing (1.4 Hz) on a running trunk."""
    run = sacral_run(still_s=12.0)
    t = run["time_s"].to_numpy()
    swing = np.where(t >= 12.0, 1.0, 0.0)
    run["acc_x"] = 1.2 * np.sin(2 * np.pi * 1.4 * t) * swing
    run["acc_y"] = 0.3 * np.cos(2 * np.pi * 1.4 * t) * swing
    doc, stderr = analysed(write_csv(run, tmp_path / "wrist.csv"), db_url, "--no-store",
                           "--placement", "wrist")
    (result,) = doc["runs"]
    assert result["info"]["excluded_s"]["standing"] == pytest.approx(12, abs=2.5)
    assert result["summary"]["cadence_spm"] == pytest.approx(168, abs=2)
    assert "excluded 0:1" in stderr


def test_foot_exclusions_are_reported(shared_data, db_url):
    doc, stderr = analysed(shared_data / FOOT_RUN, db_url, "--no-store")
    (run,) = doc["runs"]
    assert run["placement"] == "foot" and run["info"]["placement_guess"]["placement"] == "foot"
    assert run["info"]["excluded_s"]["standing"] > 5 and 15 < run["info"]["running_s"] < 30
    assert "analysed 0:" in stderr and "standing" in stderr


@pytest.fixture(scope="module")
def ankle_hip_excerpt(shared_data, tmp_path_factory) -> Path:
    """The last 5 minutes of the two-sensor outdoor run (hip and ankle): running, walking and
    standing.
    GPL-3.0 data: written to a temporary folder only."""
    data = pd.read_csv(shared_data / ANKLE_HIP)
    part = pd.concat([g.iloc[20 * 6000 :] for _, g in data.groupby("loc_id", sort=False)])
    path = tmp_path_factory.mktemp("ankle_hip") / "ankle_hip_minutes_20_25.csv"
    part.to_csv(path, index=False)
    return path


def test_two_sensor_file_says_which_table_is_which(ankle_hip_excerpt, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'softstep.db'}"
    result = cli.invoke(app, ["analyze", str(ankle_hip_excerpt), "--no-store", "--db", db_url,
                              "--sample-rate", "100"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    hip = out.index("sensor left_hip · placement waist (from the sensor name 'left_hip')")
    ankle = out.index("sensor left_ankle · placement shank (from the sensor name 'left_ankle')")
    assert hip < ankle  # each run's header sits above its own tables
    assert out.count("Foot contacts detected") == 2
    for sensor in ("left_hip", "left_ankle"):
        assert re.search(rf"\(sensor {sensor}\): analysed \d+:\d\d of running; excluded "
                         r"\d:\d\d standing", result.stderr), result.stderr
    assert len(re.findall(r"Analysed \d:\d\d of running; excluded", out)) == 2


def test_two_sensor_json_reports_exclusions_per_sensor(ankle_hip_excerpt, db_url):
    doc, _ = analysed(ankle_hip_excerpt, db_url, "--no-store", "--sample-rate", "100")
    runs = {r["info"]["sensor"]: r for r in doc["runs"]}
    for sensor, placement in (("left_hip", "waist"), ("left_ankle", "shank")):
        info = runs[sensor]["info"]
        assert runs[sensor]["placement"] == placement
        assert info["excluded_s"]["standing"] > 45 and info["excluded_s"]["walking"] > 15
        assert info["running_s"] + sum(info["excluded_s"].values()) == pytest.approx(300, abs=3)
    # both sensors saw the same running (within two 2-s windows)
    assert runs["left_hip"]["info"]["running_s"] == pytest.approx(
        runs["left_ankle"]["info"]["running_s"], abs=10)


# --------------------------------------------------------------------------------------------
# end to end on a real trial: analyse, store, list, show, HTML
@pytest.fixture(scope="module")
def sacral_trial(shared_data, tmp_path_factory) -> Path:
    """Trial 0 of sacral_grf_treadmill (Apache-2.0) as a generic CSV of time_s, acc_x (AP) and
    acc_z (vertical), in g at 500 Hz: what a user's export of such a sensor looks like."""
    folder = shared_data / "sacral_grf_treadmill" / "data"
    acc = np.loadtxt(folder / "Accelerometer_one_sub.csv", delimiter=",", max_rows=1)
    n = acc.size // 2
    path = tmp_path_factory.mktemp("sacral") / "sacral_trial_00.csv"
    pd.DataFrame({"time_s": np.arange(n) / 500.0, "acc_x": acc[n:], "acc_z": acc[:n]}).to_csv(
        path, index=False, float_format="%.6f")
    return path


def test_sacral_trial_end_to_end(sacral_trial, db_url, tmp_path):
    doc, stderr = analysed(sacral_trial, db_url, "--placement", "sacrum")
    (run,) = doc["runs"]
    steps = run["steps"]
    assert 12 <= len(steps) <= 20  # the force plate counts 14-19 contacts per trial
    assert run["placement"] == "sacrum" and run["info"]["acc_units"].startswith("g")
    for key, low, high in (("cadence_spm", 140, 240), ("contact_s", 0.15, 0.33),
                           ("vertical_oscillation_cm", 3, 15), ("impact_g", 1.5, 5),
                           ("loading_rate_g_per_s", 5, 500), ("peak_force_bw", 1.8, 3.6)):
        values = [s[key] for s in steps if s[key] is not None]
        assert len(values) >= len(steps) // 2, key
        assert low < float(np.median(values)) < high, (key, np.median(values))
    assert 140 < run["summary"]["cadence_spm"] < 240
    assert all(s["side"] is None for s in steps)  # never a guess
    run_id = run["id"]
    assert run_id is not None

    listing = cli.invoke(app, ["runs", "--db", db_url])
    assert listing.exit_code == 0 and "sacral_trial_00.csv" in listing.stdout
    assert re.search(rf"^\W*{run_id}\W.*imu", listing.stdout, re.M), listing.stdout
    shown = cli.invoke(app, ["show", str(run_id), "--json", "--db", db_url])
    assert shown.exit_code == 0, shown.stderr
    (again,) = json.loads(shown.stdout)["runs"]
    assert len(again["steps"]) == len(steps) and again["placement"] == "sacrum"
    assert again["steps"][0]["t_s"] == pytest.approx(steps[0]["t_s"])
    assert again["info"]["running_s"] == run["info"]["running_s"]

    html = tmp_path / "report.html"
    result = cli.invoke(app, ["show", str(run_id), "--html", str(html), "--db", db_url])
    assert result.exit_code == 0, result.stderr
    page = html.read_text()
    assert f"{len(steps)} foot contacts detected by a sacrum sensor" in page
    assert "placement sacrum (given)" in page


def test_sacral_trial_placement_is_guessed_and_said(sacral_trial, db_url, tmp_path):
    unnamed = tmp_path / "treadmill_00.csv"  # "sacral" in a file name says the placement
    unnamed.write_bytes(sacral_trial.read_bytes())
    html = tmp_path / "guessed.html"
    result = cli.invoke(app, ["analyze", str(unnamed), "--db", db_url, "--no-store",
                              "--html", str(html)])
    assert result.exit_code == 0, result.stderr
    guess = re.search(r"placement guessed as (\w+) \(confidence (\d+)%", result.stderr)
    assert guess and guess.group(1) == "sacrum" and int(guess.group(2)) >= 50, result.stderr
    assert f"placement sacrum (guessed, {guess.group(2)} %)" in result.stdout
    assert "foot contacts detected by a sacrum sensor" in html.read_text()
    assert stored(db_url) == 0
