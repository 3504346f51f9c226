"""Ankle vs hip: two accelerometers worn together on one 25-min outdoor run must count the same
steps (``../shared/data/ankle_hip_outdoor_run``, GPL-3.0 data: tests and validation only).

Data: ActiGraph GT9X Link at 100 Hz, x/y/z in g; ``left_ankle`` is clipped on the shoe below the
lateral malleolus (range +-8 g), ``left_hip`` on a belt. The file's ``date_time`` column was
rounded to 1.5405e9 s in the conversion, so time is the sample index / 100 Hz; both sensors hold
150 000 samples from the same start (their activity onsets agree within ~0.1 s).

- The **ankle** goes through ``softstep.steps.imu_limb.detect_shank`` (accelerometer only: no
  toe-off). It sees only left-foot contacts; each of its strides is two of the runner's steps.
- The **hip** goes through ``softstep.steps.imu_trunk.detect_trunk(samples, fs,
  placement="waist")`` when that module exists, and through ``standin_hip_steps`` below: a
  simple, independent step counter written for this validation only (it is **not** the
  project's trunk detector; it was the only hip counter before ``imu_trunk`` existed and stays
  as a second, independent reference). ``main`` prints one table per hip counter; each table
  says which one it used.

Counting. A minute boundary cuts strides and steps; counting whole contacts would give an error
of up to one ankle stride (2 steps, 1.25 % at 160 steps/min) that says nothing about the
detectors. So each interval between consecutive contacts spreads its steps evenly over its own
duration (an ankle stride carries 2 steps, a hip step 1), and a minute's count is what falls
inside it, over the seconds that **both** sensors label as running. Cadence = that count over
those seconds. A minute is a *running minute* when both sensors agree on at least
``RUNNING_MINUTE_S`` seconds of running in it; the criterion (steps within 1 %, cadence within
1 step/min) applies to running minutes. The seconds each sensor labels running are reported too,
so a stretch one sensor excluded and the other kept shows up.

Run: ``python -m softstep.validation.ankle_hip``
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import signal

from softstep.steps.imu_limb import detect_shank

FS = 100.0
RUNNING_MINUTE_S = 30.0
MAX_STEP_DIFF_PCT = 1.0
MAX_CADENCE_DIFF_SPM = 1.0
DATA = "ankle_hip_outdoor_run/acc_running.csv.gz"
ACC = ["acc_x_g", "acc_y_g", "acc_z_g"]
ANKLE_RANGE_G = 8.0  # ActiGraph GT9X range (SOURCE.txt)

# stand-in hip counter: running = step frequency 2.2-3.6 Hz (stride 1.1-1.8 Hz) with impacts
STANDIN_STEP_S = (1 / 3.6, 1 / 2.2)
STANDIN_PEAK_G = 2.5  # running hip peaks here 4-5 g; walking 1.7-2 g
STANDIN_MIN_STEPS = 4


def default_data_dir() -> Path:
    """$SOFTSTEP_SHARED_DATA, else ../shared/data beside the repository (as tests/conftest.py)."""
    env = os.environ.get("SOFTSTEP_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def load(data_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The two sensors as IMU_COLUMNS frames (accelerometer only), keyed by loc_id."""
    raw = pd.read_csv(Path(data_dir) / DATA)
    out = {}
    for loc, g in raw.groupby("loc_id"):
        n = len(g)
        out[loc] = pd.DataFrame({
            "t_s": np.arange(n) / FS,
            "acc_x_g": g["x"].to_numpy(float),
            "acc_y_g": g["y"].to_numpy(float),
            "acc_z_g": g["z"].to_numpy(float),
            "gyr_x_rad_per_s": np.nan, "gyr_y_rad_per_s": np.nan, "gyr_z_rad_per_s": np.nan,
        })
    return out


