"""Running-dynamics metrics: per run (``summarize``), per kilometre (``per_km``), by speed
(``cadence_vs_speed``), and leg stiffness (``morin_stiffness``).

Inputs are the per-record table (columns of ``softstep.model.RECORD_COLUMNS``, ``t_s``
ascending; watch files log every 1 s or irregularly with pauses) and the Steps table
(``STEP_COLUMNS``; empty for watch files). When Steps carry per-step values (cadence, contact,
vertical oscillation, impact, side), they replace the watch's per-record values: each step is
assigned to the record interval it falls in and averaged there (``prepare``). A Steps table with
no records at all (an IMU-only source) gets a 1-s record grid of its own.

Definitions used everywhere in this module
------------------------------------------
- ``dt_s``: the time a record stands for, ``t[i+1] - t[i]`` (the last record gets the median
  interval), clipped to ``MAX_DT_S`` so that pauses do not dominate averages.
- *moving*: speed >= 0.5 m/s where speed is known, else cadence >= 60 spm where cadence is known.
- *running*: cadence >= 140 spm (walk-run transition 135-140 spm, SCIENCE.md §6) **and**
  speed >= 1.5 m/s, each tested only where the record has it; a record with speed but no cadence
  must reach 2.0 m/s (a brisk walk stays below). A record with neither is not running.
- Averages are time-weighted (``dt_s``) over running records.
- ``flight_s = 60 / cadence_spm - contact_s``; ``duty_factor = contact_s / (120 / cadence_spm)``
  (contact over stride time); ``step_length_m`` from the file, else ``speed * 60 / cadence``;
  ``vertical_ratio_pct`` from the file, else ``vertical_oscillation_cm / step_length_m``
  (VO over step length, in %).

All functions are pure: the same tables give the same result.

Example
-------
>>> import numpy as np, pandas as pd
>>> from softstep.model import Runner, empty_records, empty_steps
>>> rec = empty_records(600)
>>> rec["t_s"] = np.arange(600.0); rec["speed_m_per_s"] = 3.0; rec["cadence_spm"] = 170.0
>>> rec["distance_m"] = 3.0 * rec["t_s"]
>>> s = summarize(rec, empty_steps(), Runner())
>>> round(s.cadence_spm), round(s.step_length_m, 3)
(170, 1.059)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from softstep.model import RECORD_COLUMNS, Runner, Summary, conform

# --------------------------------------------------------------------------------------------
MAX_DT_S = 10.0  # longest interval one record may stand for (smart recording logs every 1-10 s)
MOVING_MIN_SPEED_M_PER_S = 0.5
MOVING_MIN_CADENCE_SPM = 60.0
RUN_MIN_CADENCE_SPM = 140.0  # SCIENCE.md §6: walk-run transition ~135-140 steps/min
RUN_MIN_SPEED_M_PER_S = 1.5  # with a running cadence confirming
RUN_MIN_SPEED_NO_CADENCE_M_PER_S = 2.0  # speed alone must clear a brisk walk
FLAT_GRADE_PCT = 3.0  # Morin's temporal method is invalid on inclines (SCIENCE.md §6, Meyer 2023)
GRADE_WINDOW_M = 50.0  # altitude difference over this distance gives grade_pct where missing
MIN_STEP_VALUES = 10  # a Steps column needs this many values to replace the watch's
MIN_METRIC_S = 5.0  # least running time behind a summary value
DRIFT_MIN_MATCHED_S = 120.0  # least matched-speed running time in each third for a drift value
DRIFT_SPEED_QUANTILES = (0.10, 0.90)
SLOPE_MIN_RECORDS = 30
SLOPE_MIN_SPEED_RANGE_M_PER_S = 0.3  # P10-P90 speed spread needed to fit cadence on speed
SPEED_BIN_M_PER_S = 0.25
MIN_BIN_S = 60.0
G_M_PER_S2 = 9.81

DRIFT_METRICS = (
    "cadence_spm",
    "contact_s",
    "vertical_oscillation_cm",
    "vertical_ratio_pct",
    "hr_bpm",
    "impact_g",
)

# Metrics averaged per run / per km / per speed bin.
_MEAN_METRICS = (
    "speed_m_per_s",
    "cadence_spm",
    "contact_s",
    "flight_s",
    "duty_factor",
    "vertical_oscillation_cm",
    "vertical_ratio_pct",
    "step_length_m",
    "contact_balance_left_pct",
    "grade_pct",
    "hr_bpm",
    "power_w",
    "impact_g",
    "braking_g",
    "impact_loading_rate_bw_per_s",
    "strike_type",
)

# Per km: where it lies, then the per-run means up to impact (braking and the rest stay per run).
PER_KM_COLUMNS = [
    "km",
    "start_s",
    "end_s",
    "distance_m",
    "duration_s",
    "pace_s_per_km",
    *_MEAN_METRICS[: _MEAN_METRICS.index("impact_g") + 1],
]

CADENCE_VS_SPEED_COLUMNS = [
    "speed_lo_m_per_s",
    "speed_hi_m_per_s",
    "speed_m_per_s",
    "time_s",
    "cadence_spm",
    "contact_s",
    "vertical_oscillation_cm",
    "step_length_m",
]

# Steps column -> record column, and the side it is restricted to (None = both feet).
_STEP_TO_RECORD = (
    ("cadence_spm", "cadence_spm", None),
    ("contact_s", "contact_s", None),
    ("vertical_oscillation_cm", "vertical_oscillation_cm", None),
    ("impact_g", "impact_g", None),
    ("contact_s", "contact_s_left", "L"),
    ("contact_s", "contact_s_right", "R"),
    ("impact_g", "impact_g_left", "L"),
    ("impact_g", "impact_g_right", "R"),
)


# --------------------------------------------------------------------------------------------
# Small array functions
def morin_stiffness(
    mass_kg: float | np.ndarray,
    speed_m_per_s: float | np.ndarray,
    leg_length_m: float | np.ndarray,
    contact_s: float | np.ndarray,
    flight_s: float | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Leg and vertical stiffness by Morin's sine-wave model (Morin 2005; SCIENCE.md §6).

    With m (kg), v (m/s), leg length L (m), contact t_c and flight t_f (s), g = 9.81 m/s²::

        F_max  = m·g·(π/2)·(t_f/t_c + 1)                    peak vertical force, N
        Δy_c   = F_max·t_c²/(m·π²) − g·t_c²/8               centre-of-mass drop, m (magnitude)
        ΔL     = L − sqrt(L² − (v·t_c/2)²) + Δy_c           leg compression, m
        k_vert = F_max / Δy_c ;  k_leg = F_max / ΔL         N/m (returned in kN/m)

    Morin's equation 7 reads ``Δy_c = −F_max·t_c²/(m·π²) + g·t_c²/8`` (a downward, negative
    displacement; its appendix derives it and Tables 1-2 give Δy_c ≈ 0.05 m); the stiffness uses
    its magnitude. SCIENCE.md §6 writes ``+ g·t_c²/8`` after the force term, a transcription slip
    that would triple Δy_c.

    L is usually taken as 0.53 × height (``Runner.leg_length_m``). Valid on flat ground only
    (Meyer 2023); compare values within this method only. Inputs broadcast; impossible inputs
    (t_c <= 0, t_f < 0, v·t_c/2 >= L, m <= 0) give NaN.

    Returns
    -------
    (k_leg_kn_per_m, k_vert_kn_per_m) : arrays of the broadcast shape

    Example
    -------
    >>> k_leg, k_vert = morin_stiffness(70.0, 4.0, 0.95, 0.2, 0.12)
    >>> round(float(k_leg), 2), round(float(k_vert), 1)
    (12.4, 33.9)
    """
    m, v, length, tc, tf = (
        np.asarray(x, dtype=float)
        for x in (mass_kg, speed_m_per_s, leg_length_m, contact_s, flight_s)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (tc > 0) & (tf >= 0) & (m > 0) & (length > 0) & (v >= 0) & (v * tc / 2 < length)
        f_max = m * G_M_PER_S2 * (np.pi / 2) * (tf / tc + 1)
        dy_c = f_max * tc**2 / (m * np.pi**2) - G_M_PER_S2 * tc**2 / 8
        dl = length - np.sqrt(length**2 - (v * tc / 2) ** 2) + dy_c
        k_vert = np.where(ok, f_max / dy_c / 1000.0, np.nan)
        k_leg = np.where(ok, f_max / dl / 1000.0, np.nan)
    return k_leg, k_vert


def record_weights_s(t_s: np.ndarray, max_dt_s: float = MAX_DT_S) -> np.ndarray:
    """Seconds each record stands for: forward differences clipped to ``[0, max_dt_s]``.

    The last record gets the median interval. ``t_s`` of shape (n,) -> weights of shape (n,).

    >>> record_weights_s(np.array([0.0, 1.0, 2.0, 62.0, 63.0])).tolist()
    [1.0, 1.0, 10.0, 1.0, 1.0]
    """
    t = np.asarray(t_s, dtype=float)
    if len(t) == 0:
        return np.zeros(0)
    d = np.diff(t)
    last = float(np.median(d)) if len(d) else 1.0
    return np.clip(np.append(d, last), 0.0, max_dt_s)


def grade_from_altitude_pct(
    distance_m: np.ndarray, altitude_m: np.ndarray, window_m: float = GRADE_WINDOW_M
) -> np.ndarray:
    """Slope in % at each record: altitude change across ±window/2 of distance.

    Near either end of the run the window is one-sided (at least ``window_m / 2`` wide); NaN
    where distance or altitude is missing or the run is shorter than that.

    >>> d = np.arange(0.0, 200.0, 10.0)
    >>> g = grade_from_altitude_pct(d, 0.05 * d)
    >>> float(np.round(g[10], 6))
    5.0
    """
    d = np.asarray(distance_m, dtype=float)
    a = np.asarray(altitude_m, dtype=float)
    out = np.full(len(d), np.nan)
    ok = np.isfinite(d) & np.isfinite(a)
    if ok.sum() < 2:
        return out
    xd = np.maximum.accumulate(d[ok])
    xa = a[ok]
    half = window_m / 2
    hi = np.minimum(d + half, xd[-1])
    lo = np.maximum(d - half, xd[0])
    span = hi - lo
    inside = ok & (span >= half)  # near either end the window is one-sided, at least half wide
    up = np.interp(hi[inside], xd, xa)
    down = np.interp(lo[inside], xd, xa)
    out[inside] = (up - down) / span[inside] * 100.0
    return out


def weighted_mean(values: np.ndarray, weights_s: np.ndarray, min_weight_s: float = 0.0):
    """Time-weighted mean of the finite ``values``; None when less than ``min_weight_s`` is left.

    >>> weighted_mean(np.array([1.0, 3.0, np.nan]), np.array([3.0, 1.0, 5.0]))
    1.5
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights_s, dtype=float)
    ok = np.isfinite(x) & np.isfinite(w) & (w > 0)
    total = float(w[ok].sum())
    if total <= 0 or total < min_weight_s:
        return None
    return float(np.sum(x[ok] * w[ok]) / total)


def huber_line(x: np.ndarray, y: np.ndarray, w: np.ndarray, iterations: int = 30):
    """Robust straight line ``y ≈ a + b·x`` (Huber IRLS, k = 1.345 × MAD scale), weights ``w``.

    Returns (intercept, slope). Deterministic; no random sampling.

    >>> x = np.arange(10.0); y = 2 * x + 1; y[3] = 100
    >>> a, b = huber_line(x, y, np.ones(10)); round(b, 1)
    2.0
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    base = np.asarray(w, float)
    design = np.column_stack([np.ones_like(x), x])
    weights = base.copy()
    coef = np.zeros(2)
    for _ in range(iterations):
        sw = np.sqrt(weights)
        coef = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)[0]
        resid = y - design @ coef
        scale = 1.4826 * float(np.median(np.abs(resid - np.median(resid))))
        if scale <= 1e-12:
            break
        r = np.abs(resid) / (1.345 * scale)
        weights = base * np.where(r <= 1, 1.0, 1.0 / np.maximum(r, 1e-12))
    return float(coef[0]), float(coef[1])


