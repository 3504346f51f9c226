"""The objects every source and every stage share.

The pipeline (DESIGN.md) is ``read -> Recording -> detect -> Steps -> summarize -> Summary ->
diagnose -> Findings -> plan -> Plan``. This module defines those objects and nothing else:
no I/O, no computation beyond trivial conversion.

Units live in column and field names (``contact_s``, ``cadence_spm``, ``vertical_oscillation_cm``).
Readers convert to these units once; everything downstream trusts them.

Example
-------
>>> rec = Recording(source="fit", sport="running", records=empty_records())
>>> rec.duration_s
0.0
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------------
# Per-record table: what a watch file carries about every second (or every sample it logged).
# Column -> meaning. All float64; NaN where the file has no value.
RECORD_COLUMNS: dict[str, str] = {
    "t_s": "seconds from the start of the run",
    "distance_m": "cumulative distance, m",
    "speed_m_per_s": "speed, m/s",
    "altitude_m": "altitude, m",
    "grade_pct": "slope, % (rise / run x 100)",
    "hr_bpm": "heart rate, beats/min",
    "cadence_spm": "cadence, steps/min (FIT strides/min are doubled at the reader)",
    "contact_s": "ground contact (stance) time, s",
    "contact_pct": "stance time as % of the step cycle",
    "contact_balance_left_pct": "left foot's share of ground contact time, %",
    "vertical_oscillation_cm": "vertical oscillation of the trunk, cm",
    "vertical_ratio_pct": "vertical oscillation / step length, %",
    "step_length_m": "step length, m",
    "lat_deg": "latitude, degrees",
    "lon_deg": "longitude, degrees",
    "power_w": "running power, W",
    "form_power_w": "Stryd form power, W",
    "leg_spring_stiffness_kn_per_m": "Stryd leg spring stiffness, kN/m",
    "impact_loading_rate_bw_per_s": "pod-estimated impact loading rate, body weights/s",
    "impact_g": "RunScribe impact, g (mean of both feet where both are present)",
    "impact_g_left": "RunScribe impact of the left foot, g",
    "impact_g_right": "RunScribe impact of the right foot, g",
    "braking_g": "RunScribe braking, g",
    "braking_g_left": "RunScribe braking of the left foot, g",
    "braking_g_right": "RunScribe braking of the right foot, g",
    "strike_type": "RunScribe foot-strike type, 1-16 (1-5 heel, 6-11 midfoot, 12-16 forefoot)",
    "strike_type_left": "RunScribe foot-strike type of the left foot, 1-16",
    "strike_type_right": "RunScribe foot-strike type of the right foot, 1-16",
    "pronation_deg": "RunScribe pronation excursion, degrees",
    "pronation_deg_left": "RunScribe pronation excursion of the left foot, degrees",
    "pronation_deg_right": "RunScribe pronation excursion of the right foot, degrees",
    "contact_s_left": "RunScribe contact time of the left foot, s",
    "contact_s_right": "RunScribe contact time of the right foot, s",
}

# --------------------------------------------------------------------------------------------
# Steps table: one row per foot contact, the same columns whatever the source (DESIGN.md).
# Column -> pandas dtype. A source leaves what it cannot observe as NaN / <NA>.
STEP_COLUMNS: dict[str, str] = {
    "t_s": "float64",  # initial contact, s from the recording start
    "to_s": "float64",  # toe-off, s
    "side": "string",  # "L", "R" or <NA> when unknown (never a guess)
    "confidence": "float64",  # 0-1, how sure the detector is of this contact
    "step_s": "float64",  # interval to the next contact, s
    "cadence_spm": "float64",  # 60 / step_s
    "contact_s": "float64",
    "flight_s": "float64",
    "impact_g": "float64",  # peak acceleration after contact, g
    "impact_clipped": "boolean",  # True where the sensor saturated
    "loading_rate_g_per_s": "float64",
    "peak_force_bw": "float64",
    "loading_rate_bw_per_s": "float64",
    "vertical_oscillation_cm": "float64",
    # footfall sound: peak / RMS of the band-passed envelope within +-30 ms of the footfall,
    # dB relative to the run's median footfall (loudness_db) or to full scale (dbfs)
    "loudness_db": "float64",
    "loudness_dbfs": "float64",
    "loudness_rms_db": "float64",
    "loudness_rms_dbfs": "float64",
    "strike_angle_deg": "float64",  # positive = toe up
    "strike_class": "string",  # "rearfoot" / "midfoot" / "forefoot"
    "overstride_cm": "float64",
    "overstride_pct_leg": "float64",
    "shank_angle_deg": "float64",
    "knee_flexion_ic_deg": "float64",
    "knee_flexion_peak_deg": "float64",
    "trunk_lean_deg": "float64",
}


# --------------------------------------------------------------------------------------------
# Raw inertial samples (``Recording.samples`` of source "imu"): one row per sample on a uniform
# time grid, device axes as recorded. Axes a file lacks are NaN. Readers convert to these units;
# ``t_s`` is float64, the axes float32 (7 significant digits, half the memory).
IMU_COLUMNS: dict[str, str] = {
    "t_s": "seconds from the recording start",
    "acc_x_g": "acceleration including gravity along the device x axis, g",
    "acc_y_g": "acceleration including gravity along the device y axis, g",
    "acc_z_g": "acceleration including gravity along the device z axis, g",
    "gyr_x_rad_per_s": "angular velocity about the device x axis, rad/s",
    "gyr_y_rad_per_s": "angular velocity about the device y axis, rad/s",
    "gyr_z_rad_per_s": "angular velocity about the device z axis, rad/s",
}

# Where a body-worn sensor sits. Trunk: sacrum, waist, pocket (a phone in a trouser pocket is
# treated as a loose sacral sensor, SCIENCE.md §5). Limb: shank, foot. Wrist: cadence only.
PLACEMENTS = ("sacrum", "waist", "pocket", "shank", "foot", "wrist")


def empty_records(n: int = 0) -> pd.DataFrame:
    """A per-record table of ``n`` rows with every column of RECORD_COLUMNS, all NaN."""
    return pd.DataFrame({c: np.full(n, np.nan) for c in RECORD_COLUMNS})


def empty_steps(n: int = 0) -> pd.DataFrame:
    """A Steps table of ``n`` rows with every column of STEP_COLUMNS, all missing."""
    return pd.DataFrame({c: pd.Series([None] * n, dtype=d) for c, d in STEP_COLUMNS.items()})


def conform(table: pd.DataFrame, columns: dict[str, str] | list[str]) -> pd.DataFrame:
    """Return ``table`` with exactly ``columns`` in order, missing ones added as NaN / <NA>.

    ``columns`` is either STEP_COLUMNS (name -> dtype) or a list of float column names.
    """
    dtypes = columns if isinstance(columns, dict) else dict.fromkeys(columns, "float64")
    out = {}
    for name, dtype in dtypes.items():
        if name in table:
            out[name] = table[name].astype(dtype)
        else:
            out[name] = pd.Series([None] * len(table), dtype=dtype, index=table.index)
    return pd.DataFrame(out, index=table.index).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
@dataclass
class Recording:
    """One activity as read from a file, in SI-ish units named in the columns.

    A watch file gives a per-record table (``records``, columns of RECORD_COLUMNS). Sources with
    raw samples (IMU, audio, video) will also set ``samples`` and ``sample_rate_hz``.

    Attributes
    ----------
    source : "fit", "tcx", "gpx" (later "imu", "audio", "video")
    sport : the sport the file names, e.g. "running"
    records : DataFrame, one row per record, t_s ascending
    start : absolute UTC start time, or None when the file has only relative time
    device : e.g. "garmin fenix2", "stryd"
    path : the file it came from
    session_index : which session of a multi-session file this is (0-based)
    content_hash : sha256 of the file's bytes (shared by all runs of one file)
    laps : DataFrame with start_s, end_s (seconds from the run start), or None
    placement : where the sensor sat (one of PLACEMENTS), for body-worn sources
    samples : raw samples (IMU_COLUMNS for "imu"), uniform rate ``sample_rate_hz``
    warnings : what was lost or guessed while reading, each naming the file
    info : what the reader measured or guessed, e.g. {"acc_units": "m/s² (detected)",
        "sample_rate_hz": 100.0, "gaps": 2, "placement_guess": ("shank", 0.8)}
    """

    source: str
    sport: str
    records: pd.DataFrame
    start: datetime | None = None
    device: str | None = None
    path: str | None = None
    session_index: int = 0
    content_hash: str | None = None
    laps: pd.DataFrame | None = None
    placement: str | None = None
    samples: pd.DataFrame | None = None
    sample_rate_hz: float | None = None
    warnings: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)  # what the reader measured or guessed

    @property
    def duration_s(self) -> float:
        t = self.records["t_s"]
        return float(t.iloc[-1] - t.iloc[0]) if len(t) else 0.0


@dataclass
class ReadResult:
    """What a reader found in one file: the runs, plus what it skipped and why."""

    path: str
    recordings: list[Recording]
    skipped: list[str] = field(default_factory=list)  # e.g. "session 1: cycling (not running)"
    warnings: list[str] = field(default_factory=list)


@dataclass
class Runner:
    """A runner's profile. Height and mass enable the stiffness metrics (SCIENCE.md §6)."""

    name: str = "me"
    height_cm: float | None = None
    mass_kg: float | None = None

    @property
    def leg_length_m(self) -> float | None:
        """Leg length taken as 0.53 x height (SCIENCE.md §6, Morin 2005 convention)."""
        return None if self.height_cm is None else 0.53 * self.height_cm / 100.0


