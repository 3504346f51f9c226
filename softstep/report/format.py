"""How a number is shown to a runner: label, display unit and precision per metric.

The text and HTML reports both read METRICS, so a figure looks the same everywhere.

>>> show("contact_s", 0.2359)
'236 ms'
>>> show("speed_m_per_s", 3.3), show("cadence_spm", None)
('5:03 /km', '–')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from softstep.model import Finding, Summary

MISSING = "–"


@dataclass(frozen=True)
class Metric:
    label: str
    unit: str  # display unit
    scale: float = 1.0  # stored value x scale = displayed value
    digits: int = 1
    short: str = ""  # column heading in narrow tables


METRICS: dict[str, Metric] = {
    "distance_m": Metric("Distance", "km", 0.001, 2, short="km"),
    "cadence_spm": Metric("Cadence", "steps/min", 1, 0, short="cadence"),
    "contact_s": Metric("Ground contact", "ms", 1000, 0, short="contact"),
    "flight_s": Metric("Flight", "ms", 1000, 0, short="flight"),
    "duty_factor": Metric("Duty factor", "%", 100, 1, short="duty"),
    "vertical_oscillation_cm": Metric("Vertical oscillation", "cm", 1, 1, short="VO"),
    "vertical_ratio_pct": Metric("Vertical ratio", "%", 1, 1, short="VR"),
    "step_length_m": Metric("Step length", "m", 1, 2, short="step"),
    "contact_balance_left_pct": Metric("Contact balance (left share)", "%", 1, 1, short="L share"),
    "grade_pct": Metric("Mean grade", "%", 1, 1, short="grade"),
    "hr_bpm": Metric("Heart rate", "bpm", 1, 0, short="HR"),
    "power_w": Metric("Power", "W", 1, 0, short="power"),
    "impact_g": Metric("Impact", "g", 1, 1, short="impact"),
    "braking_g": Metric("Braking", "g", 1, 1, short="braking"),
    "impact_loading_rate_bw_per_s": Metric("Impact loading rate", "BW/s", 1, 0, short="loading"),
    "strike_type": Metric("Foot strike (1 heel … 16 forefoot)", "", 1, 1, short="strike"),
    "leg_stiffness_kn_per_m": Metric("Leg stiffness", "kN/m", 1, 1, short="k leg"),
    "vertical_stiffness_kn_per_m": Metric("Vertical stiffness", "kN/m", 1, 1, short="k vert"),
    "cadence_speed_slope_spm_per_m_per_s": Metric("Cadence rise with speed", "steps/min per m/s"),
    "steps_detected": Metric("Foot contacts detected", "", 1, 0),
    "steps": Metric("Foot contacts", "", 1, 0, short="contacts"),
    "loading_rate_g_per_s": Metric("Impact loading rate", "g/s", 1, 0, short="g/s"),
    "peak_force_bw": Metric("Peak force", "BW", 1, 2, short="peak F"),
    "loading_rate_bw_per_s": Metric("Loading rate", "BW/s", 1, 0, short="VALR"),
    "impact_clipped_pct": Metric("Impacts saturated", "%", 1, 0, short="clipped"),
    "loudness_db": Metric("Footfall loudness (re run median)", "dB", 1, 1, short="loudness"),
    "stride_cv_pct": Metric("Stride-time variation", "%", 1, 1, short="stride CV"),
    "contact_lr_diff_pct": Metric("Left/right contact difference", "%", 1, 1, short="L/R contact"),
    "impact_lr_diff_pct": Metric("Left/right impact difference", "%", 1, 1, short="L/R impact"),
    # footfall sound (audio runs; metrics_audio)
    "loudness_dbfs": Metric("Footfall loudness (median)", "dBFS", 1, 1, short="loudness"),
    "loudness_iqr_db": Metric("Footfall loudness spread (IQR)", "dB", 1, 1),
    "loudness_trend_db_per_10min": Metric("Loudness trend", "dB per 10 min", 1, 1),
    "loudness_third_change_db": Metric("Loudness, last vs first third", "dB", 1, 1),
    "footfall_loudness_asymmetry_db": Metric("Odd/even footfall loudness difference", "dB", 1, 1,
                                             short="odd/even"),
    "footfall_timing_asymmetry_ms": Metric("Odd/even step-time difference", "ms", 1, 0),
    "footfall_timing_asymmetry_pct": Metric("Odd/even step-time difference", "%", 1, 1),
    "loudness_vs_baseline_db": Metric("Loudness vs your baseline", "dB", 1, 1),
    "quiet_score_pct": Metric("Quiet score (footfalls ≥ 3 dB under baseline)", "%", 1, 0),
    "loudness_asymmetry_db": Metric("Odd/even loudness difference", "dB", 1, 1, short="odd/even"),
    "timing_asymmetry_pct": Metric("Odd/even step-time difference", "%", 1, 1,
                                   short="odd/even time"),
    "quiet_pct": Metric("Footfalls ≥ 3 dB under baseline", "%", 1, 0, short="quiet"),
    # landing geometry (video; metrics_video): medians over the landings, pose angles ±5-8°
    "strike_angle_deg": Metric("Foot-strike angle (median, + = toe up)", "°", 1, 1,
                               short="strike"),
    "rearfoot_pct": Metric("Rearfoot landings", "%", 1, 0, short="rearfoot"),
    "midfoot_pct": Metric("Midfoot landings", "%", 1, 0, short="midfoot"),
    "forefoot_pct": Metric("Forefoot landings", "%", 1, 0, short="forefoot"),
    "overstride_cm": Metric("Overstride (heel ahead of hips, median)", "cm", 1, 1,
                            short="overstride"),
    "overstride_pct_leg": Metric("Overstride, % of leg length (median)", "%", 1, 1,
                                 short="overstride"),
    "shank_angle_deg": Metric("Shank angle at landing (median, + = ankle ahead of knee)", "°", 1,
                              1, short="shank"),
    "knee_flexion_ic_deg": Metric("Knee flexion at landing (median)", "°", 1, 0, short="knee IC"),
    "knee_flexion_peak_deg": Metric("Peak knee flexion in stance (median)", "°", 1, 0,
                                    short="knee peak"),
    "trunk_lean_deg": Metric("Trunk lean forward (median)", "°", 1, 1, short="trunk"),
    "landings_measured": Metric("Landings measured", "", 1, 0),
}

# Angles from pose estimation: shown with their uncertainty (SCIENCE.md §4)
POSE_ANGLE_FIELDS = ("strike_angle_deg", "shank_angle_deg", "knee_flexion_ic_deg",
                     "knee_flexion_peak_deg", "trunk_lean_deg")
POSE_UNCERTAINTY = "±5-8°"

# Summary fields shown, in order; duration and pace have their own formats.
SUMMARY_FIELDS = (
    "duration_s", "distance_m", "speed_m_per_s",
    *[name for name in METRICS if name in Summary.__dataclass_fields__ and name != "distance_m"],
)

# Per-km table columns shown (PER_KM_COLUMNS subset), in order.
PER_KM_FIELDS = (
    "km",
    "pace_s_per_km",
    "cadence_spm",
    "contact_s",
    "vertical_oscillation_cm",
    "vertical_ratio_pct",
    "step_length_m",
    "grade_pct",
    "hr_bpm",
    "impact_g",
)


def _finite(value) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def duration(seconds: float | None) -> str:
    """``h:mm:ss`` or ``m:ss`` from seconds, e.g. 2833.0 -> ``47:13``."""
    if not _finite(seconds):
        return MISSING
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pace(speed_m_per_s: float | None) -> str:
    """Minutes per km from a speed, e.g. ``5:03 /km``; ``–`` when not moving."""
    if not _finite(speed_m_per_s) or speed_m_per_s <= 0.2:
        return MISSING
    return f"{duration(1000.0 / speed_m_per_s)} /km"


def label(name: str) -> str:
    """The metric's label with its display unit, e.g. ``Ground contact (ms)``."""
    if name == "duration_s":
        return "Duration"
    if name in ("speed_m_per_s", "pace_s_per_km"):
        return "Pace"
    metric = METRICS.get(name)
    if metric is None:
        return name
    return f"{metric.label} ({metric.unit})" if metric.unit else metric.label