# --------------------------------------------------------------------------------------------
# The prepared per-record table every metric reads
def _num(table: pd.DataFrame, column: str) -> np.ndarray:
    if column not in table:
        return np.full(len(table), np.nan)
    return pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def step_cadence_spm(steps: pd.DataFrame) -> np.ndarray:
    """Per-step cadence, steps/min: Steps ``cadence_spm``, else ``60 / step_s``, else NaN."""
    cadence = _num(steps, "cadence_spm")
    step_s = _num(steps, "step_s")
    with np.errstate(divide="ignore", invalid="ignore"):
        from_interval = np.where(step_s > 0, 60.0 / step_s, np.nan)
    return np.where(np.isfinite(cadence), cadence, from_interval)


def stride_s(steps: pd.DataFrame) -> np.ndarray:
    """Per-step stride time, s: this contact to the next contact of the same foot.

    Two-footed detectors (trunk, wrist, force plate) give ``step_s[i] + step_s[i + 1]``; a
    one-foot sensor (shank, shoe) already gives half its stride as ``step_s`` (its contacts are
    a stride apart), so its stride is ``2 · step_s``. Stride time is free of the left/right
    alternation that an off-centre trunk sensor adds to each contact's timing.

    >>> from softstep.model import empty_steps
    >>> steps = empty_steps(4); steps["t_s"] = [0, 0.43, 0.76, 1.19]
    >>> steps["step_s"] = [0.43, 0.33, 0.43, np.nan]
    >>> stride_s(steps).round(2).tolist()
    [0.76, 0.76, nan, nan]
    """
    step = _num(steps, "step_s")
    t = _num(steps, "t_s")
    if len(step) < 2:
        return np.full(len(step), np.nan)
    if np.isfinite(step).any() and np.nanmedian(np.diff(t)) > 1.5 * np.nanmedian(step):
        return 2.0 * step
    return step + np.r_[step[1:], np.nan]


