"""Probable causes of hard landing, each with its evidence, ranked by confidence x severity.

``diagnose(summary, records, steps, segments, runner) -> list[Finding]`` applies one small rule
per finding code (softstep.model.FINDING_CODES). Every threshold comes from SCIENCE.md and is
cited beside it; where SCIENCE.md gives no number, the rule compares the runner with their own
baseline at matched speed (``metrics.matched_speed_drift``) and says so in the evidence.

Policy
------
- Missing data give no finding, never a guess; a run with under 2 minutes of running gives none.
- A run with healthy numbers gives an empty list (no "positive note" finding: the plan is then a
  short maintenance plan, see ``coach.plan``).
- Overstriding and heel striking from a watch are *inferred* (low cadence for the speed plus long
  ground contact) and carry low confidence; per-step sources (video: ``shank_angle_deg``,
  ``strike_angle_deg``, ``strike_class``; RunScribe ``strike_type``) raise it.
- Side-view video (pose) judges trends and margins, not single frames: the median over at least
  MIN_VIDEO_LANDINGS landings of ``overstride_pct_leg`` (against the runner's earlier videos,
  else softstep's own 25 % of leg length, labelled as ours: no validated cut-off, SCIENCE.md
  §4, metric spec 7) and of ``strike_angle_deg`` (rearfoot > 7.4°, §3). A median past the
  threshold by more than the pose error (5°, the lower end of ±5-8°, §4; for overstride the
  heel shift of 5° of leg angle, 8.7 % of the leg) gives the finding; a median past it but
  within that margin gives it with low confidence (LOW_CONFIDENCE); fewer landings, none.
- Hard impact needs impact data: force-plate loading rate (VALR > 66 BW/s, SCIENCE.md §1),
  shank peak tibial acceleration (PTA > 8 g, §1, Crowell & Davis 2011), or, for any other
  placement (foot pods, wrist, sacrum), a rise of >= 10 % at matched speed within the run, or
  at matched cadence when the recording has no speed (no absolute threshold exists, §1). The placement comes from the ``placement`` keyword
  or ``steps.attrs["placement"]`` (e.g. ``"shank"``, ``"force_plate"``).
- Loud landings (audio): footfalls >= 1 dB louder than the runner's own baseline (earlier audio
  runs at matched cadence, ``metrics_audio.loudness_baseline``); target >= 3 dB quieter
  (SCIENCE.md metric spec 5). Only same-surface, same-speed, same-microphone comparisons mean
  anything (§7); a higher cadence than the baseline's or midfoot/forefoot strike data (louder
  while loading less, Wong, §7) are named in the finding and lower its confidence. A first
  audio run has no baseline and gives no loudness finding.
- Footfall asymmetry (audio): odd vs even footfalls differ by >= 6 % in step time or >= 2 dB
  in loudness (softstep thresholds); the feet cannot be told apart, so it names no side.

Example
-------
>>> from softstep.model import Summary, Runner, empty_records, empty_steps
>>> import pandas as pd
>>> diagnose(Summary(), empty_records(), empty_steps(), pd.DataFrame(), Runner())
[]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from softstep import metrics, metrics_video
from softstep.model import Evidence, Finding, Runner, Summary

MIN_RUNNING_S = 120.0  # less running than this: no findings at all
SHORT_RUN_S = 600.0  # under 10 min of running: confidence is scaled down

# SCIENCE.md §6 (van Oeveren 2017; Eur J Sport Sci 2020): experienced runners at 3.04 m/s
# prefer 165 ± 8 steps/min, +3 steps/min for +15 % speed.
CADENCE_REF_SPM = 165.0
CADENCE_REF_SPEED_M_PER_S = 3.04
CADENCE_SD_SPM = 8.0
CADENCE_PER_15PCT_SPM = 3.0
GARMIN_CADENCE_5TH_SPM = 153.0  # SCIENCE.md §6 Garmin gauge: < 153 spm is the bottom 5 %

# SCIENCE.md §6 Garmin gauges (HRM strap values; the RD Pod reads VO / ratio higher)
GARMIN_GCT_30TH_S = 0.277  # GCT > 277 ms: bottom 30 % of runners
GARMIN_VO_30TH_CM = 9.7  # VO > 9.7 cm: bottom 30 %
GARMIN_VO_5TH_CM = 11.5
GARMIN_RATIO_30TH_PCT = 8.6  # vertical ratio > 8.6 %: bottom 30 %
GARMIN_RATIO_5TH_PCT = 10.1
# SCIENCE.md §6: GCT balance green 49.3-50.7 %, orange 50.8-52.2 %, red > 52.2 % toward a side
BALANCE_GREEN_DEV_PCT = 0.7
BALANCE_RED_DEV_PCT = 2.2

VALR_RISK_BW_PER_S = 66.0  # SCIENCE.md §1: Davis 2016, VALR > 66 BW/s -> OR 2.72 (force plate)
PTA_HIGH_G = 8.0  # SCIENCE.md §1: Crowell & Davis 2011 "high impact" screen (shank)
RELATIVE_IMPACT_RISE = 0.10  # softstep rule: +10 % at matched speed within the run
FORCE_PLATE_PLACEMENTS = ("force_plate", "treadmill", "instrumented_treadmill")
SHANK_PLACEMENTS = ("shank", "tibia", "distal_tibia")
VIDEO_SHANK_ANGLE_DEG = 8.0  # beyond pose error (±5-8°, SCIENCE.md §4) from a vertical shank
RFS_STRIKE_ANGLE_DEG = 7.4  # SCIENCE.md §3: Mo et al., RFS > 7.4°
# Side-view video (pose): findings rest on medians over landings, never on single frames.
MIN_VIDEO_LANDINGS = 8  # softstep minimum of landings with geometry for a video finding
# A median is "beyond" a threshold when it clears it by more than the pose error (the lower end
# of ±5-8°, SCIENCE.md §4; metrics_video.POSE_UNCERTAINTY_DEG); inside that margin the finding
# is given with low confidence.
POSE_MARGIN_DEG = metrics_video.POSE_UNCERTAINTY_DEG
# Overstride: no validated cut-off exists (SCIENCE.md §4, metric spec 7), so the reference is the
# runner's own earlier video runs where stored; else this softstep threshold (ours: heel a
# quarter of the leg length ahead of the hips at contact). Its margin is what 5° of pose error
# in the leg's angle moves the heel: sin(5°) = 8.7 % of the leg length.
OVERSTRIDE_PCT_LEG = 25.0
OVERSTRIDE_MARGIN_PCT_LEG = 100.0 * math.sin(math.radians(POSE_MARGIN_DEG))
LOW_CONFIDENCE = 0.3  # a video median within the pose margin of the threshold

# Fading form: softstep thresholds (SCIENCE.md gives none), as a share of the run's average.
FADE_CADENCE_DROP = 0.02
FADE_CONTACT_RISE = 0.04
FADE_VO_RISE = 0.05
FADE_RATIO_RISE = 0.05

CONFIRM = {
    "overstriding": "A side-view video (phone at hip height, slow motion) would show whether "
    "your foot lands ahead of your hips with a straight knee.",
    "heel_striking": "A side-view slow-motion video or a foot-mounted sensor would show how your "
    "foot meets the ground.",
    "low_cadence": "A 1-km run with a metronome at the target would show whether the quicker "
    "rhythm feels natural; a foot pod or chest strap confirms the cadence step by step.",
    "bouncing": "A steady run on flat ground with a chest strap or pod, or a side-view video, "
    "would show how much you rise and fall with each step.",
    "fading_form": "A steady run at one pace on flat ground would confirm it; a side-view video "
    "in the last kilometre would show what changes when you tire.",
    "asymmetry": "A video from behind, or a pod on each foot, would show which leg stays longer "
    "on the ground; an old injury or a cambered road can cause it.",
    "hard_impact": "A shank-mounted accelerometer would measure how hard each landing is "
    "(SCIENCE.md §1).",
}


def expected_cadence_spm(speed_m_per_s):
    """Preferred cadence of experienced runners at a speed, steps/min (SCIENCE.md §6).

    ``165 + 3·log(v/3.04)/log(1.15)``: 165 spm at 3.04 m/s, +3 spm per +15 % speed (SD 8 spm).

    >>> round(expected_cadence_spm(3.04 * 1.15), 1)
    168.0
    """
    v = np.asarray(speed_m_per_s, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = CADENCE_REF_SPM + CADENCE_PER_15PCT_SPM * np.log(
            v / CADENCE_REF_SPEED_M_PER_S
        ) / math.log(1.15)
    return float(out) if out.ndim == 0 else out


def garmin_band(value: float, edges: tuple[float, ...], labels: tuple[str, ...]) -> str:
    """The Garmin percentile band (SCIENCE.md §6) ``value`` falls in, e.g. "30-69th percentile"."""
    return labels[int(np.searchsorted(np.asarray(edges), value, side="right"))]


def cadence_band(cadence_spm: float) -> str:
    return garmin_band(
        cadence_spm,
        (153.0, 164.0, 174.0, 184.0),
        ("bottom 5 %", "5-29th percentile", "30-69th percentile", "70-95th percentile", "top 5 %"),
    )


# --------------------------------------------------------------------------------------------
@dataclass
class _Context:
    summary: Summary
    table: pd.DataFrame  # metrics.prepare output
    steps: pd.DataFrame
    segments: pd.DataFrame
    runner: Runner
    placement: str | None
    running_s: float
    source: str
    loudness_baseline: object = None  # metrics_audio.LoudnessBaseline of an audio run, or None
    overstride_baseline_pct_leg: float | None = None  # own earlier video runs' median overstride

    @property
    def scale(self) -> float:
        """Confidence factor for short runs."""
        return 1.0 if self.running_s >= SHORT_RUN_S else 0.7


def _clip(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return float(min(hi, max(lo, x)))


def _steps_values(steps: pd.DataFrame, column: str) -> np.ndarray:
    """Finite values of a Steps column over running steps (cadence >= 140 spm where known)."""
    if steps is None or column not in steps or len(steps) == 0:
        return np.zeros(0)
    x = pd.to_numeric(steps[column], errors="coerce").to_numpy(float, na_value=np.nan)
    cad = metrics.step_cadence_spm(steps)
    with np.errstate(invalid="ignore"):
        running = ~(cad < metrics.RUN_MIN_CADENCE_SPM)
    return x[np.isfinite(x) & running]


def _cadence_deficit(ctx: _Context) -> tuple[float, float] | None:
    c, v = ctx.summary.cadence_spm, ctx.summary.speed_m_per_s
    if c is None or v is None or v <= 0:
        return None
    expected = expected_cadence_spm(v)
    return expected - c, expected


def _cadence_evidence(ctx: _Context, expected: float | None) -> Evidence:
    c = ctx.summary.cadence_spm
    if expected is None:
        ref = f"Garmin gauge: {cadence_band(c)} (< 153 spm is the bottom 5 %; SCIENCE.md §6)"
    else:
        ref = (
            f"expected {expected:.0f} ± 8 spm at {ctx.summary.speed_m_per_s:.2f} m/s "
            "(165 ± 8 at 3.04 m/s, +3 spm per +15 % speed; SCIENCE.md §6); "
            f"Garmin gauge: {cadence_band(c)}"
        )
    return Evidence("cadence", c, "steps/min", ref, ctx.source)


# --------------------------------------------------------------------------------------------
def _low_cadence(ctx: _Context) -> Finding | None:
    c = ctx.summary.cadence_spm
    if c is None:
        return None
    deficit = _cadence_deficit(ctx)
    tall = ctx.runner.height_cm is not None and ctx.runner.height_cm >= 185
    if deficit is None:
        if c >= GARMIN_CADENCE_5TH_SPM:
            return None
        severity, confidence, expected = _clip(0.3 + (GARMIN_CADENCE_5TH_SPM - c) / 20), 0.4, None
        how = f"lower than 95 % of Garmin runners (under {GARMIN_CADENCE_5TH_SPM:.0f})"
    else:
        gap, expected = deficit
        if gap < CADENCE_SD_SPM:  # within one SD of experienced runners at this speed
            return None
        severity, confidence = _clip(gap / (3 * CADENCE_SD_SPM)), 0.7
        how = f"{gap:.0f} steps/min below what experienced runners use at your speed"
    if tall:
        confidence *= 0.8  # cadence falls with body height (SCIENCE.md §6)
    detail = (
        f"You ran at {c:.0f} steps/min, {how}. Fewer, longer steps mean each landing lands "
        "further ahead of you and hits harder; a 5-10 % quicker rhythm lowers the load on knees "
        "and hips (SCIENCE.md §2)."
    )
    if tall:
        detail += " Tall runners naturally use a lower cadence, so treat this as a hint."
    return Finding(
        "low_cadence",
        "Your steps are slow for your speed",
        detail,
        confidence * ctx.scale,
        severity,
        [_cadence_evidence(ctx, expected)],
        CONFIRM["low_cadence"],
        "SCIENCE.md §6 (cadence vs speed), §2 (Heiderscheit 2011, Willy 2016)",
    )


def _overstride_indicators(ctx: _Context) -> tuple[list[Evidence], bool]:
    """Watch-based signs of overstriding: low cadence for the speed and long ground contact."""
    s = ctx.summary
    deficit = _cadence_deficit(ctx)
    if deficit is None or s.contact_s is None:
        return [], False
    gap, expected = deficit
    long_contact = s.contact_s > GARMIN_GCT_30TH_S
    slow = gap >= CADENCE_SD_SPM / 2
    ev = [
        _cadence_evidence(ctx, expected),
        Evidence(
            "ground contact time",
            s.contact_s * 1000.0,
            "ms",
            "Garmin gauge: > 277 ms is the bottom 30 % of runners (SCIENCE.md §6)",
            ctx.source,
        ),
    ]
    if s.step_length_m is not None and ctx.runner.height_cm:
        ev.append(
            Evidence(
                "step length / height",
                s.step_length_m / (ctx.runner.height_cm / 100.0),
                "ratio",
                f"step length {s.step_length_m:.2f} m; the step length a "
                f"{expected:.0f}-spm cadence would give at this speed is "
                f"{s.speed_m_per_s * 60 / expected:.2f} m (context, no published cut-off)",
                ctx.source,
            )
        )
    return ev, bool(slow and long_contact)


def _is_pose(steps: pd.DataFrame) -> bool:
    """Steps from side-view pose (only steps.video fills overstride and knee flexion)."""
    return any(
        len(metrics_video.landing_values(steps, c)) > 0
        for c in ("overstride_pct_leg", "knee_flexion_ic_deg")
    )


def _pose_median(ctx: _Context, column: str) -> tuple[float, int] | None:
    """Median of a geometry column over the running landings that have it, and their number;
    None under MIN_VIDEO_LANDINGS (no finding from a handful of landings)."""
    x = _steps_values(ctx.steps, column)
    return (float(np.median(x)), len(x)) if len(x) >= MIN_VIDEO_LANDINGS else None


def _margin_words(excess: float, margin: float, unit: str) -> str:
    return (f"{excess:.1f}{unit} past it, beyond the pose error of {margin:.1f}{unit}"
            if excess > margin else
            f"only {excess:.1f}{unit} past it, within the pose error of {margin:.1f}{unit}: "
            "low confidence")


def _video_overstriding(ctx: _Context) -> Finding | None:
    """Overstride from pose video: median heel-ahead-of-hips (% of leg length) over landings
    against the runner's own earlier video runs, else softstep's threshold (labelled ours)."""
    over = _pose_median(ctx, "overstride_pct_leg")
    if over is None:
        return None
    median, n = over
    base = ctx.overstride_baseline_pct_leg
    if base is not None:
        ref, ref_text = base, f"your earlier videos' median {base:.0f} % (own baseline)"
    else:
        ref, ref_text = OVERSTRIDE_PCT_LEG, (
            f"softstep's threshold {OVERSTRIDE_PCT_LEG:.0f} % (ours: no validated cut-off, "
            "SCIENCE.md §4, metric spec 7)")
    margin = OVERSTRIDE_MARGIN_PCT_LEG
    excess = median - ref
    evidence = [Evidence(
        "heel ahead of the hips at landing (median)", median, "% of leg length",
        f"median of {n} landings (± {margin:.1f} % of leg length from the ±5-8° pose error, "
        f"SCIENCE.md §4); {ref_text}; {_margin_words(excess, margin, ' points')}"
        if excess > 0 else
        f"median of {n} landings (± {margin:.1f} % from the ±5-8° pose error); {ref_text}",
        "video")]
    if ctx.summary.overstride_cm is not None:
        evidence.append(Evidence("heel ahead of the hips at landing (median)",
                                 ctx.summary.overstride_cm, "cm",
                                 "scaled by 0.53 x your height (SCIENCE.md §6)", "video"))
    shank = _pose_median(ctx, "shank_angle_deg")
    if shank is not None:
        evidence.append(Evidence(
            "shank angle at landing (median)", shank[0],
            "degrees (positive = ankle ahead of knee)",
            f"median of {shank[1]} landings, ±5-8° (SCIENCE.md §4); near-vertical is the aim "
            "(metric spec 8)", "video"))
    if excess <= 0:
        return None
    reaching = shank is not None and shank[0] > VIDEO_SHANK_ANGLE_DEG
    if excess > margin:
        confidence = 0.75 if reaching else 0.65
        title = "You reach forward with each step"
    else:
        confidence = LOW_CONFIDENCE
        title = "You may be landing a little far ahead of your hips"
    compare = "your earlier videos" if base is not None else "softstep's own threshold"
    return Finding(
        "overstriding",
        title,
        f"Over {n} landings your heel touched down a median {median:.0f} % of your leg length "
        f"ahead of your hips, {excess:.0f} points more than {compare}"
        + (" - more than the ±5-8° of pose error can explain. " if excess > margin else
           ", which is within what the ±5-8° of pose error could explain, so treat it as a "
           "hint. ")
        + "Landing ahead of the hips brakes each step and makes the landing harder."
        + (" Your shin is also angled forward at landing." if reaching else ""),
        confidence,
        _clip(0.3 + max(0.0, excess - margin) / 20.0),
        evidence,
        CONFIRM["overstriding"],
        "SCIENCE.md §4 (Souza 2016, Lieberman 2015), metric spec 7-8",
    )


def _overstriding(ctx: _Context) -> Finding | None:
    if _is_pose(ctx.steps) and len(_steps_values(ctx.steps, "overstride_pct_leg")):
        return _video_overstriding(ctx)
    evidence, inferred = _overstride_indicators(ctx)
    shank = _steps_values(ctx.steps, "shank_angle_deg")
    video = len(shank) >= 10
    if video:
        angle = float(np.median(shank))
        evidence.append(
            Evidence(
                "shank angle at landing",
                angle,
                "degrees (positive = ankle ahead of knee)",
                f"near-vertical is the aim; > {VIDEO_SHANK_ANGLE_DEG:.0f}° exceeds pose error "
                "(±5-8°, SCIENCE.md §4, §8)",
                ctx.placement or "video",
            )
        )
        if angle <= VIDEO_SHANK_ANGLE_DEG:
            return None  # the video sees no reaching, whatever the watch suggests
        severity = _clip((angle - VIDEO_SHANK_ANGLE_DEG) / 10.0 + 0.3)
        confidence = 0.65
    elif inferred:
        s = ctx.summary
        gap = _cadence_deficit(ctx)[0]
        # contact is weighted less: the Garmin GCT gauge is not adjusted for speed
        severity = _clip(
            0.6 * _clip(gap / (3 * CADENCE_SD_SPM))
            + 0.4 * _clip((s.contact_s - GARMIN_GCT_30TH_S) / 0.031)  # 0.308 s = bottom 5 %
        )
        confidence = 0.35  # inferred from a watch, not seen
    else:
        return None
    return Finding(
        "overstriding",
        "You may be reaching forward with each step",
        "Slow steps with long ground contact usually mean the foot lands well ahead of the hips, "
        "which brakes each step and makes the landing harder. "
        + ("Your video shows the shin angled forward at landing." if video else
           "A watch cannot see this directly, so treat it as likely, not certain."),
        confidence * ctx.scale,
        severity,
        evidence,
        CONFIRM["overstriding"],
        "SCIENCE.md §4 (Souza 2016, Lieberman 2015), §6",
    )


def _video_heel_striking(ctx: _Context, caveat: str) -> Finding | None:
    """Heel strike from pose video: the median foot-strike angle over landings against the
    rearfoot cut-off (7.4°, SCIENCE.md §3), beyond it by more than the pose error."""
    strike = _pose_median(ctx, "strike_angle_deg")
    if strike is None:
        return None
    median, n = strike
    excess = median - RFS_STRIKE_ANGLE_DEG
    s = ctx.summary
    share = f"; {s.rearfoot_pct:.0f} % of landings rearfoot" if s.rearfoot_pct is not None else ""
    evidence = [Evidence(
        "foot-strike angle at landing (median)", median, "degrees (positive = toe up)",
        f"median of {n} landings, ±5-8° (SCIENCE.md §4); rearfoot > {RFS_STRIKE_ANGLE_DEG}° "
        f"(Mo et al., SCIENCE.md §3){share}"
        + (f"; {_margin_words(excess, POSE_MARGIN_DEG, '°')}" if excess > 0 else ""),
        "video")]
    if excess <= 0:
        return None
    firm = excess > POSE_MARGIN_DEG
    return Finding(
        "heel_striking",
        "You land heel first" if firm else "You probably land heel first",
        f"Over {n} landings your foot met the ground toe-up by a median {median:.0f}°, "
        + ("clearly a heel landing even allowing for the ±5-8° of pose error."
           if firm else
           f"just past the {RFS_STRIKE_ANGLE_DEG}° heel-strike cut-off and within the ±5-8° "
           "of pose error, so treat it as a hint.")
        + caveat,
        0.7 if firm else LOW_CONFIDENCE,
        _clip(0.2 + 0.3 * _clip(excess / (2 * POSE_MARGIN_DEG))),
        evidence,
        CONFIRM["heel_striking"],
        "SCIENCE.md §3 (Mo et al.), §4",
    )


def _heel_striking(ctx: _Context) -> Finding | None:
    caveat = (
        " Most runners land on the heel (94 % in one marathon study); the aim is not a forefoot "
        "switch, which moves load to the Achilles, but to land closer under the hips "
        "(SCIENCE.md §3)."
    )
    strike = ctx.table["strike_type"].to_numpy(float)
    w = np.where(ctx.table["running"].to_numpy(bool), ctx.table["dt_s"].to_numpy(float), 0.0)
    has_pod = np.isfinite(strike) & (w > 0)
    classes = (
        ctx.steps["strike_class"].dropna().astype(str).to_numpy()
        if "strike_class" in ctx.steps and len(ctx.steps)
        else np.zeros(0, dtype=str)
    )
    angles = _steps_values(ctx.steps, "strike_angle_deg")
    if len(angles) and _is_pose(ctx.steps):
        return _video_heel_striking(ctx, caveat)
    if w[has_pod].sum() >= 60:
        share = float(np.sum(w[has_pod] * (strike[has_pod] <= 5)) / w[has_pod].sum())
        ev = Evidence(
            "share of running time with a heel strike", 100 * share, "%",
            "RunScribe strike type 1-5 = heel (SCIENCE.md §3)", "foot pod"
        )
        confidence = 0.7
    elif len(classes) >= 20:
        share = float(np.mean(classes == "rearfoot"))
        ev = Evidence("rearfoot landings", 100 * share, "%",
                      "strike class per step (SCIENCE.md §3)", ctx.placement or "steps")
        confidence = 0.7
    elif len(angles) >= 20:
        share = float(np.mean(angles > RFS_STRIKE_ANGLE_DEG))
        ev = Evidence("landings with foot-strike angle > 7.4°", 100 * share, "%",
                      "RFS > 7.4° (Mo et al., SCIENCE.md §3)", ctx.placement or "steps")
        confidence = 0.7
    else:
        evidence, inferred = _overstride_indicators(ctx)
        if not inferred:
            return None
        return Finding(
            "heel_striking",
            "You probably land heel first, ahead of your body",
            "Slow steps with long contact usually go with a heel landing in front of the body."
            + caveat,
            0.25 * ctx.scale,
            0.3,
            evidence,
            CONFIRM["heel_striking"],
            "SCIENCE.md §3, §4",
        )
    if share < 0.5:
        return None
    return Finding(
        "heel_striking",
        "You land heel first",
        f"{100 * share:.0f} % of your running was on heel landings." + caveat,
        confidence * ctx.scale,
        _clip(0.2 + 0.3 * share),
        [ev],
        CONFIRM["heel_striking"],
        "SCIENCE.md §3",
    )


def _bouncing(ctx: _Context) -> Finding | None:
    s = ctx.summary
    if s.vertical_ratio_pct is not None:
        value, lo, hi, metric, unit = (
            s.vertical_ratio_pct, GARMIN_RATIO_30TH_PCT, GARMIN_RATIO_5TH_PCT, "vertical ratio", "%"
        )
        confidence = 0.5
    elif s.vertical_oscillation_cm is not None:
        value, lo, hi, metric, unit = (
            s.vertical_oscillation_cm, GARMIN_VO_30TH_CM, GARMIN_VO_5TH_CM,
            "vertical oscillation", "cm"
        )
        confidence = 0.4  # VO alone ignores step length
    else:
        return None
    if value <= lo:
        return None
    evidence = [
        Evidence(
            metric, value, unit,
            f"Garmin gauge: > {lo:g} {unit} is the bottom 30 %, > {hi:g} {unit} the bottom 5 % "
            "(HRM-strap values; a pod reads higher; SCIENCE.md §6)",
            ctx.source,
        )
    ]
    if metric == "vertical ratio" and s.vertical_oscillation_cm is not None:
        evidence.append(
            Evidence("vertical oscillation", s.vertical_oscillation_cm, "cm",
                     "Garmin gauge: > 9.7 cm is the bottom 30 % (SCIENCE.md §6)", ctx.source)
        )
    return Finding(
        "bouncing",
        "You bounce up and down a lot",
        f"Your {metric} was {value:.1f} {unit}, more than 70 % of runners. Energy spent going "
        "up comes back down on each landing; quicker, lower steps reduce the rise and fall "
        "(SCIENCE.md §2, Heiderscheit 2011).",
        confidence * ctx.scale,
        _clip((value - lo) / (2 * (hi - lo))),
        evidence,
        CONFIRM["bouncing"],
        "SCIENCE.md §6 (Garmin gauges, context), §2",
    )


def _fading_form(ctx: _Context) -> Finding | None:
    s, drift = ctx.summary, ctx.summary.drift or {}
    checks = (
        ("cadence_spm", s.cadence_spm, -FADE_CADENCE_DROP, "cadence", "steps/min"),
        ("contact_s", s.contact_s, FADE_CONTACT_RISE, "ground contact time", "s"),
        ("vertical_oscillation_cm", s.vertical_oscillation_cm, FADE_VO_RISE,
         "vertical oscillation", "cm"),
        ("vertical_ratio_pct", s.vertical_ratio_pct, FADE_RATIO_RISE, "vertical ratio", "%"),
    )
    hits, evidence, parts = [], [], []
    for key, base, limit, label, unit in checks:
        if key not in drift or not base:
            continue
        change = drift[key] / base  # relative change at matched speed
        evidence.append(
            Evidence(
                f"{label} change, last vs first third at matched speed", drift[key], unit,
                f"your own start of the run ({base:.3g} {unit}); flagged beyond "
                f"{abs(limit) * 100:.0f} % (softstep threshold; SCIENCE.md spec: compare with your "
                "own baseline at matched speed)",
                ctx.source,
            )
        )
        if change / limit >= 1:
            hits.append(change / limit)
            parts.append(f"{label} {'fell' if change < 0 else 'rose'} {abs(change) * 100:.0f} %")
    if not hits:
        return None
    if "hr_bpm" in drift:
        evidence.append(Evidence("heart-rate change at matched speed", drift["hr_bpm"], "beats/min",
                                 "context: fatigue or heat", "watch"))
    return Finding(
        "fading_form",
        "Your form fades as you tire",
        "At the same speed, late in the run your " + ", ".join(parts) + " compared with the "
        "start. Tired legs absorb landings less well; strength work and a cadence check in the "
        "last third of your runs help hold form.",
        _clip(0.45 + 0.15 * (len(hits) - 1), hi=0.8) * ctx.scale,
        _clip(0.25 * max(hits)),
        evidence,
        CONFIRM["fading_form"],
        "SCIENCE.md metric spec (own baseline at matched speed)",
    )


def _asymmetry(ctx: _Context) -> Finding | None:
    s, table = ctx.summary, ctx.table
    evidence, severity, confidence = [], 0.0, 0.0
    if s.contact_balance_left_pct is not None:
        dev = abs(s.contact_balance_left_pct - 50.0)
        evidence.append(
            Evidence(
                "ground-contact balance (left share)", s.contact_balance_left_pct, "%",
                "Garmin: green 49.3-50.7 %, warn > 52.2 % toward one side (SCIENCE.md §6)",
                ctx.source,
            )
        )
        if dev > BALANCE_RED_DEV_PCT:
            severity, confidence = _clip(0.5 + (dev - BALANCE_RED_DEV_PCT) / 6), 0.65
        elif dev > BALANCE_GREEN_DEV_PCT:
            severity = 0.2 + 0.3 * (dev - BALANCE_GREEN_DEV_PCT) / (
                BALANCE_RED_DEV_PCT - BALANCE_GREEN_DEV_PCT
            )
            confidence = 0.5
    w = metrics.running_weights_s(table)
    left = metrics.weighted_mean(table["impact_g_left"].to_numpy(float), w, 60.0)
    right = metrics.weighted_mean(table["impact_g_right"].to_numpy(float), w, 60.0)
    if left is not None and right is not None and left + right > 0:
        diff = abs(left - right) / ((left + right) / 2)
        evidence.append(
            Evidence("left/right impact difference", 100 * diff, "%",
                     "softstep threshold 10 % (no published cut-off)", ctx.placement or "pod")
        )
        if diff >= 0.10:
            severity = max(severity, _clip(diff * 2.5))
            confidence = max(confidence, 0.5)
    if confidence == 0:
        return None
    side = ""
    if s.contact_balance_left_pct is not None:
        side = "left" if s.contact_balance_left_pct > 50 else "right"
        side = f" Your {side} foot stays on the ground longer."
    return Finding(
        "asymmetry",
        "Your two legs do not share the work evenly",
        "One leg spends more time on the ground or lands harder than the other." + side
        + " Imbalance can come from an old injury or weakness; single-leg strength work helps.",
        confidence * ctx.scale,
        severity,
        evidence,
        CONFIRM["asymmetry"],
        "SCIENCE.md §6 (GCT balance)",
    )


def _hard_impact(ctx: _Context) -> Finding | None:
    placement = (ctx.placement or "").lower()
    if placement in FORCE_PLATE_PLACEMENTS:
        valr = _steps_values(ctx.steps, "loading_rate_bw_per_s")
        if len(valr) >= 5:
            value = float(np.median(valr))
            if value > VALR_RISK_BW_PER_S:
                return _impact_finding(
                    ctx, 0.8, _clip((value - VALR_RISK_BW_PER_S) / VALR_RISK_BW_PER_S + 0.4),
                    Evidence("vertical average loading rate (median)", value, "BW/s",
                             "VALR > 66 BW/s: injury odds ratio 2.72 (Davis 2016, SCIENCE.md §1)",
                             placement),
                    f"Your landings load at {value:.0f} body weights per second, above the "
                    "66 BW/s linked with injury.",
                )
    if placement in SHANK_PLACEMENTS:
        pta = _steps_values(ctx.steps, "impact_g")
        if len(pta) >= 20:
            value = float(np.median(pta))
            clipped = 0.0
            if "impact_clipped" in ctx.steps:
                clipped = float(ctx.steps["impact_clipped"].fillna(False).astype(bool).mean())
            if value > PTA_HIGH_G:
                note = (f" {clipped * 100:.0f} % of landings saturated the sensor, so the true "
                        "peaks are higher." if clipped > 0.05 else "")
                return _impact_finding(
                    ctx, 0.7, _clip((value - PTA_HIGH_G) / PTA_HIGH_G + 0.3),
                    Evidence("peak tibial acceleration (median)", value, "g",
                             "PTA > 8 g = high impact (Crowell & Davis 2011, SCIENCE.md §1)",
                             placement),
                    f"Your shin takes {value:.1f} g at each landing, above the 8 g "
                    "used to screen for high-impact runners." + note,
                )
    # Any other impact source: relative to the run's own baseline at matched speed, or at
    # matched cadence for a sensor file that has no speed.
    names = ("impact_g", "impact_loading_rate_bw_per_s")
    drift, matched = metrics.matched_speed_drift(ctx.table, names), "speed"
    if not drift and not np.isfinite(ctx.table["speed_m_per_s"].to_numpy(float)).any():
        drift = metrics.matched_speed_drift(ctx.table, names, match_on="cadence_spm")
        matched = "cadence (no speed in this recording)"
    w = metrics.running_weights_s(ctx.table)
    for key, label, unit in (
        ("impact_g", "impact", "g"),
        ("impact_loading_rate_bw_per_s", "pod-estimated loading rate", "BW/s"),
    ):
        base = metrics.weighted_mean(ctx.table[key].to_numpy(float), w, 60.0)
        if key not in drift or not base:
            continue
        rise = drift[key] / base
        if rise >= RELATIVE_IMPACT_RISE:
            return _impact_finding(
                ctx, 0.4, _clip(rise * 2.5),
                Evidence(f"{label} change, last vs first third at matched {matched}", drift[key],
                         unit,
                         f"your own average {base:.3g} {unit}; flagged at +10 % (no absolute "
                         "threshold exists for this sensor, SCIENCE.md §1)",
                         ctx.placement or "pod"),
                f"At the same {matched.split()[0]} your landings got {rise * 100:.0f} % harder "
                "late in the run.",
            )
    return None


def _impact_finding(ctx, confidence, severity, evidence, detail) -> Finding:
    return Finding(
        "hard_impact",
        "Your landings are hard",
        detail + " Quieter, quicker steps cut landing forces by a fifth to a third in trials "
        "(SCIENCE.md §2).",
        confidence * ctx.scale,
        severity,
        [evidence],
        CONFIRM["hard_impact"],
        "SCIENCE.md §1, §2",
    )


# Footfall sound (SCIENCE.md §7, metric spec 5)
LOUDER_THAN_BASELINE_DB = 1.0  # softstep threshold: a third of the 3-dB target (no published cut)
CADENCE_AGREE_PCT = 2.0  # softstep: a cadence this much above the baseline runs' is a confounder
FOOTFALL_LOUDNESS_ASYM_DB = 2.0  # softstep thresholds (no published cut-off for footfall sound)
FOOTFALL_TIMING_ASYM_PCT = 6.0
SOUND_CAVEAT = (
    "Only comparisons on the same surface, at the same speed and with the microphone in the "
    "same place are meaningful; no absolute loudness threshold exists (SCIENCE.md §7)."
)


def _non_rearfoot_share(ctx: _Context) -> float | None:
    """Share of landings that are midfoot or forefoot, from whatever strike data the run has
    (strike class or angle per step, RunScribe strike type); None without strike data."""
    classes = (ctx.steps["strike_class"].dropna().astype(str).to_numpy()
               if "strike_class" in ctx.steps and len(ctx.steps) else np.zeros(0, dtype=str))
    if len(classes) >= 20:
        return float(np.mean(classes != "rearfoot"))
    angles = _steps_values(ctx.steps, "strike_angle_deg")
    if len(angles) >= 20:
        return float(np.mean(angles <= RFS_STRIKE_ANGLE_DEG))
    strike = ctx.summary.strike_type
    if strike is not None and math.isfinite(strike):
        return 1.0 if strike > 5 else 0.0  # RunScribe 1-5 = heel (SCIENCE.md §3)
    return None


def _loud_landings(ctx: _Context) -> Finding | None:
    """Footfalls louder than the runner's own baseline at matched cadence (SCIENCE.md §7)."""
    s, base = ctx.summary, ctx.loudness_baseline
    diff = s.loudness_vs_baseline_db
    if base is None or diff is None or diff < LOUDER_THAN_BASELINE_DB:
        return None
    confidence = 0.5  # sound follows vGRF only loosely (r = 0.35-0.39, SCIENCE.md §7)
    caveats = []
    cadence_up = None
    if s.cadence_spm is not None and base.cadence_spm:
        cadence_up = 100.0 * (s.cadence_spm / base.cadence_spm - 1.0)
    if cadence_up is not None and cadence_up > CADENCE_AGREE_PCT:
        confidence *= 0.6
        caveats.append(
            f"Your cadence was {cadence_up:.0f} % higher than in those runs: a quicker rhythm "
            "usually softens landings, so louder steps at a higher cadence more likely mean a "
            "faster pace (footfall sound follows speed, r = 0.61-0.70) than harder landings.")
    forefoot = _non_rearfoot_share(ctx)
    if forefoot is not None and forefoot >= 0.5:
        confidence *= 0.6
        caveats.append(
            f"{100 * forefoot:.0f} % of your landings were midfoot or forefoot: a forefoot "
            "landing can be louder while loading less (Wong, SCIENCE.md §7), so check tibial "
            "shock or foot-strike angle before reading this as harder landings.")
    n = len(base.run_ids)
    evidence = [
        Evidence("footfall loudness vs your baseline", diff, "dB",
                 f"median of your {n} earlier audio run{'s' if n != 1 else ''} at matched "
                 f"cadence ({base.loudness_dbfs:.1f} dBFS at {base.cadence_spm:.0f} steps/min, "
                 f"runs {', '.join(map(str, base.run_ids))}); target >= 3 dB quieter "
                 "(SCIENCE.md metric spec 5)", "microphone"),
    ]
    if s.quiet_score_pct is not None:
        evidence.append(Evidence(
            "quiet score", s.quiet_score_pct, "% of footfalls",
            "share of footfalls at least 3 dB under your baseline (softstep score)",
            "microphone"))
    if cadence_up is not None:
        evidence.append(Evidence("cadence vs the baseline runs", cadence_up, "%",
                                 f"flagged above +{CADENCE_AGREE_PCT:g} % (softstep threshold)",
                                 "microphone"))
    return Finding(
        "loud_landings",
        "Your footfalls are louder than your baseline",
        f"Your footfalls were {diff:.1f} dB louder than in your earlier runs at the same cadence. "
        "Quiet running cut peak sound by 31-49 % (about 3-6 dB) and loading rates by a third "
        "in trials (SCIENCE.md §2, §7): aim for at least 3 dB quieter. " + SOUND_CAVEAT
        + (" " + " ".join(caveats) if caveats else ""),
        confidence * ctx.scale,
        _clip(diff / (2 * 3.0)),  # 6 dB louder (twice the target) = full severity
        evidence,
        "Record again with the phone in the same place, on the same surface and at the same "
        "pace; a shank-mounted accelerometer would measure the landing itself (SCIENCE.md §1).",
        "SCIENCE.md §7 (footstep sound), metric spec 5, §2 (Tate & Milner 2017)",
    )


