"""Trunk and wrist step detectors: validation targets on real force-plate data, edge cases.

The real-data tests read ../shared/data (fixture ``shared_data``): the sacral accelerometer /
force-measuring treadmill set, its raw 512 Hz trace and a 25-min outdoor run with a hip sensor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from softstep.model import IMU_COLUMNS, STEP_COLUMNS
from softstep.steps.imu_trunk import (
    DEFAULT_PARAMS,
    activity_windows,
    detect_trunk,
    detect_wrist,
    excluded_seconds,
    running_mask,
    vertical_oscillation_cm,
)
from softstep.validation import sacral

FS = 200.0


# --------------------------------------------------------------------------------------------
# synthetic signals
def running_signal(
    duration_s: float = 20.0, step_hz: float = 2.8, contact_share: float = 0.6, fs: float = FS,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t, vertical g, AP g) of a sine-wave runner: F = Fmax sin(pi t / tc) in contact, 0 in
    flight, Fmax set so that the mean is 1 g (Morin 2005); AP brakes then propels."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, duration_s, 1 / fs)
    phase = (t * step_hz) % 1.0
    in_contact = phase < contact_share
    peak = np.pi / 2 / contact_share
    vert = np.where(in_contact, peak * np.sin(np.pi * phase / contact_share), 0.0)
    ap = np.where(in_contact, -0.6 * np.sin(2 * np.pi * phase / contact_share), 0.0)
    return t, vert + rng.normal(0, 0.02, len(t)), ap + rng.normal(0, 0.02, len(t))


def frame(t: np.ndarray, x, y, z) -> pd.DataFrame:
    full = lambda v: np.broadcast_to(np.asarray(v, float), t.shape).copy()
    return pd.DataFrame(
        {"t_s": t, "acc_x_g": full(x), "acc_y_g": full(y), "acc_z_g": full(z),
         "gyr_x_rad_per_s": np.nan, "gyr_y_rad_per_s": np.nan, "gyr_z_rad_per_s": np.nan}
    )


def true_ics(t: np.ndarray, step_hz: float) -> np.ndarray:
    return np.arange(0, t[-1], 1 / step_hz)


# --------------------------------------------------------------------------------------------
# real data: the force plate
@pytest.fixture(scope="module")
def sacral_dir(shared_data: Path) -> Path:
    return shared_data / "sacral_grf_treadmill"


@pytest.fixture(scope="module")
def table(sacral_dir: Path) -> pd.DataFrame:
    return sacral.evaluate(sacral_dir)  # leave-one-condition-out


def test_validation_targets_cross_validated(table: pd.DataFrame) -> None:
    ours = table[(table["method"] == "softstep") & (table["trial"] == "all")].iloc[0]
    assert ours["contacts"] >= 300
    assert ours["found_pct"] >= 99.0
    assert ours["false_pct"] <= 1.0
    assert ours["ic_abs_median_ms"] <= 10.0
    assert ours["contact_rmse_ms"] <= 20.0
    assert abs(ours["contact_bias_ms"]) <= 10.0
    assert ours["force_rmse_bw"] <= 0.25
    assert ours["vo_rmse_cm"] <= 1.0  # vs the COM oscillation integrated from the plate force


def test_beats_the_peak_picker_baseline(table: pd.DataFrame) -> None:
    rows = table[table["trial"] == "all"].set_index("method")
    ours, base = rows.loc["softstep"], rows.loc["baseline"]
    assert ours["ic_abs_median_ms"] <= base["ic_abs_median_ms"] - 4
    assert ours["ic_abs_p95_ms"] <= base["ic_abs_p95_ms"] / 2
    assert ours["contact_rmse_ms"] <= base["contact_rmse_ms"] - 5
    assert ours["force_rmse_bw"] <= base["force_rmse_bw"]


def test_every_trial_is_detected(table: pd.DataFrame) -> None:
    per = table[(table["method"] == "softstep") & (table["trial"] != "all")]
    assert len(per) == 21
    assert (per["found_pct"] >= 90).all()  # one trial misses a contact starting 8 ms in
    assert (per["false_pct"] == 0).all()
    assert (per["ic_abs_median_ms"] <= 15).all()


def test_default_params_are_the_fit_on_all_trials(sacral_dir: Path) -> None:
    fitted = sacral.fit_params(sacral_dir, list(range(21)))
    assert fitted.ic_fraction == DEFAULT_PARAMS.ic_fraction
    assert fitted.tc_level_g == DEFAULT_PARAMS.tc_level_g
    assert fitted.force_lowpass_hz == DEFAULT_PARAMS.force_lowpass_hz
    assert fitted.ic_offset_s == pytest.approx(DEFAULT_PARAMS.ic_offset_s, abs=0.001)
    assert fitted.tc_offset_s == pytest.approx(DEFAULT_PARAMS.tc_offset_s, abs=0.001)
    assert fitted.force_gain == pytest.approx(DEFAULT_PARAMS.force_gain, abs=0.005)


def test_trial_samples_and_plate_truth(sacral_dir: Path) -> None:
    samples = sacral.trial_samples(9, sacral_dir)
    assert list(samples.columns) == list(IMU_COLUMNS)
    assert len(samples) == 2480 and samples["acc_y_g"].isna().all()
    plate = sacral.plate_contacts(sacral._load(str(sacral._resolve(sacral_dir))).grf[9])
    # trial 9 has 2-8 ms blips above 5 % BW before contacts: not contacts
    assert ((plate["tc_s"] - plate["ic_s"]) >= 0.15).all()
    assert plate["complete"].sum() == 16


def test_raw_tri_axial_trace_gives_a_regular_cadence(sacral_dir: Path) -> None:
    check = sacral.sample_test_check(sacral_dir)
    assert check["sample_rate_hz"] == pytest.approx(512, abs=1)
    assert check["steps"] >= 10
    assert 150 <= check["cadence_spm"] <= 190
    assert check["step_cv_pct"] < 8
    assert 0.15 <= check["contact_ms"] / 1000 <= 0.3


@pytest.fixture(scope="module")
def outdoor_run(shared_data: Path) -> pd.DataFrame:
    """The 25-min outdoor run: loc_id (left_hip / left_ankle), x, y, z in g at 100 Hz."""
    return pd.read_csv(shared_data / "ankle_hip_outdoor_run" / "acc_running.csv.gz")


def test_outdoor_hip_run_cadence_and_exclusions(outdoor_run: pd.DataFrame) -> None:
    raw = outdoor_run
    hip = raw[raw["loc_id"] == "left_hip"].reset_index(drop=True)
    t = np.arange(len(hip)) / 100.0
    samples = frame(t, hip["x"], hip["y"], hip["z"])  # y points down: gravity handles it
    steps = detect_trunk(samples, 100.0, placement="waist")
    windows = activity_windows(samples, 100.0)
    running_s = (windows["activity"] == "running").sum() * 2.0
    assert running_s > 0.6 * t[-1]
    assert 150 <= steps["cadence_spm"].median() <= 170
    regular = (steps["step_s"] / steps["step_s"].median()).between(0.8, 1.25)
    assert regular.mean() > 0.95
    assert excluded_seconds(windows).get("standing", 0) > 60  # the run has stops


def _covered_s(t_s: np.ndarray, dur_s: np.ndarray, lo: float, hi: float, fs: float) -> float:
    """Seconds of [lo, hi) inside the intervals [t, t + dur) (finite dur; t sorted), on the
    sample grid: the running seconds of softstep.validation.ankle_hip."""
    ok = np.isfinite(dur_s)
    t_s, dur_s = t_s[ok], dur_s[ok]
    grid = np.arange(round(lo * fs), round(hi * fs)) / fs
    i = np.clip(np.searchsorted(t_s, grid, side="right") - 1, 0, None)
    inside = (len(t_s) > 0) & (grid >= t_s[i]) & (grid < t_s[i] + dur_s[i])
    return float(inside.sum() / fs)


@pytest.mark.parametrize("minute", [14, 23])
def test_outdoor_hip_fast_running_is_running(outdoor_run: pd.DataFrame, minute: int) -> None:
    """A belt-side hip sensor times left and right steps unevenly in fast running (0.28 / 0.40 s
    at ~174 steps/min in minute 23): the step-lag autocorrelation drops below 0.4 while the
    stride is strongly periodic. Those windows used to be called walking (minute 23: 14.9 s
    running vs the ankle's 53.2 s; minute 14: 30.9 s vs 41.0 s). Only the minute +- 10 s is
    analysed; the ankle (detect_shank, its strides = 2 steps) is the reference."""
    from softstep.steps.imu_limb import detect_shank

    fs = 100.0
    lo, hi = 60.0 * minute, 60.0 * minute + 60.0
    a, b = round((lo - 10) * fs), round((hi + 10) * fs)
    part = {}
    for loc in ("left_hip", "left_ankle"):
        g = outdoor_run[outdoor_run["loc_id"] == loc].iloc[a:b]
        part[loc] = frame(np.arange(a, a + len(g)) / fs, g["x"], g["y"], g["z"])
    hip = detect_trunk(part["left_hip"], fs, placement="waist")
    ankle = detect_shank(part["left_ankle"], fs, side="L")

    ankle_s = _covered_s(ankle["t_s"].to_numpy(), 2 * ankle["step_s"].to_numpy(), lo, hi, fs)
    hip_s = _covered_s(hip["t_s"].to_numpy(), hip["step_s"].to_numpy(), lo, hi, fs)
    windows = activity_windows(part["left_hip"], fs)
    inside = (windows["start_s"] >= lo) & (windows["end_s"] <= hi)
    running = inside & (windows["activity"] == "running")
    window_s = float((windows["end_s"] - windows["start_s"])[running].sum())
    assert ankle_s > 40  # both minutes are mostly running
    assert hip_s == pytest.approx(ankle_s, rel=0.15)
    assert window_s == pytest.approx(ankle_s, rel=0.15)

    # and the steps counted there agree: mean step vs half the mean stride
    h = hip[(hip["t_s"] >= lo) & (hip["t_s"] < hi)]["step_s"].dropna()
    k = ankle[(ankle["t_s"] >= lo) & (ankle["t_s"] < hi)]["step_s"].dropna()
    assert 60 / h.mean() == pytest.approx(60 / k.mean(), abs=3)


# --------------------------------------------------------------------------------------------
# synthetic edge cases
def test_synthetic_run_contacts_are_timed() -> None:
    t, vert, ap = running_signal()
    steps = detect_trunk(frame(t, ap, np.nan, vert), FS)
    truth = true_ics(t, 2.8)
    d = np.abs(steps["t_s"].to_numpy()[:, None] - truth[None, :]).min(axis=1)
    assert len(steps) >= len(truth) - 3
    assert np.median(d) < 0.02
    assert steps["cadence_spm"].median() == pytest.approx(168, abs=1)
    assert steps["contact_s"].median() == pytest.approx(0.6 / 2.8, abs=0.03)
    assert steps["side"].isna().all()
    assert steps["peak_force_bw"].median() == pytest.approx(np.pi / 2 / 0.6, rel=0.15)
    assert steps["confidence"].between(0, 1).all()


def test_uneven_left_right_steps_are_running() -> None:
    """A belt-side sensor: the two feet land 0.41 / 0.59 of the stride apart with unequal
    humps (174 steps/min). The step-lag autocorrelation stays low, the stride lag is periodic:
    running by stride, step frequency = 2 / stride lag (this was 'walking', no steps)."""
    step_hz, share = 2.9, 0.41
    t = np.arange(0, 20, 1 / FS)
    phase = (t * step_hz / 2) % 1.0  # stride phase
    vert = np.zeros_like(t)
    for start, peak in ((0.0, 2.8), (share, 2.0)):
        p = (phase - start) % 1.0
        vert += np.where(p < 0.2, peak * np.sin(np.pi * p / 0.2), 0.0)
    vert += np.random.default_rng(3).normal(0, 0.03, len(t))
    samples = frame(t, np.nan, np.nan, vert)
    windows = activity_windows(samples, FS)
    assert (windows["activity"] == "running").all()
    assert windows["step_hz"].median() == pytest.approx(step_hz, abs=0.05)
    assert (windows["half_stride_periodicity"] < windows["stride_periodicity"]).all()
    steps = detect_trunk(samples, FS)
    assert len(steps) >= 20 * step_hz - 3
    assert 60 / steps["step_s"].mean() == pytest.approx(60 * step_hz, abs=1)


def test_standing_still_gives_no_steps() -> None:
    t = np.arange(0, 20, 1 / FS)
    noise = np.random.default_rng(1).normal(0, 0.005, (3, len(t)))
    samples = frame(t, 0.1 + noise[0], -0.05 + noise[1], 0.99 + noise[2])
    steps = detect_trunk(samples, FS)
    assert len(steps) == 0 and list(steps.columns) == list(STEP_COLUMNS)
    assert not running_mask(samples, FS).any()
    assert set(activity_windows(samples, FS)["activity"]) == {"standing"}


def test_walking_gives_no_running_steps() -> None:
    t = np.arange(0, 20, 1 / FS)
    vert = 1.0 + 0.3 * np.sin(2 * np.pi * 1.8 * t)
    samples = frame(t, 0.2 * np.sin(2 * np.pi * 0.9 * t), np.nan, vert)
    assert len(detect_trunk(samples, FS)) == 0
    windows = activity_windows(samples, FS)
    assert (windows["activity"] == "walking").mean() > 0.8
    assert windows["step_hz"].median() == pytest.approx(1.8, abs=0.1)


def test_mixed_session_runs_only_and_reports_exclusions() -> None:
    _, vert, ap = running_signal(duration_s=20.0)
    t = np.arange(0, 40, 1 / FS)
    walk = 1.0 + 0.3 * np.sin(2 * np.pi * 1.8 * t[: int(10 * FS)])
    still = np.full(int(10 * FS), 1.0) + np.random.default_rng(2).normal(0, 0.005, int(10 * FS))
    z = np.r_[still, walk, vert]
    x = np.r_[np.zeros(int(20 * FS)), ap]
    samples = frame(t, x, np.nan, z)
    steps = detect_trunk(samples, FS)
    assert (steps["t_s"] >= 19.5).all() and len(steps) > 45
    excluded = excluded_seconds(activity_windows(samples, FS))
    assert excluded.get("standing", 0) == pytest.approx(10, abs=2.5)
    assert excluded.get("walking", 0) == pytest.approx(10, abs=2.5)
    mask = running_mask(samples, FS)
    assert mask.shape == (len(t),) and mask[int(25 * FS) :].all() and not mask[: int(18 * FS)].any()


def test_tilted_sensor_gives_the_same_steps() -> None:
    t, vert, ap = running_signal()
    world = np.c_[ap, np.zeros_like(ap), vert]  # x forward, y left, z up
    a, b = np.radians(35), np.radians(-120)
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    rz = np.array([[np.cos(b), -np.sin(b), 0], [np.sin(b), np.cos(b), 0], [0, 0, 1]])
    device = world @ (rz @ rx)  # the same motion seen in rotated device axes
    upright = detect_trunk(frame(t, *world.T), FS)
    tilted = detect_trunk(frame(t, *device.T), FS)
    assert len(tilted) == len(upright) > 40
    np.testing.assert_allclose(tilted["t_s"], upright["t_s"], atol=1e-3)
    np.testing.assert_allclose(tilted["contact_s"], upright["contact_s"], atol=1e-3)


def test_upside_down_single_axis() -> None:
    t, vert, _ = running_signal()
    steps = detect_trunk(frame(t, np.nan, -vert, np.nan), FS)  # y points down
    assert steps["cadence_spm"].median() == pytest.approx(168, abs=1)


def test_nan_gap_in_the_middle() -> None:
    t, vert, ap = running_signal(duration_s=30.0)
    gap = (t >= 12.0) & (t < 15.0)
    samples = frame(t, np.where(gap, np.nan, ap), np.nan, np.where(gap, np.nan, vert))
    steps = detect_trunk(samples, FS)
    assert not steps["t_s"].between(11.9, 15.0).any()
    assert (steps["t_s"] < 11).sum() > 20 and (steps["t_s"] > 16).sum() > 30
    across = steps[steps["t_s"] < 12.0].iloc[-1]
    assert np.isnan(across["step_s"])  # no cadence across the gap
    assert "gap" in set(activity_windows(samples, FS)["activity"])


def test_short_or_empty_input_gives_an_empty_table() -> None:
    t, vert, ap = running_signal(duration_s=0.5)
    for samples in (frame(t, ap, np.nan, vert), frame(t[:0], [], [], []),
                    frame(t, np.nan, np.nan, np.nan)):
        for steps in (detect_trunk(samples, FS), detect_wrist(samples, FS)):
            assert len(steps) == 0 and list(steps.columns) == list(STEP_COLUMNS)
        assert running_mask(samples, FS).shape == (len(samples),)


def test_clipped_impacts_are_flagged() -> None:
    t, vert, ap = running_signal()
    samples = frame(t, ap, np.nan, vert)
    clipped = np.zeros(len(t), bool)
    clipped[(t > 5.0) & (t < 5.1)] = True
    steps = detect_trunk(samples, FS, clipped=clipped)
    flagged = steps[steps["impact_clipped"].fillna(False)]
    assert len(flagged) >= 1 and flagged["t_s"].between(4.7, 5.1).all()
    assert detect_trunk(samples, FS)["impact_clipped"].isna().all()  # unknown without a mask


def test_pocket_is_less_confident_and_bad_placement_fails() -> None:
    t, vert, ap = running_signal()
    samples = frame(t, ap, np.nan, vert)
    sacrum = detect_trunk(samples, FS, placement="sacrum")
    pocket = detect_trunk(samples, FS, placement="pocket")
    assert pocket["confidence"].median() < sacrum["confidence"].median()
    with pytest.raises(ValueError, match="placement"):
        detect_trunk(samples, FS, placement="shank")


def test_vertical_oscillation_of_a_sine() -> None:
    fs, f, amp = 500.0, 2.8, 0.04  # z = amp sin(2 pi f t): peak-to-peak 8 cm
    t = np.arange(0, 3, 1 / fs)
    acc_g = 1.0 - amp * (2 * np.pi * f) ** 2 * np.sin(2 * np.pi * f * t) / 9.80665
    acc_g += 0.05  # a sensor offset: removed per step
    start = np.arange(0, 2.5, 1 / f) * fs
    vo = vertical_oscillation_cm(acc_g, fs, start, start + fs / f)
    np.testing.assert_allclose(vo, 8.0, rtol=0.02)


def test_wrist_cadence_from_arm_swing() -> None:
    # the arm swings once per stride on a trunk that bounces once per step (mean 1 g, 2.6 g
    # peaks in stance: running_signal)
    t, bounce, _ = running_signal(duration_s=30.0)
    swing = frame(t, 1.2 * np.sin(2 * np.pi * 1.4 * t), 0.3 * np.cos(2 * np.pi * 1.4 * t), bounce)
    steps = detect_wrist(swing, FS)
    assert steps["cadence_spm"].median() == pytest.approx(168, abs=1)
    assert len(steps) == pytest.approx(2.8 * 30, abs=6)
    assert steps["contact_s"].isna().all() and steps["impact_g"].isna().all()
    walk = frame(t, 0.3 * np.sin(2 * np.pi * 0.9 * t), 0.0, 1 + 0.1 * np.sin(2 * np.pi * 1.8 * t))
    assert len(detect_wrist(walk, FS)) == 0


def test_a_1khz_recording_gives_the_steps_of_its_500hz_original(sacral_dir):
    """Files above MAX_ANALYSIS_HZ are averaged down first: a real 500 Hz trial upsampled to
    1 kHz must give the same contacts (within a sample) and nearly the same values."""
    samples = sacral.trial_samples(9, sacral_dir)
    fs = 500.0
    t_fast = np.arange(0, samples["t_s"].iloc[-1], 1 / 1000.0)
    fast = pd.DataFrame({c: np.interp(t_fast, samples["t_s"], samples[c]) for c in samples})
    fast["t_s"] = t_fast
    slow_steps = detect_trunk(samples, fs)
    fast_steps = detect_trunk(fast, 1000.0)
    assert len(fast_steps) == len(slow_steps) > 10
    assert np.nanmax(np.abs(fast_steps["t_s"] - slow_steps["t_s"])) <= 2.5 / fs
    for column, tolerance in (("contact_s", 0.005), ("impact_g", 0.05), ("peak_force_bw", 0.05)):
        assert np.nanmax(np.abs(fast_steps[column] - slow_steps[column])) <= tolerance, column