def heading(name: str) -> str:
    """A two-line column heading for narrow tables: short name, then unit."""
    if name == "pace_s_per_km":
        return "pace\n/km"
    if name in ("km", "minute"):
        return name
    metric = METRICS.get(name)
    return f"{metric.short or metric.label}\n{metric.unit}" if metric else name


def number(name: str, value: float | None, signed: bool = False) -> str:
    """The value in display units without the unit, e.g. ``236``; ``–`` when missing."""
    if not _finite(value):
        return MISSING
    metric = METRICS.get(name, Metric(name, ""))
    return f"{value * metric.scale:{'+' if signed else ''}.{metric.digits}f}"


def show(name: str, value: float | None, signed: bool = False) -> str:
    """The value with its unit: ``236 ms``, ``10.9 cm``, ``5:03 /km``, ``47:13``."""
    if name == "duration_s":
        return duration(value)
    if name == "speed_m_per_s":
        return pace(value)
    if name == "pace_s_per_km":
        return duration(value)
    text = number(name, value, signed)
    unit = METRICS[name].unit if name in METRICS else ""
    if unit == "°":
        return f"{text}°" if text != MISSING else text
    return f"{text} {unit}" if text != MISSING and unit else text


# Per-step estimates (not measurements) and their error against the force plate, by source:
# RMSE per step in the sacral validation (`softstep validate --only sacral`, one runner).
ESTIMATE_RMSE = {
    ("imu", "peak_force_bw"): 0.16,
    ("imu", "vertical_oscillation_cm"): 0.53,
}


