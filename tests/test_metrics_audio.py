"""Footfall-sound metrics, findings, plan, store and report (issue 4, metrics_audio).

Unit tests run on small synthetic Steps tables with planted effects (an odd/even difference, a
loudness slope, clipped footfalls); the end-to-end test writes two footfall recordings (the
second 4 dB louder) and runs ``softstep analyze`` on both against one SQLite store.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from softstep import metrics, metrics_audio
from softstep.coach import build_plan, diagnose
from softstep.metrics_audio import AudioRunRow, LoudnessBaseline
from softstep.model import Runner, Summary, empty_records, empty_steps

sys.path.insert(0, str(Path(__file__).parent))


def footfalls(n: int = 1000, *, step_s: float = 0.35, odd_step_extra_s: float = 0.0,
              level_dbfs: float = -25.0, odd_louder_db: float = 0.0, slope_db_per_s: float = 0.0,
              noise_db: float = 1.5, jitter_s: float = 0.003, seed: int = 0) -> pd.DataFrame:
    """An audio Steps table: footfalls alternating feet; the 'odd' foot's footfalls are
    ``odd_louder_db`` louder and the step that starts on it lasts ``odd_step_extra_s`` longer."""
    rng = np.random.default_rng(seed)
    odd = np.arange(n) % 2 == 1
    intervals = step_s - odd_step_extra_s / 2 + np.where(odd, odd_step_extra_s, 0.0)
    t = np.r_[0.0, np.cumsum(intervals[:-1])] + rng.normal(0, jitter_s, n) + 1.0
    dbfs = level_dbfs + np.where(odd, odd_louder_db / 2, -odd_louder_db / 2)
    dbfs = dbfs + slope_db_per_s * (t - t[0]) + rng.normal(0, noise_db, n)
    steps = empty_steps(n)
    steps["t_s"] = t
    steps["step_s"] = np.r_[np.diff(t), np.nan]
    steps["cadence_spm"] = 60.0 / steps["step_s"]
    steps["confidence"] = 0.9
    steps["loudness_dbfs"] = dbfs
    steps["loudness_db"] = dbfs - np.median(dbfs)
    steps["impact_clipped"] = pd.array(np.zeros(n, bool), dtype="boolean")
    return steps


# --------------------------------------------------------------------------------------------
# Metrics
def test_odd_even_recovers_a_planted_2_db_and_20_ms_difference():
    steps = footfalls(odd_louder_db=2.0, odd_step_extra_s=0.020)
    row = metrics_audio.odd_even(steps).iloc[0]
    assert row["loudness_asymmetry_db"] == pytest.approx(2.0, abs=0.25)
    assert row["timing_asymmetry_ms"] == pytest.approx(20.0, abs=2.0)
    assert row["timing_asymmetry_pct"] == pytest.approx(100 * 0.020 / 0.35, abs=0.6)
    even = metrics_audio.odd_even(footfalls()).iloc[0]  # nothing planted: near zero
    assert even["loudness_asymmetry_db"] < 0.3 and even["timing_asymmetry_ms"] < 2.0


def test_a_missed_footfall_does_not_swap_the_feet():
    steps = footfalls(odd_louder_db=2.0, odd_step_extra_s=0.020)
    dropped = steps.drop(index=[301, 650]).reset_index(drop=True)  # two footfalls missed
    foot, stretch = metrics_audio.foot_parity(dropped["t_s"].to_numpy())
    assert stretch.max() == 0  # a one-step gap keeps one stretch
    row = metrics_audio.odd_even(dropped).iloc[0]
    assert row["loudness_asymmetry_db"] == pytest.approx(2.0, abs=0.25)
    assert row["timing_asymmetry_ms"] == pytest.approx(20.0, abs=2.0)
    # counting rows instead of steps would mix the feet after each miss
    naive = dropped["loudness_dbfs"].to_numpy()
    assert abs(naive[1::2].mean() - naive[::2].mean()) < 1.0


def test_trend_recovers_a_planted_slope_despite_outliers():
    steps = footfalls(n=3000, slope_db_per_s=1.5 / 600)  # +1.5 dB per 10 min over 17.5 min
    steps.loc[::50, "loudness_dbfs"] += 15.0  # a door slam every 50 footfalls
    trend, change = metrics_audio.loudness_trend(steps["t_s"].to_numpy(),
                                                 steps["loudness_dbfs"].to_numpy())
    assert trend == pytest.approx(1.5, abs=0.15)
    span_min = np.ptp(steps["t_s"]) / 60.0
    assert change == pytest.approx(1.5 * span_min * 2 / 3 / 10, abs=0.3)
    assert metrics_audio.loudness_trend(steps["t_s"][:200], steps["loudness_dbfs"][:200]) == (
        None, None)  # 70 s: too short for a per-10-min trend


def test_clipped_footfalls_are_left_out_of_loudness_figures():
    steps = footfalls(n=2400, level_dbfs=-20.0)
    loud_end = steps.index[-600:]  # the last quarter reached full scale
    steps.loc[loud_end, "loudness_dbfs"] = -0.5
    steps.loc[loud_end, "impact_clipped"] = True
    s = metrics_audio.loudness_summary(steps)
    assert s["loudness_dbfs"] == pytest.approx(-20.0, abs=0.2)
    assert abs(s["loudness_trend_db_per_10min"]) < 0.4
    unflagged = steps.assign(impact_clipped=False)  # guard: the same table, not flagged
    u = metrics_audio.loudness_summary(unflagged)
    assert u["loudness_dbfs"] > -19.5 and u["loudness_trend_db_per_10min"] > 3.0
    smooth = metrics_audio.smoothed_loudness_db(steps)
    assert np.isnan(smooth[-1]) and np.isfinite(smooth[:1700]).all()


def test_baseline_at_matched_cadence_and_quiet_score():
    history = [
        AudioRunRow(1, "h1", None, 170.0, -24.0, 500),
        AudioRunRow(2, "h2", None, 169.0, -26.0, 500),
        AudioRunRow(3, "h3", None, 150.0, -10.0, 500),  # other cadence: not matched
        AudioRunRow(4, "h4", None, 170.0, -5.0, 10),  # too few footfalls
        AudioRunRow(5, "me", None, 170.0, -40.0, 500),  # this very file, stored before
    ]
    base = metrics_audio.loudness_baseline(history, 171.0, exclude_hash="me")
    assert base == LoudnessBaseline(-25.0, 169.5, (1, 2))
    assert metrics_audio.loudness_baseline(history, 200.0) is None
    quieter = footfalls(level_dbfs=-29.0, noise_db=1.5)
    same = footfalls(level_dbfs=-25.0, noise_db=1.5)
    q = metrics_audio.against_baseline(quieter, base)
    assert q["loudness_vs_baseline_db"] == pytest.approx(-4.0, abs=0.2)
    assert q["quiet_score_pct"] > 60
    assert metrics_audio.against_baseline(same, base)["quiet_score_pct"] < 10
    assert metrics_audio.against_baseline(same, None)["quiet_score_pct"] is None


def test_per_minute_has_loudness_columns_and_quiet_share_with_a_baseline():
    steps = footfalls(n=600, level_dbfs=-29.0, odd_louder_db=2.0)
    plain = metrics.per_minute(steps)
    assert plain["quiet_pct"].isna().all()
    assert plain["loudness_dbfs"].between(-30, -28).all()
    full = plain[plain["steps"] >= 100]
    assert full["loudness_asymmetry_db"].between(1.2, 2.8).all()
    with_base = metrics.per_minute(steps, loudness_baseline_dbfs=-25.0)
    assert (with_base["quiet_pct"] > 50).all()


# --------------------------------------------------------------------------------------------
# Findings and plan
def _audio_run(steps, baseline=None, runner=None):
    runner = runner or Runner()
    records = empty_records()
    summary = metrics.summarize(records, steps, runner)
    if baseline is not None:
        summary = Summary(**{**summary.__dict__,
                             **metrics_audio.against_baseline(steps, baseline)})
    findings = diagnose(summary, records, steps, metrics.per_minute(steps), runner,
                        loudness_baseline=baseline)
    return summary, findings


def test_loud_landings_only_against_a_baseline():
    steps = footfalls(level_dbfs=-21.0)  # 1000 footfalls, about 6 min at 171 spm
    summary, findings = _audio_run(steps)
    assert summary.loudness_dbfs == pytest.approx(-21.0, abs=0.2)
    assert summary.quiet_score_pct is None
    assert "loud_landings" not in {f.code for f in findings}
    base = LoudnessBaseline(-25.0, 171.0, (1, 2))
    summary, findings = _audio_run(steps, base)
    loud = next(f for f in findings if f.code == "loud_landings")
    assert "4.0 dB louder" in loud.detail and "same surface" in loud.detail
    assert loud.evidence[0].value == pytest.approx(4.0, abs=0.2)
    plan = build_plan(findings, summary)
    quiet = [s for w in plan.weeks for s in w.sessions if s.kind == "quiet_run"]
    assert quiet and all("loud_landings" in s.answers for s in quiet)
    assert "3 dB quieter" in quiet[0].detail
    # as loud as the baseline: nothing to say
    _, findings = _audio_run(steps, LoudnessBaseline(-21.0, 171.0, (1,)))
    assert "loud_landings" not in {f.code for f in findings}


def test_loud_landings_say_when_cadence_or_strike_disagree():
    steps = footfalls(level_dbfs=-21.0)
    plain = next(f for f in _audio_run(steps, LoudnessBaseline(-25.0, 171.0, (1,)))[1]
                 if f.code == "loud_landings")
    faster = next(f for f in _audio_run(steps, LoudnessBaseline(-25.0, 160.0, (1,)))[1]
                  if f.code == "loud_landings")  # this run's cadence is 7 % higher
    assert "cadence was 7 % higher" in faster.detail
    assert faster.confidence < plain.confidence
    forefoot = steps.assign(strike_class=pd.array(["forefoot"] * len(steps), dtype="string"))
    ff = next(f for f in _audio_run(forefoot, LoudnessBaseline(-25.0, 171.0, (1,)))[1]
              if f.code == "loud_landings")
    assert "forefoot landing can be louder while loading less" in ff.detail
    assert ff.confidence < plain.confidence


def test_footfall_asymmetry_finding_names_no_side():
    _, findings = _audio_run(footfalls(odd_step_extra_s=0.030))  # 8.6 % of the step
    asym = next(f for f in findings if f.code == "asymmetry")
    assert "cannot tell which foot" in asym.detail and "softstep threshold" in (
        asym.evidence[0].reference)
    _, findings = _audio_run(footfalls())
    assert "asymmetry" not in {f.code for f in findings}


# --------------------------------------------------------------------------------------------
# Store
def test_store_round_trip_and_audio_history(any_db_url):
    from test_store import make_analysis

    from softstep.store import Store

    analysis = make_analysis(seed=7)
    run = analysis.runs[0]
    run.recording.source = "audio"
    values = {"loudness_dbfs": -23.5, "loudness_iqr_db": 3.1,
              "loudness_trend_db_per_10min": 0.4, "loudness_third_change_db": 0.3,
              "footfall_loudness_asymmetry_db": 1.2, "footfall_timing_asymmetry_ms": 11.0,
              "footfall_timing_asymmetry_pct": 3.1, "loudness_vs_baseline_db": 2.5,
              "quiet_score_pct": 4.0}
    for name, value in values.items():
        setattr(run.summary, name, value)
    with Store(any_db_url) as store:
        ids = store.import_analysis(analysis, runner="ana").run_ids
        loaded = store.load_run(ids[0]).summary
        assert {k: getattr(loaded, k) for k in values} == values
        history = store.audio_history("ana")
        assert [(h.run_id, h.loudness_dbfs) for h in history] == [(ids[0], -23.5)]
        assert history[0].content_hash == run.recording.content_hash
        assert store.audio_history("someone else") == []


def test_migration_0003_upgrades_a_0002_database_with_runs(db_url):
    import sqlalchemy as sa
    from test_store import make_analysis

    from softstep.store import Store
    from softstep.store.db import create_engine, downgrade, migrate

    with Store(db_url) as store:
        run_id = store.import_analysis(make_analysis(seed=3), runner="ana").run_ids[0]
    engine = create_engine(db_url)
    downgrade(engine, "0002")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("summaries")}
    assert "quiet_score_pct" not in columns and "cadence_spm" in columns
    migrate(engine)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("summaries")}
    assert {"loudness_dbfs", "quiet_score_pct", "footfall_timing_asymmetry_pct"} <= columns
    engine.dispose()
    with Store(db_url) as store:
        summary = store.load_run(run_id).summary
        assert summary.cadence_spm is not None and summary.quiet_score_pct is None


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request, db_url):
    """SQLite always; PostgreSQL too when SOFTSTEP_TEST_POSTGRES is set (see test_store.py)."""
    from test_store import BACKENDS, fresh_database

    if request.param not in BACKENDS:
        pytest.skip("SOFTSTEP_TEST_POSTGRES is not set: tested on SQLite only")
    yield from fresh_database(request.param, db_url)


# --------------------------------------------------------------------------------------------
# End to end: two recordings, the second about 4 dB louder
def test_analyze_twice_second_louder_gets_loud_landings(tmp_path):
    import soundfile as sf
    from _audio_synth import belt_noise, footfalls_sound, regular_contacts

    from softstep.cli import app

    fs, duration_s = 8000, 150.0
    t = regular_contacts(duration_s, 170.0)
    paths = []
    for name, level in (("first", 0.15), ("second", 0.15 * 10 ** (4 / 20))):
        x = footfalls_sound(t, fs, duration_s, level=level) + belt_noise(fs, duration_s, 0.004)
        paths.append(tmp_path / f"{name}.wav")
        sf.write(paths[-1], x, fs)
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    runs = []
    for path in paths:
        result = CliRunner().invoke(app, ["analyze", str(path), "--json", "--db", db])
        assert result.exit_code == 0, result.output
        runs.append(json.loads(result.stdout.splitlines()[-1])["runs"][0])
    first, second = runs
    assert first["info"]["loudness_baseline"] is None
    assert first["summary"]["quiet_score_pct"] is None
    assert "loud_landings" not in {f["code"] for f in first["findings"]}
    assert second["info"]["loudness_baseline"]["run_ids"] == [first["id"]]
    assert second["summary"]["loudness_vs_baseline_db"] == pytest.approx(4.0, abs=0.8)
    assert second["summary"]["quiet_score_pct"] is not None
    assert second["summary"]["quiet_score_pct"] < 5
    assert "loud_landings" in {f["code"] for f in second["findings"]}
    assert all(s["loudness_db"] is not None for s in second["steps"])
    html = tmp_path / "second.html"
    result = CliRunner().invoke(app, ["analyze", str(paths[1]), "--no-store", "--db", db,
                                      "--html", str(html)])
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert "Footfall loudness" in page and "5-step moving average" in page
    assert "Quiet score" in page and "cannot tell which foot" in page
    assert "Footfall loudness" in result.stdout
