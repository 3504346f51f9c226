"""Shoe IMU vs motion-capture foot-flat (``../shared/data/foot_imu_running``; tests only, the
original data set's licence is not verified).

Data: LORD MicroStrain 3DM-GX5-25 on top of the right shoe, ~200 Hz (time stamps jitter by up
to 1.7 ms, so every column is interpolated onto an exact 200-Hz grid), acceleration in m/s²
(converted to g), angular velocity in rad/s (saturates near 9.7 rad/s). Reference: Vicon
zero-velocity (foot-flat) intervals. Initial contact (IC) comes shortly **before** each
interval's start (the foot lands, then rolls flat) and toe-off (TC) shortly **after** its end
(the heel rises first, the toes leave later): these are not force-plate events, so the numbers
below are leads and lags, not errors.

Per trial: foot-flat intervals, those that belong to running (the foot's next or previous
foot-flat is one running stride away: 1/1.8-1/1.1 s), detected running contacts, matched
running contacts, missed (a running foot-flat without a detected IC in
[start - ``MATCH_BEFORE_S``, end]) and of those the mid-bout ones (both neighbours one running
stride away: not the accelerating first or braking last stride of a bout), extra (a detected IC
that no foot-flat explains) and of those the regular ones (one median stride, +-15 %, from both
neighbouring contacts: most likely a foot-flat the motion capture did not label), IC lead
before foot-flat start and TC lag after foot-flat end (median, 5th and 95th percentile, ms),
contact time, strike angle and class counts, and the agreement of the angle classifier with
the sign-of-pitch-velocity classifier (van Werkhoven 2019). The ``acc-only`` rows run the same
trials with the gyroscope removed: the accelerometer-only method that an ankle ActiGraph gets.

Run: ``python -m softstep.validation.foot``
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from softstep.steps.imu_limb import RUN_STRIDE_HZ, detect_foot

FS = 200.0
G = 9.80665
FOLDER = "foot_imu_running/csv"
RUNNING = [
    "2017-11-27-11-18-11", "2017-11-27-11-19-16", "2017-11-27-11-22-22",
    "2017-11-27-11-24-07", "2017-12-15-18-02-28", "2017-12-15-18-03-05",
]
WALKING = ["2017-11-22-11-44-47", "2017-12-15-17-59-19"]
MATCH_BEFORE_S = 0.2  # an IC up to 200 ms before foot-flat starts still belongs to it


def default_data_dir() -> Path:
    """$SOFTSTEP_SHARED_DATA, else ../shared/data beside the repository (as tests/conftest.py)."""
    env = os.environ.get("SOFTSTEP_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def load(data_dir: str | Path, trial: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(samples with IMU_COLUMNS on an exact 200-Hz grid, foot-flat intervals) of one trial."""
    folder = Path(data_dir) / FOLDER
    raw = pd.read_csv(folder / f"{trial}.csv")
    zv = pd.read_csv(folder / f"{trial}_zv_intervals.csv")
    t = raw["t_s"].to_numpy(float)
    grid = np.arange(t[0], t[-1], 1 / FS)
    col = lambda c: np.interp(grid, t, raw[c].to_numpy(float))
    samples = pd.DataFrame({
        "t_s": grid,
        "acc_x_g": col("ax") / G, "acc_y_g": col("ay") / G, "acc_z_g": col("az") / G,
        "gyr_x_rad_per_s": col("gx"), "gyr_y_rad_per_s": col("gy"), "gyr_z_rad_per_s": col("gz"),
    })
    return samples, zv


def _stride_ok(gap: np.ndarray) -> np.ndarray:
    return (gap >= 1 / RUN_STRIDE_HZ[1]) & (gap <= 1 / RUN_STRIDE_HZ[0])