# Summary figures that are changes, shown with their sign (+3.8 dB)
SIGNED_FIELDS = ("loudness_trend_db_per_10min", "loudness_third_change_db",
                 "loudness_vs_baseline_db")


def summary_rows(summary: Summary, source: str | None = None) -> list[tuple[str, str]]:
    """(label, value) for every summary figure the run has, in SUMMARY_FIELDS order; a figure
    that ``source`` only estimates carries its validation error (ESTIMATE_RMSE).

    >>> summary_rows(Summary(peak_force_bw=2.37), source="imu")
    [('Peak force', '2.37 BW (± 0.16 BW per step)')]
    >>> summary_rows(Summary(shank_angle_deg=5.02), source="video")[0][1]
    '5.0° (±5-8°, pose)'
    """
    rows = []
    for name in SUMMARY_FIELDS:
        value = getattr(summary, name)
        if _finite(value):
            text = show(name, value, signed=name in SIGNED_FIELDS)
            rmse = ESTIMATE_RMSE.get((source, name))
            if rmse is not None:
                text += f" (± {rmse:g} {METRICS[name].unit} per step)"
            if source == "video" and name in POSE_ANGLE_FIELDS:
                text += f" ({POSE_UNCERTAINTY}, pose)"
            rows.append((label(name).split(" (")[0], text))
    return rows


def drift_rows(summary: Summary) -> list[tuple[str, str]]:
    """(label, signed change) from the first to the last third at matched speed."""
    return [
        (label(name).split(" (")[0], show(name, value, signed=True))
        for name, value in summary.drift.items()
        if _finite(value)
    ]


def confidence_word(finding: Finding) -> str:
    """``low`` below 0.4, ``moderate`` below 0.7, else ``high``."""
    c = finding.confidence
    return "low" if c < 0.4 else "moderate" if c < 0.7 else "high"


def evidence_value(value: float | None, unit: str) -> str:
    """An Evidence value with its unit, at a precision that suits its size."""
    if not _finite(value):
        return MISSING
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 1 else 2
    return f"{value:.{digits}f} {unit}".strip()


MIN_SHOWN_KM_M = 100.0  # a last partial kilometre shorter than this is left out of the tables

