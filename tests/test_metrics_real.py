"""Metrics on real watch files, checked against values computed independently of softstep."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from softstep import metrics
from softstep.model import RECORD_COLUMNS, Runner, conform, empty_steps

fitdecode = pytest.importorskip("fitdecode")


def _fit_messages(path: Path, name: str) -> list:
    with fitdecode.FitReader(str(path)) as reader:
        return [
            frame
            for frame in reader
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == name
        ]


def _value(message, field: str) -> float:
    value = message.get_value(field, fallback=None)
    return float(value) if isinstance(value, int | float) else np.nan


def fit_records(path: Path) -> pd.DataFrame:
    """Records of a FIT run converted to RECORD_COLUMNS (unit rules: shared/data/README.md).

    Uses softstep.readers.read once it exists and works; otherwise decodes with fitdecode here.
    """
    try:
        from softstep.readers import read

        return read(path).recordings[0].records
    except Exception:  # noqa: BLE001 - the readers are written by another helper in parallel
        pass
    msgs = _fit_messages(path, "record")
    stamps = [m.get_value("timestamp") for m in msgs]
    t0: datetime = stamps[0]
    col = {
        "t_s": [(s - t0).total_seconds() for s in stamps],
        "distance_m": [_value(m, "distance") for m in msgs],
        "speed_m_per_s": [
            _value(m, "enhanced_speed") if m.has_field("enhanced_speed") else _value(m, "speed")
            for m in msgs
        ],
        "altitude_m": [_value(m, "altitude") for m in msgs],
        "hr_bpm": [_value(m, "heart_rate") for m in msgs],
        "cadence_spm": [
            2 * (_value(m, "cadence") + np.nan_to_num(_value(m, "fractional_cadence")))
            for m in msgs
        ],
        "contact_s": [_value(m, "stance_time") / 1000 for m in msgs],
        "contact_balance_left_pct": [_value(m, "stance_time_balance") for m in msgs],
        "vertical_oscillation_cm": [_value(m, "vertical_oscillation") / 10 for m in msgs],
        "vertical_ratio_pct": [_value(m, "vertical_ratio") for m in msgs],
        "step_length_m": [_value(m, "step_length") / 1000 for m in msgs],
        "power_w": [_value(m, "power") for m in msgs],
    }
    return conform(pd.DataFrame(col), list(RECORD_COLUMNS))


def fit_session(path: Path) -> dict:
    (session,) = _fit_messages(path, "session")
    return {f.name: f.value for f in session.fields if f.value is not None}


@pytest.fixture(scope="module")
def fenix2(shared_data) -> pd.DataFrame:
    return fit_records(shared_data / "fit" / "activity-small-fenix2-run.fit")


@pytest.fixture(scope="module")
def fenix2_session(shared_data) -> dict:
    return fit_session(shared_data / "fit" / "activity-small-fenix2-run.fit")


def test_fenix2_distance_and_duration_match_the_file_session(fenix2, fenix2_session):
    s = metrics.summarize(fenix2, empty_steps(), Runner())
    # the session message's own totals, decoded independently of softstep
    assert s.distance_m == pytest.approx(fenix2_session["total_distance"], abs=5)
    assert s.duration_s == pytest.approx(fenix2_session["total_elapsed_time"], abs=2)
    assert s.moving_s <= s.duration_s
    km = metrics.per_km(fenix2)
    assert len(km) == math.ceil(fenix2_session["total_distance"] / 1000)
    assert km["distance_m"].sum() == pytest.approx(s.distance_m, abs=1e-6)
    assert (km["distance_m"].iloc[:-1] == 1000).all()


def test_fenix2_running_averages_are_plausible_and_exclude_walking(fenix2, fenix2_session):
    s = metrics.summarize(fenix2, empty_steps(), Runner(height_cm=178, mass_kg=70))
    # the watch's session average includes walking and standing; running-only must be higher
    session_spm = 2 * fenix2_session["avg_running_cadence"]
    running = fenix2["cadence_spm"] >= 140
    raw = fenix2.loc[running, "cadence_spm"]
    assert session_spm <= s.cadence_spm <= raw.max()
    assert raw.quantile(0.25) <= s.cadence_spm <= raw.quantile(0.75)
    # contact: between the running laps' averages in the file (fast laps ~218-253 ms)
    assert 0.20 <= s.contact_s <= 0.26
    assert s.contact_s < fenix2_session["avg_stance_time"] / 1000 + 0.01
    # distance / elapsed time is a floor for the running speed (pauses and walking lower it)
    assert s.speed_m_per_s > s.distance_m / s.duration_s
    # step length identity on averages: v·60/cadence within a few %
    assert s.step_length_m == pytest.approx(s.speed_m_per_s * 60 / s.cadence_spm, rel=0.05)
    # Morin stiffness in the range the method gives for runners (SCIENCE.md §6: ~8-15 kN/m leg)
    assert 7 < s.leg_stiffness_kn_per_m < 16
    assert 15 < s.vertical_stiffness_kn_per_m < 60
    # cadence rises with speed (SCIENCE.md §6: +3 spm per +15 % speed ≈ +6-7 spm per m/s)
    assert 0 < s.cadence_speed_slope_spm_per_m_per_s < 15
    assert set(s.drift) >= {"cadence_spm", "contact_s", "vertical_oscillation_cm", "hr_bpm"}


def test_fenix2_per_km_pace_matches_record_times(fenix2):
    km = metrics.per_km(fenix2)
    t = fenix2["t_s"].to_numpy()
    d = fenix2["distance_m"].to_numpy()
    # independent: first record at or beyond 1000 m gives the end of km 1 within one record
    i = int(np.argmax(d >= 1000))
    assert t[i - 1] <= km["end_s"].iloc[0] <= t[i]
    assert (km["duration_s"] <= km["end_s"] - km["start_s"] + 2).all()


def test_fenix2_cadence_vs_speed_rises_with_speed(fenix2):
    table = metrics.cadence_vs_speed(fenix2)
    assert len(table) >= 4
    assert (table["time_s"] >= 60).all()
    slope = np.polyfit(table["speed_m_per_s"], table["cadence_spm"], 1)[0]
    assert slope > 0
    assert np.polyfit(table["speed_m_per_s"], table["contact_s"], 1)[0] < 0  # faster: shorter


def test_fenix5_running_dynamics_fields(shared_data):
    path = shared_data / "fit" / "garmin-fenix-5-run.fit"
    rec = fit_records(path)
    session = fit_session(path)
    s = metrics.summarize(rec, empty_steps(), Runner())
    assert s.distance_m == pytest.approx(session["total_distance"], abs=1)
    # the watch's own lap averages (which include the slow start) bracket ours loosely
    assert s.contact_balance_left_pct == pytest.approx(session["avg_stance_time_balance"], abs=0.5)
    assert s.vertical_ratio_pct == pytest.approx(session["avg_vertical_ratio"], abs=0.6)
    assert s.step_length_m == pytest.approx(session["avg_step_length"] / 1000, abs=0.08)
    vo_cm = session["avg_vertical_oscillation"] / 10
    assert s.vertical_oscillation_cm == pytest.approx(vo_cm, abs=0.6)
    assert s.drift == {}  # 57 s: no matched-speed drift can be claimed


def test_stryd_file_slow_jog_counts_as_running(shared_data):
    rec = fit_records(shared_data / "fit" / "developer-types-sample.fit")
    s = metrics.summarize(rec, empty_steps(), Runner())
    assert s.cadence_spm is not None and s.cadence_spm >= 140
    assert s.power_w is not None and s.power_w > 0
    assert s.moving_s <= s.duration_s