def standin_hip_steps(samples: pd.DataFrame, fs: float) -> pd.DataFrame:
    """STAND-IN hip step counter (until ``imu_trunk.detect_trunk`` exists): t_s and step_s of
    every running step.

    Resultant acceleration low-passed at 15 Hz; the stride period T of each 10-s window from
    autocorrelation (0.45-1.8 s); steps = maxima that are the largest within +-0.3 T (a trunk
    sensor feels one impact per step, T/2 apart); a step interval counts as running when the
    two-step span it belongs to lasts 2/3.6-2/2.2 s (step frequency 2.2-3.6 Hz; spans because a
    one-sided sensor times left and right peaks unevenly), it is not shorter than half the
    shortest running step, and one of its two peaks reaches 2.5 g; in runs of >= 4 such steps.
    """
    a = np.linalg.norm(samples[["acc_x_g", "acc_y_g", "acc_z_g"]].to_numpy(float), axis=1)
    sos = signal.butter(2, 15.0, fs=fs, output="sos")
    lp = signal.sosfiltfilt(sos, a)
    n, w, hop = len(lp), int(10 * fs), int(2 * fs)
    starts = np.arange(0, max(n - w, 0) + 1, hop)
    seg = lp[starts[:, None] + np.arange(w)]
    seg = seg - seg.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(seg, 2 * w, axis=1)
    ac = np.fft.irfft(spec * np.conj(spec), axis=1)[:, :w]
    lo, hi = int(0.45 * fs), int(1.8 * fs)
    stride = (lo + np.argmax(ac[:, lo:hi], axis=1)) / fs
    period = np.interp(np.arange(n), starts + w / 2, stride)
    peaks, _ = signal.find_peaks(lp, height=1.2, distance=int(0.15 * fs))
    h = lp[peaks]
    half = 0.3 * period[peaks] * fs
    keep = np.ones(len(peaks), bool)
    for off in range(1, 6):
        for sgn in (1, -1):
            j = np.clip(np.arange(len(peaks)) + sgn * off, 0, len(peaks) - 1)
            keep &= ~((np.abs(peaks[j] - peaks) < half) & (h[j] > h))
    peaks, h = peaks[keep], h[keep]
    dt = np.diff(peaks) / fs
    # a sensor on one hip times left and right peaks unevenly (e.g. 0.28 / 0.40 s at 178 spm),
    # so the frequency test runs on two-step spans: this step and its neighbour on either side
    pair = np.r_[dt[:-1] + dt[1:], np.nan]
    prev_pair = np.r_[np.nan, pair[:-1]]
    in_range = lambda x: (x >= 2 * STANDIN_STEP_S[0]) & (x <= 2 * STANDIN_STEP_S[1])
    run = (in_range(pair) | in_range(prev_pair)) & (dt >= 0.5 * STANDIN_STEP_S[0])
    run &= np.maximum(h[:-1], h[1:]) >= STANDIN_PEAK_G
    f = np.r_[0, run.astype(int), 0]
    edges = np.flatnonzero(np.diff(f))
    good = np.zeros(len(run), bool)
    for b, e in zip(edges[::2], edges[1::2]):  # runs of steps (a few dozen), not samples
        good[b:e] = (e - b) >= STANDIN_MIN_STEPS
    t = samples["t_s"].to_numpy(float)
    return pd.DataFrame({"t_s": t[peaks[:-1][good]], "step_s": dt[good]})


def trunk_detector_available() -> bool:
    """True once ``softstep.steps.imu_trunk.detect_trunk`` can be imported."""
    if importlib.util.find_spec("softstep.steps.imu_trunk") is None:
        return False
    return hasattr(importlib.import_module("softstep.steps.imu_trunk"), "detect_trunk")


def hip_steps(samples: pd.DataFrame, fs: float, hip: str = "auto") -> tuple[pd.DataFrame, str]:
    """(t_s, step_s of running steps, which detector) for the hip.

    ``hip``: "trunk" (the project's trunk detector), "standin" (``standin_hip_steps``) or
    "auto" (the trunk detector when it exists, else the stand-in)."""
    if hip == "trunk" or (hip == "auto" and trunk_detector_available()):
        trunk = importlib.import_module("softstep.steps.imu_trunk")
        if hasattr(trunk, "detect_trunk"):
            steps = trunk.detect_trunk(samples, fs, placement="waist")
            steps = steps[np.isfinite(steps["step_s"])]
            return steps[["t_s", "step_s"]].reset_index(drop=True), "imu_trunk.detect_trunk"
    return standin_hip_steps(samples, fs), "stand-in (validation/ankle_hip.py)"


def _density(t_s: np.ndarray, dur_s: np.ndarray, steps_each: float, n: int) -> np.ndarray:
    """Steps per sample on the 100-Hz grid: each interval spreads ``steps_each`` evenly."""
    a = np.clip(np.round(t_s * FS).astype(int), 0, n)
    b = np.clip(np.round((t_s + dur_s) * FS).astype(int), 0, n)
    ok = b > a
    rate = np.zeros(n + 1)
    np.add.at(rate, a[ok], steps_each / (b[ok] - a[ok]))
    np.add.at(rate, b[ok], -steps_each / (b[ok] - a[ok]))
    return np.cumsum(rate)[:-1]


def evaluate(data_dir: str | Path, hip: str = "auto") -> pd.DataFrame:
    """One row per minute (plus ``total``): running?, steps and cadence of each sensor on the
    seconds both label running, their differences; ``attrs`` hold the detector names and the
    clipped-impact count."""
    sensors = load(data_dir)
    ankle = detect_shank(sensors["left_ankle"], FS, side="L")
    hip, hip_name = hip_steps(sensors["left_hip"], FS, hip)
    table = compare_minutes(ankle, hip, len(sensors["left_ankle"]))
    act = ankle.attrs.get("activity")
    table.attrs.update({
        "hip_detector": hip_name,
        "ankle_contacts": len(ankle),
        "ankle_impacts_counted": int(ankle["impact_g"].notna().sum()),
        "ankle_impacts_clipped": int(ankle["impact_clipped"].fillna(False).sum()),
        "ankle_samples_at_rail": int(
            (sensors["left_ankle"][ACC].abs() >= ANKLE_RANGE_G).any(axis=1).sum()
        ),
        "ankle_activity_s": (
            (act["end_s"] - act["start_s"]).groupby(act["activity"]).sum().round(1).to_dict()
            if act is not None else {}
        ),
    })
    return table


