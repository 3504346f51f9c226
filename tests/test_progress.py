"""softstep.progress: weekly trends at matched speed, on synthetic frames and on real FIT runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from softstep import Runner, sample_path
from softstep.pipeline import analyze_file
from softstep.progress import METRICS, median_interval, speed_band, weekly_trends
from softstep.store import Store

REAL_FIT = ("fit", "developer-types-sample.fit")


def run_records(run_id: int, day: str, speed_m_per_s: np.ndarray, cadence_spm: np.ndarray,
                **extra: np.ndarray) -> pd.DataFrame:
    """One run of 1-Hz records starting on ``day``."""
    n = len(speed_m_per_s)
    return pd.DataFrame({"run_id": run_id, "when": pd.Timestamp(day, tz="UTC"),
                         "t_s": np.arange(n, dtype=float), "speed_m_per_s": speed_m_per_s,
                         "cadence_spm": cadence_spm, **extra})


def no_steps() -> pd.DataFrame:
    return pd.DataFrame({"run_id": pd.Series([], dtype=int), "when": pd.Series([], dtype=
                         "datetime64[ns, UTC]"), "t_s": [], "speed_m_per_s": [], "cadence_spm": []})


def test_speed_is_matched_so_a_faster_run_is_not_a_cadence_change():
    rng = np.random.default_rng(1)
    # cadence depends on speed only (+15 spm per m/s); run 1 is mostly slow, run 2 mostly fast,
    # both spend 10 minutes around 3.0 m/s
    slow = np.r_[np.full(1800, 2.5), rng.uniform(2.8, 3.2, 600)]
    fast = np.r_[np.full(1800, 3.5), rng.uniform(2.8, 3.2, 600)]
    records = pd.concat([
        run_records(1, "2026-01-05", slow, 120 + 15 * slow + rng.normal(0, 1, slow.size)),
        run_records(2, "2026-01-26", fast, 120 + 15 * fast + rng.normal(0, 1, fast.size)),
    ], ignore_index=True)
    unmatched_change = (records[records.run_id == 2].cadence_spm.median()
                        - records[records.run_id == 1].cadence_spm.median())
    assert unmatched_change > 10  # what a naive comparison would call progress

    trends = weekly_trends(records, no_steps())

    assert trends.speed_matched and trends.band_m_per_s == pytest.approx((2.7, 3.3), abs=0.01)
    cadence = trends.metrics[0]
    assert [p.week for p in cadence.points] == ["2026-W02", "2026-W05"]
    assert abs(cadence.change) < 1.5
    assert cadence.beyond_uncertainty is False
    assert "may be noise" in cadence.sentence
    assert all(p.minutes == pytest.approx(10, abs=0.2) for p in cadence.points)


def test_a_real_change_at_the_same_speed_is_larger_than_its_uncertainty():
    rng = np.random.default_rng(2)
    speed = np.full(1200, 3.1)
    records = pd.concat([
        run_records(1, "2026-03-02", speed, rng.normal(164, 2, 1200), contact_s=np.full(1200, .25)),
        run_records(2, "2026-03-09", speed, rng.normal(167, 2, 1200), contact_s=np.full(1200, .25)),
        run_records(3, "2026-03-16", speed, rng.normal(170, 2, 1200), contact_s=np.full(1200, .25)),
    ], ignore_index=True)

    trends = weekly_trends(records, no_steps())

    cadence = next(m for m in trends.metrics if m.metric == "cadence_spm")
    assert len(cadence.points) == 3
    assert cadence.change == pytest.approx(6, abs=0.5)
    assert cadence.beyond_uncertainty is True
    assert cadence.sentence.startswith("Cadence went up 6 spm at 3.1 m/s")
    assert "more than the uncertainty" in cadence.sentence
    contact = next(m for m in trends.metrics if m.metric == "contact_s")
    assert contact.change == 0 and contact.beyond_uncertainty is False


def test_the_median_interval_holds_the_median_95_times_in_100():
    rng = np.random.default_rng(4)
    for n in (6, 13, 40):
        samples = rng.standard_t(3, size=(2000, n)) + 5.0  # heavy tails: no normality needed
        bounds = np.array([median_interval(row) for row in samples])
        held = ((bounds[:, 0] <= 5.0) & (5.0 <= bounds[:, 1])).mean()
        assert 0.94 <= held <= 0.995, (n, held)
    assert np.isnan(median_interval(np.arange(5.0))).all()


def test_a_week_with_too_few_minutes_gives_no_verdict():
    speed = np.full(3 * 60, 3.0)  # 3 minutes: fewer than the 6 a 95 % interval needs
    records = pd.concat([
        run_records(1, "2026-03-02", speed, np.full(speed.size, 164.0)),
        run_records(2, "2026-03-16", np.full(600, 3.0), np.full(600, 170.0)),
    ], ignore_index=True)
    cadence = weekly_trends(records, no_steps()).metrics[0]
    first, last = cadence.points
    assert first.low is None and first.half_width is None and last.low == last.high == 170
    assert cadence.change == 6 and cadence.beyond_uncertainty is None
    assert "2026-W10 has too few minutes at this speed" in cadence.sentence


def test_a_run_outside_the_shared_speed_band_is_left_out():
    records = pd.concat([
        run_records(1, "2026-03-02", np.full(600, 3.0), np.full(600, 165.0)),
        run_records(2, "2026-03-03", np.full(600, 3.0), np.full(600, 166.0)),
        run_records(3, "2026-03-10", np.full(600, 5.0), np.full(600, 185.0)),  # a track session
    ], ignore_index=True)

    trends = weekly_trends(records, no_steps())

    assert trends.runs_compared == 2 and trends.runs_left_out == 1
    assert [w.week for w in trends.weeks] == ["2026-W10"]
    assert trends.metrics[0].change is None and "only one week" in trends.metrics[0].sentence


def test_pauses_do_not_count_as_running_time():
    speed = np.full(300, 3.0)
    records = run_records(1, "2026-03-02", speed, np.full(300, 165.0))
    records["t_s"] = np.r_[np.arange(150.0), 1000 + np.arange(150.0)]  # a 14-min stop halfway
    trends = weekly_trends(records, no_steps())
    assert trends.metrics[0].points[0].minutes == pytest.approx(5.0, abs=0.05)


def test_runs_without_speed_are_compared_per_step_and_flagged_unmatched():
    rng = np.random.default_rng(3)
    steps = pd.concat([
        pd.DataFrame({"run_id": 1, "when": pd.Timestamp("2025-12-29", tz="UTC"),
                      "t_s": np.arange(400) * 0.35, "speed_m_per_s": np.nan,
                      "loudness_dbfs": rng.normal(-20, 2, 400)}),
        pd.DataFrame({"run_id": 2, "when": pd.Timestamp("2026-01-14", tz="UTC"),
                      "t_s": np.arange(400) * 0.35, "speed_m_per_s": np.nan,
                      "loudness_dbfs": rng.normal(-24, 2, 400)}),
    ], ignore_index=True)
    records = no_steps()

    trends = weekly_trends(records, steps)

    assert not trends.speed_matched and trends.band_m_per_s is None
    loud = trends.metrics[0]
    assert loud.metric == "loudness_dbfs"
    assert [p.week for p in loud.points] == ["2026-W01", "2026-W03"]  # ISO year of 29 Dec 2025
    assert [p.steps for p in loud.points] == [400, 400]
    assert loud.change == pytest.approx(-4, abs=0.6) and loud.beyond_uncertainty is True
    assert "speed not matched" in loud.sentence


def test_speed_band_ignores_standing_and_holds_both_runs():
    records = pd.DataFrame({"run_id": [1] * 300 + [2] * 100, "t_s": np.r_[np.arange(300),
                            np.arange(100)], "speed_m_per_s": np.r_[np.zeros(200),
                            np.full(100, 2.0), np.full(100, 2.4)]})
    low, high = speed_band(records)  # standing still is not a speed; both runs fit in the band
    assert high - low == pytest.approx(0.6) and low <= 2.0 and high > 2.4
    assert speed_band(records.assign(speed_m_per_s=0.0)) is None


def test_real_fit_runs_from_the_store_in_one_query_each(tmp_path, shared_data):
    with Store(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        for path in (sample_path(), shared_data.joinpath(*REAL_FIT)):
            store.import_analysis(analyze_file(path, Runner("me")), runner="me")
        selects: list[str] = []

        def count_select(_conn, _cursor, statement, *_rest) -> None:  # noqa: ANN001
            if statement.lstrip().upper().startswith("SELECT"):
                selects.append(statement)

        sa.event.listen(store._engine, "before_cursor_execute", count_select)
        records, steps = store.trend_tables("me", tuple(METRICS))
        assert len(selects) == 2  # one for the records, one for the steps, however many runs
        assert set(records.run_id) == {1, 2}
        assert {"cadence_spm", "contact_s", "vertical_oscillation_cm"} <= set(records.columns)
        assert store.trend_tables("nobody", tuple(METRICS))[0].empty

    trends = weekly_trends(records, steps)

    assert trends.speed_matched and trends.runs_compared == 2
    assert [w.week for w in trends.weeks] == ["2015-W33", "2017-W03"]
    low, high = trends.band_m_per_s
    assert high - low == pytest.approx(0.6) and 1.5 < low < 3.5
    cadence = next(m for m in trends.metrics if m.metric == "cadence_spm")
    assert len(cadence.points) == 2
    assert all(p.minutes >= 1 for p in cadence.points)
    assert all(120 < p.median < 200 and p.q25 <= p.median <= p.q75 for p in cadence.points)
    assert cadence.change is not None and cadence.uncertainty > 0