# --------------------------------------------------------------------------------------------
@dataclass
class Summary:
    """Per-run figures. Every field is None where the source cannot give it.

    Times in s, distances in m, cadence in steps/min. ``drift`` maps a metric name to its change
    from the first to the last third of the run at matched speed (last minus first, metric units).
    """

    duration_s: float | None = None
    moving_s: float | None = None
    distance_m: float | None = None
    speed_m_per_s: float | None = None
    cadence_spm: float | None = None
    contact_s: float | None = None
    flight_s: float | None = None
    duty_factor: float | None = None
    vertical_oscillation_cm: float | None = None
    vertical_ratio_pct: float | None = None
    step_length_m: float | None = None
    contact_balance_left_pct: float | None = None
    grade_pct: float | None = None
    hr_bpm: float | None = None
    power_w: float | None = None
    impact_g: float | None = None
    braking_g: float | None = None
    impact_loading_rate_bw_per_s: float | None = None
    loading_rate_g_per_s: float | None = None
    peak_force_bw: float | None = None
    loading_rate_bw_per_s: float | None = None
    strike_type: float | None = None
    leg_stiffness_kn_per_m: float | None = None
    vertical_stiffness_kn_per_m: float | None = None
    cadence_speed_slope_spm_per_m_per_s: float | None = None
    drift: dict[str, float] = field(default_factory=dict)
    steps_detected: int | None = None
    # Footfall sound (audio runs; softstep.metrics_audio has the definitions). Clipped footfalls
    # are left out. Which foot is which is unknown, so the asymmetries are magnitudes.
    loudness_dbfs: float | None = None  # median footfall peak, dB re full scale
    loudness_iqr_db: float | None = None  # interquartile range of footfall loudness, dB
    loudness_trend_db_per_10min: float | None = None  # robust line through each footfall
    loudness_third_change_db: float | None = None  # last third minus first third, dB
    footfall_loudness_asymmetry_db: float | None = None  # |odd - even footfalls|, dB
    footfall_timing_asymmetry_ms: float | None = None  # |odd->even - even->odd interval|, ms
    footfall_timing_asymmetry_pct: float | None = None  # the same, % of the mean step time
    loudness_vs_baseline_db: float | None = None  # vs own earlier runs at matched cadence
    quiet_score_pct: float | None = None  # % of footfalls >= 3 dB under that baseline
    # Landing geometry (side-view video; a foot / shank IMU gives some): medians over the
    # landings that have it (softstep.metrics_video). Pose angles carry ±5-8° (SCIENCE.md §4).
    strike_angle_deg: float | None = None  # median foot-strike angle, positive = toe up
    rearfoot_pct: float | None = None  # share of classified landings, % (SCIENCE.md §3)
    midfoot_pct: float | None = None
    forefoot_pct: float | None = None
    overstride_cm: float | None = None  # median heel ahead of the hips at contact
    overstride_pct_leg: float | None = None  # the same, % of leg length
    shank_angle_deg: float | None = None  # median, from vertical, positive = ankle ahead of knee
    knee_flexion_ic_deg: float | None = None  # median knee flexion at contact
    knee_flexion_peak_deg: float | None = None  # median peak knee flexion in stance
    trunk_lean_deg: float | None = None  # median forward lean over the stance
    landings_measured: int | None = None  # landings with foot / leg geometry

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(dataclasses.asdict(self))


