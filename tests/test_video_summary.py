"""Landing geometry in the summary, the report and the findings (issue 5): medians over the
landings, pose margins (±5-8°, SCIENCE.md §4), a minimum number of landings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from softstep import metrics, metrics_video
from softstep.coach.diagnose import (
    LOW_CONFIDENCE,
    MIN_VIDEO_LANDINGS,
    OVERSTRIDE_MARGIN_PCT_LEG,
    OVERSTRIDE_PCT_LEG,
    diagnose,
)
from softstep.model import Runner, Summary, empty_records, empty_steps
from softstep.report import format as fmt


def video_steps(n=30, *, overstride=15.0, strike=3.0, shank=2.0, far_hidden=True, seed=0):
    """A pose Steps table at 170 steps/min: the near (L) foot's landings carry geometry with
    some landing-to-landing spread; the far foot's, when ``far_hidden``, none (steps.video)."""
    rng = np.random.default_rng(seed)
    steps = empty_steps(n)
    steps["t_s"] = np.arange(n) * 60.0 / 170.0
    steps["step_s"] = 60.0 / 170.0
    steps["cadence_spm"] = 170.0
    steps["contact_s"] = 0.25
    near = np.arange(n) % 2 == 1 if far_hidden else np.ones(n, dtype=bool)
    steps["side"] = pd.array(np.where(near, "L", None), dtype="string")

    def near_only(centre, sd):
        return np.where(near, centre + sd * rng.standard_normal(n), np.nan)

    steps["strike_angle_deg"] = near_only(strike, 3.0)
    steps["overstride_pct_leg"] = near_only(overstride, 2.0)
    steps["shank_angle_deg"] = near_only(shank, 2.0)
    steps["knee_flexion_ic_deg"] = near_only(12.0, 2.0)
    steps["knee_flexion_peak_deg"] = np.where(near, 34.0, 60.0)  # far foot's: mistimed stance
    steps["trunk_lean_deg"] = 9.0 + rng.standard_normal(n)
    angle = steps["strike_angle_deg"].to_numpy()
    cls = np.where(angle > 7.4, "rearfoot", np.where(angle < -0.8, "forefoot", "midfoot"))
    steps["strike_class"] = pd.array(np.where(near, cls, None), dtype="string")
    return steps


# --------------------------------------------------------------------------------------------
def test_summary_medians_rest_on_the_measured_landings_only():
    steps = video_steps(31, overstride=20.0, strike=12.0, shank=4.0)
    out = metrics_video.landing_summary(steps)
    near = steps["side"].notna().to_numpy()
    assert out["landings_measured"] == near.sum() == 15
    for col in ("strike_angle_deg", "overstride_pct_leg", "shank_angle_deg",
                "knee_flexion_ic_deg"):
        assert out[col] == pytest.approx(np.median(steps[col].to_numpy()[near]))
    assert out["knee_flexion_peak_deg"] == 34.0  # the far foot's 60° is left out
    assert out["trunk_lean_deg"] == pytest.approx(np.median(steps["trunk_lean_deg"]))
    cls = steps["strike_class"].dropna()
    assert out["rearfoot_pct"] == pytest.approx(100 * (cls == "rearfoot").mean())
    assert out["rearfoot_pct"] + out["midfoot_pct"] + out["forefoot_pct"] == pytest.approx(100)
    assert out["overstride_cm"] is None  # no height: no cm
    # the same figures reach Summary through metrics.summarize
    summary = metrics.summarize(empty_records(), steps, Runner())
    assert summary.overstride_pct_leg == pytest.approx(out["overstride_pct_leg"])
    assert summary.landings_measured == 15 and summary.strike_angle_deg == out["strike_angle_deg"]


def test_summary_has_no_landing_figures_without_geometry():
    steps = video_steps(20)
    for col in metrics_video.MEDIAN_COLUMNS:
        steps[col] = np.nan
    steps["strike_class"] = pd.array([None] * 20, dtype="string")
    assert metrics_video.landing_summary(steps) == {}
    two = video_steps(5)  # 2 near-foot landings: under MIN_SUMMARY_LANDINGS
    out = metrics_video.landing_summary(two)
    assert out["landings_measured"] == 2 and out["strike_angle_deg"] is None


def test_report_rows_show_angles_with_the_pose_uncertainty():
    rows = dict(fmt.summary_rows(Summary(strike_angle_deg=21.07, overstride_pct_leg=18.3,
                                         rearfoot_pct=100.0, landings_measured=15), "video"))
    assert rows["Foot-strike angle"] == "21.1° (±5-8°, pose)"
    assert rows["Overstride, % of leg length"] == "18.3 %"
    assert rows["Rearfoot landings"] == "100 %" and rows["Landings measured"] == "15"


# --------------------------------------------------------------------------------------------
def findings(steps, **kwargs):
    summary = metrics.summarize(empty_records(), steps, Runner())
    return {f.code: f for f in diagnose(summary, empty_records(), steps, None, Runner(),
                                        **kwargs)}