# Per-minute table columns (metrics.PER_MINUTE_COLUMNS subset) for per-step sources.
PER_MINUTE_FIELDS = (
    "minute",
    "steps",
    "cadence_spm",
    "contact_s",
    "impact_g",
    "impact_clipped_pct",
    "loading_rate_g_per_s",
    "peak_force_bw",
    "loading_rate_bw_per_s",
    "vertical_oscillation_cm",
    "loudness_db",
    "loudness_dbfs",
    "loudness_asymmetry_db",
    "timing_asymmetry_pct",
    "quiet_pct",
    "stride_cv_pct",
    "contact_lr_diff_pct",
    "impact_lr_diff_pct",
)


def segment_title(segments) -> str:
    """``Per kilometre`` or ``Per minute``, from the segment table's first column."""
    return "Per minute" if "minute" in segments else "Per kilometre"


def segment_cells(segments) -> tuple[list[str], list[list[str]]]:
    """(field names, rows of display texts) for the per-km or per-minute table.

    Columns without any value are left out; the last, partial kilometre shows its length.
    """
    if "minute" in segments:
        shown = segments
        names = [n for n in PER_MINUTE_FIELDS
                 if n == "minute" or (n in shown and shown[n].notna().any())]
        rows = [
            [f"{row[n]:.0f}" if n == "minute" else number(n, row[n]) for n in names]
            for row in shown.to_dict(orient="records")
        ]
        return names, rows
    shown = segments[segments["distance_m"] >= MIN_SHOWN_KM_M]
    names = [
        name
        for name in PER_KM_FIELDS
        if name in ("km", "pace_s_per_km") or shown[name].notna().any()
    ]
    rows = []
    for row in shown.to_dict(orient="records"):
        cells = []
        for name in names:
            value = row[name]
            if name == "km":
                partial = row["distance_m"] < 999.0
                cells.append(f"{value}" + (f" ({row['distance_m']:.0f} m)" if partial else ""))
            elif name == "pace_s_per_km":
                cells.append(duration(value))
            else:
                cells.append(number(name, value))
        rows.append(cells)
    return names, rows

# activity labels of the inertial detectors, as the reports say them
ACTIVITY_WORDS = {"other": "other movement", "gap": "without data"}
EXCLUDED_MIN_S = 2.0  # shorter exclusions (a recording's last part-window) go unmentioned


def sensor_line(recording) -> str | None:
    """Which inertial sensor a run comes from and where it was worn, for the report header.

    >>> from softstep.model import Recording, empty_records
    >>> rec = Recording(source="imu", sport="running", records=empty_records(),
    ...                 placement="sacrum", sample_rate_hz=100.0, info={"sensor": "left_hip",
    ...                 "placement_guess": {"placement": "sacrum", "confidence": 0.8}})
    >>> sensor_line(rec)
    'sensor left_hip · placement sacrum (guessed, 80 %) · 100 Hz'
    """
    if recording.source != "imu":
        return None
    info = recording.info or {}
    guess = info.get("placement_guess")
    if guess and guess.get("placement") == recording.placement:
        how = f"guessed, {100 * float(guess.get('confidence') or 0):.0f} %"
    else:
        how = info.get("placement_source") or ""
    bits = []
    if info.get("sensor"):
        bits.append(f"sensor {info['sensor']}")
    placement = recording.placement or "unknown"
    bits.append(f"placement {placement}" + (f" ({how})" if how else ""))
    if info.get("side") in ("L", "R"):
        limb = placement in ("shank", "foot")
        bits.append(("left " if info["side"] == "L" else "right ") + ("leg" if limb else "side"))
    if recording.sample_rate_hz:
        bits.append(f"{recording.sample_rate_hz:.0f} Hz")
    for key, name in (("acc_units", "acc"), ("gyr_units", "gyro")):
        units = str(info.get(key) or "")
        if units:  # e.g. "m/s² (detected from a median |a| of 9.92 ...)" -> "acc m/s² (detected)"
            how = " (detected)" if "detected" in units else ""
            bits.append(f"{name} {units.split(' (')[0]}{how}")
    if info.get("gaps"):
        bits.append(f"{info['gaps']} gaps in the clock")
    if _finite(info.get("jitter_p95_ms")) and info["jitter_p95_ms"] >= 0.5:
        bits.append(f"clock jitter {info['jitter_p95_ms']:.1f} ms (p95)")
    return " · ".join(bits)


