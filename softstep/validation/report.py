"""``softstep validate``: every data set with ground truth, run through the user's own path.

Each recording goes through ``pipeline.analyze_file`` — the function ``softstep analyze`` calls —
on a real file, with the options a user would give on the command line, and the Steps it
returns are matched to the data set's reference:

- **sacral** (``sacral_grf_treadmill``, 21 trials of one runner, 500 Hz): each trial is written
  to a generic CSV (``time_s, acc_x, acc_z`` in g, as the data set gives them: antero-posterior
  and vertical; the units are detected by the reader) and analysed with ``placement="sacrum"``
  and the runner's mass; the shipped constants (``imu_trunk.DEFAULT_PARAMS``) are used. Steps are
  matched to the plate's contacts (GRF > 5 % BW, ``validation.sacral``). The second table is the
  cross-validated one (``sacral.evaluate``: constants refitted without the held-out speed/slope
  condition) beside the plain peak picker baseline, fitted the same way: it shows the constants
  are not overfit.
- **ankle_hip** (``ankle_hip_outdoor_run/acc_running.csv.gz``, two sensors in one file): the
  file as it is, with ``sample_rate_hz=100`` (its date_time column is rounded: ``--sample-rate
  100``) and ``side="L"``; the reader splits it by ``loc_id`` (ankle -> shank, hip -> waist) and
  the per-minute step counts and cadences are compared (``ankle_hip.compare_minutes``).
- **foot** (``foot_imu_running/csv``, shoe IMU, Vicon foot-flat phases): each trial file as it
  is (``t_s, ax.. gz`` in m/s² and rad/s, units detected) with ``placement="foot"``,
  ``side="R"``; ``foot.score_trial`` scores ICs against foot-flat starts and toe-offs against
  their ends. The acc-only row analyses a CSV written from the same trials without the gyroscope.
- **forceplate** (``treadmill_force_markers``): the QTM force TSV (its ``_f_2`` sibling is read
  with it) against ``contacts_from_force_threshold50N.csv``.
- **audio** (footstep sound, ``validation.audio``): wav/m4a files written from the real
  force-plate contact times of ``treadmill_force_markers`` and ``sacral_grf_treadmill`` with
  synthetic footfall sounds and noises (hum, belt, music, babble, another runner) at several
  SNRs; footfalls matched to the plate ICs within 50 ms, targets at SNR >= 3 dB.
- **video** (``video_side_treadmill/male_side.pose.json``, issue 5): the keypoint file through
  analyze_file; cadence within 1 step/min of 168.9, contact time and duty factor inside the
  ground truth's physiological bands, facing as declared (``validation.video``).
- **markers** (``treadmill_force_markers``): heel / toe / shank markers projected to the
  sagittal plane through ``steps.video.detect_video`` at 240 Hz and at 30 fps, ICs and TOs
  against the force-plate contacts, strike angles reported (``validation.video``).

``validate(data_dir)`` returns the tables and a ``targets`` table (one PASS / FAIL / INFO line per
target of issue 3); ``softstep validate`` prints them and exits 1 when a target fails.

>>> sorted(DATA_SETS)
['ankle_hip', 'audio', 'foot', 'forceplate', 'markers', 'sacral', 'video']
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from softstep.errors import NoRunningError
from softstep.model import Runner
from softstep.pipeline import analyze_file

DATA_SETS = ("sacral", "ankle_hip", "foot", "forceplate", "audio", "video", "markers")
FOLDERS = {
    "sacral": "sacral_grf_treadmill",
    "ankle_hip": "ankle_hip_outdoor_run",
    "foot": "foot_imu_running",
    "forceplate": "treadmill_force_markers",
    "audio": "treadmill_force_markers",  # and sacral_grf_treadmill: the footfall timings
    "video": "video_side_treadmill",
    "markers": "treadmill_force_markers",
}

# issue 3 targets
SACRAL_FOUND_PCT = 99.0
SACRAL_FALSE_PCT = 1.0
SACRAL_IC_MEDIAN_MS = 10.0
SACRAL_CONTACT_RMSE_MS = 20.0
PUBLISHED_PEAK_RMSE_BW = 0.15  # published sacral models (sacral_grf_summary, Alcantara 2021)
ISSUE_BASELINE = "a simple peak picker: about 98 % found, median |IC error| 18 ms"
SACRAL_TRIALS = 21  # trials in sacral_grf_treadmill (one progress unit each)
FORCEPLATE_IC_MS = 5.0  # every contact's IC within this of the reference

Progress = Callable[[str], None]


def default_data_dir() -> Path:
    """$SOFTSTEP_SHARED_DATA, else ../shared/data beside the repository."""
    env = os.environ.get("SOFTSTEP_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def resolve_data_dir(data_dir: str | Path | None, only: Iterable[str] | None = None) -> Path:
    """The shared data folder; FileNotFoundError with a one-line message when it (or a data set
    asked for) is absent."""
    path = Path(data_dir) if data_dir is not None else default_data_dir()
    if not path.is_dir():
        raise FileNotFoundError(
            f"{path}: no such folder; give --data DIR or set SOFTSTEP_SHARED_DATA to the "
            "shared/data folder that holds the validation data sets"
        )
    missing = [FOLDERS[n] for n in (only or DATA_SETS) if not (path / FOLDERS[n]).is_dir()]
    if missing:
        raise FileNotFoundError(f"{path}: missing data set folder(s) {', '.join(missing)}")
    return path


def parse_only(only: str | Iterable[str] | None) -> list[str]:
    """``"sacral,foot"`` -> ["sacral", "foot"]; ValueError naming an unknown data set."""
    if only is None:
        return list(DATA_SETS)
    names = [s.strip() for s in (only.split(",") if isinstance(only, str) else only) if s.strip()]
    unknown = [n for n in names if n not in DATA_SETS]
    if unknown or not names:
        raise ValueError(
            f"unknown data set {', '.join(unknown) or '(none)'}; choose from {', '.join(DATA_SETS)}"
        )
    return [n for n in DATA_SETS if n in names]


def work_units(only: Iterable[str]) -> int:
    """How many times ``validate`` calls its ``progress`` callback for these data sets."""
    from softstep.validation import audio, foot

    per = {"sacral": SACRAL_TRIALS + 1, "ankle_hip": 1,
           "foot": len(foot.RUNNING) + len(foot.WALKING) + len(foot.RUNNING), "forceplate": 1,
           "audio": len(audio.case_specs()) + 1, "video": 2, "markers": 1}
    return sum(per[n] for n in only)


def _target(data_set: str, target: str, value: float, shown: str, limit: str, ok: bool | None):
    return {"data_set": data_set, "target": target, "value": float(value), "shown": shown,
            "limit": limit, "status": "INFO" if ok is None else ("PASS" if ok else "FAIL")}


# --------------------------------------------------------------------------------------------
def _sacral(data_dir: Path, tick: Progress) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    from softstep.validation import sacral

    folder = sacral._resolve(data_dir / FOLDERS["sacral"])
    data = sacral._load(str(folder))
    mass_kg = float(data.info["Mass"].iloc[0])
    runner = Runner("sacral_grf_treadmill runner", height_cm=float(data.info["Height"].iloc[0]),
                    mass_kg=mass_kg)
    t_s = np.arange(sacral.N_SAMPLES) / sacral.FS
    rows, pooled, detections, false = [], [], 0, 0
    units = set()
    with tempfile.TemporaryDirectory(prefix="softstep-validate-") as tmp:
        for i in range(data.grf.shape[0]):
            tick(f"sacral trial {i + 1}/{data.grf.shape[0]}")
            path = Path(tmp) / f"sacral_trial_{i:02d}.csv"
            pd.DataFrame({"time_s": t_s, "acc_x": data.ap[i], "acc_z": data.vertical[i]}).to_csv(
                path, index=False, float_format="%.6f"
            )
            run = analyze_file(path, runner, placement="sacrum").runs[0]
            units.add(str(run.recording.info.get("acc_units", "?")).split(" ")[0])
            errs = sacral._step_errors(data.grf[i], run.steps)
            pooled.append(errs)
            detections += errs.attrs["detections"]
            false += errs.attrs["false"]
            rows.append({"trial": str(i), "speed_m_per_s": float(data.info["Speed"][i]),
                         "slope_deg": float(data.info["Slope"][i]),
                         **sacral._summarise(errs, errs.attrs["detections"], errs.attrs["false"])})
    every = sacral._summarise(pd.concat(pooled, ignore_index=True), detections, false)
    tick("sacral: cross-validation")
    cv = sacral.evaluate(folder)
    cv_all = cv[cv["trial"] == "all"].set_index("method")
    headline = pd.DataFrame([
        {"method": "softstep analyze (shipped constants)", **every},
        {"method": "baseline peak picker (cross-validated)",
         **cv_all.loc["baseline", list(every)].to_dict()},
    ])
    cv_table = pd.DataFrame([
        {"method": "softstep, leave-one-condition-out", **cv_all.loc["softstep", list(every)]},
        {"method": "baseline, leave-one-condition-out", **cv_all.loc["baseline", list(every)]},
    ])
    headline.attrs["acc_units"] = ", ".join(sorted(units))
    ref = sacral.summary_reference(folder)
    base = cv_all.loc["baseline"]
    targets = [
        _target("sacral", "force-plate contacts found", every["found_pct"],
                f"{every['found_pct']:.1f} %", f">= {SACRAL_FOUND_PCT:g} %",
                every["found_pct"] >= SACRAL_FOUND_PCT),
        _target("sacral", "false contacts", every["false_pct"], f"{every['false_pct']:.1f} %",
                f"<= {SACRAL_FALSE_PCT:g} %", every["false_pct"] <= SACRAL_FALSE_PCT),
        _target("sacral", "median |IC error|", every["ic_abs_median_ms"],
                f"{every['ic_abs_median_ms']:.1f} ms", f"<= {SACRAL_IC_MEDIAN_MS:g} ms",
                every["ic_abs_median_ms"] <= SACRAL_IC_MEDIAN_MS),
        _target("sacral", "contact-time RMSE", every["contact_rmse_ms"],
                f"{every['contact_rmse_ms']:.1f} ms", f"<= {SACRAL_CONTACT_RMSE_MS:g} ms",
                every["contact_rmse_ms"] <= SACRAL_CONTACT_RMSE_MS),
        _target("sacral", "beats the peak picker (|IC| median at most half, contact RMSE lower)",
                every["ic_abs_median_ms"],
                f"{every['ic_abs_median_ms']:.1f} vs {base['ic_abs_median_ms']:.1f} ms; "
                f"{every['contact_rmse_ms']:.1f} vs {base['contact_rmse_ms']:.1f} ms; found "
                f"{every['found_pct']:.1f} vs {base['found_pct']:.1f} %",
                f"issue: {ISSUE_BASELINE}",
                every["ic_abs_median_ms"] <= 0.5 * base["ic_abs_median_ms"]
                and every["contact_rmse_ms"] < base["contact_rmse_ms"]),
        _target("sacral", "peak vertical force RMSE", every["force_rmse_bw"],
                f"{every['force_rmse_bw']:.2f} BW (bias {every['force_bias_bw']:+.2f})",
                f"published sacral models {PUBLISHED_PEAK_RMSE_BW:g} BW"
                + (f"; sacral_grf_summary's own IMU estimates: "
                   f"{ref['published_peak_rmse_bw']:.2f} BW" if ref else ""),
                None),
    ]
    return {"sacral": headline, "sacral_cv": cv_table,
            "sacral_trials": pd.DataFrame(rows)}, targets


# --------------------------------------------------------------------------------------------
def _ankle_hip(data_dir: Path, tick: Progress) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    from softstep.validation import ankle_hip

    tick("ankle_hip: acc_running.csv.gz")
    path = data_dir / ankle_hip.DATA
    analysis = analyze_file(path, Runner(), side="L", sample_rate_hz=ankle_hip.FS)
    by_place = {run.recording.placement: run for run in analysis.runs}
    if set(by_place) != {"shank", "waist"}:
        raise RuntimeError(
            f"{path}: expected an ankle (shank) and a hip (waist) sensor, got {sorted(by_place)}"
        )
    ankle, hip = by_place["shank"], by_place["waist"]
    n = min(len(ankle.recording.samples), len(hip.recording.samples))
    table = ankle_hip.compare_minutes(ankle.steps, hip.steps, n)
    table.attrs["ankle_contacts"] = len(ankle.steps)
    table.attrs["hip_steps"] = len(hip.steps)
    table.attrs["ankle_impacts_clipped"] = int(ankle.steps["impact_clipped"].fillna(False).sum())
    running = table[(table["minute"] != "total") & table["running"].astype(bool)]
    worst_step = float(running["step_diff_pct"].abs().max())
    worst_cad = float(running["cadence_diff_spm"].abs().max())
    total = table[table["minute"] == "total"].iloc[0]
    targets = [
        _target("ankle_hip", f"step counts agree in every running minute ({len(running)})",
                worst_step, f"worst {worst_step:.2f} % (total {total['step_diff_pct']:+.2f} %)",
                f"<= {ankle_hip.MAX_STEP_DIFF_PCT:g} %",
                worst_step <= ankle_hip.MAX_STEP_DIFF_PCT),
        _target("ankle_hip", "cadence agrees in every running minute", worst_cad,
                f"worst {worst_cad:.2f} steps/min", f"<= {ankle_hip.MAX_CADENCE_DIFF_SPM:g} "
                "steps/min", worst_cad <= ankle_hip.MAX_CADENCE_DIFF_SPM),
    ]
    return {"ankle_hip": table}, targets


# --------------------------------------------------------------------------------------------
FOOT_COLUMNS = [
    "trial", "kind", "sensors", "running_footflats", "contacts", "matched", "missed",
    "missed_mid_bout", "extra", "ic_lead_ms_median", "ic_lead_ms_p5", "ic_lead_ms_p95",
    "tc_lag_ms_median", "tc_lag_ms_p5", "tc_lag_ms_p95", "contact_ms_median",
    "strike_deg_median", "rearfoot", "midfoot", "forefoot",
]


def _foot_steps(path: Path, runner: Runner) -> pd.DataFrame:
    """Steps of one trial file through analyze_file (none when no running is found in it)."""
    from softstep.model import empty_steps

    try:
        runs = analyze_file(path, runner, placement="foot", side="R").runs
    except NoRunningError:
        return empty_steps()
    return pd.concat([r.steps for r in runs], ignore_index=True) if runs else empty_steps()


def _foot(data_dir: Path, tick: Progress) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    from softstep.validation import foot

    folder = data_dir / foot.FOLDER
    runner = Runner()
    rows, pooled_counts, pooled_arrays = [], {}, []
    acc_counts, acc_arrays = {}, []
    with tempfile.TemporaryDirectory(prefix="softstep-validate-") as tmp:
        for trial in foot.RUNNING + foot.WALKING:
            tick(f"foot {trial}")
            zv = pd.read_csv(folder / f"{trial}_zv_intervals.csv")
            counts, arrays = foot.score_trial(_foot_steps(folder / f"{trial}.csv", runner), zv,
                                              trial)
            kind = "running" if trial in foot.RUNNING else "walking"
            rows.append(foot._row(trial, kind, "acc+gyro", counts, [arrays]))
            if kind == "running":
                for key, value in counts.items():
                    pooled_counts[key] = pooled_counts.get(key, 0) + value
                pooled_arrays.append(arrays)
                tick(f"foot {trial} (accelerometer only)")
                raw = pd.read_csv(folder / f"{trial}.csv", usecols=["t_s", "ax", "ay", "az"])
                path = Path(tmp) / f"{trial}_acc_only.csv"
                raw.to_csv(path, index=False)
                counts, arrays = foot.score_trial(_foot_steps(path, runner), zv, trial)
                for key, value in counts.items():
                    acc_counts[key] = acc_counts.get(key, 0) + value
                acc_arrays.append(arrays)
    rows.append(foot._row("all running", "running", "acc+gyro", pooled_counts, pooled_arrays))
    rows.append(foot._row("all running", "running", "acc-only", acc_counts, acc_arrays))
    table = pd.DataFrame(rows)[FOOT_COLUMNS]
    every = table.iloc[-2]
    lead = np.concatenate([a["lead"] for a in pooled_arrays])
    lag = np.concatenate([a["lag"] for a in pooled_arrays])
    lead_ok = 100.0 * float(np.mean(lead > 0)) if len(lead) else float("nan")
    lag_ok = 100.0 * float(np.mean(lag > 0)) if len(lag) else float("nan")
    found = 100.0 * (every["running_footflats"] - every["missed"]) / every["running_footflats"]
    walking = table[table["kind"] == "walking"]
    targets = [
        _target("foot", "running foot-flats with a detected contact", found,
                f"{found:.1f} % ({every['missed']} missed, {every['missed_mid_bout']} mid-bout)",
                "every mid-bout foot-flat", every["missed_mid_bout"] == 0),
        _target("foot", "IC before foot-flat start", every["ic_lead_ms_median"],
                f"median lead {every['ic_lead_ms_median']:.0f} ms; {lead_ok:.0f} % before",
                "median > 0, >= 95 % before", every["ic_lead_ms_median"] > 0 and lead_ok >= 95),
        _target("foot", "toe-off after foot-flat end", every["tc_lag_ms_median"],
                f"median lag {every['tc_lag_ms_median']:.0f} ms; {lag_ok:.0f} % after",
                "median > 0, >= 90 % after", every["tc_lag_ms_median"] > 0 and lag_ok >= 90),
        _target("foot", "no running contacts in the walking trials",
                float(walking["contacts"].sum()), f"{int(walking['contacts'].sum())} contacts",
                "0", int(walking["contacts"].sum()) == 0),
        _target("foot", "strike angle / class", every["strike_deg_median"],
                f"median {every['strike_deg_median']:.1f} deg; rearfoot {every['rearfoot']}, "
                f"midfoot {every['midfoot']}, forefoot {every['forefoot']}",
                "SCIENCE.md §3 classes", None),
    ]
    return {"foot": table}, targets


# --------------------------------------------------------------------------------------------
def _forceplate(data_dir: Path, tick: Progress) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    from softstep.validation import forceplate

    tick("forceplate: QTM TSV")
    folder = data_dir / FOLDERS["forceplate"]
    run = analyze_file(folder / forceplate.PLATE_FILE, Runner()).runs[0]
    steps = run.steps.copy()
    for name, values in steps.attrs.get("force_extras", {}).items():
        steps[name] = values
    steps["valr_bw_per_s"] = steps["loading_rate_bw_per_s"]
    ref = pd.read_csv(folder / forceplate.REFERENCE_FILE)
    per = forceplate._per_contact(ref, steps)
    matched = int(per["ic_s"].notna().sum())
    extra = len(steps) - matched
    ic_abs = per["ic_diff_ms"].abs()
    step = np.diff(steps["t_s"].to_numpy())
    ref_step = np.diff(ref["initial_contact_s"].to_numpy())
    typ = forceplate.TYPICAL
    rows = [
        ("contacts detected", "count", len(ref), len(steps)),
        ("contacts matched (IC within 50 ms)", "%", 100.0, 100.0 * matched / len(ref)),
        ("IC difference, median", "ms", 0.0, per["ic_diff_ms"].median()),
        ("IC difference, max |.|", "ms", 0.0, ic_abs.max()),
        ("TC difference, median", "ms", 0.0, per["tc_diff_ms"].median()),
        ("contact time, median", "ms", ref["contact_ms"].median(), per["contact_ms"].median()),
        ("cadence, median", "spm", 60 / np.median(ref_step), 60 / np.median(step)),
        ("side agreement", "%", 100.0,
         100.0 * float((per["side"] == per["ref_side"])[per["side"].notna()].mean())),
        ("body weight (estimated)", "N", np.nan, run.recording.info["body_weight_n"]),
        ("peak force, median", "BW", np.nan, per["peak_force_bw"].median()),
        ("VIP, median", "BW", typ["vip_bw"], per["vip_bw"].median()),
        ("VALR, median", "BW/s", typ["valr_bw_per_s"], per["valr_bw_per_s"].median()),
        ("VILR, median", "BW/s", typ["vilr_bw_per_s"], per["vilr_bw_per_s"].median()),
    ]
    table = pd.DataFrame(rows, columns=["measure", "unit", "reference", "softstep"])
    table.attrs["note"] = ("reference: contacts_from_force_threshold50N.csv for the contacts, "
                           "SCIENCE.md typical values (Tate & Milner 2017) for VIP/VALR/VILR")
    vip, valr = per["vip_bw"].median(), per["valr_bw_per_s"].median()
    targets = [
        _target("forceplate", "reference contacts matched, none extra", 100.0 * matched / len(ref),
                f"{matched}/{len(ref)} matched, {extra} extra", "all, 0 extra",
                matched == len(ref) and extra == 0),
        _target("forceplate", "IC error against the reference", float(ic_abs.max()),
                f"median {per['ic_diff_ms'].median():+.1f} ms, max |.| {ic_abs.max():.1f} ms",
                f"every |.| <= {FORCEPLATE_IC_MS:g} ms", bool(ic_abs.max() <= FORCEPLATE_IC_MS)),
        _target("forceplate", "vertical impact peak (VIP)", vip,
                f"median {vip:.2f} BW ({int(per['vip_bw'].notna().sum())} of {len(per)} with one)",
                f"typical {typ['vip_bw']:g} BW", None),
        _target("forceplate", "loading rate (VALR)", valr, f"median {valr:.1f} BW/s",
                f"typical {typ['valr_bw_per_s']:g} BW/s; risk flag > 66", None),
    ]
    return {"forceplate": table}, targets


# --------------------------------------------------------------------------------------------
def _audio(data_dir: Path, tick: Progress) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    from softstep.validation import audio

    tick("audio: writing the test set")
    with tempfile.TemporaryDirectory(prefix="softstep-validate-audio-") as tmp:
        table = audio.evaluate_cases(audio.build_test_set(data_dir, tmp), tick)
    row = table[table["noise"] == "SNR >= 3 dB"].iloc[0]
    low = table[(table["snr_db"] < 3.0) & np.isfinite(table["snr_db"])]
    alone = table[table["noise"] == "noise only"]
    cases = table.attrs["cases"]
    high = cases[~(cases["snr_db"] < 3.0)]
    no_cadence = int(np.isinf(high["cadence_err_max_spm"]).sum())
    cadence_p90 = float(np.percentile(high["cadence_err_max_spm"], 90, method="higher"))
    targets = [
        _target("audio", "footfalls found at SNR >= 3 dB", row["found_pct"],
                f"{row['found_pct']:.1f} % of {int(row['footfalls'])} ({int(row['cases'])} files)",
                f">= {audio.TARGET_FOUND_PCT:g} %", row["found_pct"] >= audio.TARGET_FOUND_PCT),
        _target("audio", "false footfalls at SNR >= 3 dB", row["false_pct"],
                f"{row['false_pct']:.1f} %", f"<= {audio.TARGET_FALSE_PCT:g} %",
                row["false_pct"] <= audio.TARGET_FALSE_PCT),
        _target("audio", "median |timing error| at SNR >= 3 dB", row["timing_median_ms"],
                f"{row['timing_median_ms']:.1f} ms (p95 {row['timing_p95_ms']:.1f} ms, offset "
                f"{row['offset_median_ms']:+.1f} ms)", f"<= {audio.TARGET_TIMING_MEDIAN_MS:g} ms",
                row["timing_median_ms"] <= audio.TARGET_TIMING_MEDIAN_MS),
        _target("audio", "cadence error per file at SNR >= 3 dB (median)",
                row["cadence_err_median_spm"],
                f"median {row['cadence_err_median_spm']:.1f}, p90 {cadence_p90:.1f}, max "
                f"{row['cadence_err_max_spm']:.1f} steps/min; {no_cadence} files without one",
                f"<= {audio.TARGET_CADENCE_SPM:g} steps/min",
                row["cadence_err_median_spm"] <= audio.TARGET_CADENCE_SPM),
        _target("audio", "below 3 dB SNR (0 dB)", float(low["found_pct"].mean()),
                f"found {low['found_pct'].mean():.1f} %, false {low['false_pct'].mean():.1f} % "
                "(mean over noise types)", "no target in the issue", None),
    ]
    if len(alone):
        row = alone.iloc[0]
        targets.append(_target(
            "audio", "footfalls reported in noise-only files", row["detections"],
            f"{int(row['detections'])} in {int(row['cases'])} files of "
            f"{audio.CASE_S:g} s (hum, belt, music 120 and 170 bpm, babble)",
            "no target in the issue", None))
    table.attrs.pop("cases")
    return {"audio": table, "audio_cases": cases}, targets


def _video(data_dir: Path, tick: Progress) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    from softstep.validation import video

    return video.video_set(data_dir, tick)


def _markers(data_dir: Path, tick: Progress) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    from softstep.validation import video

    return video.markers_set(data_dir, tick)


EVALUATORS = {"sacral": _sacral, "ankle_hip": _ankle_hip, "foot": _foot,
              "forceplate": _forceplate, "audio": _audio, "video": _video, "markers": _markers}


def validate(
    data_dir: str | Path | None = None,
    only: str | Iterable[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the data sets in ``only`` (default: all of DATA_SETS) through ``analyze_file``.

    ``data_dir``: the shared data folder (default ``default_data_dir()``). ``progress`` is
    called with a description before each unit of work (``work_units(only)`` calls in all).

    Returns tables by name: ``sacral`` (headline: user path, shipped constants, beside the
    cross-validated baseline), ``sacral_cv`` (cross-validated), ``sacral_trials`` (per trial),
    ``ankle_hip`` (per minute), ``foot`` (per trial), ``forceplate`` (per measure), and
    ``targets``: data_set, target, value, shown, limit, status (PASS / FAIL / INFO).

    Raises FileNotFoundError when the folder or a data set is missing, ValueError for an unknown
    data set name.
    """
    names = parse_only(only)
    folder = resolve_data_dir(data_dir, names)
    tick = progress or (lambda _description: None)
    tables: dict[str, pd.DataFrame] = {}
    targets: list[dict] = []
    for name in names:
        got, checks = EVALUATORS[name](folder, tick)
        tables.update(got)
        targets.extend(checks)
    tables["targets"] = pd.DataFrame(
        targets, columns=["data_set", "target", "value", "shown", "limit", "status"]
    )
    return tables