def _clipped(steps: pd.DataFrame) -> np.ndarray:
    """True for steps whose impact saturated the sensor (their impact_g is a lower bound)."""
    if "impact_clipped" not in steps:
        return np.zeros(len(steps), dtype=bool)
    return steps["impact_clipped"].astype("boolean").fillna(False).to_numpy(bool)


def _merge_steps(table: pd.DataFrame, steps: pd.DataFrame) -> pd.DataFrame:
    """Average per-step values into the record interval each step falls in (steps win)."""
    t_step = _num(steps, "t_s")
    keep = np.isfinite(t_step)
    if not keep.any():
        return table
    steps = steps.loc[keep]
    t_step = t_step[keep]
    if len(table) == 0 or not np.isfinite(table["t_s"]).any():
        grid = np.arange(math.floor(t_step.min()), math.floor(t_step.max()) + 1.0, 1.0)
        table = conform(pd.DataFrame({"t_s": grid}), list(RECORD_COLUMNS))
    t_rec = table["t_s"].to_numpy(dtype=float)
    idx = np.searchsorted(t_rec, t_step, side="right") - 1
    inside = (idx >= 0) & (t_step - t_rec[np.clip(idx, 0, None)] <= MAX_DT_S)
    side = (
        steps["side"].astype("string").fillna("").to_numpy(dtype=object)
        if "side" in steps
        else np.full(len(steps), "", dtype=object)
    )
    values = {
        "cadence_spm": step_cadence_spm(steps),
        "contact_s": _num(steps, "contact_s"),
        "vertical_oscillation_cm": _num(steps, "vertical_oscillation_cm"),
        "impact_g": np.where(_clipped(steps), np.nan, _num(steps, "impact_g")),
    }
    out = table.copy()
    n = len(out)
    for step_col, rec_col, want_side in _STEP_TO_RECORD:
        x = values[step_col]
        ok = inside & np.isfinite(x)
        if want_side is not None:
            ok &= side == want_side
        if ok.sum() < MIN_STEP_VALUES:
            continue
        if step_col == "cadence_spm":  # mean step time, then inverted: unbiased by alternation
            x = 60.0 / np.where(ok, x, 1.0)
        sums = np.bincount(idx[ok], weights=x[ok], minlength=n)
        counts = np.bincount(idx[ok], minlength=n)
        has = counts > 0
        col = out[rec_col].to_numpy(dtype=float).copy()
        col[has] = sums[has] / counts[has]
        if step_col == "cadence_spm":
            col[has] = 60.0 / col[has]
        out[rec_col] = col
    return out