def activity_line(info: dict | None) -> str | None:
    """How much running was analysed and what was left out (``pipeline.account_activity``).

    >>> activity_line({"running_s": 1290.0, "excluded_s": {"walking": 70.0, "standing": 40.0}})
    'analysed 21:30 of running; excluded 1:10 walking, 0:40 standing'
    """
    if not info or info.get("running_s") is None:
        return None
    excluded = [f"{duration(v)} {ACTIVITY_WORDS.get(k, k)}"
                for k, v in (info.get("excluded_s") or {}).items()
                if _finite(v) and v >= EXCLUDED_MIN_S]
    line = f"analysed {duration(info['running_s'])} of running"
    return line + (f"; excluded {', '.join(excluded)}" if excluded else "")


SOUND_CAVEAT = (
    "Loudness is compared only with your own runs: the same surface, the same pace and the "
    "microphone in the same place. No absolute loudness threshold exists (SCIENCE.md §7)."
)


def loudness_lines(run) -> list[str]:
    """What the loudness section of an audio run says: its baseline (or that it becomes the
    baseline), the quiet score, the odd/even asymmetry and the within-runner caveat; [] for a
    run without footfall loudness.

    >>> from softstep.model import Recording, RunAnalysis, Summary, empty_records, empty_steps
    >>> rec = Recording("audio", "running", empty_records(), info={"loudness_baseline": None})
    >>> run = RunAnalysis(rec, empty_steps(), Summary(loudness_dbfs=-25.0), None, [], None)
    >>> loudness_lines(run)[0][:52]
    'No earlier audio run of yours at this cadence: this '
    """
    s = run.summary
    if s.loudness_dbfs is None:
        return []
    base = (run.recording.info or {}).get("loudness_baseline")
    lines = []
    if not base:
        lines.append(
            "No earlier audio run of yours at this cadence: this run becomes your loudness "
            f"baseline ({s.loudness_dbfs:.1f} dBFS median footfall). Record the next runs with "
            "the microphone in the same place, on the same surface, at the same pace.")
    else:
        runs = ", ".join(str(i) for i in base.get("run_ids") or [])
        lines.append(
            f"Your baseline: {base['loudness_dbfs']:.1f} dBFS at {base['cadence_spm']:.0f} "
            f"steps/min (median of earlier audio run(s) {runs} within ±5 % cadence). This run: "
            f"{show('loudness_vs_baseline_db', s.loudness_vs_baseline_db, signed=True)}.")
        if _finite(s.quiet_score_pct):
            lines.append(
                f"Quiet score {s.quiet_score_pct:.0f} %: the share of footfalls at least 3 dB "
                "quieter than your baseline (the target, SCIENCE.md metric spec 5); 50 % or more "
                "means your typical footfall reached it.")
    if _finite(s.footfall_loudness_asymmetry_db) or _finite(s.footfall_timing_asymmetry_pct):
        lines.append(
            "Odd vs even footfalls: loudness differs by "
            f"{show('footfall_loudness_asymmetry_db', s.footfall_loudness_asymmetry_db)}, step "
            f"time by {show('footfall_timing_asymmetry_ms', s.footfall_timing_asymmetry_ms)} "
            f"({show('footfall_timing_asymmetry_pct', s.footfall_timing_asymmetry_pct)}). "
            "A microphone cannot tell which foot is which, so these say how much the two sides "
            "differ, not which side; a microphone nearer one foot also makes it louder.")
    steps = run.steps
    if steps is not None and "impact_clipped" in steps:
        n_clipped = int(steps["impact_clipped"].fillna(False).astype(bool).sum())
        if n_clipped:
            lines.append(f"{n_clipped} footfalls reached full scale (clipped): their loudness "
                         "is a lower bound, so they are left out of these figures.")
    lines.append(SOUND_CAVEAT)
    return lines
