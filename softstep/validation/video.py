"""Side-view video checks (issue 5), independent of any pose model.

- **video** (``video_side_treadmill/male_side.pose.json``, RTMPose-Halpe26 keypoints of a 12 s
  treadmill clip at 30 fps, and ``male_side.mp4`` itself through the BlazePose model when
  ``softstep models fetch`` has installed it): each through ``pipeline.analyze_file`` as
  ``softstep analyze`` reads it; cadence against the 168.9 ± 0.5 steps/min measured from raw
  pixels, contact time and duty factor against the physiological bands of
  ``male_side.groundtruth.json``, and the facing the ground truth declares ("side-left").
- **markers** (``treadmill_force_markers``, QTM marker trajectories at 240 Hz with a split-belt
  force treadmill): heel (``*_heel_B``), big toe (``*_toe``), ankle, knee, pelvis (mean of ASIS
  and PSIS per side) and shoulder (``*_acr``) markers projected onto the sagittal plane
  (x = the lab's antero-posterior Y, image y = minus the vertical Z, millimetres as "pixels":
  the same kind of keypoints a pose model gives) run through ``steps.video.detect_video``, at
  240 Hz and decimated to 30 fps like a phone video. Initial contacts and toe-offs are matched
  to ``contacts_from_force_threshold50N.csv`` (force plate, 50 N), and the strike angles are
  reported.

>>> round(FRAME_30FPS_MS, 1)
33.3
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from softstep.validation import nearest_within

VIDEO_FOLDER = "video_side_treadmill"
POSE_FILE = "male_side.pose.json"
CLIP_FILE = "male_side.mp4"  # the same run through the pose model (softstep models fetch)
TRUTH_FILE = "male_side.groundtruth.json"
MARKER_FOLDER = "treadmill_force_markers"
MARKER_FILE = "JDX_S999_run_0021.tsv"
REFERENCE_FILE = "contacts_from_force_threshold50N.csv"
CADENCE_TOLERANCE_SPM = 1.0  # issue 5: within 1 step/min of the measured cadence
MATCH_S = 0.05  # a detected IC within 50 ms of a force-plate IC matches it
FRAME_30FPS_MS = 1000.0 / 30.0
MARKER_IC_MEDIAN_MS = 20.0  # target: median |IC error| at 240 Hz
MARKER_IC_MEDIAN_30FPS_MS = FRAME_30FPS_MS  # at 30 fps: within one frame
MARKERS = {  # pose joint -> marker name(s) (averaged) for side s
    "shoulder": ("{s}_acr",), "hip": ("{s}_asis", "{s}_psis"), "knee": ("{s}_kneejoint_LA",),
    "ankle": ("{s}_ankle_LA",), "heel": ("{s}_heel_B",), "big_toe": ("{s}_toe",),
    "small_toe": ("{s}_met_5",),
}


def read_markers(path: str | Path) -> tuple[pd.DataFrame, float]:
    """A QTM marker TSV as a pose table (readers.pose columns, millimetres as pixels) and its
    frame rate. x = lab Y (antero-posterior), y = -Z (vertical, down like an image), score 1
    where the marker was seen, else 0."""
    from softstep.readers.pose import POSE_JOINTS, pose_columns

    path = Path(path)
    with open(path, encoding="utf-8", errors="replace") as fh:
        head = [next(fh) for _ in range(20)]
    skip = next(i for i, line in enumerate(head) if line.startswith("Frame\t"))
    fs = float(next(line.split("\t")[1] for line in head if line.startswith("FREQUENCY")))
    raw = pd.read_csv(path, sep="\t", skiprows=skip)
    cols = {"t_s": raw["Time"].to_numpy(float) - float(raw["Time"].iloc[0])}
    for side, s in (("l", "L"), ("r", "R")):
        for joint in POSE_JOINTS:
            names = [m.format(s=s) for m in MARKERS[joint]]
            ap = np.mean([raw[f"{n} Y"].to_numpy(float) for n in names], axis=0)
            up = np.mean([raw[f"{n} Z"].to_numpy(float) for n in names], axis=0)
            seen = np.isfinite(ap) & np.isfinite(up)
            cols[f"{side}_{joint}_x_px"] = ap
            cols[f"{side}_{joint}_y_px"] = -up
            cols[f"{side}_{joint}_score"] = seen.astype(float)
    return pd.DataFrame(cols)[pose_columns()], fs


def compare_contacts(steps: pd.DataFrame, ref: pd.DataFrame, feet: list[str]) -> dict:
    """Detected contacts against the force-plate reference: found %, extra, IC / TO / contact
    errors (ms, detected minus plate), side agreement (foot label vs the reference's foot)."""
    ic = steps["t_s"].to_numpy(float)
    ref_ic = ref["initial_contact_s"].to_numpy(float)
    j = nearest_within(ref_ic, ic, MATCH_S)
    hit = j >= 0
    ic_err = 1000.0 * (ic[j[hit]] - ref_ic[hit])
    to_err = 1000.0 * (steps["to_s"].to_numpy(float)[j[hit]] - ref["toe_off_s"].to_numpy()[hit])
    ct_err = 1000.0 * steps["contact_s"].to_numpy(float)[j[hit]] - ref["contact_ms"].to_numpy()[hit]
    foot = np.char.upper(np.asarray(feet, str))
    side_ok = foot[j[hit]] == ref["foot_from_markers"].to_numpy(str)[hit]
    return {
        "reference": len(ref), "detected": len(ic), "found_pct": 100.0 * hit.mean(),
        "extra": int(len(ic) - len(np.unique(j[hit]))),
        "ic_abs_median_ms": float(np.median(np.abs(ic_err))) if hit.any() else np.nan,
        "ic_bias_ms": float(np.median(ic_err)) if hit.any() else np.nan,
        "to_bias_ms": float(np.median(to_err)) if hit.any() else np.nan,
        "to_abs_median_ms": float(np.median(np.abs(to_err))) if hit.any() else np.nan,
        "contact_bias_ms": float(np.median(ct_err)) if hit.any() else np.nan,
        "foot_agree_pct": 100.0 * float(side_ok.mean()) if hit.any() else np.nan,
    }


def evaluate_markers(data_dir: str | Path) -> pd.DataFrame:
    """One row per frame rate (240 Hz as recorded, 30 fps decimated): the contact comparison
    (``compare_contacts``) and the strike angles (median, per class) of the marker keypoints."""
    from softstep.steps.video import detect_video

    folder = Path(data_dir) / MARKER_FOLDER
    samples, fs = read_markers(folder / MARKER_FILE)
    ref = pd.read_csv(folder / REFERENCE_FILE)
    rows = []
    for label, step in (("240 Hz (markers)", 1), ("30 fps (every 8th frame)", 8)):
        sub = samples.iloc[::step].reset_index(drop=True)
        steps = detect_video(sub, fs / step)
        row = {"rate": label, **compare_contacts(steps, ref, steps.attrs.get("feet", []))}
        cls = steps["strike_class"].astype("string").fillna("")
        row.update({
            "facing": steps.attrs["facing"],
            "strike_deg_median": float(steps["strike_angle_deg"].median()),
            "rearfoot": int((cls == "rearfoot").sum()), "midfoot": int((cls == "midfoot").sum()),
            "forefoot": int((cls == "forefoot").sum()),
            "overstride_pct_leg_median": float(steps["overstride_pct_leg"].median()),
            "shank_deg_median": float(steps["shank_angle_deg"].median()),
            "knee_ic_deg_median": float(steps["knee_flexion_ic_deg"].median()),
        })
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate_pose(data_dir: str | Path, file: str = POSE_FILE) -> tuple[pd.DataFrame, dict]:
    """``file`` of video_side_treadmill (male_side.pose.json, or CLIP_FILE: the clip through the
    pose model) through analyze_file: one row of measured vs ground truth, and the ground-truth
    document."""
    from softstep.model import Runner
    from softstep.pipeline import analyze_file

    folder = Path(data_dir) / VIDEO_FOLDER
    truth = json.loads((folder / TRUTH_FILE).read_text())
    run = analyze_file(folder / file, Runner()).runs[0]
    s, info, steps = run.summary, run.recording.info, run.steps
    bands = truth["physiological_bands"]
    row = {
        "cadence_spm": s.cadence_spm, "truth_cadence_spm": truth["cadence_spm"]["value"],
        "contact_ms": 1000.0 * s.contact_s, "contact_band_ms": "{}-{}".format(
            *bands["contact_time_ms"]),
        "duty_pct": 100.0 * s.duty_factor, "duty_band_pct": "{}-{}".format(
            *bands["duty_factor_pct"]),
        "flight_ms": 1000.0 * s.flight_s, "contacts": len(steps), "facing": info["facing"],
        "strike_deg_median": float(steps["strike_angle_deg"].median()),
        "overstride_pct_leg_median": float(steps["overstride_pct_leg"].median()),
        "shank_deg_median": float(steps["shank_angle_deg"].median()),
        "knee_ic_deg_median": float(steps["knee_flexion_ic_deg"].median()),
        "knee_peak_deg_median": float(steps["knee_flexion_peak_deg"].median()),
        "trunk_deg_median": float(steps["trunk_lean_deg"].median()),
        "keypoints": info.get("keypoint_source") or file,
    }
    return pd.DataFrame([row]), truth


# --------------------------------------------------------------------------------------------
# ``softstep validate --only video,markers`` (validation.report)
def _target(*args):
    from softstep.validation.report import _target as target

    return target(*args)


def video_set(data_dir: Path, tick) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """The "video" data set for validation.report: table ``video`` (one row for the keypoint
    file, one for the clip through the pose model) and their targets. Without the pose model
    the clip's row is missing and one INFO target says how to get it."""
    from softstep.pose.model import PoseModelUnavailable

    tick("video: male_side.pose.json")
    table, truth = evaluate_pose(data_dir)
    targets = _video_targets(table.iloc[0], truth, "keypoint file")
    tick("video: male_side.mp4 through the pose model")
    try:
        clip, _ = evaluate_pose(data_dir, CLIP_FILE)
    except PoseModelUnavailable as exc:
        targets.append(_target("video", "male_side.mp4 through the pose model", float("nan"),
                               "not run", str(exc), None))
    else:
        table = pd.concat([table, clip], ignore_index=True)
        targets += _video_targets(clip.iloc[0], truth, "pose model")
    shown = ["keypoints", "cadence_spm", "truth_cadence_spm", "contact_ms", "contact_band_ms",
             "duty_pct", "duty_band_pct", "flight_ms", "contacts", "facing"]
    return {"video": table[shown]}, targets


def _video_targets(row, truth: dict, what: str) -> list[dict]:
    """Cadence, contact time, duty factor, facing and landing geometry of one ``evaluate_pose``
    row against the ground truth; ``what`` names the keypoints in each target."""
    bands = truth["physiological_bands"]
    lo_ct, hi_ct = bands["contact_time_ms"]
    lo_df, hi_df = bands["duty_factor_pct"]
    err = row["cadence_spm"] - row["truth_cadence_spm"]
    view = str(truth.get("view", ""))
    declared = "left" if view.endswith("left") else "right" if view.endswith("right") else None
    targets = [
        _target("video", f"cadence vs 168.9 measured from raw pixels ({what})", abs(err),
                f"{row['cadence_spm']:.2f} steps/min ({err:+.2f})",
                f"within {CADENCE_TOLERANCE_SPM:g} steps/min", abs(err) <= CADENCE_TOLERANCE_SPM),
        _target("video", f"contact time in the physiological band ({what})", row["contact_ms"],
                f"{row['contact_ms']:.0f} ms (±33 ms: one frame at 30 fps)",
                f"{lo_ct}-{hi_ct} ms", lo_ct <= row["contact_ms"] <= hi_ct),
        _target("video", f"duty factor in the physiological band ({what})", row["duty_pct"],
                f"{row['duty_pct']:.1f} %", f"{lo_df}-{hi_df} %",
                lo_df <= row["duty_pct"] <= hi_df),
        _target("video", f"facing detected from the feet ({what})",
                float(row["facing"] == declared),
                str(row["facing"]), f"ground truth: {view}", row["facing"] == declared),
        _target("video", f"landing geometry ({what}; medians; angles ±5-8°, SCIENCE.md §4)",
                row["strike_deg_median"],
                f"strike {row['strike_deg_median']:.1f}°, overstride "
                f"{row['overstride_pct_leg_median']:.1f} % leg, shank "
                f"{row['shank_deg_median']:.1f}°, knee at IC {row['knee_ic_deg_median']:.0f}° "
                f"(peak {row['knee_peak_deg_median']:.0f}°), trunk "
                f"{row['trunk_deg_median']:.1f}°",
                "no ground truth for angles in this data set", None),
    ]
    return targets


def markers_set(data_dir: Path, tick) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """The "markers" data set for validation.report: table ``markers`` and its targets."""
    tick("markers: QTM marker TSV vs force plate")
    table = evaluate_markers(data_dir)
    targets = []
    for (_, row), limit in zip(table.iterrows(), (MARKER_IC_MEDIAN_MS, MARKER_IC_MEDIAN_30FPS_MS),
                               strict=True):
        rate = row["rate"].split(" (")[0]
        targets += [
            _target("markers", f"force-plate contacts found ({rate})", row["found_pct"],
                    f"{row['found_pct']:.0f} % of {row['reference']}, {row['extra']} extra",
                    ">= 95 %, none extra", row["found_pct"] >= 95.0 and row["extra"] == 0),
            _target("markers", f"median |IC error| ({rate})", row["ic_abs_median_ms"],
                    f"{row['ic_abs_median_ms']:.1f} ms (IC {row['ic_bias_ms']:+.0f}, TO "
                    f"{row['to_bias_ms']:+.0f}, contact {row['contact_bias_ms']:+.0f} ms)",
                    f"<= {limit:.0f} ms", row["ic_abs_median_ms"] <= limit),
            _target("markers", f"foot of each contact ({rate})", row["foot_agree_pct"],
                    f"{row['foot_agree_pct']:.0f} % agree", "100 %",
                    row["foot_agree_pct"] == 100.0),
        ]
    first = table.iloc[0]
    targets.append(_target(
        "markers", "strike angle (heel and toe markers, Altman & Davis FSA)",
        first["strike_deg_median"],
        f"median {first['strike_deg_median']:.1f}°: rearfoot {first['rearfoot']}, midfoot "
        f"{first['midfoot']}, forefoot {first['forefoot']}; overstride "
        f"{first['overstride_pct_leg_median']:.1f} % leg, shank {first['shank_deg_median']:.1f}°, "
        f"knee at IC {first['knee_ic_deg_median']:.0f}°; facing {first['facing']}",
        "SCIENCE.md §3 classes; no plate strike index to compare with", None))
    shown = ["rate", "reference", "detected", "found_pct", "extra", "ic_abs_median_ms",
             "ic_bias_ms", "to_bias_ms", "contact_bias_ms", "foot_agree_pct",
             "strike_deg_median", "rearfoot", "midfoot", "forefoot"]
    return {"markers": table[shown]}, targets
