"""Migrations: an empty database migrated to head has exactly the schema of the models.

When RECORD_COLUMNS, STEP_COLUMNS or Summary gain a field, the tables built from them gain a
column and ``test_migrated_schema_matches_the_models`` fails until a new alembic revision adds
it: ``alembic -c softstep/store/alembic.ini revision --autogenerate -m "..."``.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.script import ScriptDirectory
from test_store import BACKENDS, fresh_database

from softstep.model import RECORD_COLUMNS, STEP_COLUMNS
from softstep.store import Store
from softstep.store.db import (
    VERSION_TABLE,
    alembic_config,
    create_engine,
    downgrade,
    migrate,
    migration_context,
)
from softstep.store.schema import SUMMARY_FIELDS, metadata

APP_TABLES = set(metadata.tables)


@pytest.fixture(params=BACKENDS)
def any_db_url(request, db_url):
    """SQLite always; PostgreSQL too when SOFTSTEP_TEST_POSTGRES is set (see test_store.py)."""
    yield from fresh_database(request.param, db_url)


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def schema_diff(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        context = migration_context(conn, compare_type=True)
        return compare_metadata(context, metadata)


def test_migrated_schema_matches_the_models(any_db_url):
    engine = create_engine(any_db_url)
    migrate(engine)
    assert table_names(engine) == APP_TABLES | {VERSION_TABLE}
    assert schema_diff(engine) == []
    engine.dispose()


def test_the_diff_check_would_notice_a_missing_column(any_db_url):
    """Guards the test above: a column in the models but not in the database is a diff."""
    engine = create_engine(any_db_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE records DROP COLUMN power_w")
    diff = schema_diff(engine)
    assert [(d[0], d[3].name) for d in diff] == [("add_column", "power_w")]
    engine.dispose()


def test_tables_follow_the_shared_contract():
    assert list(metadata.tables["records"].c.keys()) == ["run_id", "idx", *RECORD_COLUMNS]
    assert list(metadata.tables["steps"].c.keys()) == ["run_id", "idx", *STEP_COLUMNS]
    assert list(metadata.tables["summaries"].c.keys()) == ["run_id", *SUMMARY_FIELDS]


def test_downgrade_to_base_and_back(any_db_url):
    with Store(any_db_url) as store:  # with rows in the tables
        store.set_profile("ana", height_cm=170, mass_kg=60)
    engine = create_engine(any_db_url)
    downgrade(engine, "base")
    assert table_names(engine) <= {VERSION_TABLE}
    with engine.connect() as conn:
        assert migration_context(conn).get_current_revision() is None
    migrate(engine)
    assert schema_diff(engine) == []
    engine.dispose()


def test_opening_a_store_migrates_to_head_once(any_db_url):
    Store(any_db_url).close()
    engine = create_engine(any_db_url)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        assert migration_context(conn).get_current_revision() == head
    Store(any_db_url).close()  # already at head: nothing to do, nothing fails
    assert table_names(engine) == APP_TABLES | {VERSION_TABLE}
    engine.dispose()


def test_migrations_form_one_line_without_branches():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert [r.revision for r in script.walk_revisions()][-1] == "0001"


def test_threads_opening_a_new_database_at_once(any_db_url):
    """One migrates, the others wait for it and find the schema at head."""
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            Store(any_db_url).close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = create_engine(any_db_url)
    assert schema_diff(engine) == []
    engine.dispose()


def test_processes_opening_a_new_database_at_once(any_db_url):
    code = "import sys; from softstep.store import Store; Store(sys.argv[1]).close()"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, any_db_url], stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert results == [(0, "")] * 2
    engine = create_engine(any_db_url)
    assert schema_diff(engine) == []
    engine.dispose()
