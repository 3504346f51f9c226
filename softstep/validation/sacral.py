"""Trunk detector vs a force-measuring treadmill: ../shared/data/sacral_grf_treadmill.

One runner (Alcantara et al. 2022, PeerJ 10:e12752), 21 trials of 4.96 s at 500 Hz: sacral
vertical and antero-posterior acceleration (g; low-passed at 20 Hz and negative vertical values
set to 0 by the authors) next to the normal ground reaction force (GRF, body weights).
Speeds 2.5-4.17 m/s, slopes -10..+10 degrees.

Ground truth: a contact is GRF > 0.05 BW (rising crossing = IC, falling = TC). Runs above the
threshold shorter than 50 ms are treadmill noise, not contacts (2-8 ms blips 10-20 ms before
some contacts in trials 4, 8, 9, 18, 19); contacts cut by the trial edges are dropped, and a
detection that matches such a contact is neither found nor false.

Metrics per trial and pooled ("all"): found % (plate contacts with a detected IC within
+-60 ms), false % (detections matching no plate contact), |IC error| median and 95th
percentile (ms), contact-time bias and RMSE (ms), peak-force bias and RMSE (BW), and the
vertical oscillation of the sacrum against the COM oscillation double-integrated from the
plate force with the same per-step method.

Constants fitted here are always scored on trials they were not fitted on: by default
**leave-one-condition-out** (each trial is scored with constants fitted on the trials of the
other 12 speed/slope conditions, so repeats of its own condition are held out too), or
leave-one-trial-out; the tables show those held-out scores only. Fitted: the IC level (share
of the step's hump), the TC level (g), the IC and TC offsets (s), the low-pass cut-off and the
gain of the peak-force estimate. The baseline (a plain peak picker: IC = a fixed offset before
each peak of the 5 Hz vertical acceleration, TC = a fixed offset after it, peak force = gain x
peak) gets the same cross-validated fitting of its offsets and gain. ``fit_params`` on all 21
trials gives ``imu_trunk.DEFAULT_PARAMS``.

Run ``python -m softstep.validation.sacral``.
"""

from __future__ import annotations

import itertools
import os
import sys
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import find_peaks

from softstep.steps.imu_trunk import (
    DEFAULT_PARAMS,
    TrunkParams,
    _lowpass,
    detect_trunk,
    vertical_oscillation_cm,
)

FS = 500.0
N_SAMPLES = 2480
CONTACT_BW = 0.05
MIN_CONTACT_S = 0.05
MATCH_S = 0.060
G = 9.80665

# the grid searched (inside each leave-one-out fold)
IC_FRACTIONS = (0.1, 0.2, 0.3, 0.4)
TC_LEVELS_G = (0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2)
FORCE_LOWPASS_HZ = (5.0, 8.0, 10.0, 15.0)