@dataclass
class Evidence:
    """One number behind a finding: value, unit, what it was compared with, and the source."""

    metric: str
    value: float | None
    unit: str
    reference: str  # e.g. "Garmin 30th percentile: 164 spm (SCIENCE.md §6)"
    source: str = "watch"  # which device/source measured it


@dataclass
class Finding:
    """A probable cause of hard landing, in the runner's words, with its evidence.

    ``code`` is one of FINDING_CODES. ``confidence`` is 0-1: how sure the evidence makes us.
    ``severity`` is 0-1: how far from the norm; findings are ranked by confidence x severity.
    """

    code: str
    title: str
    detail: str
    confidence: float
    severity: float
    evidence: list[Evidence] = field(default_factory=list)
    confirm_with: str = ""
    reference: str = ""

    @property
    def score(self) -> float:
        return self.confidence * self.severity


FINDING_CODES = (
    "overstriding",
    "heel_striking",
    "low_cadence",
    "bouncing",
    "fading_form",
    "asymmetry",
    "hard_impact",
    "loud_landings",
)


@dataclass
class PlanItem:
    """One prescribed thing: a session, an exercise, a cue, or gear advice.

    ``answers`` lists the finding codes it addresses (empty for general advice).
    """

    kind: str  # "cadence", "quiet_run", "strength", "cue", "shoes", "surface"
    title: str
    detail: str
    answers: list[str] = field(default_factory=list)
    minutes: float | None = None
    sets: int | None = None
    reps: str | None = None
    progression: str | None = None
    target_spm: float | None = None