def running_footflats(zv: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(running, mid-bout): foot-flat intervals one running stride from the previous or the
    next one; and those one running stride from both (not the first or last of a bout)."""
    ok = _stride_ok(np.diff(zv["zv_start_s"].to_numpy()))
    before, after = np.r_[False, ok], np.r_[ok, False]
    return before | after, before & after


def match(steps: pd.DataFrame, zv: pd.DataFrame) -> np.ndarray:
    """Index of the foot-flat interval each detected contact falls in, -1 for none."""
    ic = steps["t_s"].to_numpy()
    start, end = zv["zv_start_s"].to_numpy(), zv["zv_end_s"].to_numpy()
    j = np.searchsorted(start - MATCH_BEFORE_S, ic, side="right") - 1
    jj = np.clip(j, 0, max(len(start) - 1, 0))
    ok = (j >= 0) & (ic <= end[jj]) if len(start) else np.zeros(len(ic), bool)
    return np.where(ok, jj, -1)


def _pct(x: np.ndarray, q: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if len(x) else float("nan")


def _trial(data_dir: str | Path, trial: str, gyro: bool) -> tuple[dict, dict]:
    """(counts, per-contact arrays) of one trial."""
    samples, zv = load(data_dir, trial)
    if not gyro:
        samples[["gyr_x_rad_per_s", "gyr_y_rad_per_s", "gyr_z_rad_per_s"]] = np.nan
    steps = detect_foot(samples, FS, side="R")
    return score_trial(steps, zv, trial)


def score_trial(steps: pd.DataFrame, zv: pd.DataFrame, trial: str) -> tuple[dict, dict]:
    """(counts, per-contact arrays) of one trial's Steps (from ``detect_foot`` or from
    ``pipeline.analyze_file``) against its foot-flat intervals ``zv``; ``_row`` turns them into
    a table row."""
    which = match(steps, zv)
    run_ff, mid_ff = running_footflats(zv)
    if trial not in RUNNING:  # a walking trial has no running reference at all
        run_ff = mid_ff = np.zeros(len(zv), bool)
    matched = which >= 0
    hit = np.zeros(len(zv), bool)
    hit[which[matched]] = True
    dup = len(which[matched]) - len(np.unique(which[matched]))
    # an unmatched contact one regular stride from both neighbours is most likely a foot-flat
    # the motion capture did not mark (seen in the plots: clear impact, no zero-velocity label)
    ic = steps["t_s"].to_numpy()
    gaps = np.diff(ic)
    med = np.median(gaps[_stride_ok(gaps)]) if _stride_ok(gaps).any() else np.nan
    near = np.abs(gaps / med - 1) <= 0.15
    regular = np.r_[False, near] & np.r_[near, False]
    m = which[matched]
    check = steps.attrs.get("strike_cross_check", {})
    act = steps.attrs.get("activity")
    counts = {
        "footflats": len(zv),
        "running_footflats": int(run_ff.sum()),
        "contacts": len(steps),
        "matched": int(matched.sum()),
        "missed": int((run_ff & ~hit).sum()),
        "missed_mid_bout": int((mid_ff & ~hit).sum()),
        "extra": int((~matched).sum() + dup),
        "extra_regular": int((~matched & regular).sum()),
        "strike_gyro_clipped": check.get("gyro_clipped_ic_to_flat", 0),
        "running_s": float(
            ((act["end_s"] - act["start_s"])[act["activity"] == "running"]).sum()
        ) if act is not None else 0.0,
    }
    arrays = {
        "lead": 1000 * (zv["zv_start_s"].to_numpy()[m] - ic[matched]),
        "lag": 1000 * (steps["to_s"].to_numpy()[matched] - zv["zv_end_s"].to_numpy()[m]),
        "contact": 1000 * steps["contact_s"].to_numpy(float),
        "cadence": steps["cadence_spm"].to_numpy(float),
        "angle": steps["strike_angle_deg"].to_numpy(float),
        "cls": steps["strike_class"].fillna("").to_numpy(str),
        "agree_n": (check.get("agreement", np.nan), check.get("n", 0)),
    }
    return counts, arrays


def _row(name: str, kind: str, sensors: str, counts: dict, arrays: list[dict]) -> dict:
    cat = lambda key: np.concatenate([a[key] for a in arrays])
    lead, lag, angle, cls = cat("lead"), cat("lag"), cat("angle"), cat("cls")
    agree = [(x, n) for x, n in (a["agree_n"] for a in arrays) if n and np.isfinite(x)]
    return {
        "trial": name, "kind": kind, "sensors": sensors,
        **{k: v for k, v in counts.items() if k not in ("strike_gyro_clipped", "running_s")},
        "ic_lead_ms_median": _pct(lead, 50),
        "ic_lead_ms_p5": _pct(lead, 5),
        "ic_lead_ms_p95": _pct(lead, 95),
        "tc_lag_ms_median": _pct(lag, 50),
        "tc_lag_ms_p5": _pct(lag, 5),
        "tc_lag_ms_p95": _pct(lag, 95),
        "contact_ms_median": _pct(cat("contact"), 50),
        "cadence_spm_median": _pct(cat("cadence"), 50),
        "strike_deg_median": _pct(angle, 50),
        "strike_deg_p5": _pct(angle, 5),
        "strike_deg_p95": _pct(angle, 95),
        "rearfoot": int(np.sum(cls == "rearfoot")),
        "midfoot": int(np.sum(cls == "midfoot")),
        "forefoot": int(np.sum(cls == "forefoot")),
        "sign_check_agree": (
            sum(x * n for x, n in agree) / sum(n for _, n in agree) if agree else np.nan
        ),
        "strike_gyro_clipped": counts["strike_gyro_clipped"],
        "running_s": counts["running_s"],
    }


def evaluate_trial(data_dir: str | Path, trial: str, gyro: bool = True) -> dict:
    """The table row of one trial."""
    counts, arrays = _trial(data_dir, trial, gyro)
    kind = "running" if trial in RUNNING else "walking"
    return _row(trial, kind, "acc+gyro" if gyro else "acc-only", counts, [arrays])


def evaluate(data_dir: str | Path) -> pd.DataFrame:
    """One row per trial and sensor set (acc+gyro, acc-only), then an ``all running`` row per
    sensor set pooling the six running trials (sums of counts, percentiles of all contacts)."""
    rows = []
    for gyro in (True, False):
        sensors = "acc+gyro" if gyro else "acc-only"
        pooled_counts: dict = {}
        pooled_arrays = []
        for trial in RUNNING + WALKING:
            counts, arrays = _trial(data_dir, trial, gyro)
            kind = "running" if trial in RUNNING else "walking"
            rows.append(_row(trial, kind, sensors, counts, [arrays]))
            if kind == "running":
                for key, value in counts.items():
                    pooled_counts[key] = pooled_counts.get(key, 0) + value
                pooled_arrays.append(arrays)
        rows.append(_row("all running", "running", sensors, pooled_counts, pooled_arrays))
    return pd.DataFrame(rows)


def main(data_dir: str | Path | None = None) -> pd.DataFrame:
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    table = evaluate(data_dir)
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(table.round(1).to_string(index=False))
    return table


if __name__ == "__main__":
    main()