def running_mask(speed_m_per_s: np.ndarray, cadence_spm: np.ndarray) -> np.ndarray:
    """True where a record is running (see the module docstring for the rule).

    >>> running_mask(np.array([3.0, 1.2, np.nan, 2.5, np.nan]),
    ...              np.array([170, 170, 150, np.nan, np.nan])).tolist()
    [True, False, True, True, False]
    """
    v = np.asarray(speed_m_per_s, float)
    c = np.asarray(cadence_spm, float)
    has_v, has_c = np.isfinite(v), np.isfinite(c)
    with np.errstate(invalid="ignore"):
        cadence_ok = has_c & (c >= RUN_MIN_CADENCE_SPM)
        speed_ok = np.where(
            has_c, v >= RUN_MIN_SPEED_M_PER_S, v >= RUN_MIN_SPEED_NO_CADENCE_M_PER_S
        )
    return np.where(has_c, cadence_ok & (~has_v | speed_ok), has_v & speed_ok)


def prepare(records: pd.DataFrame, steps: pd.DataFrame | None = None) -> pd.DataFrame:
    """The per-record table with step data merged in and the derived columns every metric uses.

    Adds ``dt_s``, ``moving``, ``running``, ``flat`` (|grade| <= 3 % or unknown), ``flight_s``,
    ``duty_factor``; fills ``step_length_m``, ``vertical_ratio_pct``, ``grade_pct`` and
    ``contact_balance_left_pct`` where the file lacks them but they can be derived.
    Rows without a finite ``t_s`` are dropped; the result is sorted by ``t_s``.
    """
    table = conform(records if records is not None else pd.DataFrame(), list(RECORD_COLUMNS))
    table = table[np.isfinite(table["t_s"].to_numpy(dtype=float))]
    table = table.sort_values("t_s", kind="stable").reset_index(drop=True)
    if steps is not None and len(steps):
        table = _merge_steps(table, steps)
    t = table["t_s"].to_numpy(dtype=float)
    v = table["speed_m_per_s"].to_numpy(dtype=float)
    cad = table["cadence_spm"].to_numpy(dtype=float)
    contact = table["contact_s"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cad_pos = np.where(cad > 0, cad, np.nan)
        step_len = table["step_length_m"].to_numpy(dtype=float)
        step_len = np.where(np.isfinite(step_len), step_len, v * 60.0 / cad_pos)
        vo = table["vertical_oscillation_cm"].to_numpy(dtype=float)
        ratio = table["vertical_ratio_pct"].to_numpy(dtype=float)
        ratio = np.where(
            np.isfinite(ratio), ratio, np.where(step_len > 0.2, vo / step_len, np.nan)
        )
        left = table["contact_s_left"].to_numpy(dtype=float)
        right = table["contact_s_right"].to_numpy(dtype=float)
        balance = table["contact_balance_left_pct"].to_numpy(dtype=float)
        balance = np.where(np.isfinite(balance), balance, 100.0 * left / (left + right))
        flight = 60.0 / cad_pos - contact
        duty = contact * cad_pos / 120.0
    grade = table["grade_pct"].to_numpy(dtype=float)
    if not np.isfinite(grade).any():
        grade = grade_from_altitude_pct(
            table["distance_m"].to_numpy(dtype=float), table["altitude_m"].to_numpy(dtype=float)
        )
    with np.errstate(invalid="ignore"):
        moving = np.where(
            np.isfinite(v), v >= MOVING_MIN_SPEED_M_PER_S, cad >= MOVING_MIN_CADENCE_SPM
        )
        flat = ~(np.abs(grade) > FLAT_GRADE_PCT)
    return table.assign(
        dt_s=record_weights_s(t),
        step_length_m=step_len,
        vertical_ratio_pct=ratio,
        contact_balance_left_pct=balance,
        grade_pct=grade,
        flight_s=flight,
        duty_factor=duty,
        moving=moving,
        running=running_mask(v, cad),
        flat=flat,
    )


def running_weights_s(table: pd.DataFrame) -> np.ndarray:
    """``dt_s`` of running records and 0 elsewhere; ``table`` is ``prepare``'s output."""
    return np.where(table["running"].to_numpy(dtype=bool), table["dt_s"].to_numpy(float), 0.0)


# --------------------------------------------------------------------------------------------
def matched_speed_drift(
    table: pd.DataFrame, metrics=DRIFT_METRICS, match_on: str = "speed_m_per_s"
) -> dict[str, float]:
    """Change of each metric from the first to the last third of the running time, at matched speed.

    Method: split the running time (``dt_s`` of running records) into thirds. The matched band is
    the speed range both thirds share: from the higher of their 10th percentiles to the lower of
    their 90th. Records of the first and last thirds inside the band are pooled and a
    time-weighted least-squares line ``metric = a + b·(speed − band centre) + d·[last third]`` is
    fitted (one common speed slope; dropped when all matched records share one speed). The
    drift is ``d``: last minus first, at the same speed, in the metric's unit.
    A metric gets a value only when each third has at least ``DRIFT_MIN_MATCHED_S`` of matched
    running time with that metric; without speed no value is reported (speed cannot be matched).

    ``table`` is the output of ``prepare``. ``match_on="cadence_spm"`` matches cadence instead,
    for sensor files that have no speed (cadence rises with speed, SCIENCE.md §6).
    """
    w = running_weights_s(table)
    v = table[match_on].to_numpy(float)
    ok_v = (w > 0) & np.isfinite(v)
    if ok_v.sum() < 6:
        return {}
    run_time = np.cumsum(w) - w / 2
    total = float(w.sum())
    first = ok_v & (run_time < total / 3)
    last = ok_v & (run_time >= 2 * total / 3)
    if first.sum() < 3 or last.sum() < 3:
        return {}
    q_lo, q_hi = DRIFT_SPEED_QUANTILES
    lo = max(np.quantile(v[first], q_lo), np.quantile(v[last], q_lo))
    hi = min(np.quantile(v[first], q_hi), np.quantile(v[last], q_hi))
    if hi < lo:
        return {}
    band = (v >= lo) & (v <= hi)
    centre = (lo + hi) / 2
    out: dict[str, float] = {}
    for name in metrics:
        y = table[name].to_numpy(float)
        a_ok = first & band & np.isfinite(y)
        c_ok = last & band & np.isfinite(y)
        if w[a_ok].sum() < DRIFT_MIN_MATCHED_S or w[c_ok].sum() < DRIFT_MIN_MATCHED_S:
            continue
        sel = a_ok | c_ok
        x = v[sel] - centre
        cols = [np.ones(sel.sum()), c_ok[sel].astype(float)]
        if np.ptp(x) > 1e-6:
            cols.append(x)
        design = np.column_stack(cols)
        sw = np.sqrt(w[sel])
        coef = np.linalg.lstsq(design * sw[:, None], y[sel] * sw, rcond=None)[0]
        out[name] = float(coef[1])
    return out


def cadence_speed_slope(table: pd.DataFrame) -> float | None:
    """Robust slope of cadence on speed over running records, steps/min per m/s (Huber line).

    None with fewer than 30 records or a speed spread (P10-P90) under 0.3 m/s.
    """
    w = running_weights_s(table)
    v = table["speed_m_per_s"].to_numpy(float)
    c = table["cadence_spm"].to_numpy(float)
    ok = (w > 0) & np.isfinite(v) & np.isfinite(c)
    if ok.sum() < SLOPE_MIN_RECORDS:
        return None
    p_lo, p_hi = np.quantile(v[ok], [0.1, 0.9])
    if p_hi - p_lo < SLOPE_MIN_SPEED_RANGE_M_PER_S:
        return None
    return huber_line(v[ok], c[ok], w[ok])[1]


def _stiffness(table: pd.DataFrame, runner: Runner | None):
    if runner is None or runner.mass_kg is None or runner.leg_length_m is None:
        return None, None
    w = running_weights_s(table) * table["flat"].to_numpy(bool)
    k_leg, k_vert = morin_stiffness(
        runner.mass_kg,
        table["speed_m_per_s"].to_numpy(float),
        runner.leg_length_m,
        table["contact_s"].to_numpy(float),
        np.clip(table["flight_s"].to_numpy(float), 0.0, None),
    )
    return weighted_mean(k_leg, w, MIN_METRIC_S), weighted_mean(k_vert, w, MIN_METRIC_S)


def _step_only_means(steps: pd.DataFrame | None) -> dict[str, float | None]:
    """Per-step means of the impact columns that have no per-record counterpart.

    The acceleration loading rate of a saturated impact is a lower bound and is left out.
    """
    if steps is None or not len(steps):
        return {}
    clipped = _clipped(steps)
    out: dict[str, float | None] = {}
    for name in ("loading_rate_g_per_s", "peak_force_bw", "loading_rate_bw_per_s"):
        x = _num(steps, name)
        if name == "loading_rate_g_per_s":
            x = np.where(clipped, np.nan, x)
        x = x[np.isfinite(x)]
        out[name] = float(x.mean()) if len(x) >= MIN_STEP_VALUES else None
    return out


def summarize(records: pd.DataFrame, steps: pd.DataFrame | None, runner: Runner | None) -> Summary:
    """Per-run figures (softstep.model.Summary); None wherever the data cannot give a value.

    - ``duration_s``: last minus first ``t_s``; ``moving_s``: sum of ``dt_s`` over moving records.
    - ``distance_m``: cumulative distance covered (max - min), else speed integrated over ``dt_s``.
    - averages: time-weighted over running records (module docstring), at least 5 s of data.
    - ``contact_balance_left_pct``: the file's balance, else left / (left + right) contact.
    - stiffness: ``morin_stiffness`` per running record on flat ground (|grade| <= 3 % or
      unknown), time-weighted; needs the runner's height and mass.
    - ``drift``: ``matched_speed_drift``; ``cadence_speed_slope_spm_per_m_per_s``: Huber line.
    - ``steps_detected``: rows of ``steps`` (None for watch files with no Steps).
    - ``loading_rate_g_per_s``, ``peak_force_bw``, ``loading_rate_bw_per_s``: per-step means;
      impacts that saturated the sensor are left out of every impact figure.
    - footfall sound (audio Steps): ``metrics_audio.loudness_summary``; the comparison with
      the runner's baseline (``metrics_audio.against_baseline``) needs the store and is added
      by ``pipeline.analyze_recording``.
    - landing geometry (video; foot / shank IMU in part): ``metrics_video.landing_summary``,
      medians over the landings that have it (strike angle and class shares, overstride, shank,
      knee, trunk); pose angles carry ±5-8° (SCIENCE.md §4).
    """
    from softstep import metrics_audio, metrics_video

    table = prepare(records, steps)
    n_steps = int(len(steps)) if steps is not None and len(steps) else None
    if len(table) == 0:
        return Summary(steps_detected=n_steps)
    t = table["t_s"].to_numpy(float)
    dt = table["dt_s"].to_numpy(float)
    w = running_weights_s(table)
    v = table["speed_m_per_s"].to_numpy(float)
    cad = table["cadence_spm"].to_numpy(float)
    d = table["distance_m"].to_numpy(float)

    if np.isfinite(d).any():
        distance = float(np.nanmax(d) - np.nanmin(d))
    elif np.isfinite(v).any():
        distance = float(np.nansum(v * dt))
    else:
        distance = None
    moving = (
        min(float(dt[table["moving"].to_numpy(bool)].sum()), float(t[-1] - t[0]))
        if (np.isfinite(v) | np.isfinite(cad)).any()
        else None
    )
    means = {
        name: weighted_mean(table[name].to_numpy(float), w, MIN_METRIC_S) for name in _MEAN_METRICS
    }

    left = weighted_mean(table["contact_s_left"].to_numpy(float), w, MIN_METRIC_S)
    right = weighted_mean(table["contact_s_right"].to_numpy(float), w, MIN_METRIC_S)
    file_balance = records is not None and "contact_balance_left_pct" in records and np.isfinite(
        _num(records, "contact_balance_left_pct")
    ).any()
    if not file_balance and left is not None and right is not None and left + right > 0:
        means["contact_balance_left_pct"] = 100.0 * left / (left + right)

    k_leg, k_vert = _stiffness(table, runner)
    means.update(_step_only_means(steps))
    sound = metrics_audio.loudness_summary(steps)
    if sound:
        means.update(sound)
    means.update(metrics_video.landing_summary(steps))  # medians over landings, ±5-8° (§4)
    return Summary(
        duration_s=float(t[-1] - t[0]),
        moving_s=moving,
        distance_m=distance,
        leg_stiffness_kn_per_m=k_leg,
        vertical_stiffness_kn_per_m=k_vert,
        cadence_speed_slope_spm_per_m_per_s=cadence_speed_slope(table),
        drift=matched_speed_drift(table),
        steps_detected=n_steps,
        **means,
    )


# --------------------------------------------------------------------------------------------
def _grouped_means(table: pd.DataFrame, keys: np.ndarray, names) -> pd.DataFrame:
    """Time-weighted means of ``names`` over running records, per group key (vectorised)."""
    w = running_weights_s(table)
    parts = {}
    for name in names:
        x = table[name].to_numpy(float)
        ok = np.isfinite(x) & (w > 0)
        parts[f"{name}__wx"] = np.where(ok, x * w, 0.0)
        parts[f"{name}__w"] = np.where(ok, w, 0.0)
    sums = pd.DataFrame(parts).groupby(keys, sort=True).sum()
    out = pd.DataFrame(index=sums.index)
    for name in names:
        wsum = sums[f"{name}__w"]
        out[name] = (sums[f"{name}__wx"] / wsum).where(wsum >= MIN_METRIC_S)
    return out


def per_km(records: pd.DataFrame, steps: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per kilometre (the last, partial one with its true distance); PER_KM_COLUMNS.

    ``km`` is 1-based. ``start_s``/``end_s`` are the times the run crossed each kilometre mark
    (interpolated between records). ``duration_s`` sums ``dt_s`` of the km's records (pauses
    count at most 10 s), and ``pace_s_per_km``/``speed_m_per_s`` derive from it. Metric columns
    are time-weighted means over running records (NaN with under 5 s of running). A run without
    distance (treadmill without a pod) gives an empty table with the same columns.

    >>> from softstep.model import empty_records
    >>> rec = empty_records(700); rec["t_s"] = np.arange(700.0)
    >>> rec["distance_m"] = 3.0 * rec["t_s"]; rec["speed_m_per_s"] = 3.0
    >>> per_km(rec)[["km", "distance_m"]].round(1).values.tolist()
    [[1.0, 1000.0], [2.0, 1000.0], [3.0, 97.0]]
    """
    table = prepare(records, steps)
    d = table["distance_m"].ffill().to_numpy(float)
    keep = np.isfinite(d)
    if keep.sum() < 2:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c == "km" else "float64") for c in PER_KM_COLUMNS}
        )
    table = table.loc[keep].reset_index(drop=True)
    d = np.maximum.accumulate(d[keep]) - d[keep][0]
    t = table["t_s"].to_numpy(float)
    km_index = np.floor(d / 1000.0).astype(np.int64)
    last_km = int(km_index[-1])
    if d[-1] - 1000.0 * last_km <= 1e-9 and last_km > 0:  # ends exactly on a mark
        km_index = np.minimum(km_index, last_km - 1)
        last_km -= 1
    marks = 1000.0 * np.arange(1, last_km + 1)
    # time at each mark: linear between the last record before and the first at/after it
    after = np.searchsorted(d, marks, side="left")
    before = np.clip(after - 1, 0, None)
    span = d[after] - d[before]
    frac = np.where(span > 0, (marks - d[before]) / np.where(span > 0, span, 1.0), 0.0)
    t_marks = t[before] + frac * (t[after] - t[before])
    starts = np.concatenate([[t[0]], t_marks])
    ends = np.concatenate([t_marks, [t[-1]]])
    dist = np.append(np.full(last_km, 1000.0), d[-1] - 1000.0 * last_km)

    means = _grouped_means(table, km_index, [c for c in PER_KM_COLUMNS[6:] if c != "speed_m_per_s"])
    duration = pd.Series(table["dt_s"].to_numpy(float)).groupby(km_index).sum()
    kms = np.arange(last_km + 1)
    duration = duration.reindex(kms, fill_value=0.0).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(dist > 0, duration / dist * 1000.0, np.nan)
        speed = np.where(duration > 0, dist / duration, np.nan)
    out = pd.DataFrame(
        {
            "km": kms + 1,
            "start_s": starts,
            "end_s": ends,
            "distance_m": dist,
            "duration_s": duration,
            "pace_s_per_km": pace,
            "speed_m_per_s": speed,
        }
    )
    out = out.join(means.reindex(kms).reset_index(drop=True))
    out = out[out["distance_m"] > 0].reset_index(drop=True)
    return out[PER_KM_COLUMNS]


def cadence_vs_speed(
    records: pd.DataFrame,
    steps: pd.DataFrame | None = None,
    bin_m_per_s: float = SPEED_BIN_M_PER_S,
    min_time_s: float = MIN_BIN_S,
) -> pd.DataFrame:
    """Cadence, contact time, VO and step length by speed bin (CADENCE_VS_SPEED_COLUMNS).

    Bins are ``bin_m_per_s`` wide, aligned at multiples of it; only running records count and
    only bins with at least ``min_time_s`` of running time are kept. Values are time-weighted.

    >>> from softstep.model import empty_records
    >>> rec = empty_records(400); rec["t_s"] = np.arange(400.0)
    >>> rec["speed_m_per_s"] = np.where(rec["t_s"] < 200, 2.6, 3.1)
    >>> rec["cadence_spm"] = np.where(rec["t_s"] < 200, 160.0, 168.0)
    >>> cadence_vs_speed(rec)[["speed_lo_m_per_s", "cadence_spm"]].values.tolist()
    [[2.5, 160.0], [3.0, 168.0]]
    """
    table = prepare(records, steps)
    w = running_weights_s(table)
    v = table["speed_m_per_s"].to_numpy(float)
    ok = (w > 0) & np.isfinite(v)
    if not ok.any():
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in CADENCE_VS_SPEED_COLUMNS})
    sub = table.loc[ok].reset_index(drop=True)
    # a tiny epsilon keeps values on a bin edge (3.0 / 0.25) in the bin they start
    bins = np.floor(v[ok] / bin_m_per_s + 1e-9).astype(np.int64)
    names = CADENCE_VS_SPEED_COLUMNS[2:3] + CADENCE_VS_SPEED_COLUMNS[4:]
    means = _grouped_means(sub, bins, names)
    time_s = pd.Series(sub["dt_s"].to_numpy(float)).groupby(bins).sum()
    out = means.assign(
        time_s=time_s,
        speed_lo_m_per_s=means.index.to_numpy() * bin_m_per_s,
        speed_hi_m_per_s=(means.index.to_numpy() + 1) * bin_m_per_s,
    )
    out = out[out["time_s"] >= min_time_s].reset_index(drop=True)
    return out[CADENCE_VS_SPEED_COLUMNS]


# --------------------------------------------------------------------------------------------
# Per-step sources (IMU, force plate) without distance: segments are minutes of running.
PER_MINUTE_COLUMNS = [
    "minute",
    "start_s",
    "end_s",
    "steps",
    "cadence_spm",
    "contact_s",
    "flight_s",
    "impact_g",
    "impact_clipped_pct",
    "loading_rate_g_per_s",
    "peak_force_bw",
    "loading_rate_bw_per_s",
    "vertical_oscillation_cm",
    "loudness_db",
    "stride_cv_pct",
    "contact_lr_diff_pct",
    "impact_lr_diff_pct",
    # audio only (metrics_audio.per_minute_loudness)
    "loudness_dbfs",
    "loudness_asymmetry_db",
    "timing_asymmetry_pct",
    "quiet_pct",
]
_PER_MINUTE_MEANS = (
    "contact_s",
    "flight_s",
    "impact_g",
    "loading_rate_g_per_s",
    "peak_force_bw",
    "loading_rate_bw_per_s",
    "vertical_oscillation_cm",
    "loudness_db",  # audio: footfall loudness, dB re the run's median footfall
)


def _lr_diff_pct(steps: pd.DataFrame, column: str, keys: np.ndarray) -> pd.Series:
    """|L - R| / mean(L, R) x 100 per group; NaN where either side has no value."""
    x = _num(steps, column)
    side = steps["side"].astype("string").fillna("").to_numpy(dtype=object)
    means = {}
    for s in ("L", "R"):
        ok = np.isfinite(x) & (side == s)
        means[s] = pd.Series(np.where(ok, x, np.nan)).groupby(keys).mean()
    left, right = means["L"], means["R"]
    return 100.0 * (left - right).abs() / ((left + right) / 2)


def per_minute(steps: pd.DataFrame, *, loudness_baseline_dbfs: float | None = None) -> pd.DataFrame:
    """One row per minute of a per-step recording (PER_MINUTE_COLUMNS), from its Steps table.

    ``minute`` is 1-based from the first contact; means are per step. Regularity is the
    stride-time coefficient of variation (``stride_cv_pct``, lower = steadier; ``stride_s``)
    and symmetry the
    left/right difference of contact time and impact (only where sides are known). Footfall
    sound (audio) adds ``metrics_audio.per_minute_loudness``; ``quiet_pct`` needs
    ``loudness_baseline_dbfs`` (the runner's baseline level, dBFS).

    >>> from softstep.model import empty_steps
    >>> steps = empty_steps(360); steps["t_s"] = np.arange(360) / 3.0; steps["step_s"] = 1 / 3
    >>> per_minute(steps)[["minute", "steps", "cadence_spm"]].round(1).values.tolist()
    [[1.0, 180.0, 180.0], [2.0, 180.0, 180.0]]
    """
    t = _num(steps, "t_s") if len(steps) else np.zeros(0)
    keep = np.isfinite(t)
    if not keep.any():
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in PER_MINUTE_COLUMNS})
    steps = steps.loc[keep].reset_index(drop=True)
    t = t[keep]
    keys = np.floor((t - t[0]) / 60.0).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        seconds_per_step = 60.0 / step_cadence_spm(steps)
    grouped = pd.DataFrame({"t": t, "step": seconds_per_step, "stride": stride_s(steps)}).groupby(keys)
    out = pd.DataFrame({
        "minute": grouped.size().index + 1,
        "start_s": grouped["t"].min(),
        "end_s": grouped["t"].max(),
        "steps": grouped.size(),
        "cadence_spm": 60.0 / grouped["step"].mean(),
        "stride_cv_pct": 100.0 * grouped["stride"].std() / grouped["stride"].mean(),
    })
    clipped = _clipped(steps)
    has_impact = np.isfinite(_num(steps, "impact_g"))
    steps = steps.assign(**{name: np.where(clipped, np.nan, _num(steps, name))
                            for name in ("impact_g", "loading_rate_g_per_s")})
    for name in _PER_MINUTE_MEANS:
        out[name] = pd.Series(_num(steps, name)).groupby(keys).mean()
    out["impact_clipped_pct"] = (
        100.0 * pd.Series(clipped & has_impact).groupby(keys).sum()
        / pd.Series(has_impact).groupby(keys).sum()
    )
    out["contact_lr_diff_pct"] = _lr_diff_pct(steps, "contact_s", keys)
    out["impact_lr_diff_pct"] = _lr_diff_pct(steps, "impact_g", keys)
    if np.isfinite(_num(steps, "loudness_dbfs")).any():
        from softstep import metrics_audio

        out = out.join(metrics_audio.per_minute_loudness(steps, keys, loudness_baseline_dbfs))
    return conform(out, list(PER_MINUTE_COLUMNS))