def default_data_dir() -> Path:
    """../shared/data/sacral_grf_treadmill beside the repository (or $SOFTSTEP_SHARED_DATA)."""
    env = os.environ.get("SOFTSTEP_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "sacral_grf_treadmill"


def _resolve(data_dir: Path | str | None) -> Path:
    """Accept the data-set folder, its data/ folder or the shared/data folder."""
    path = Path(data_dir) if data_dir is not None else default_data_dir()
    for candidate in (path / "data", path, path / "sacral_grf_treadmill" / "data"):
        if (candidate / "Accelerometer_one_sub.csv").is_file():
            return candidate
    raise FileNotFoundError(f"{path}: no Accelerometer_one_sub.csv (sacral_grf_treadmill data)")


@dataclass(frozen=True)
class _Data:
    vertical: np.ndarray  # (21, 2480) g
    ap: np.ndarray  # (21, 2480) g
    grf: np.ndarray  # (21, 2480) BW
    info: pd.DataFrame  # speed, slope, strike shares


@lru_cache(maxsize=4)
def _load(folder: str) -> _Data:
    path = Path(folder)
    acc = np.loadtxt(path / "Accelerometer_one_sub.csv", delimiter=",")
    grf = np.loadtxt(path / "GRF_one_sub.csv", delimiter=",")
    info = pd.read_csv(path / "Sub_Info_one_sub.csv")
    return _Data(acc[:, :N_SAMPLES], acc[:, N_SAMPLES:], grf, info)


def trial_samples(i: int, data_dir: Path | str | None = None) -> pd.DataFrame:
    """Trial ``i`` as IMU samples (IMU_COLUMNS): acc_z_g vertical, acc_x_g AP, acc_y_g absent."""
    data = _load(str(_resolve(data_dir)))
    t = np.arange(N_SAMPLES) / FS
    return pd.DataFrame(
        {
            "t_s": t,
            "acc_x_g": data.ap[i],
            "acc_y_g": np.full(N_SAMPLES, np.nan),
            "acc_z_g": data.vertical[i],
            "gyr_x_rad_per_s": np.nan,
            "gyr_y_rad_per_s": np.nan,
            "gyr_z_rad_per_s": np.nan,
        }
    )


def plate_contacts(grf_bw: np.ndarray, fs: float = FS) -> pd.DataFrame:
    """Contacts from the plate: ic_s, tc_s, peak_bw, complete (False when cut by an edge)."""
    on = grf_bw > CONTACT_BW
    change = np.flatnonzero(np.diff(on.astype(np.int8))) + 1
    bounds = np.r_[0, change, len(on)]
    start, end = bounds[:-1], bounds[1:]
    keep = on[start] & ((end - start) >= MIN_CONTACT_S * fs)
    start, end = start[keep], end[keep]
    peak = np.array([grf_bw[a:b].max() for a, b in zip(start, end, strict=True)])
    return pd.DataFrame(
        {
            "ic_s": start / fs,
            "tc_s": end / fs,
            "peak_bw": peak if len(peak) else np.zeros(0),
            "complete": (start > 0) & (end < len(on)),
        }
    )


def _match(truth_ic: np.ndarray, est_ic: np.ndarray, window: float = MATCH_S) -> np.ndarray:
    """Index of the detection matched to each plate contact (-1 if none), one-to-one, nearest
    pairs first."""
    out = np.full(len(truth_ic), -1)
    if not len(truth_ic) or not len(est_ic):
        return out
    d = np.abs(truth_ic[:, None] - est_ic[None, :])
    used = np.zeros(len(est_ic), bool)
    for flat in np.argsort(d, axis=None):
        i, j = divmod(int(flat), len(est_ic))
        if d[i, j] > window:
            break
        if out[i] < 0 and not used[j]:
            out[i], used[j] = j, True
    return out


def _plate_vo(grf: np.ndarray, ic_s: np.ndarray) -> np.ndarray:
    """COM vertical oscillation (cm) per plate step, from F/BW = a/g (same integration)."""
    start = ic_s[:-1] * FS
    end = ic_s[1:] * FS
    return np.r_[vertical_oscillation_cm(grf, FS, start, end), np.nan]


def _step_errors(grf: np.ndarray, est: pd.DataFrame) -> pd.DataFrame:
    """Per plate contact: matched?, IC/TC/contact/force/VO errors. Plus unmatched detections."""
    plate = plate_contacts(grf)
    plate["vo_cm"] = _plate_vo(grf, plate["ic_s"].to_numpy())
    m = _match(plate["ic_s"].to_numpy(), est["t_s"].to_numpy())
    matched = m >= 0
    e = est.iloc[np.where(matched, m, 0)].reset_index(drop=True)
    rows = pd.DataFrame(
        {
            "complete": plate["complete"],
            "found": matched,
            "ic_err_ms": np.where(matched, (e["t_s"] - plate["ic_s"]) * 1000, np.nan),
            "contact_err_ms": np.where(
                matched,
                (e["contact_s"] - (plate["tc_s"] - plate["ic_s"])) * 1000,
                np.nan,
            ),
            "contact_ms": (plate["tc_s"] - plate["ic_s"]) * 1000,
            "force_err_bw": np.where(matched, e["peak_force_bw"] - plate["peak_bw"], np.nan),
            "vo_err_cm": np.where(matched, e["vertical_oscillation_cm"] - plate["vo_cm"], np.nan),
            "vo_plate_cm": plate["vo_cm"],
        }
    )
    # contacts cut by the trial edges: ignore them and the detections they match
    # (a plate contact that starts at sample 0 has no IC; match it by its first sample anyway)
    used_by_edge = set(m[~plate["complete"].to_numpy() & matched].tolist())
    n_det = len(est) - len(used_by_edge)
    n_false = n_det - int((matched & plate["complete"].to_numpy()).sum())
    rows = rows[rows["complete"]].reset_index(drop=True)
    rows.attrs["detections"] = n_det
    rows.attrs["false"] = n_false
    return rows


def _summarise(rows: pd.DataFrame, detections: int, false: int) -> dict[str, float]:
    found = rows["found"]
    ic = rows["ic_err_ms"].abs()
    ce = rows["contact_err_ms"]
    fe = rows["force_err_bw"]
    ve = rows["vo_err_cm"]

    def rmse(x: pd.Series) -> float:
        x = x.dropna()
        return float(np.sqrt(np.mean(x**2))) if len(x) else float("nan")

    return {
        "contacts": len(rows),
        "found_pct": 100.0 * found.mean() if len(rows) else float("nan"),
        "false_pct": 100.0 * false / detections if detections else 0.0,
        "ic_abs_median_ms": float(ic.median()),
        "ic_abs_p95_ms": float(ic.quantile(0.95)),
        "contact_bias_ms": float(ce.mean()),
        "contact_rmse_ms": rmse(ce),
        "force_bias_bw": float(fe.mean()),
        "force_rmse_bw": rmse(fe),
        "vo_bias_cm": float(ve.mean()),
        "vo_rmse_cm": rmse(ve),
    }


# --------------------------------------------------------------------------------------------
# Baseline: a plain peak picker
@dataclass(frozen=True)
class BaselineParams:
    ic_before_peak_s: float = 0.03
    tc_after_peak_s: float = 0.15
    force_gain: float = 1.0


BASELINE_LOWPASS_HZ = 5.0


def detect_baseline(vertical_g: np.ndarray, fs: float, params: BaselineParams) -> pd.DataFrame:
    """A plain peak picker: find_peaks on the vertical acceleration low-passed at 5 Hz (>= 1.2 g,
    >= 0.2 s apart); IC and TC at fixed offsets from each peak, peak force = gain x peak."""
    smooth = _lowpass(vertical_g, fs, BASELINE_LOWPASS_HZ)
    peaks, _ = find_peaks(smooth, height=1.2, distance=int(0.2 * fs))
    t = peaks / fs
    return pd.DataFrame(
        {
            "t_s": t - params.ic_before_peak_s,
            "to_s": t + params.tc_after_peak_s,
            "contact_s": np.full(len(t), params.ic_before_peak_s + params.tc_after_peak_s),
            "peak_force_bw": smooth[peaks] * params.force_gain,
            "vertical_oscillation_cm": np.nan,
        }
    )


@lru_cache(maxsize=256)
def _complete_plate(folder: str, i: int) -> pd.DataFrame:
    plate = plate_contacts(_load(folder).grf[i])
    return plate[plate["complete"]].reset_index(drop=True)


@lru_cache(maxsize=2)
def _baseline_pairs(folder: str) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per trial: (peak - plate IC, plate TC - peak, plate peak / acceleration peak)."""
    data = _load(folder)
    out = []
    for i in range(data.grf.shape[0]):
        plate = _complete_plate(folder, i)
        peaks = detect_baseline(data.vertical[i], FS, BaselineParams(0.0, 0.0, 1.0))
        m = _match(plate["ic_s"].to_numpy(), peaks["t_s"].to_numpy(), window=0.15)
        ok = m >= 0
        pk = peaks.iloc[m[ok]]
        out.append(
            (
                pk["t_s"].to_numpy() - plate["ic_s"].to_numpy()[ok],
                plate["tc_s"].to_numpy()[ok] - pk["t_s"].to_numpy(),
                plate["peak_bw"].to_numpy()[ok] / pk["peak_force_bw"].to_numpy(),
            )
        )
    return out


def _fit_baseline(folder: str, trials: list[int]) -> BaselineParams:
    pairs = _baseline_pairs(folder)
    lead, lag, ratio = (np.concatenate([pairs[i][k] for i in trials]) for k in range(3))
    return BaselineParams(float(np.median(lead)), float(np.median(lag)), float(np.median(ratio)))


# --------------------------------------------------------------------------------------------
# softstep: fit the trunk detector's constants
@lru_cache(maxsize=2)
def _timing_errors(folder: str) -> dict[tuple[float, float], list[tuple[np.ndarray, np.ndarray]]]:
    """Per (ic_fraction, tc_level) and trial: IC and TC errors (s) of the detector run with
    zero offsets, on the plate contacts it matches within 100 ms."""
    n = _load(folder).grf.shape[0]
    samples = [trial_samples(i, folder) for i in range(n)]
    out = {}
    for frac, level in itertools.product(IC_FRACTIONS, TC_LEVELS_G):
        p = replace(DEFAULT_PARAMS, ic_fraction=frac, tc_level_g=level, ic_offset_s=0.0,
                    tc_offset_s=0.0)
        out[(frac, level)] = []
        for i in range(n):
            est = detect_trunk(samples[i], FS, params=p)
            plate = _complete_plate(folder, i)
            m = _match(plate["ic_s"].to_numpy(), est["t_s"].to_numpy(), window=0.1)
            ok = m >= 0
            e = est.iloc[m[ok]]
            out[(frac, level)].append(
                (
                    e["t_s"].to_numpy() - plate["ic_s"].to_numpy()[ok],
                    e["to_s"].to_numpy() - plate["tc_s"].to_numpy()[ok],
                )
            )
    return out


@lru_cache(maxsize=2)
def _force_pairs(folder: str) -> dict[float, list[tuple[np.ndarray, np.ndarray]]]:
    """Per cut-off and trial: (peak of the low-passed vertical acceleration, projected as the
    detector does, over each plate contact; the plate's peak force)."""
    from softstep.steps.imu_trunk import _prepare

    n = _load(folder).grf.shape[0]
    preps = [_prepare(trial_samples(i, folder), FS) for i in range(n)]
    out: dict[float, list[tuple[np.ndarray, np.ndarray]]] = {}
    for fc in FORCE_LOWPASS_HZ:
        out[fc] = []
        for i in range(n):
            sig = _lowpass(preps[i].vert_raw, FS, fc)
            plate = _complete_plate(folder, i)
            a = np.round(plate["ic_s"].to_numpy() * FS).astype(int)
            b = np.round(plate["tc_s"].to_numpy() * FS).astype(int)
            est = np.array([sig[x:y].max() for x, y in zip(a, b, strict=True)])
            out[fc].append((est, plate["peak_bw"].to_numpy()))
    return out


def fit_params(data_dir: Path | str | None, trials: list[int]) -> TrunkParams:
    """The trunk detector's constants fitted on ``trials``.

    Grid over (ic_fraction, tc_level_g); for each, the IC and TC offsets are minus the median
    errors; the pair with the lowest RMSE(IC) + RMSE(contact time) wins. Peak force: the
    cut-off with the lowest RMSE after a gain = median(plate / estimate).
    """
    folder = str(_resolve(data_dir))
    best: tuple[float, TrunkParams] | None = None
    for (frac, level), per_trial in _timing_errors(folder).items():
        ic_err = np.concatenate([per_trial[i][0] for i in trials])
        tc_err = np.concatenate([per_trial[i][1] for i in trials])
        ic_off = -float(np.nanmedian(ic_err))
        tc_off = -float(np.nanmedian(tc_err))
        ct = (tc_err + tc_off) - (ic_err + ic_off)
        score = np.sqrt(np.nanmean((ic_err + ic_off) ** 2)) + np.sqrt(np.nanmean(ct**2))
        if best is None or score < best[0]:
            best = (score, replace(DEFAULT_PARAMS, ic_fraction=frac, tc_level_g=level,
                                   ic_offset_s=ic_off, tc_offset_s=tc_off))
    best_f: tuple[float, float, float] | None = None
    for fc, per_trial in _force_pairs(folder).items():
        est = np.concatenate([per_trial[i][0] for i in trials])
        true = np.concatenate([per_trial[i][1] for i in trials])
        gain = float(np.median(true / est))
        rmse = float(np.sqrt(np.mean((gain * est - true) ** 2)))
        if best_f is None or rmse < best_f[0]:
            best_f = (rmse, fc, gain)
    return replace(best[1], force_lowpass_hz=best_f[1], force_gain=best_f[2])


# --------------------------------------------------------------------------------------------
def conditions(data_dir: Path | str | None = None) -> np.ndarray:
    """Condition id per trial: trials with the same speed and slope share one."""
    info = _load(str(_resolve(data_dir))).info
    key = info["Speed"].round(2).astype(str) + "/" + info["Slope"].round(1).astype(str)
    return pd.factorize(key)[0]


def evaluate(data_dir: Path | str | None = None, hold_out: str = "condition") -> pd.DataFrame:
    """Cross-validated scores of softstep and the baseline: one row per method and trial, plus
    an "all" row per method (pooled over every contact).

    ``hold_out="condition"`` (default, the stricter): each trial is scored with constants fitted
    on the trials of the *other* speed/slope conditions (repeats of its own condition are held
    out with it). ``"trial"``: leave-one-trial-out.
    """
    folder = str(_resolve(data_dir))
    data = _load(folder)
    n = data.grf.shape[0]
    group = conditions(folder) if hold_out == "condition" else np.arange(n)
    rows = []
    pooled: dict[str, list[pd.DataFrame]] = {"softstep": [], "baseline": []}
    counts = {"softstep": [0, 0], "baseline": [0, 0]}
    for i in range(n):
        train = [j for j in range(n) if group[j] != group[i]]
        params = fit_params(folder, train)
        base = _fit_baseline(folder, train)
        estimates = {
            "softstep": detect_trunk(trial_samples(i, folder), FS, params=params),
            "baseline": detect_baseline(data.vertical[i], FS, base),
        }
        for method, est in estimates.items():
            errs = _step_errors(data.grf[i], est)
            det, false = errs.attrs["detections"], errs.attrs["false"]
            pooled[method].append(errs)
            counts[method][0] += det
            counts[method][1] += false
            rows.append(
                {
                    "method": method,
                    "trial": str(i),
                    "speed_m_per_s": float(data.info["Speed"][i]),
                    "slope_deg": float(data.info["Slope"][i]),
                    **_summarise(errs, det, false),
                }
            )
    for method in ("softstep", "baseline"):
        allrows = pd.concat(pooled[method], ignore_index=True)
        rows.append(
            {
                "method": method,
                "trial": "all",
                "speed_m_per_s": float("nan"),
                "slope_deg": float("nan"),
                **_summarise(allrows, *counts[method]),
            }
        )
    return pd.DataFrame(rows)


def sample_test_check(data_dir: Path | str | None = None) -> dict[str, float]:
    """The raw tri-axial trace (Sample_test_data.csv, 512 Hz, m/s²) through detect_trunk."""
    folder = _resolve(data_dir)
    raw = pd.read_csv(folder / "Sample_test_data.csv")
    t = raw["System_Timestamp_Plot_Zeroed"].to_numpy(float) / 1000.0
    fs = 1.0 / float(np.median(np.diff(t)))
    samples = pd.DataFrame(
        {
            "t_s": t - t[0],
            "acc_x_g": raw["Accel_LN_X"] / G,
            "acc_y_g": raw["Accel_LN_Y"] / G,
            "acc_z_g": raw["Accel_LN_Z"] / G,
        }
    )
    steps = detect_trunk(samples, fs)
    step = steps["step_s"].dropna()
    return {
        "sample_rate_hz": fs,
        "duration_s": float(t[-1] - t[0]),
        "steps": len(steps),
        "cadence_spm": float(60.0 / step.median()) if len(step) else float("nan"),
        "step_cv_pct": float(100 * step.std() / step.mean()) if len(step) > 1 else float("nan"),
        "contact_ms": float(steps["contact_s"].median() * 1000),
        "peak_force_bw": float(steps["peak_force_bw"].median()),
        "vertical_oscillation_cm": float(steps["vertical_oscillation_cm"].median()),
    }


def summary_reference(data_dir: Path | str | None = None) -> dict[str, float]:
    """Ranges from sacral_grf_summary (37 runners, Alcantara 2021): plate contact time and the
    published sacral model's contact-time error, as a sanity range only."""
    folder = _resolve(data_dir)
    path = folder.parent.parent / "sacral_grf_summary" / "GRF_IMU_data.csv"
    if not path.is_file():
        return {}
    d = pd.read_csv(path)
    err = (d["IMUtc"] - d["GRFtc"]) * 1000
    return {
        "plate_contact_ms_min": float(d["GRFtc"].min() * 1000),
        "plate_contact_ms_max": float(d["GRFtc"].max() * 1000),
        "published_contact_bias_ms": float(err.mean()),
        "published_contact_rmse_ms": float(np.sqrt(np.mean(err**2))),
        "published_peak_rmse_bw": float(np.sqrt(np.mean((d["IMUPeak"] - d["GRFPeak"]) ** 2))),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the validation tables; the one optional argument is the data folder."""
    args = sys.argv[1:] if argv is None else argv
    data_dir = _resolve(args[0] if args else None)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    table = evaluate(data_dir)
    cols = ["contacts", "found_pct", "false_pct", "ic_abs_median_ms", "ic_abs_p95_ms",
            "contact_bias_ms", "contact_rmse_ms", "force_bias_bw", "force_rmse_bw",
            "vo_bias_cm", "vo_rmse_cm"]
    print("Sacral IMU vs force-measuring treadmill (sacral_grf_treadmill, 21 trials, one runner)")
    print("Cross-validated: each trial is scored with constants fitted on the trials of the other")
    print("speed/slope conditions (leave-one-condition-out).\n")
    print(table[table["trial"] == "all"].set_index("method")[cols].round(2).to_string())
    loto = evaluate(data_dir, hold_out="trial")
    print("\nSame, leave-one-trial-out:")
    print(loto[loto["trial"] == "all"].set_index("method")[cols].round(2).to_string())
    print("\nPer trial, softstep (baseline found % and |IC| median beside it):")
    ours = table[table["method"] == "softstep"].set_index("trial")
    base = table[table["method"] == "baseline"].set_index("trial")
    per = ours[["speed_m_per_s", "slope_deg", *cols]].copy()
    per["base_found_pct"] = base["found_pct"]
    per["base_ic_median_ms"] = base["ic_abs_median_ms"]
    print(per.round(1).to_string())
    all_trials = list(range(21))
    params = fit_params(data_dir, all_trials)
    print(f"\nConstants fitted on all 21 trials (imu_trunk.DEFAULT_PARAMS): {params}")
    print(f"Baseline constants on all 21 trials: {_fit_baseline(str(data_dir), all_trials)}")
    print(f"\nRaw 512 Hz tri-axial trace (no plate): {sample_test_check(data_dir)}")
    ref = summary_reference(data_dir)
    if ref:
        print(f"sacral_grf_summary (37 runners, Alcantara 2021) for scale: {ref}")


if __name__ == "__main__":
    main()
