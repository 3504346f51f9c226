"""metrics on synthetic tables with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from softstep import metrics
from softstep.model import Runner, empty_records, empty_steps


def steady_run(
    n: int = 1800,
    speed: float = 3.0,
    cadence: float = 170.0,
    contact: float = 0.24,
    dt: float = 1.0,
) -> pd.DataFrame:
    rec = empty_records(n)
    rec["t_s"] = np.arange(n) * dt
    rec["speed_m_per_s"] = speed
    rec["distance_m"] = speed * rec["t_s"]
    rec["cadence_spm"] = cadence
    rec["contact_s"] = contact
    rec["vertical_oscillation_cm"] = 8.0
    rec["hr_bpm"] = 150.0
    return rec


def test_morin_stiffness_matches_a_hand_computed_example():
    # m = 70 kg, v = 4 m/s, L = 0.95 m, t_c = 0.2 s, t_f = 0.12 s, g = 9.81 m/s²
    # F_max = 70·9.81·(π/2)·(0.12/0.2 + 1)          = 1725.86 N
    # Δy_c  = 1725.86·0.04/(70·π²) − 9.81·0.04/8    = 0.099925 − 0.049050 = 0.050875 m
    # ΔL    = 0.95 − sqrt(0.95² − (4·0.2/2)²) + Δy_c = 0.95 − 0.861684 + 0.050875 = 0.139191 m
    k_leg, k_vert = metrics.morin_stiffness(70.0, 4.0, 0.95, 0.2, 0.12)
    assert float(k_vert) == pytest.approx(1725.86 / 0.050875 / 1000, rel=1e-3)  # 33.92 kN/m
    assert float(k_leg) == pytest.approx(1725.86 / 0.139191 / 1000, rel=1e-3)  # 12.40 kN/m


def test_morin_stiffness_is_vectorised_and_refuses_impossible_inputs():
    k_leg, k_vert = metrics.morin_stiffness(
        70.0, np.array([3.0, 3.0, 3.0, 30.0]), 0.9, np.array([0.25, 0.0, 0.25, 0.25]),
        np.array([0.1, 0.1, -0.1, 0.1]),
    )
    assert k_leg.shape == (4,)
    assert np.isfinite(k_leg[0]) and np.isfinite(k_vert[0])
    assert np.isnan(k_leg[1:]).all()  # t_c = 0, t_f < 0, v·t_c/2 > L
    # a stiffer runner: shorter contact -> higher vertical stiffness (Morin 2005 sensitivity)
    short, _ = metrics.morin_stiffness(70, 3.5, 0.9, 0.20, 0.12)
    long_, _ = metrics.morin_stiffness(70, 3.5, 0.9, 0.26, 0.12)
    assert short > long_


def test_steady_synthetic_run_summary():
    rec = steady_run()
    s = metrics.summarize(rec, empty_steps(), Runner(height_cm=180, mass_kg=70))
    assert s.duration_s == 1799
    assert s.distance_m == pytest.approx(3 * 1799)
    assert s.cadence_spm == pytest.approx(170)
    assert s.speed_m_per_s == pytest.approx(3.0)
    assert s.step_length_m == pytest.approx(3.0 * 60 / 170)
    assert s.flight_s == pytest.approx(60 / 170 - 0.24)
    assert s.duty_factor == pytest.approx(0.24 / (120 / 170))
    assert s.vertical_ratio_pct == pytest.approx(8.0 / (3.0 * 60 / 170))
    k_leg, k_vert = metrics.morin_stiffness(70, 3.0, 0.53 * 1.8, 0.24, 60 / 170 - 0.24)
    assert s.leg_stiffness_kn_per_m == pytest.approx(float(k_leg))
    assert s.vertical_stiffness_kn_per_m == pytest.approx(float(k_vert))
    assert s.cadence_speed_slope_spm_per_m_per_s is None  # one speed: no slope
    assert s.drift["cadence_spm"] == pytest.approx(0, abs=1e-9)
    assert s.steps_detected is None
    assert s.impact_g is None and s.power_w is None


def test_stiffness_needs_height_and_mass():
    s = metrics.summarize(steady_run(), empty_steps(), Runner(height_cm=180))
    assert s.leg_stiffness_kn_per_m is None and s.vertical_stiffness_kn_per_m is None


def test_walking_and_pauses_do_not_enter_the_averages():
    run = steady_run(600)
    walk = steady_run(300, speed=1.4, cadence=115.0, contact=0.40)
    walk["t_s"] += 600 + 3600  # a one-hour pause, then a walk
    rec = pd.concat([run, walk], ignore_index=True)
    s = metrics.summarize(rec, empty_steps(), Runner())
    assert s.cadence_spm == pytest.approx(170)
    assert s.contact_s == pytest.approx(0.24)
    # moving time: 599 s of run + the pause clipped to 10 s + 300 s of walk (1.4 m/s > 0.5)
    assert s.moving_s == pytest.approx(599 + 10 + 300)
    assert s.duration_s == pytest.approx(600 + 3600 + 299)


def test_running_mask_rule():
    speed = np.array([3.0, 3.0, 1.2, np.nan, 2.1, 1.8, np.nan])
    cadence = np.array([170, 130, 170, 150, np.nan, np.nan, np.nan])
    assert metrics.running_mask(speed, cadence).tolist() == [
        True, False, False, True, True, False, False
    ]


def test_irregular_smart_recording_is_time_weighted():
    # 10 min at 160 spm logged every 1 s, then 10 min at 180 spm logged every 5 s: equal time
    a = steady_run(600, cadence=160.0)
    b = steady_run(120, cadence=180.0, dt=5.0)
    b["t_s"] += 600
    s = metrics.summarize(pd.concat([a, b], ignore_index=True), empty_steps(), Runner())
    assert s.cadence_spm == pytest.approx(170, abs=0.1)


def test_drift_at_matched_speed_ignores_a_speed_change():
    # cadence depends on speed only (165 + 10·(v − 3)); the last third is faster.
    # A naive first-vs-last comparison would see +5 spm; at matched speed there is no drift.
    n = 3000
    rec = steady_run(n)
    rng = np.random.default_rng(0)
    base = np.where(np.arange(n) < n / 2, 3.0, 3.5)
    rec["speed_m_per_s"] = base + rng.uniform(-0.4, 0.4, n)
    rec["cadence_spm"] = 165 + 10 * (rec["speed_m_per_s"] - 3.0)
    drift = metrics.summarize(rec, empty_steps(), Runner()).drift
    assert drift["cadence_spm"] == pytest.approx(0.0, abs=0.05)
    # now add a real fatigue effect of -4 spm in the last third
    late = np.arange(n) >= 2 * n / 3
    rec.loc[late, "cadence_spm"] -= 4.0
    drift = metrics.summarize(rec, empty_steps(), Runner()).drift
    assert drift["cadence_spm"] == pytest.approx(-4.0, abs=0.1)


def test_drift_needs_shared_speeds():
    rec = steady_run(1800)
    rec["speed_m_per_s"] = np.where(rec["t_s"] < 900, 2.5, 4.0)  # thirds never share a speed
    assert metrics.summarize(rec, empty_steps(), Runner()).drift == {}
    short = steady_run(200)  # thirds of ~67 s: not enough matched time
    assert metrics.summarize(short, empty_steps(), Runner()).drift == {}


def test_cadence_speed_slope_is_robust():
    n = 1200
    rec = steady_run(n)
    rec["speed_m_per_s"] = np.linspace(2.5, 4.0, n)
    rec["cadence_spm"] = 150 + 6.0 * rec["speed_m_per_s"]
    rec.loc[::50, "cadence_spm"] = 240.0  # spikes
    s = metrics.summarize(rec, empty_steps(), Runner())
    assert s.cadence_speed_slope_spm_per_m_per_s == pytest.approx(6.0, abs=0.2)


def test_grade_from_altitude_and_stiffness_skips_hills():
    rec = steady_run(1200)
    rec["altitude_m"] = np.where(rec["distance_m"] < 1800, 0.0, 0.08 * (rec["distance_m"] - 1800))
    table = metrics.prepare(rec)
    later = table["distance_m"] > 1900
    assert table.loc[later & (table["distance_m"] < 3500), "grade_pct"].median() == pytest.approx(8)
    assert not table.loc[later, "flat"].any()
    runner = Runner(height_cm=180, mass_kg=70)
    hilly = metrics.summarize(rec, empty_steps(), runner)
    flat = metrics.summarize(steady_run(1200), empty_steps(), runner)
    assert hilly.leg_stiffness_kn_per_m == pytest.approx(flat.leg_stiffness_kn_per_m)
    rec["contact_s"] = np.where(rec["distance_m"] < 1800, 0.24, 0.30)  # only on the hill
    assert metrics.summarize(rec, empty_steps(), runner).leg_stiffness_kn_per_m == pytest.approx(
        flat.leg_stiffness_kn_per_m
    )


def test_per_km_rows_and_partial_last_km():
    rec = steady_run(1000, speed=3.0)  # 2997 m
    km = metrics.per_km(rec)
    assert list(km.columns) == metrics.PER_KM_COLUMNS
    assert km["km"].tolist() == [1, 2, 3]
    assert km["distance_m"].tolist() == pytest.approx([1000, 1000, 997])
    assert km["distance_m"].sum() == pytest.approx(rec["distance_m"].iloc[-1])
    assert km["start_s"].iloc[1] == pytest.approx(1000 / 3)
    assert km["end_s"].iloc[-1] == 999
    assert km["pace_s_per_km"].iloc[0] == pytest.approx(1000 / 3, abs=1)
    assert km["cadence_spm"].tolist() == pytest.approx([170] * 3)


def test_per_km_values_follow_the_segment():
    rec = steady_run(1000, speed=3.0)
    rec["cadence_spm"] = np.where(rec["distance_m"] < 1000, 160.0, 175.0)
    km = metrics.per_km(rec)
    assert km["cadence_spm"].iloc[0] == pytest.approx(160)
    assert km["cadence_spm"].iloc[1] == pytest.approx(175)


def test_per_km_without_distance_is_empty_with_columns():
    rec = steady_run(100)
    rec["distance_m"] = np.nan
    km = metrics.per_km(rec)
    assert len(km) == 0 and list(km.columns) == metrics.PER_KM_COLUMNS


def test_cadence_vs_speed_bins_and_minimum_time():
    rec = steady_run(900)
    rec["speed_m_per_s"] = np.repeat([2.6, 3.1, 3.6], 300)
    rec.loc[rec.index[-30:], "speed_m_per_s"] = 4.6  # only 30 s: dropped
    rec["cadence_spm"] = 150 + 6 * rec["speed_m_per_s"]
    table = metrics.cadence_vs_speed(rec)
    assert list(table.columns) == metrics.CADENCE_VS_SPEED_COLUMNS
    assert table["speed_lo_m_per_s"].tolist() == pytest.approx([2.5, 3.0, 3.5])
    assert table["cadence_spm"].tolist() == pytest.approx([150 + 6 * v for v in (2.6, 3.1, 3.6)])


def test_empty_records_give_an_empty_summary():
    s = metrics.summarize(empty_records(0), empty_steps(), Runner(height_cm=170, mass_kg=60))
    assert s.duration_s is None and s.cadence_spm is None and s.drift == {}
    s = metrics.summarize(empty_records(3), empty_steps(), Runner())
    assert s.cadence_spm is None and s.distance_m is None


def test_balance_from_left_and_right_contact():
    rec = steady_run(600)
    rec["contact_s_left"] = 0.26
    rec["contact_s_right"] = 0.24
    s = metrics.summarize(rec, empty_steps(), Runner())
    assert s.contact_balance_left_pct == pytest.approx(100 * 0.26 / 0.50)


def synthetic_steps(n: int, cadence: float, contact_l: float, contact_r: float, impact: float):
    step_s = 60.0 / cadence
    steps = empty_steps(n)
    steps["t_s"] = np.arange(n) * step_s
    steps["step_s"] = step_s
    steps["side"] = pd.array(np.where(np.arange(n) % 2 == 0, "L", "R"), dtype="string")
    steps["contact_s"] = np.where(np.arange(n) % 2 == 0, contact_l, contact_r)
    steps["impact_g"] = impact
    return steps


def test_per_step_data_are_used_when_present():
    # the watch says 160 spm and 0.26 s; the steps (an IMU) say 180 spm, L 0.22 s / R 0.24 s
    rec = steady_run(600, cadence=160.0, contact=0.26)
    steps = synthetic_steps(1790, 180.0, 0.22, 0.24, 9.0)
    s = metrics.summarize(rec, steps, Runner())
    assert s.steps_detected == 1790
    assert s.cadence_spm == pytest.approx(180, abs=0.5)
    assert s.contact_s == pytest.approx(0.23, abs=0.002)
    assert s.contact_balance_left_pct == pytest.approx(100 * 0.22 / 0.46, abs=0.2)
    assert s.impact_g == pytest.approx(9.0)


def test_steps_without_records_get_their_own_time_grid():
    steps = synthetic_steps(900, 170.0, 0.25, 0.25, 6.0)
    s = metrics.summarize(empty_records(0), steps, Runner())
    assert s.cadence_spm == pytest.approx(170, abs=0.5)
    assert s.duration_s == pytest.approx(math.floor(899 * 60 / 170), abs=1)
    assert s.speed_m_per_s is None and s.distance_m is None
    assert len(metrics.per_km(empty_records(0), steps)) == 0


def test_summarize_is_pure():
    rec = steady_run(900)
    rec["speed_m_per_s"] = np.linspace(2.5, 4.0, 900)
    before = rec.copy()
    a = metrics.summarize(rec, empty_steps(), Runner(height_cm=170, mass_kg=60)).to_dict()
    b = metrics.summarize(rec, empty_steps(), Runner(height_cm=170, mass_kg=60)).to_dict()
    assert a == b
    pd.testing.assert_frame_equal(rec, before)
