"""Placement guess on real recordings whose placement is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from softstep.steps.placement import guess_placement


def frame(fs: float, acc_g: np.ndarray, gyr: np.ndarray | None = None) -> pd.DataFrame:
    out = {"t_s": np.arange(len(acc_g)) / fs}
    out.update({f"acc_{a}_g": acc_g[:, i] for i, a in enumerate("xyz")})
    if gyr is not None:
        out.update({f"gyr_{a}_rad_per_s": gyr[:, i] for i, a in enumerate("xyz")})
    return pd.DataFrame(out)


def test_ankle_and_hip_worn_together(shared_data):
    data = pd.read_csv(shared_data / "ankle_hip_outdoor_run" / "acc_running.csv.gz")
    guesses = {
        loc: guess_placement(frame(100.0, g[["x", "y", "z"]].to_numpy()), 100.0)
        for loc, g in data.groupby("loc_id")
    }
    assert guesses["left_ankle"][0] == "shank"
    assert guesses["left_hip"][0] == "sacrum"
    assert "trunk" in guesses["left_hip"][2]


@pytest.mark.parametrize(
    "trial",
    ["2017-11-27-11-18-11", "2017-11-27-11-19-16", "2017-11-27-11-22-22", "2017-11-27-11-24-07",
     "2017-12-15-18-02-28", "2017-12-15-18-03-05"],
)
def test_shoe_sensor_while_running(shared_data, trial):
    d = pd.read_csv(shared_data / "foot_imu_running" / "csv" / f"{trial}.csv")
    samples = frame(200.0, d[["ax", "ay", "az"]].to_numpy() / 9.81, d[["gx", "gy", "gz"]].to_numpy())
    placement, confidence, _ = guess_placement(samples, 200.0)
    assert placement == "foot" and 0 < confidence <= 1


def test_sacral_treadmill_trials(shared_data):
    x = np.loadtxt(
        shared_data / "sacral_grf_treadmill" / "data" / "Accelerometer_one_sub.csv", delimiter=","
    )
    for trial in x:
        acc = np.column_stack([trial[2480:], np.full(2480, np.nan), trial[:2480]])
        assert guess_placement(frame(500.0, acc), 500.0)[0] == "sacrum"


def test_without_accelerometer_it_says_it_assumed():
    placement, confidence, reason = guess_placement(pd.DataFrame({"t_s": np.arange(10.0)}), 1.0)
    assert placement == "sacrum" and confidence == 0.0 and "assumed" in reason