def compare_minutes(ankle: pd.DataFrame, hip: pd.DataFrame, n: int) -> pd.DataFrame:
    """The per-minute table of ``evaluate`` from the ankle's Steps (left-foot contacts: each
    interval a stride of 2 steps) and the hip's (t_s, step_s of running steps), over ``n``
    samples at 100 Hz from the same start.

    >>> t = np.arange(0, 120, 0.4)
    >>> ankle = pd.DataFrame({"t_s": t[::2], "step_s": 0.4})
    >>> hip = pd.DataFrame({"t_s": t, "step_s": 0.4})
    >>> table = compare_minutes(ankle, hip, 12_000)
    >>> bool(table["cadence_diff_spm"].abs().max() < 0.01), bool(table["agree"].iloc[-1])
    (True, True)
    """
    hip = hip[np.isfinite(hip["step_s"])]
    strides = ankle[np.isfinite(ankle["step_s"])]
    a_rate = _density(strides["t_s"].to_numpy(), 2 * strides["step_s"].to_numpy(), 2.0, n)
    h_rate = _density(hip["t_s"].to_numpy(), hip["step_s"].to_numpy(), 1.0, n)
    a_run, h_run = a_rate > 0, h_rate > 0
    both = a_run & h_run
    minute = np.arange(n) // int(60 * FS)
    df = pd.DataFrame({"minute": minute, "a_run": a_run, "h_run": h_run, "both": both,
                       "a": a_rate * both, "h": h_rate * both})
    g = df.groupby("minute").sum()
    table = pd.DataFrame({
        "minute": g.index,
        "ankle_running_s": g["a_run"] / FS,
        "hip_running_s": g["h_run"] / FS,
        "both_running_s": g["both"] / FS,
        "ankle_steps": g["a"],
        "hip_steps": g["h"],
    }).reset_index(drop=True)
    table.insert(1, "running", table["both_running_s"] >= RUNNING_MINUTE_S)
    total = table[table["running"]].sum(numeric_only=True)
    total_row = pd.DataFrame([{**total.to_dict(), "minute": "total", "running": True}])
    table = pd.concat([table.astype({"minute": object}), total_row], ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = table["ankle_steps"] - table["hip_steps"]
        table["step_diff_pct"] = 100 * diff / table["hip_steps"]
        table["ankle_cadence_spm"] = 60 * table["ankle_steps"] / table["both_running_s"]
        table["hip_cadence_spm"] = 60 * table["hip_steps"] / table["both_running_s"]
    table["cadence_diff_spm"] = table["ankle_cadence_spm"] - table["hip_cadence_spm"]
    rows = table["running"].astype(bool)
    table["agree"] = pd.array([None] * len(table), dtype="boolean")
    table.loc[rows, "agree"] = (
        (table.loc[rows, "step_diff_pct"].abs() <= MAX_STEP_DIFF_PCT)
        & (table.loc[rows, "cadence_diff_spm"].abs() <= MAX_CADENCE_DIFF_SPM)
    )
    return table


def _show(table: pd.DataFrame) -> None:
    shown = table.copy()
    for c in ["ankle_running_s", "hip_running_s", "both_running_s", "ankle_steps", "hip_steps",
              "ankle_cadence_spm", "hip_cadence_spm"]:
        shown[c] = shown[c].astype(float).round(1)
    for c in ["step_diff_pct", "cadence_diff_spm"]:
        shown[c] = shown[c].astype(float).round(2)
    print(f"ankle: imu_limb.detect_shank (accelerometer only); hip: {table.attrs['hip_detector']}")
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(shown.to_string(index=False))


def main(data_dir: str | Path | None = None) -> list[pd.DataFrame]:
    """Print the table against the trunk detector (when it exists) and against the stand-in."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    hips = (["trunk"] if trunk_detector_available() else []) + ["standin"]
    tables = [evaluate(data_dir, hip) for hip in hips]
    for table in tables:
        _show(table)
        print()
    a = tables[0].attrs
    print(f"ankle contacts (left foot): {a['ankle_contacts']}; impacts counted (>3 g, none higher "
          f"in 375 ms): {a['ankle_impacts_counted']}; impacts clipped: {a['ankle_impacts_clipped']}"
          f"; samples on the +-8 g rail: {a['ankle_samples_at_rail']}")
    print(f"ankle activity (s): {a['ankle_activity_s']}")
    return tables


if __name__ == "__main__":
    main()