@dataclass
class PlanWeek:
    week: int
    cadence_target_spm: float | None
    focus: str
    sessions: list[PlanItem] = field(default_factory=list)


@dataclass
class Plan:
    """A progressive retraining plan built from the findings (SCIENCE.md §2)."""

    baseline_cadence_spm: float | None
    weeks: list[PlanWeek] = field(default_factory=list)
    strength: list[PlanItem] = field(default_factory=list)
    cues: list[PlanItem] = field(default_factory=list)
    gear: list[PlanItem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(dataclasses.asdict(self))


@dataclass
class RunAnalysis:
    """Everything softstep knows about one run."""

    recording: Recording
    steps: pd.DataFrame
    summary: Summary
    segments: pd.DataFrame  # per-km table, see metrics.per_km
    findings: list[Finding]
    plan: Plan
    run_id: int | None = None  # set once stored


@dataclass
class FileAnalysis:
    """The result for one input file: its runs plus what was skipped or lost."""

    path: str
    runs: list[RunAnalysis]
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
def to_jsonable(value: Any) -> Any:
    """Convert numpy / pandas scalars, NaN and datetimes to plain JSON values (NaN -> None)."""
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [to_jsonable(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    return value


def table_to_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as a list of JSON-ready row dicts (NaN / <NA> -> None), converted a column
    at a time (a 10,000-step table is 100,000s of values).

    >>> table_to_records(pd.DataFrame({"t_s": [0.5, np.nan], "foot": ["L", None]}))
    [{'t_s': 0.5, 'foot': 'L'}, {'t_s': None, 'foot': None}]
    """
    columns = [_column_to_json(table.iloc[:, i]) for i in range(table.shape[1])]
    names = [str(name) for name in table.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _column_to_json(column: pd.Series) -> list[Any]:
    """One column as plain JSON values, like ``to_jsonable`` of each value."""
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else ""
    if kind == "f":
        values = column.to_numpy()
        return np.where(np.isfinite(values), values.astype(object), None).tolist()
    if kind in "iub" and kind:
        return column.to_numpy().tolist()
    return [to_jsonable(value) for value in column.tolist()]
