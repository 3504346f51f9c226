"""Side-view video from keypoints (issue 5, pose-model-independent half): readers.pose,
steps.video and validation.video, on the real keypoint file and real marker data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from softstep.errors import UnreadableFileError
from softstep.model import Runner
from softstep.pipeline import analyze_file
from softstep.readers import read
from softstep.steps import video

POSE = Path("video_side_treadmill") / "male_side.pose.json"
TRUTH = Path("video_side_treadmill") / "male_side.groundtruth.json"


@pytest.fixture(scope="module")
def pose_path(shared_data: Path) -> Path:
    return shared_data / POSE


@pytest.fixture(scope="module")
def truth(shared_data: Path) -> dict:
    return json.loads((shared_data / TRUTH).read_text())


@pytest.fixture(scope="module")
def analysis(pose_path: Path):
    return analyze_file(pose_path, Runner(height_cm=178.0))


# ---- reader ---------------------------------------------------------------------------------
def test_reader_reads_the_halpe26_file(pose_path: Path):
    rec = read(pose_path).recordings[0]
    assert rec.source == "video" and rec.sample_rate_hz == 30.0
    s = rec.samples
    assert len(s) == 360 and s["t_s"].is_monotonic_increasing
    assert s["t_s"].iloc[-1] == pytest.approx(11.9667, abs=1e-3)
    for joint in ("hip", "knee", "ankle", "heel", "big_toe", "small_toe", "shoulder"):
        for side in "lr":
            names = {f"{side}_{joint}_{q}" for q in ("x_px", "y_px", "score")}
            assert names <= set(s)
    assert s["l_heel_y_px"].between(0, 1280).all() and s["r_big_toe_score"].between(0, 1.2).all()
    assert rec.info["width_px"] == 720 and rec.info["height_px"] == 1280
    assert rec.info["frame_ms"] == pytest.approx(33.3, abs=0.1)
    assert rec.info["angle_uncertainty_deg"] == [5.0, 8.0]
    assert any("33 ms" in w for w in rec.warnings)


def test_reader_detects_by_content_not_name(pose_path: Path, tmp_path: Path):
    copy = tmp_path / "keypoints.dat"
    copy.write_bytes(pose_path.read_bytes())
    assert read(copy).recordings[0].source == "video"


@pytest.mark.parametrize("content, says", [
    (b"", "empty"),
    (b'{"keypoint_names": ["l_heel"], "frames": [[[1, 2', "not valid JSON"),
    (b'{"laps": [1, 2, 3]}', "not a keypoint file"),
    (b"[1, 2, 3]", "not a keypoint file"),
    (json.dumps({"fps": 30, "keypoint_names": ["l_hip", "r_hip"],
                 "frames": [[[1, 2, 1], [3, 4, 1]]] * 20}).encode(), "r_heel"),
    (json.dumps({"keypoint_names": [f"{s}_{j}" for s in "lr" for j in
                                    ("hip", "knee", "ankle", "heel", "big_toe")],
                 "frames": [[[1, 2, 1]] * 10] * 20}).encode(), "no frame rate"),
])
def test_reader_bad_files_name_the_file(tmp_path: Path, content: bytes, says: str):
    path = tmp_path / "clip.pose.json"
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError) as err:
        read(path)
    message = str(err.value)
    assert str(path) in message and says in message and "\n" not in message


# ---- facing ---------------------------------------------------------------------------------
def test_facing_on_the_real_file_and_its_mirror_image(pose_path: Path):
    samples = read(pose_path).recordings[0].samples
    steps = video.detect_video(samples, 30.0)
    assert steps.attrs["facing"] == "left" and steps.attrs["facing_agreement"] > 0.9
    mirror = samples.copy()
    for col in [c for c in samples if c.endswith("_x_px")]:
        mirror[col] = 720.0 - samples[col]
    flipped = video.detect_video(mirror, 30.0)
    assert flipped.attrs["facing"] == "right" and flipped.attrs["near_side"] == "R"
    # the geometry does not depend on the direction
    assert len(flipped) == len(steps)
    assert np.allclose(flipped["strike_angle_deg"], steps["strike_angle_deg"], equal_nan=True)
    assert np.allclose(flipped["overstride_pct_leg"], steps["overstride_pct_leg"], equal_nan=True)


# ---- the real clip against its ground truth --------------------------------------------------
def test_cadence_within_one_step_per_minute(analysis, truth):
    cadence = analysis.runs[0].summary.cadence_spm
    assert abs(cadence - truth["cadence_spm"]["value"]) <= 1.0


def test_contact_time_and_duty_factor_in_the_bands(analysis, truth):
    s = analysis.runs[0].summary
    lo, hi = truth["physiological_bands"]["contact_time_ms"]
    assert lo <= 1000 * s.contact_s <= hi
    lo, hi = truth["physiological_bands"]["duty_factor_pct"]
    assert lo <= 100 * s.duty_factor <= hi


def test_steps_table_carries_the_landing_geometry(analysis):
    run = analysis.runs[0]
    steps, info = run.steps, run.recording.info
    assert len(steps) >= 25  # 12 s at 169 steps/min is about 33 contacts
    # the far (R) foot is seen landing ~70 ms late: what is measured at its IC is left out
    timed = np.array(steps.attrs["feet"]) != info["timing_off_foot"].lower()
    assert 0.4 < timed.mean() < 0.6
    for col in ("strike_angle_deg", "overstride_cm", "overstride_pct_leg", "shank_angle_deg",
                "knee_flexion_ic_deg"):
        assert steps[col][timed].notna().mean() > 0.9, col
        assert steps[col][~timed].isna().all(), col
    for col in ("knee_flexion_peak_deg", "trunk_lean_deg"):
        assert steps[col].notna().mean() > 0.9, col
    assert (steps["knee_flexion_peak_deg"] >= steps["knee_flexion_ic_deg"] - 1e-9)[timed].all()
    assert steps["strike_class"].dropna().isin(["rearfoot", "midfoot", "forefoot"]).all()
    assert steps["trunk_lean_deg"].median() == pytest.approx(9, abs=8)  # upright-ish runner
    # pixels -> cm with 0.53 x height (Runner.leg_length_m)
    leg_m = Runner(height_cm=178.0).leg_length_m
    assert np.allclose(steps["overstride_cm"], steps["overstride_pct_leg"] * leg_m,
                       equal_nan=True)
    assert info["facing"] == "left" and info["angle_uncertainty_deg"] == [5.0, 8.0]
    assert steps["side"].dropna().isin(["L", "R"]).all()


# ---- markers against the force plate ---------------------------------------------------------
def test_marker_contacts_match_the_force_plate(shared_data: Path):
    """Heel / toe markers through the same detector: every contact found, median |IC error|
    within 20 ms at 240 Hz and within one 30-fps frame (33 ms) when decimated to 30 fps."""
    from softstep.validation import video as vv

    table = vv.evaluate_markers(shared_data).set_index("rate")
    at_240, at_30 = table.iloc[0], table.iloc[1]
    for row in (at_240, at_30):
        assert row["found_pct"] >= 95.0 and row["extra"] == 0
        assert row["foot_agree_pct"] == 100.0
        assert row["facing"] == "right"
    assert at_240["ic_abs_median_ms"] <= 20.0
    assert at_30["ic_abs_median_ms"] <= 1000.0 / 30.0
    assert at_240["rearfoot"] >= 25  # a heel striker: every landing toe up by > 7.4°


# ---- arithmetic on hand-built feet -----------------------------------------------------------
@pytest.mark.parametrize("forward", [-1, 1])
@pytest.mark.parametrize("angle", [-10.0, 0.0, 7.0, 25.0])
def test_foot_angle_of_a_hand_built_foot(forward: int, angle: float):
    heel = np.array([400.0, 1200.0])
    toe = heel + 85.0 * np.array([forward * np.cos(np.radians(angle)), -np.sin(np.radians(angle))])
    got = video.foot_angle_deg(heel[0], heel[1], toe[0], toe[1], forward)
    assert float(got) == pytest.approx(angle, abs=1e-9)


def test_strike_classes_use_the_science_cut_offs():
    got = video.strike_class(np.array([7.5, 7.4, 0.0, -0.8, -0.9, np.nan]))
    assert got.tolist() == ["rearfoot", "midfoot", "midfoot", "midfoot", "forefoot", ""]


def test_strike_angle_end_to_end_on_a_synthetic_runner():
    t = np.arange(360) / 30.0
    for strike in (15.0, 0.0):
        steps = video.detect_video(video.synthetic_samples(t, strike_deg=strike), 30.0)
        assert steps["strike_angle_deg"].median() == pytest.approx(strike, abs=3.0)
        assert steps["cadence_spm"].median() == pytest.approx(170.0, abs=1.0)


def test_overstride_scaling():
    # heel 100 px ahead of the hip (runner facing left: ahead = smaller x), leg 400 px = 0.9 m
    cm, pct = video.overstride(np.array([200.0, 350.0]), np.array([300.0, 300.0]), -1, 400.0, 0.9)
    assert pct.tolist() == pytest.approx([25.0, -12.5])
    assert cm.tolist() == pytest.approx([22.5, -11.25])
    cm, _ = video.overstride(np.array([200.0]), np.array([300.0]), -1, 400.0, None)
    assert np.isnan(cm).all()
    assert Runner(height_cm=180).leg_length_m == pytest.approx(0.954)


def test_knee_and_shank_angles():
    assert float(video.knee_flexion_deg(0, 0, 0, 40, 0, 80)) == pytest.approx(0.0)
    assert float(video.knee_flexion_deg(0, 0, 0, 40, 40, 40)) == pytest.approx(90.0)
    # ankle 10 px ahead of the knee (facing left), 40 px below: shank reaching forward
    assert float(video.segment_angle_deg(300, 900, 290, 940, -1)) == pytest.approx(
        np.degrees(np.arctan2(10, 40)))


def test_a_hidden_far_leg_gets_no_side():
    t = np.arange(360) / 30.0
    samples = video.synthetic_samples(t)
    for col in [c for c in samples if c.startswith("l_") and c.endswith("_score")]:
        samples[col] = 0.4  # seen, but poorly: the far leg behind the near one
    steps = video.detect_video(samples, 30.0)
    feet = np.array(steps.attrs["feet"])
    assert steps["side"][feet == "l"].isna().all()
    assert (steps["side"][feet == "r"] == "R").all()


def test_one_leg_seen_gives_cadence_from_its_strides_and_no_step_times():
    t = np.arange(360) / 30.0
    samples = video.synthetic_samples(t, cadence_spm=160.0)
    for col in [c for c in samples if c.startswith("l_") and c.endswith("_score")]:
        samples[col] = 0.1  # the far leg never seen
    steps = video.detect_video(samples, 30.0)
    assert steps.attrs["one_foot_only"] and set(steps.attrs["feet"]) == {"r"}
    assert steps["cadence_spm"].median() == pytest.approx(160.0, abs=1.0)
    assert steps["step_s"].isna().all() and steps["flight_s"].isna().all()
    assert steps["contact_s"].median() == pytest.approx(0.25, abs=0.04)


def test_too_few_contacts_is_no_running(tmp_path: Path):
    from softstep.errors import NoRunningError

    names = [f"{s}_{j}" for s in "lr" for j in ("hip", "knee", "ankle", "heel", "big_toe")]
    still = [[[300.0 + 5 * k, 900.0 + 60 * k, 0.9] for k in range(len(names))]] * 90
    path = tmp_path / "standing.pose.json"
    path.write_text(json.dumps({"fps": 30, "keypoint_names": names, "frames": still}))
    with pytest.raises(NoRunningError, match="standing.pose.json"):
        analyze_file(path, Runner())


def test_steps_json_has_the_issue_fields(analysis):
    from softstep.pipeline import run_to_json

    out = run_to_json(analysis.runs[0])
    step = out["steps"][0]
    for key in ("t_s", "side", "contact_s", "flight_s", "strike_angle_deg", "strike_class",
                "overstride_cm", "overstride_pct_leg", "shank_angle_deg", "knee_flexion_ic_deg",
                "knee_flexion_peak_deg", "trunk_lean_deg"):
        assert key in step
    assert out["source"] == "video" and out["info"]["frame_ms"] == pytest.approx(33.3, abs=0.1)
    pd.DataFrame(out["steps"])  # JSON-ready rows


def test_a_far_foot_seen_late_is_not_compared_with_the_near_one():
    t = np.arange(360) / 30.0
    samples = video.synthetic_samples(t)  # facing left: the near leg is L, the far R
    assert video.detect_video(samples, 30.0).attrs["timing_off_foot"] is None
    late = samples.copy()
    for col in [c for c in late if c.startswith("r_") and not c.endswith("_score")]:
        late[col] = np.roll(late[col].to_numpy(), 2)  # every far-foot event 2 frames late
    steps = video.detect_video(late, 30.0)
    feet = np.array(steps.attrs["feet"])
    assert steps.attrs["timing_off_foot"] == "R"
    assert steps.attrs["far_foot_lag_ms"] == pytest.approx(66.7, abs=10.0)
    far = feet == "r"
    assert steps["side"][far].isna().all() and (steps["side"][~far] == "L").all()
    assert steps["contact_s"][far].isna().all() and steps["overstride_pct_leg"][far].isna().all()
    assert steps["contact_s"][~far].median() == pytest.approx(0.25, abs=0.04)
    assert (steps["confidence"][far] < video.MIN_SIDE_SCORE).all()
    assert steps["cadence_spm"].median() == pytest.approx(170.0, abs=1.0)


def test_the_real_clip_reports_no_false_left_right_difference(analysis):
    run = analysis.runs[0]
    assert run.recording.info["timing_off_foot"] == "R"  # the far foot lands ~70 ms before seen
    assert run.summary.contact_balance_left_pct is None
    assert any("far (R) foot's landings are seen" in w for w in analysis.warnings)


@pytest.mark.parametrize("facing", ["left", "right"])
def test_overground_clip_from_a_fixed_camera(facing):
    """Overground the runner crosses a fixed camera's view: the stance foot stands still in the
    image and the hips move on. The same contacts, cadence, contact time and facing come out as
    on a treadmill (where the stance foot moves back under still hips)."""
    t_s = np.arange(0, 3.0, 1 / 30)
    treadmill = video.synthetic_samples(t_s, cadence_spm=170, contact_s=0.25, facing=facing)
    overground = treadmill.copy()
    forward = -1.0 if facing == "left" else 1.0
    belt_px_per_s = 200 / 0.25  # how far the synthetic stance foot travels back per second
    for column in [c for c in overground if c.endswith("_x_px")]:
        overground[column] += forward * belt_px_per_s * (t_s - 1.5)
    on_belt, crossing = video.detect_video(treadmill, 30.0), video.detect_video(overground, 30.0)
    assert crossing.attrs["facing"] == facing
    assert len(crossing) == len(on_belt) >= 7
    assert abs(crossing["cadence_spm"].median() - 170) < 2
    assert abs(crossing["contact_s"].median() - 0.25) < 0.034  # one frame
    np.testing.assert_allclose(crossing["t_s"], on_belt["t_s"], atol=1 / 30)