def _footfall_asymmetry(ctx: _Context) -> Finding | None:
    """Odd vs even footfalls differ in loudness or timing (audio; feet unknown)."""
    s = ctx.summary
    loud, timing = s.footfall_loudness_asymmetry_db, s.footfall_timing_asymmetry_pct
    if (loud is None and timing is None) or _asymmetry(ctx) is not None:
        return None  # a source that knows the sides has said it already (one asymmetry finding)
    evidence, severity, confidence, parts = [], 0.0, 0.0, []
    if timing is not None:
        evidence.append(Evidence(
            "step-time difference, odd vs even footfalls", timing, "% of the step",
            f"softstep threshold {FOOTFALL_TIMING_ASYM_PCT:g} % (no published cut-off); "
            f"{s.footfall_timing_asymmetry_ms or 0:.0f} ms", "microphone"))
        if timing >= FOOTFALL_TIMING_ASYM_PCT:
            severity, confidence = _clip(timing / (3 * FOOTFALL_TIMING_ASYM_PCT)), 0.45
            parts.append(f"one foot's step lasts {timing:.0f} % longer than the other's")
    if loud is not None:
        evidence.append(Evidence(
            "loudness difference, odd vs even footfalls", loud, "dB",
            f"softstep threshold {FOOTFALL_LOUDNESS_ASYM_DB:g} dB (no published cut-off); a "
            "microphone nearer one foot also makes that foot louder", "microphone"))
        if loud >= FOOTFALL_LOUDNESS_ASYM_DB:
            severity = max(severity, _clip(loud / (3 * FOOTFALL_LOUDNESS_ASYM_DB)))
            confidence = max(confidence, 0.3)  # low: microphone position can cause it
            parts.append(f"one foot lands {loud:.1f} dB louder than the other")
    if confidence == 0:
        return None
    return Finding(
        "asymmetry",
        "Your two feet do not land alike",
        "Counting your footfalls in turn, " + " and ".join(parts) + ". A microphone cannot tell "
        "which foot is which, so this says that one side differs, not which. Imbalance can "
        "come from an old injury or weakness; single-leg strength work helps. " + SOUND_CAVEAT,
        confidence * ctx.scale,
        severity,
        evidence,
        "A video from behind, or a sensor on each shin, would show which leg it is.",
        "softstep thresholds (no published cut-off for footfall-sound asymmetry); SCIENCE.md §7",
    )