def test_a_clear_overstrider_and_heel_striker_is_found_in_a_short_clip():
    found = findings(video_steps(overstride=OVERSTRIDE_PCT_LEG + 20, strike=20.0, shank=12.0))
    over, heel = found["overstriding"], found["heel_striking"]
    assert over.confidence >= 0.65 and heel.confidence >= 0.65
    (ev,) = [e for e in over.evidence if e.unit == "% of leg length"]
    assert ev.value == pytest.approx(OVERSTRIDE_PCT_LEG + 20, abs=2)
    assert "median of 15 landings" in ev.reference and "±5-8°" in ev.reference
    assert "ours" in ev.reference  # no stored videos: softstep's threshold, labelled as such
    assert "median of 15 landings" in heel.evidence[0].reference
    assert "±5-8°" in heel.evidence[0].reference


def test_within_the_pose_margin_gives_low_confidence_and_below_the_threshold_nothing():
    inside = OVERSTRIDE_PCT_LEG + OVERSTRIDE_MARGIN_PCT_LEG / 2
    found = findings(video_steps(overstride=inside, strike=7.4 + 2.5, seed=1))
    assert found["overstriding"].confidence == LOW_CONFIDENCE
    assert found["heel_striking"].confidence == LOW_CONFIDENCE
    assert "within" in found["overstriding"].detail
    assert findings(video_steps(overstride=OVERSTRIDE_PCT_LEG - 8, strike=2.0)) == {}


def test_single_extreme_landings_do_not_make_a_finding():
    steps = video_steps(overstride=15.0, strike=3.0)
    near = np.flatnonzero(steps["side"].notna().to_numpy())
    steps.loc[near[:3], "overstride_pct_leg"] = 80.0  # three wild frames out of 15
    steps.loc[near[:3], "strike_angle_deg"] = 40.0
    assert findings(steps) == {}


def test_too_few_landings_give_no_finding():
    steps = video_steps(2 * MIN_VIDEO_LANDINGS - 2, overstride=60.0, strike=25.0)
    assert steps["side"].notna().sum() == MIN_VIDEO_LANDINGS - 1
    assert findings(steps) == {}


def test_overstride_is_judged_against_the_runners_own_earlier_videos():
    steps = video_steps(overstride=20.0, strike=2.0)
    assert "overstriding" not in findings(steps)  # under softstep's 25 %
    found = findings(steps, overstride_baseline_pct_leg=8.0)  # 12 points over own baseline
    assert found["overstriding"].confidence >= 0.65
    assert "own baseline" in found["overstriding"].evidence[0].reference


# --------------------------------------------------------------------------------------------
def test_real_clip_summary_has_the_near_foot_medians(shared_data):
    from softstep.pipeline import analyze_file, run_to_json

    path = shared_data / "video_side_treadmill" / "male_side.pose.json"
    fa = analyze_file(path, Runner(height_cm=178.0))
    run = fa.runs[0]
    s, steps = run.summary, run.steps
    near = steps["strike_angle_deg"].notna().to_numpy()
    assert s.landings_measured == near.sum() >= 12
    assert s.strike_angle_deg == pytest.approx(np.median(steps["strike_angle_deg"][near]))
    assert s.knee_flexion_peak_deg == pytest.approx(
        np.median(steps["knee_flexion_peak_deg"][near]))
    assert s.overstride_cm == pytest.approx(np.median(steps["overstride_cm"][near]))
    for name in ("overstride_pct_leg", "shank_angle_deg", "knee_flexion_ic_deg", "trunk_lean_deg",
                 "rearfoot_pct"):
        assert getattr(s, name) is not None, name
    assert run_to_json(run)["summary"]["overstride_pct_leg"] == pytest.approx(
        s.overstride_pct_leg)
    assert any("medians over the other foot's landings" in w for w in fa.warnings)


def test_stored_video_runs_give_the_overstride_baseline(shared_data, db_url):
    from softstep.pipeline import analyze_file
    from softstep.store import Store

    path = shared_data / "video_side_treadmill" / "male_side.pose.json"
    first = analyze_file(path, Runner())
    with Store(db_url) as store:
        store.import_analysis(first, runner="ana")
        (row,) = store.video_history("ana")
        assert store.video_history("someone else") == []
        loaded = store.load_run(row.run_id).summary
    s = first.runs[0].summary
    for name in ("strike_angle_deg", "rearfoot_pct", "overstride_pct_leg", "shank_angle_deg",
                 "knee_flexion_ic_deg", "knee_flexion_peak_deg", "trunk_lean_deg",
                 "landings_measured"):
        assert getattr(loaded, name) == pytest.approx(getattr(s, name)), name
    assert row.overstride_pct_leg == pytest.approx(s.overstride_pct_leg)
    assert row.landings_measured == s.landings_measured
    # the same file analysed again is not its own baseline; another video of the runner is
    assert metrics_video.overstride_baseline([row], exclude_hash=row.content_hash) is None
    again = analyze_file(path, Runner(), video_history=[row])
    assert again.runs[0].recording.info["overstride_baseline_pct_leg"] is None
    other = metrics_video.VideoRunRow(99, "another clip", None, 5.0, 20)
    rerun = analyze_file(path, Runner(), video_history=[row, other])
    assert rerun.runs[0].recording.info["overstride_baseline_pct_leg"] == 5.0
    (over,) = [f for f in rerun.runs[0].findings if f.code == "overstriding"]
    assert "own baseline" in over.evidence[0].reference
