"""The store: what goes in comes back equal, files are stored once, imports are all or nothing.

The fixture is built by hand from the first records of the bundled real run (decoded here with
fitdecode, independently of softstep.readers), plus a small Steps table, Summary, Findings and
Plan, so that these tests do not depend on the readers or metrics modules.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import fitdecode
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from softstep import sample_path
from softstep.errors import StoreError
from softstep.model import (
    RECORD_COLUMNS,
    STEP_COLUMNS,
    Evidence,
    FileAnalysis,
    Finding,
    Plan,
    PlanItem,
    PlanWeek,
    Recording,
    RunAnalysis,
    Summary,
    conform,
    empty_steps,
)
from softstep.store import ImportResult, RunNotFoundError, Store, mask_url
from softstep.store import store as store_module
from softstep.store.db import temporary_postgres_database
from softstep.store.schema import RUN_TABLES, files, runners, runs

SEMICIRCLE_DEG = 180.0 / 2**31


# --------------------------------------------------------------------------------------------
# Fixture: a real run's first records, with hand-made steps, summary, findings and plan.
def _sample_records(limit: int = 300) -> tuple[pd.DataFrame, datetime]:
    """The first ``limit`` records of the bundled fenix2 run in RECORD_COLUMNS units."""
    rows = []
    with fitdecode.FitReader(str(sample_path())) as fit:
        for frame in fit:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                rows.append({f.name: f.value for f in frame.fields})
                if len(rows) == limit:
                    break
    raw = pd.DataFrame(rows)
    start = raw["timestamp"].iloc[0].to_pydatetime()

    def col(name: str) -> pd.Series:
        return pd.to_numeric(raw[name], errors="coerce").astype("float64")

    table = pd.DataFrame(
        {
            "t_s": (raw["timestamp"] - raw["timestamp"].iloc[0]).dt.total_seconds(),
            "distance_m": col("distance"),
            "speed_m_per_s": col("enhanced_speed"),
            "altitude_m": col("enhanced_altitude"),
            "hr_bpm": col("heart_rate"),
            "cadence_spm": 2 * col("cadence"),  # FIT strides/min (data README, unit traps)
            "contact_s": col("stance_time") / 1000,
            "vertical_oscillation_cm": col("vertical_oscillation") / 10,
            "lat_deg": col("position_lat") * SEMICIRCLE_DEG,
            "lon_deg": col("position_long") * SEMICIRCLE_DEG,
        }
    )
    return conform(table, list(RECORD_COLUMNS)), start


def _steps(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    t_s = np.cumsum(rng.normal(0.36, 0.01, n))
    table = empty_steps(n)
    table["t_s"] = t_s
    table["step_s"] = np.append(np.diff(t_s), np.nan)
    table["cadence_spm"] = 60 / table["step_s"]
    table["contact_s"] = rng.normal(0.25, 0.01, n)
    table["impact_g"] = rng.normal(2.5, 0.3, n)
    table["confidence"] = rng.uniform(0.6, 1.0, n)
    table["side"] = pd.array((["L", "R"] * n)[: n - 3] + [None] * 3, dtype="string")
    table["impact_clipped"] = pd.array([False] * (n - 2) + [True, None], dtype="boolean")
    table["strike_class"] = pd.array(
        ["rearfoot"] * (n // 2) + [None] * (n - n // 2), dtype="string"
    )
    return conform(table, STEP_COLUMNS)


def _segments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "km": pd.array([1, 2, 3], dtype="int64"),
            "distance_m": [1000.0, 1000.0, 412.5],
            "duration_s": [331.0, 325.5, 140.0],
            "cadence_spm": [164.2, 166.0, np.nan],
            "contact_s": [0.262, 0.258, 0.251],
        }
    )


def _findings() -> list[Finding]:
    return [
        Finding(
            code="low_cadence",
            title="Your cadence is low for your speed",
            detail="At 2.8 m/s you take 164 steps/min.",
            confidence=0.8,
            severity=0.55,
            evidence=[
                Evidence("cadence_spm", 164.2, "steps/min", "Garmin 30th percentile: 164 spm"),
                Evidence("speed_m_per_s", None, "m/s", "none", source="gps"),
            ],
            confirm_with="a metronome run at +5 %",
            reference="SCIENCE.md §2",
        ),
        Finding("bouncing", "You bounce", "VO 9.4 cm", 0.5, 0.3),
    ]


def _plan() -> Plan:
    cadence = PlanItem(
        "cadence", "Metronome run", "20 min at 172 spm", ["low_cadence"], 20.0, target_spm=172.0
    )
    return Plan(
        baseline_cadence_spm=164.2,
        weeks=[
            PlanWeek(1, 168.0, "cadence +2.5 %", [cadence]),
            PlanWeek(2, 172.0, "cadence +5 %", []),
        ],
        strength=[PlanItem("strength", "Calf raises", "slow", ["hard_impact"], sets=3, reps="15")],
        cues=[PlanItem("cue", "Quiet feet", "listen to your steps")],
        gear=[],
    )


def make_analysis(seed: int = 0, n_runs: int = 1, records: int = 300) -> FileAnalysis:
    """A FileAnalysis of ``n_runs`` runs; ``seed`` changes the content hash (another file)."""
    table, start = _sample_records(records)
    digest = hashlib.sha256(sample_path().read_bytes() + bytes([seed])).hexdigest()
    path = f"/runs/fenix2-{seed}.fit"
    runs_ = []
    for i in range(n_runs):
        recording = Recording(
            source="fit",
            sport="running",
            records=table.copy(),
            start=start + timedelta(days=seed, hours=i),
            device="garmin fenix2",
            path=path,
            session_index=i,
            content_hash=digest,
            laps=pd.DataFrame({"start_s": [0.0, 150.0], "end_s": [150.0, float(records - 1)]}),
            warnings=[f"{path}: no power (session {i})"],
        )
        summary = Summary(
            duration_s=float(table["t_s"].iloc[-1]),
            distance_m=float(table["distance_m"].iloc[-1]),
            speed_m_per_s=float(table["speed_m_per_s"].mean()),
            cadence_spm=float(table["cadence_spm"].mean()) + i,
            contact_s=float(table["contact_s"].mean()),
            vertical_oscillation_cm=float(table["vertical_oscillation_cm"].mean()),
            hr_bpm=float(table["hr_bpm"].mean()),
            drift={"contact_s": 0.012, "cadence_spm": -1.5},
            steps_detected=40,
        )
        runs_.append(RunAnalysis(recording, _steps(), summary, _segments(), _findings(), _plan()))
    return FileAnalysis(path, runs_, skipped=["session 9: cycling (not running)"], warnings=[])


def assert_runs_equal(loaded: RunAnalysis, saved: RunAnalysis) -> None:
    a, b = loaded.recording, saved.recording
    for name in (
        "source",
        "sport",
        "start",
        "device",
        "path",
        "session_index",
        "content_hash",
        "placement",
        "sample_rate_hz",
        "warnings",
    ):
        assert getattr(a, name) == getattr(b, name), name
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.laps, b.laps)
    pd.testing.assert_frame_equal(loaded.steps, saved.steps)
    pd.testing.assert_frame_equal(loaded.segments, saved.segments)
    assert loaded.summary == saved.summary
    assert loaded.findings == saved.findings
    assert loaded.plan == saved.plan


@pytest.fixture(scope="module")
def analysis_template() -> FileAnalysis:
    return make_analysis()


@pytest.fixture
def analysis(analysis_template) -> FileAnalysis:
    return copy.deepcopy(analysis_template)


# Every test that takes ``any_db_url`` (or ``store``) runs on SQLite, and also on PostgreSQL
# when SOFTSTEP_TEST_POSTGRES names a server it may create databases on, e.g.
# postgresql+psycopg://app@127.0.0.1:5432/postgres (needs softstep[postgres]).
# `make test` starts a throwaway server and sets it (scripts/with-test-postgres.sh).
POSTGRES_URL = os.environ.get("SOFTSTEP_TEST_POSTGRES")


def test_postgres_is_under_test_in_ci():
    if not POSTGRES_URL:
        message = "SOFTSTEP_TEST_POSTGRES is not set: the store was tested on SQLite only"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI runs `make test`, which starts a PostgreSQL server)")
        pytest.skip(message)


BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def fresh_database(backend: str, sqlite_url: str) -> Iterator[str]:
    """Yield the URL of a new empty database on ``backend``; drop it afterwards."""
    if backend == "sqlite":
        yield sqlite_url
        return
    with temporary_postgres_database(POSTGRES_URL, "softstep_test") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def any_db_url(request, db_url):
    """A fresh, empty database URL on each backend under test."""
    yield from fresh_database(request.param, db_url)


@pytest.fixture
def store(any_db_url):
    with Store(any_db_url) as opened:
        yield opened


def count(store: Store, table: sa.Table) -> int:
    with store._engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# --------------------------------------------------------------------------------------------
def test_fixture_is_real_data(analysis):
    records = analysis.runs[0].recording.records
    assert list(records.columns) == list(RECORD_COLUMNS)
    assert records["cadence_spm"].between(100, 200).mean() > 0.8  # running cadence, steps/min
    assert records["power_w"].isna().all() and records["hr_bpm"].notna().any()


def test_round_trip_gives_equal_dataclasses(store, analysis):
    result = store.import_analysis(analysis, runner="ana", file_name="fenix2.fit", file_size=123)
    assert isinstance(result, ImportResult) and not result.duplicate
    (run_id,) = result.run_ids
    assert analysis.runs[0].run_id == run_id
    loaded = store.load_run(run_id)
    assert loaded.run_id == run_id
    assert_runs_equal(loaded, analysis.runs[0])
    rec = loaded.recording
    assert rec.start.tzinfo is not None and rec.start.utcoffset() == timedelta(0)
    assert rec.start == datetime(2015, 8, 15, 14, 45, 8, tzinfo=UTC)
    # missing values stay missing, of the right kind
    assert rec.records["power_w"].isna().all() and rec.records["power_w"].dtype == np.float64
    assert math.isnan(loaded.steps["step_s"].iloc[-1])
    assert (
        loaded.steps["side"].iloc[-1] is pd.NA and loaded.steps["impact_clipped"].iloc[-1] is pd.NA
    )
    assert bool(loaded.steps["impact_clipped"].iloc[-2]) is True
    assert math.isnan(loaded.segments["cadence_spm"].iloc[-1])
    assert loaded.findings[0].evidence[1].value is None
    assert loaded.plan.weeks[0].sessions[0].answers == ["low_cadence"]


def test_round_trip_of_an_empty_steps_table_and_a_start_in_another_zone(store, analysis):
    run = analysis.runs[0]
    run.steps = empty_steps()
    run.findings = []
    run.recording.laps = None
    run.recording.start = datetime(2024, 3, 1, 9, 30, 15, 250000, tzinfo=timezone_plus(2))
    (run_id,) = store.import_analysis(analysis).run_ids
    loaded = store.load_run(run_id)
    assert len(loaded.steps) == 0 and list(loaded.steps.columns) == list(STEP_COLUMNS)
    pd.testing.assert_frame_equal(loaded.steps, empty_steps())
    assert loaded.findings == [] and loaded.recording.laps is None
    assert loaded.recording.start == datetime(2024, 3, 1, 7, 30, 15, 250000, tzinfo=UTC)
    assert loaded.recording.start.tzinfo == UTC


def timezone_plus(hours: int):
    from datetime import timezone

    return timezone(timedelta(hours=hours))


def test_summary_numbers_are_real_columns(store, analysis):
    """Later progress queries filter and aggregate summaries in SQL, not in JSON."""
    store.import_analysis(analysis)
    store.import_analysis(make_analysis(seed=1))
    from softstep.store.schema import summaries

    with store._engine.connect() as conn:
        mean_spm = conn.execute(sa.select(sa.func.avg(summaries.c.cadence_spm))).scalar_one()
        fast = conn.execute(
            sa.select(sa.func.count()).where(summaries.c.speed_m_per_s > 1.0)
        ).scalar_one()
    assert mean_spm == pytest.approx(analysis.runs[0].summary.cadence_spm)
    assert fast == 2


def test_same_file_twice_is_stored_once(store, analysis):
    again = copy.deepcopy(analysis)
    first = store.import_analysis(analysis, runner="ana")
    again.path = "/elsewhere/renamed.fit"
    second = store.import_analysis(again, runner="ana", file_name="renamed.fit")
    assert second.duplicate and second.run_ids == first.run_ids
    assert again.runs[0].run_id == first.run_ids[0]
    assert count(store, files) == 1 and count(store, runs) == 1
    assert len(store.runs()) == 1 and store.runs()[0].file_name == "fenix2-0.fit"


def test_duplicate_race_on_the_unique_hash_returns_the_stored_runs(store, analysis, monkeypatch):
    """Another writer stores the file between our look-up and our insert."""
    first = store.import_analysis(copy.deepcopy(analysis))
    real_lookup = store_module._file_run_ids
    calls = []

    def lookup_misses_once(conn, runner_id, digest):
        calls.append(digest)
        return None if len(calls) == 1 else real_lookup(conn, runner_id, digest)

    monkeypatch.setattr(store_module, "_file_run_ids", lookup_misses_once)
    second = store.import_analysis(analysis)
    assert len(calls) == 2, "the insert hit the unique constraint and the import was retried"
    assert second == ImportResult(first.run_ids, duplicate=True)
    assert count(store, files) == 1 and count(store, runs) == 1


def test_a_runner_race_then_a_file_race_still_returns_the_stored_runs(store, analysis,
                                                                    monkeypatch):
    """Two writers of the same new runner's same file: ours loses the runner insert, then the
    file insert, and still ends with the stored runs (the load test met this on PostgreSQL)."""
    first = store.import_analysis(copy.deepcopy(analysis), runner="ana")
    real_runner_id, real_lookup = store_module._runner_id, store_module._file_run_ids
    attempts = []

    def runner_insert_races_once(conn, name):
        attempts.append(name)
        if len(attempts) == 1:  # as if our look-up ran before the other writer's commit
            conn.execute(runners.insert().values(name=name, created_at=datetime.now(UTC)))
        return real_runner_id(conn, name)

    def file_lookup_misses_on_the_second_try(conn, runner_id, digest):
        return None if len(attempts) == 2 else real_lookup(conn, runner_id, digest)

    monkeypatch.setattr(store_module, "_runner_id", runner_insert_races_once)
    monkeypatch.setattr(store_module, "_file_run_ids", file_lookup_misses_on_the_second_try)
    second = store.import_analysis(analysis, runner="ana")
    assert len(attempts) == 3
    assert second == ImportResult(first.run_ids, duplicate=True)
    assert count(store, runners) == 1 and count(store, files) == 1 and count(store, runs) == 1


def test_a_run_takes_place_at_its_start_else_when_its_file_came_in(store):
    started = make_analysis(seed=1)
    undated = make_analysis(seed=2)
    undated.runs[0].recording.start = None
    first = store.import_analysis(started, runner="ana").run_ids[0]
    before = datetime.now(UTC)
    second = store.import_analysis(undated, runner="ana").run_ids[0]
    assert store.run_when(first) == started.runs[0].recording.start
    assert before - timedelta(seconds=1) <= store.run_when(second) <= datetime.now(UTC)
    with pytest.raises(RunNotFoundError):
        store.run_when(second + 100)


def test_a_deleted_runs_id_is_never_reused(store):
    first = store.import_analysis(make_analysis(seed=1), runner="ana").run_ids
    second = store.import_analysis(make_analysis(seed=2), runner="ana").run_ids
    store.delete_run(second[0])
    assert count(store, files) == 1  # the file went with its only run
    third = store.import_analysis(make_analysis(seed=3), runner="ana").run_ids
    assert third[0] > second[0] > first[0]  # links to the deleted run never show another
    with pytest.raises(RunNotFoundError):
        store.load_run(second[0])


def test_two_runners_may_store_the_same_file(store, analysis):
    """Dedup is per runner: an athlete's upload never answers with another athlete's runs."""
    mine = store.import_analysis(copy.deepcopy(analysis), runner="ana")
    theirs = store.import_analysis(copy.deepcopy(analysis), runner="ben")
    again = store.import_analysis(analysis, runner="ben")
    assert not theirs.duplicate and set(theirs.run_ids).isdisjoint(mine.run_ids)
    assert again == ImportResult(theirs.run_ids, duplicate=True)
    assert [r.runner for r in store.runs()] == ["ana", "ben"]


def test_a_file_with_two_runs_and_listing(store):
    two = make_analysis(seed=3, n_runs=2)
    one = make_analysis(seed=1)
    ids_two = store.import_analysis(two, runner="ana").run_ids
    (id_one,) = store.import_analysis(one, runner="bo", file_name="mine.fit").run_ids
    assert len(ids_two) == 2
    listed = store.runs()
    assert [r.id for r in listed] == [id_one, *ids_two]  # oldest first: seed 1 is 2 days earlier
    ana = store.runs("ana")
    assert [r.id for r in ana] == ids_two and {r.runner for r in ana} == {"ana"}
    row = ana[1]
    summary = two.runs[1].summary
    assert (row.sport, row.source, row.device, row.session_index) == (
        "running",
        "fit",
        "garmin fenix2",
        1,
    )
    assert row.distance_m == summary.distance_m and row.cadence_spm == summary.cadence_spm
    assert row.duration_s == summary.duration_s and row.file_name == "fenix2-3.fit"
    assert row.start == two.runs[1].recording.start
    assert store.runs("nobody") == []
    assert_runs_equal(store.load_run(ids_two[1]), two.runs[1])
    assert store.runs("bo")[0].file_name == "mine.fit"


def test_analysis_without_runs_stores_nothing(store):
    empty = FileAnalysis("/runs/bike.fit", [], skipped=["session 0: cycling (not running)"])
    assert store.import_analysis(empty) == ImportResult([], duplicate=False)
    assert count(store, files) == 0 and count(store, runners) == 0


def test_analysis_without_a_content_hash_is_stored_each_time(store, analysis):
    for run in analysis.runs:
        run.recording.content_hash = None
    a = store.import_analysis(copy.deepcopy(analysis))
    b = store.import_analysis(copy.deepcopy(analysis))
    assert not a.duplicate and not b.duplicate and a.run_ids != b.run_ids
    assert store.load_run(b.run_ids[0]).recording.content_hash is None


def test_failed_import_leaves_nothing_half_written(store, monkeypatch):
    earlier = make_analysis(seed=1)
    (earlier_id,) = store.import_analysis(earlier).run_ids
    before = {t.name: count(store, t) for t in (files, runs, *RUN_TABLES)}
    real_insert = store_module._insert_frame
    seen = {}

    def fail_on_steps(conn, table, frame, run_id):
        if table.name == "steps":
            # the run row and its records are already written in this transaction
            seen["runs"] = conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar()
            seen["records"] = conn.execute(
                sa.text("SELECT count(*) FROM records WHERE run_id = :r"), {"r": run_id}
            ).scalar()
            raise RuntimeError("disk on fire")
        real_insert(conn, table, frame, run_id)

    monkeypatch.setattr(store_module, "_insert_frame", fail_on_steps)
    doomed = make_analysis(seed=2)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.import_analysis(doomed, runner="newcomer")
    assert seen == {"runs": before["runs"] + 1, "records": 300}
    after = {t.name: count(store, t) for t in (files, runs, *RUN_TABLES)}
    assert after == before
    assert count(store, runners) == 1, "the runner created in the failed import is gone too"
    assert doomed.runs[0].run_id is None
    monkeypatch.undo()
    assert_runs_equal(store.load_run(earlier_id), earlier.runs[0])
    # and the same file imports cleanly afterwards
    assert not store.import_analysis(doomed).duplicate


def test_database_error_mid_import_is_a_store_error_and_rolls_back(store, monkeypatch):
    def broken_sql(conn, table, frame, run_id):
        conn.execute(sa.text("INSERT INTO no_such_table VALUES (1)"))

    monkeypatch.setattr(store_module, "_insert_frame", broken_sql)
    with pytest.raises(StoreError, match=r"cannot write to database \S+: .*nothing was stored"):
        store.import_analysis(make_analysis(seed=5))
    assert count(store, files) == 0 and count(store, runs) == 0


def test_profiles(store):
    assert store.runner("ana").height_cm is None
    assert count(store, runners) == 0  # reading a profile stores nothing
    saved = store.set_profile("ana", height_cm=168, mass_kg=57.5)
    assert (saved.name, saved.height_cm, saved.mass_kg) == ("ana", 168.0, 57.5)
    assert store.runner("ana") == saved
    assert saved.leg_length_m == pytest.approx(0.53 * 1.68)
    cleared = store.set_profile("ana", height_cm=None, mass_kg=57.5)
    assert cleared.height_cm is None and cleared.mass_kg == 57.5
    store.set_profile("bo", height_cm=180, mass_kg=None)
    assert count(store, runners) == 2
    with pytest.raises(ValueError, match="mass_kg"):
        store.set_profile("ana", height_cm=168, mass_kg=float("nan"))
    with pytest.raises(ValueError, match="height_cm"):
        store.set_profile("ana", height_cm=-1, mass_kg=None)


def test_profile_survives_reopening(any_db_url):
    with Store(any_db_url) as first:
        first.set_profile("ana", height_cm=168, mass_kg=57)
    with Store(any_db_url) as second:
        assert second.runner("ana").mass_kg == 57


def test_missing_run_names_the_id(store):
    with pytest.raises(RunNotFoundError, match="no run 999 in database") as caught:
        store.load_run(999)
    assert isinstance(caught.value, StoreError) and isinstance(caught.value, KeyError)
    assert str(caught.value).startswith("no run 999")


def test_sqlite_settings(db_url):
    with Store(db_url) as store, store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_deleting_a_run_cascades(store, analysis):
    (run_id,) = store.import_analysis(analysis).run_ids
    with store._engine.begin() as conn:
        conn.execute(sa.delete(runs).where(runs.c.id == run_id))
    assert all(count(store, t) == 0 for t in RUN_TABLES)


# --------------------------------------------------------------------------------------------
# Which database, and errors a user can cause.
def test_url_argument_wins_over_environment(tmp_path, monkeypatch):
    env_db = tmp_path / "env.db"
    arg_db = tmp_path / "arg.db"
    monkeypatch.setenv("SOFTSTEP_DB", f"sqlite:///{env_db}")
    with Store() as store:
        assert store.url == f"sqlite:///{env_db}"
    with Store(f"sqlite:///{arg_db}") as store:
        assert store.url == f"sqlite:///{arg_db}"
    assert env_db.exists() and arg_db.exists()


def test_default_is_sqlite_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SOFTSTEP_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    with Store() as store:
        assert store.url.startswith("sqlite:///") and store.url.endswith("softstep.db")
    created = list(tmp_path.rglob("softstep.db"))
    assert len(created) == 1 and "softstep" in created[0].parent.name.lower()


def test_a_file_that_is_not_a_database(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"these are my running notes, not a database\n" * 100)
    with pytest.raises(StoreError) as caught:
        Store(f"sqlite:///{bogus}")
    message = str(caught.value)
    assert "\n" not in message and str(bogus) in message and "not a database" in message
    assert bogus.read_bytes().startswith(b"these are my running notes")  # untouched


def test_an_sqlite_database_of_another_program_is_left_alone(tmp_path):
    other = tmp_path / "photos.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    with pytest.raises(StoreError, match="another program") as caught:
        Store(f"sqlite:///{other}")
    assert str(other) in str(caught.value)
    with sqlite3.connect(other) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"photos"}


def test_a_path_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    target = f"sqlite:///{blocker}/sub/softstep.db"
    with pytest.raises(StoreError) as caught:
        Store(target)
    message = str(caught.value)
    assert "\n" not in message and target in message and "does not exist" in message


def test_password_is_masked_in_errors():
    url = "postgresql+psycopg://runner:hunter2@127.0.0.1:1/softstep"
    assert "hunter2" not in mask_url(url)
    with pytest.raises(StoreError) as caught:
        Store(url)
    message = str(caught.value)
    assert "hunter2" not in message and "runner:***@127.0.0.1" in message and "\n" not in message


def test_garbage_url():
    with pytest.raises(StoreError, match="cannot open database not a url"):
        Store("not a url")


def test_store_written_by_a_newer_softstep(db_url):
    Store(db_url).close()
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE softstep_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="newer softstep"):
        Store(db_url)