def failed(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The targets that failed, as "data_set: target" lines."""
    t = tables["targets"]
    bad = t[t["status"] == "FAIL"]
    return [f"{d}: {x}" for d, x in zip(bad["data_set"], bad["target"], strict=True)]


# --------------------------------------------------------------------------------------------
# printing (rich)
TITLES = {
    "sacral": "Sacral IMU vs force-measuring treadmill (sacral_grf_treadmill, 21 trials of 5 s, "
              "one runner): each trial through analyze_file, shipped constants",
    "sacral_cv": "Sacral, cross-validated (constants refitted without the held-out speed/slope "
                 "condition): the shipped constants are not overfit",
    "ankle_hip": "Ankle vs hip, per minute (ankle_hip_outdoor_run, one file, two sensors, "
                 "--sample-rate 100 --side left)",
    "foot": "Shoe IMU vs motion-capture foot-flats (foot_imu_running, --placement foot "
            "--side right); RFS / MFS / FFS: rear-, mid-, forefoot strikes",
    "forceplate": "Force plate (treadmill_force_markers QTM TSV) vs "
                  "contacts_from_force_threshold50N.csv",
    "video": "Side-view video keypoints (video_side_treadmill/male_side.pose.json, "
             "RTMPose-Halpe26, 30 fps; and male_side.mp4 through the BlazePose model) "
             "through analyze_file vs male_side.groundtruth.json",
    "markers": "Heel / toe / shank markers projected to the sagittal plane "
               "(treadmill_force_markers, 240 Hz and decimated to 30 fps) through steps.video "
               "vs force-plate contacts",
    "audio": "Footstep audio (real force-plate contact times, synthetic footfall sound and "
             "noise; README): per noise and SNR, footfalls matched within 50 ms",
}
SHOWN = ("sacral", "sacral_cv", "ankle_hip", "foot", "forceplate", "audio", "video", "markers")
HEADERS = {
    "found_pct": "found %", "false_pct": "false %", "ic_abs_median_ms": "|IC| med ms",
    "ic_abs_p95_ms": "|IC| p95 ms", "contact_bias_ms": "CT bias ms",
    "contact_rmse_ms": "CT RMSE ms", "force_bias_bw": "Fpk bias BW",
    "force_rmse_bw": "Fpk RMSE BW", "vo_bias_cm": "VO bias cm", "vo_rmse_cm": "VO RMSE cm",
    "ankle_running_s": "ankle run s", "hip_running_s": "hip run s",
    "both_running_s": "both s", "ankle_steps": "ankle steps", "hip_steps": "hip steps",
    "step_diff_pct": "diff %", "ankle_cadence_spm": "ankle spm", "hip_cadence_spm": "hip spm",
    "cadence_diff_spm": "diff spm", "running_footflats": "run FF", "missed_mid_bout": "mid-bout missed",
    "ic_lead_ms_median": "IC lead med ms", "ic_lead_ms_p5": "p5", "ic_lead_ms_p95": "p95",
    "tc_lag_ms_median": "TO lag med ms", "tc_lag_ms_p5": "p5 ", "tc_lag_ms_p95": "p95 ",
    "contact_ms_median": "CT ms", "strike_deg_median": "strike deg", "rearfoot": "RFS",
    "midfoot": "MFS", "forefoot": "FFS", "contacts": "contacts", "sensors": "sensors",
    "snr_db": "SNR dB", "timing_median_ms": "|dt| med ms", "timing_p95_ms": "|dt| p95 ms",
    "offset_median_ms": "offset ms", "cadence_err_median_spm": "cad err med",
    "cadence_err_max_spm": "cad err max",
}


def format_cell(column: str, value: object) -> str:
    """One cell as printed: NaN "-", booleans yes/no, whole numbers whole, BW and cm 2 decimals,
    the force-plate table 4 significant digits, else 1 decimal.

    >>> format_cell("force_rmse_bw", 0.1634), format_cell("contacts", 320.0), format_cell("x", None)
    ('0.16', '320', '-')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if column in ("reference", "softstep"):  # forceplate: one measure per row
            return f"{value:.4g}"
        if column.endswith(("_bw", "_cm")):
            return f"{value:.2f}"
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return str(value)


def rich_table(name: str, table: pd.DataFrame):
    """A rich Table of one validation table."""
    from rich.table import Table

    out = Table(title=TITLES.get(name, name), title_justify="left", title_style="bold")
    for column in table.columns:
        numeric = pd.api.types.is_numeric_dtype(table[column]) and table[column].dtype != bool
        out.add_column(HEADERS.get(column, column), justify="right" if numeric else "left",
                       no_wrap=not numeric)
    for row in table.itertuples(index=False):
        out.add_row(*(format_cell(c, v) for c, v in zip(table.columns, row, strict=True)))
    return out


def target_lines(targets: pd.DataFrame) -> list[str]:
    """One rich-markup line per target: status, data set, target, value, limit."""
    colour = {"PASS": "green", "FAIL": "red", "INFO": "cyan"}
    return [
        f"[{colour[r.status]}]{r.status}[/{colour[r.status]}] {r.data_set}: {r.target}: "
        f"{r.shown} (target {r.limit})" if r.status != "INFO" else
        f"[cyan]INFO[/cyan] {r.data_set}: {r.target}: {r.shown} ({r.limit})"
        for r in targets.itertuples(index=False)
    ]


def print_tables(tables: dict[str, pd.DataFrame], console) -> None:
    """Each table of ``validate`` with its data set's PASS / FAIL / INFO lines under it."""
    targets = tables["targets"]
    for data_set in DATA_SETS:
        names = [n for n in SHOWN if n in tables and n.split("_cv")[0] == data_set]
        if not names:
            continue
        for name in names:
            console.print(rich_table(name, tables[name]))
        for line in target_lines(targets[targets["data_set"] == data_set]):
            console.print(line, soft_wrap=True)
        console.print()
    bad = failed(tables)
    passed = int((targets["status"] == "PASS").sum())
    if bad:
        console.print(f"[red]{len(bad)} of {passed + len(bad)} targets failed[/red]")
    else:
        console.print(f"[green]all {passed} targets passed[/green]")


def to_json(tables: dict[str, pd.DataFrame], data_dir: Path) -> dict:
    """The ``softstep validate --json`` object: data_dir, passed, failed, targets, tables."""
    from softstep.model import table_to_records

    return {
        "data_dir": str(data_dir),
        "passed": not failed(tables),
        "failed": failed(tables),
        "targets": table_to_records(tables["targets"]),
        "tables": {k: table_to_records(v) for k, v in tables.items() if k != "targets"},
    }
