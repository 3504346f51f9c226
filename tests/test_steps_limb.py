"""Limb-worn detectors (softstep.steps.imu_limb): real ankle / hip and shoe recordings, plus
synthetic cases for what the real data cannot show (rotation, clipping, standing, short input).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from softstep.model import STEP_COLUMNS
from softstep.steps.imu_limb import ACTIVITY_COLUMNS, activity_windows, detect_foot, detect_shank
from softstep.validation import ankle_hip, foot

ACC = ["acc_x_g", "acc_y_g", "acc_z_g"]
GYR = ["gyr_x_rad_per_s", "gyr_y_rad_per_s", "gyr_z_rad_per_s"]


# ---------------------------------------------------------------------------------------------
# real data: ankle and hip worn together
@pytest.fixture(scope="module")
def ankle_hip_table(shared_data):
    return ankle_hip.evaluate(shared_data, hip="standin")


def test_ankle_and_hip_agree_in_every_running_minute(ankle_hip_table):
    t = ankle_hip_table
    minutes = t[(t["minute"] != "total") & t["running"]]
    assert len(minutes) >= 18  # 25-min run with 6 stops: exclusion must not eat the running
    assert (minutes["step_diff_pct"].abs() <= 1.0).all(), minutes
    assert (minutes["cadence_diff_spm"].abs() <= 1.0).all(), minutes
    total = t[t["minute"] == "total"].iloc[0]
    assert abs(total["step_diff_pct"]) < 0.2
    # both sensors call the same stretches running (within 3 % of ~17 min)
    assert abs(total["ankle_running_s"] - total["hip_running_s"]) < 0.03 * total["hip_running_s"]
    assert 150 < total["ankle_cadence_spm"] < 165


def test_ankle_excludes_standing_and_walking(ankle_hip_table):
    activity = ankle_hip_table.attrs["ankle_activity_s"]
    assert activity["standing"] > 200  # the run has ~4 min of standing
    assert activity["walking"] > 60  # and walks between bouts (stride ~1.2 s)
    assert 1000 < activity["running"] < 1150


def test_ankle_saturation_sits_in_swing_not_in_impacts(shared_data, ankle_hip_table):
    """The ActiGraph's +-8 g rail is touched by 8 samples, all in the late-swing peak 20-100 ms
    before a contact; no impact peak touches it, so no impact is flagged clipped."""
    assert ankle_hip_table.attrs["ankle_samples_at_rail"] == 8
    assert ankle_hip_table.attrs["ankle_impacts_clipped"] == 0
    ankle = ankle_hip.load(shared_data)["left_ankle"]
    steps = detect_shank(ankle, ankle_hip.FS, side="L")
    rail = ankle["t_s"][(ankle[ACC].abs() >= 8.0).any(axis=1)].to_numpy()
    ic = steps["t_s"].to_numpy()
    lead = ic[np.searchsorted(ic, rail)] - rail
    assert ((lead > 0.02) & (lead < 0.1)).all(), lead


@pytest.mark.skipif(not ankle_hip.trunk_detector_available(), reason="imu_trunk not there yet")
def test_ankle_and_trunk_detector_agree(shared_data):
    t = ankle_hip.evaluate(shared_data, hip="trunk")
    minutes = t[(t["minute"] != "total") & t["running"]]
    assert len(minutes) >= 17, "the trunk detector labels too little of the run as running"
    assert (minutes["step_diff_pct"].abs() <= 1.0).all(), minutes
    assert (minutes["cadence_diff_spm"].abs() <= 1.0).all(), minutes
    total = t[t["minute"] == "total"].iloc[0]
    assert abs(total["step_diff_pct"]) < 0.2
    assert abs(total["ankle_running_s"] - total["hip_running_s"]) < 0.05 * total["hip_running_s"]


# ---------------------------------------------------------------------------------------------
# real data: shoe IMU vs motion-capture foot-flat
@pytest.fixture(scope="module")
def foot_table(shared_data):
    return foot.evaluate(shared_data).set_index(["trial", "sensors"])


@pytest.mark.parametrize("trial", foot.RUNNING)
def test_shoe_contacts_fall_just_before_foot_flat(foot_table, trial):
    """Bounds: IC precedes the mocap foot-flat start (the foot lands, then rolls flat; SOURCE.txt:
    ZV != contact, +- tens of ms): median lead 10-100 ms and >= 95 % of leads positive. Toe-off
    follows the foot-flat end (heel-off, then toe-off): median lag 0-150 ms. Every contact in
    the middle of a bout is found; the misses allowed are the accelerating first and braking
    last strides of a bout (<= 15 %), and extras are at most 2 per trial."""
    r = foot_table.loc[(trial, "acc+gyro")]
    assert r["missed_mid_bout"] == 0
    assert r["missed"] <= 0.15 * r["running_footflats"]
    assert r["extra"] <= 2
    assert 10 <= r["ic_lead_ms_median"] <= 100 and r["ic_lead_ms_p5"] > 0
    assert 0 <= r["tc_lag_ms_median"] <= 150
    assert 200 <= r["contact_ms_median"] <= 350  # running ~2.2-3 m/s (SCIENCE.md §6: 218-308)
    assert 145 <= r["cadence_spm_median"] <= 175  # SOURCE.txt: ~152-164 steps/min
    # a heel striker in shoes; the two classifiers agree on >= 85 % of contacts
    assert r["rearfoot"] >= 0.8 * r["contacts"]
    assert r["sign_check_agree"] >= 0.85


@pytest.mark.parametrize("trial", foot.RUNNING)
def test_shoe_accelerometer_only_finds_the_same_contacts(foot_table, trial):
    r = foot_table.loc[(trial, "acc-only")]
    assert r["missed_mid_bout"] == 0 and r["missed"] <= 0.15 * r["running_footflats"]
    assert r["extra"] <= 2
    assert 10 <= r["ic_lead_ms_median"] <= 120


@pytest.mark.parametrize("sensors", ["acc+gyro", "acc-only"])
@pytest.mark.parametrize("trial", foot.WALKING)
def test_walking_gives_no_running_steps(foot_table, trial, sensors):
    assert foot_table.loc[(trial, sensors), "contacts"] == 0


# ---------------------------------------------------------------------------------------------
# synthetic
def _rotation(seed: int = 3) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


def _frame(t, acc, gyr=None) -> pd.DataFrame:
    out = {"t_s": t, **{c: acc[:, i] for i, c in enumerate(ACC)}}
    out.update({c: (gyr[:, i] if gyr is not None else np.nan) for i, c in enumerate(GYR)})
    return pd.DataFrame(out)


def _limb(fs=200.0, seconds=20.0, stride_hz=1.35, impact_g=7.0, standing_s=0.0):
    """Accelerometer of a shank: gravity along +z, an impact spike at every contact (phase
    0.02), a swing bump (phase 0.8) along x; optional quiet standing before the running."""
    t = np.arange(0, seconds, 1 / fs)
    run = t >= standing_s
    phase = ((t - standing_s) * stride_hz) % 1.0
    spike = impact_g * np.exp(-((phase - 0.02) / 0.008) ** 2) * run
    swing = 3.0 * np.exp(-((phase - 0.8) / 0.06) ** 2) * run
    acc = np.column_stack([swing, 0.3 * np.sin(2 * np.pi * stride_hz * t) * run, 1.0 + spike])
    return t, acc


def _foot(fs=200.0, seconds=20.0, stride_s=0.74):
    """Shoe: pitch angular velocity about +y (toe-up positive): IC dip, foot-flat, push-off
    dip, mid-swing lobe sized so each stride integrates to zero; impact spike at contact."""
    t = np.arange(0, seconds, 1 / fs)
    r = t % stride_s  # time since contact
    g = lambda mu, sd: np.exp(-(((r - mu) / sd) ** 2) / 2)
    neg = -9 * g(0.01, 0.02) - 8 * g(0.25, 0.035) - 2 * g(0.62, 0.03)
    area = 9 * 0.02 + 8 * 0.035 + 2 * 0.03
    pitch = neg + area / 0.07 * g(0.45, 0.07)
    gyr = np.column_stack([0.1 * pitch, pitch, 0.05 * np.sin(2 * np.pi * t / stride_s)])
    spike = 6.0 * g(0.005, 0.004)
    acc = np.column_stack([2.0 * g(0.6, 0.05), 0 * t, 1.0 + spike])
    return t, acc, gyr


def test_standing_gives_nothing():
    t = np.arange(0, 30, 0.01)
    noise = np.random.default_rng(0).normal(0, 0.005, (len(t), 3))
    samples = _frame(t, np.array([0.05, -0.02, 1.0]) + noise)
    for detect in (detect_shank, detect_foot):
        steps = detect(samples, 100.0)
        assert len(steps) == 0 and list(steps.columns) == list(STEP_COLUMNS)
    activity = activity_windows(samples, 100.0)
    assert list(activity.columns) == ACTIVITY_COLUMNS
    standing = activity[activity["activity"] == "standing"]
    assert (standing["end_s"] - standing["start_s"]).sum() > 25


def test_too_short_input_gives_an_empty_table():
    t, acc = _limb(seconds=1.0)
    steps = detect_shank(_frame(t, acc), 200.0)
    assert len(steps) == 0
    assert list(steps.columns) == list(STEP_COLUMNS)
    assert dict(steps.dtypes.astype(str)) == STEP_COLUMNS


def test_contacts_cadence_and_side():
    t, acc = _limb(standing_s=4.0)
    steps = detect_shank(_frame(t, acc), 200.0)
    assert len(steps) >= 20
    assert (steps["t_s"] > 4.0).all()  # nothing while standing
    assert steps["cadence_spm"].median() == pytest.approx(2 * 60 * 1.35, abs=0.5)
    assert steps["step_s"].median() == pytest.approx(0.5 / 1.35, abs=0.005)
    assert steps["side"].isna().all()  # never guessed
    assert (detect_shank(_frame(t, acc), 200.0, side="R")["side"] == "R").all()
    # IC at the spike's onset: from one sample after to 15 ms before its centre (phase 0.02)
    centre = 4.0 + (np.round((steps["t_s"] - 4.0) * 1.35 - 0.02) + 0.02) / 1.35
    lead = (centre - steps["t_s"]).to_numpy()
    assert ((lead >= -0.005) & (lead < 0.015)).all(), lead
    assert steps["impact_g"].median() == pytest.approx(8.0, abs=0.3)  # axial: 1 g + 7 g spike
    act = steps.attrs["activity"]
    assert {"standing", "running"} <= set(act["activity"])


def test_rotated_shank_sensor_gives_the_same_steps():
    t, acc = _limb(standing_s=3.0)
    a = detect_shank(_frame(t, acc), 200.0)
    b = detect_shank(_frame(t, acc @ _rotation().T), 200.0)
    assert len(a) == len(b) > 0
    np.testing.assert_allclose(a["t_s"], b["t_s"])
    np.testing.assert_allclose(a["impact_g"], b["impact_g"], rtol=1e-6)  # axial is a virtual axis


def test_rotated_foot_sensor_gives_the_same_steps_and_strike_angle():
    t, acc, gyr = _foot()
    rot = _rotation(7)
    a = detect_foot(_frame(t, acc, gyr), 200.0)
    b = detect_foot(_frame(t, acc @ rot.T, gyr @ rot.T), 200.0)
    assert len(a) == len(b) >= 20
    np.testing.assert_allclose(a["t_s"], b["t_s"])
    np.testing.assert_allclose(a["to_s"], b["to_s"])
    np.testing.assert_allclose(a["strike_angle_deg"], b["strike_angle_deg"], atol=1e-6)
    # IC = the IC dip (0.01 s after contact), TC = the push-off dip (0.25 s)
    r = (a["t_s"].to_numpy() % 0.74)
    assert np.allclose(r, 0.01, atol=0.006)
    assert np.allclose(a["contact_s"].dropna(), 0.24, atol=0.01)
    # toe-up at IC: half the IC dip's rotation is still to come, 9*0.02*sqrt(2 pi)/2 rad
    expected = np.degrees(9 * 0.02 * np.sqrt(2 * np.pi) / 2)  # 12.9 deg
    assert a["strike_angle_deg"].median() == pytest.approx(expected, abs=1.0)
    assert (a["strike_class"] == "rearfoot").all()  # > 7.4 deg
    # van Werkhoven: the foot still plantarflexes (negative pitch velocity) at the impact
    assert a.attrs["strike_cross_check"]["agreement"] == 1.0


def test_clipped_impact_is_flagged():
    t, acc = _limb(impact_g=12.0)
    railed = np.clip(acc, -8.0, 8.0)  # a +-8 g sensor
    steps = detect_shank(_frame(t, railed), 200.0)
    counted = steps["impact_g"].notna()
    assert counted.sum() >= 20
    assert steps.loc[counted, "impact_clipped"].all()
    assert (steps.loc[counted, "impact_g"] <= 8.0 + 1e-9).all()  # a lower bound, flagged
    # the caller's mask wins: nothing marked, nothing flagged; peaks marked, all flagged
    none = detect_shank(_frame(t, railed), 200.0, clipped=np.zeros(len(t), bool))
    assert not none["impact_clipped"].any()
    mask = np.abs(railed).max(axis=1) >= 8.0
    marked = detect_shank(_frame(t, railed), 200.0, clipped=mask)
    assert marked.loc[counted, "impact_clipped"].all()
    # unclipped data are not flagged
    assert not detect_shank(_frame(t, acc), 200.0)["impact_clipped"].any()


def test_accelerometer_only_foot_has_no_toe_off():
    t, acc = _limb()
    steps = detect_foot(_frame(t, acc), 200.0)
    assert len(steps) > 0
    assert steps[["to_s", "contact_s", "flight_s", "strike_angle_deg"]].isna().all().all()


def _shank(fs=200.0, seconds=20.0, stride_s=0.74, angle_ic_deg=6.0, standing_s=3.0):
    """Shank with gyroscope: sagittal angular velocity about +y (swing positive): IC dip,
    stance rotation, TC dip, swing lobe balanced to a periodic angle. The accelerometer sees
    gravity only (pure rotation) plus an axial impact: f = cos(theta) z - sin(theta) x, theta
    = shank angle from vertical (+ = ankle ahead), +angle_ic_deg at every contact. Quiet
    standing (vertical shank) comes first."""
    t, acc, gyr = _shank_running(fs, seconds, stride_s, angle_ic_deg)
    n0 = int(standing_s * fs)
    t = np.arange(len(t) + n0) / fs
    acc = np.r_[np.tile([0.0, 0.0, 1.0], (n0, 1)), acc]
    gyr = np.r_[np.zeros((n0, 3)), gyr]
    return t, acc, gyr


def _shank_running(fs, seconds, stride_s, angle_ic_deg):
    t = np.arange(0, seconds, 1 / fs)
    r = t % stride_s
    g = lambda mu, sd: np.exp(-(((r - mu) / sd) ** 2) / 2)
    neg = -5 * g(0.012, 0.012) - 2.5 * g(0.13, 0.05) - 6 * g(0.27, 0.025)
    area = 5 * 0.012 + 2.5 * 0.05 + 6 * 0.025
    w = neg + area / 0.07 * g(0.5, 0.07)
    theta = np.cumsum(w) / fs
    at_ic = theta[np.round(np.arange(0.012, seconds, stride_s) * fs).astype(int)]
    theta = theta - np.interp(t, np.arange(0.012, seconds, stride_s)[: len(at_ic)], at_ic)
    theta += np.radians(angle_ic_deg)
    spike = 5.0 * g(0.015, 0.004)
    acc = np.column_stack([-np.sin(theta), 0 * t, np.cos(theta) + spike])
    gyr = np.column_stack([0 * t, w, 0 * t])
    return t, acc, gyr


def test_shank_with_gyroscope_events_and_angle():
    t, acc, gyr = _shank()
    rot = _rotation(11)
    a = detect_shank(_frame(t, acc, gyr), 200.0)
    b = detect_shank(_frame(t, acc @ rot.T, gyr @ rot.T), 200.0)
    assert len(a) == len(b) >= 20
    np.testing.assert_allclose(a["t_s"], b["t_s"])
    assert np.allclose((a["t_s"].to_numpy() - 3.0) % 0.74, 0.012, atol=0.006)  # the IC dip
    assert np.allclose(a["contact_s"].dropna(), 0.27 - 0.012, atol=0.01)  # IC dip -> TC dip
    assert a["cadence_spm"].median() == pytest.approx(120 / 0.74, abs=0.5)
    inner = a["shank_angle_deg"].iloc[1:-2]
    assert inner.notna().all()
    assert inner.median() == pytest.approx(6.0, abs=1.5)
    np.testing.assert_allclose(a["shank_angle_deg"], b["shank_angle_deg"], atol=1e-6)
    # without quiet standing the tibia's axis is unknown: no angle, the events stay
    t2, acc2, gyr2 = _shank(standing_s=0.0)
    c = detect_shank(_frame(t2, acc2, gyr2), 200.0)
    assert len(c) >= 20 and c["shank_angle_deg"].isna().all()