RULES = (
    _low_cadence,
    _overstriding,
    _heel_striking,
    _bouncing,
    _fading_form,
    _asymmetry,
    _hard_impact,
    _loud_landings,
    _footfall_asymmetry,
)


def diagnose(
    summary: Summary,
    records: pd.DataFrame,
    steps: pd.DataFrame | None,
    segments: pd.DataFrame | None,
    runner: Runner | None,
    *,
    placement: str | None = None,
    loudness_baseline=None,
    overstride_baseline_pct_leg: float | None = None,
) -> list[Finding]:
    """Probable causes of hard landing, ranked by ``confidence × severity`` (highest first).

    Parameters
    ----------
    summary : metrics.summarize output for the run
    records, steps : the run's per-record table and Steps table (see metrics.prepare)
    segments : metrics.per_km output (accepted for future per-segment rules)
    runner : height enables the step-length-to-height evidence and the tall-runner caveat
    placement : sensor placement of per-step impact data ("shank", "force_plate", ...);
        defaults to ``steps.attrs.get("placement")``
    loudness_baseline : metrics_audio.LoudnessBaseline of an audio run (the runner's earlier
        audio runs at matched cadence); without it no loud-landings finding (a first audio run
        becomes the baseline)
    overstride_baseline_pct_leg : the median overstride (% of leg length) of the runner's
        earlier side-view videos; without it a video's overstride is judged against
        OVERSTRIDE_PCT_LEG, softstep's own threshold, and the evidence says so

    A side-view video is short (seconds) but has many landings: with at least
    MIN_VIDEO_LANDINGS landings of pose geometry, the landing rules (overstriding, heel striking)
    apply whatever the running time; the other rules keep the 2-minute minimum.

    Returns an empty list for a healthy run or when the data cannot support any rule.
    """
    steps = steps if steps is not None else pd.DataFrame()
    placement = placement or (steps.attrs.get("placement") if hasattr(steps, "attrs") else None)
    table = metrics.prepare(records, steps)
    running_s = float(metrics.running_weights_s(table).sum()) if len(table) else 0.0
    rules = RULES
    if running_s < MIN_RUNNING_S:
        if not (_is_pose(steps) and int(metrics_video.measured_landings(steps).sum())
                >= MIN_VIDEO_LANDINGS):
            return []
        rules = (_overstriding, _heel_striking)  # a short clip: only what its landings show
    ctx = _Context(
        summary, table, steps, segments if segments is not None else pd.DataFrame(),
        runner or Runner(), placement, running_s,
        source="watch" if not len(steps) else (placement or "steps"),
        loudness_baseline=loudness_baseline,
        overstride_baseline_pct_leg=overstride_baseline_pct_leg,
    )
    findings = [f for f in (rule(ctx) for rule in rules) if f is not None]
    for f in findings:
        f.confidence = round(_clip(f.confidence), 3)
        f.severity = round(_clip(f.severity), 3)
    return sorted(findings, key=lambda f: (-f.score, f.code))
