"""The database schema, as SQLAlchemy Core tables built from the shared contract (model.py).

The per-record, per-step and summary columns are generated from ``RECORD_COLUMNS``,
``STEP_COLUMNS`` and the fields of ``Summary``: a new column there is one alembic migration away,
and ``tests/test_store_migrations.py`` fails until that migration exists (autogenerate compare).

Portable on SQLite and PostgreSQL: 8-byte floats (``Double``), ``JSON``, timezone-aware
timestamps stored as UTC (``UtcDateTime``), no dialect-specific SQL.

Tables
------
runners    one row per runner profile (name, height_cm, mass_kg)
files      one row per imported file; (runner_id, ``content_hash`` sha256 hex) is unique -> a runner
           never stores the same file twice
runs       one row per running session of a file (Recording metadata, laps, warnings)
records    one row per record of a run (RECORD_COLUMNS), key (run_id, idx)
steps      one row per foot contact of a run (STEP_COLUMNS), key (run_id, idx)
summaries  one row per run, numeric Summary fields as real columns, ``drift`` as JSON
segments   one row per km of a run, the row as JSON (per_km columns are not fixed yet)
findings   ranked findings of a run, evidence as JSON
plans      the plan of a run as JSON of ``Plan.to_dict()``
run_media  images and clips drawn for a run (contact sheets, annotated video), as bytes
users      web accounts (multi-user server): name, argon2 password hash, the runner they are
web_sessions  signed-in browser sessions: sha256 of the session token, CSRF token, expiry
shares     athlete -> coach: the coach may read the athlete's runs

Example
-------
>>> "cadence_spm" in records.c and "impact_clipped" in steps.c
True
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from softstep.model import RECORD_COLUMNS, STEP_COLUMNS, Summary

# Stable constraint names, so that migrations can refer to them on every backend.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC, read back with ``tzinfo=UTC``.

    SQLite keeps no zone, PostgreSQL's ``timestamptz`` answers in the session's zone: both come
    back as UTC. A naive datetime is taken to be UTC already (model.Recording.start is UTC).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
            value = value.to_pydatetime()
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete="CASCADE")


# pandas dtype (STEP_COLUMNS) -> column type
_STEP_TYPES: dict[str, type[sa.types.TypeEngine[Any]]] = {
    "float64": sa.Double,
    "string": sa.String,
    "boolean": sa.Boolean,
}

# Summary field annotation -> column type; ``drift`` is a dict and goes to JSON.
_SUMMARY_TYPES: dict[str, type[sa.types.TypeEngine[Any]]] = {
    "float | None": sa.Double,
    "int | None": sa.Integer,
    "dict[str, float]": sa.JSON,
}

SUMMARY_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Summary))


def _summary_columns() -> list[sa.Column[Any]]:
    columns = []
    for f in dataclasses.fields(Summary):
        try:
            kind = _SUMMARY_TYPES[str(f.type)]
        except KeyError:
            raise TypeError(f"Summary.{f.name}: no column type for {f.type!r}") from None
        columns.append(sa.Column(f.name, kind(), nullable=True))
    return columns


runners = sa.Table(
    "runners",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("height_cm", sa.Double),
    sa.Column("mass_kg", sa.Double),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

files = sa.Table(
    "files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # NULL for analyses built in memory (no bytes to hash): those are never deduplicated.
    sa.Column("content_hash", sa.String(64)),
    sa.Column("runner_id", sa.Integer, _fk("runners.id"), nullable=False, index=True),
    sa.Column("path", sa.Text),
    sa.Column("file_name", sa.Text),
    sa.Column("file_size", sa.BigInteger),
    sa.Column("imported_at", UtcDateTime, nullable=False),
    sa.Column("skipped", sa.JSON, nullable=False),
    sa.Column("warnings", sa.JSON, nullable=False),
    sa.UniqueConstraint("runner_id", "content_hash"),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("file_id", sa.Integer, _fk("files.id"), nullable=False, index=True),
    sa.Column("runner_id", sa.Integer, _fk("runners.id"), nullable=False),
    sa.Column("session_index", sa.Integer, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("sport", sa.String(64), nullable=False),
    sa.Column("start", UtcDateTime),
    sa.Column("device", sa.Text),
    sa.Column("path", sa.Text),
    sa.Column("placement", sa.String(64)),
    sa.Column("sample_rate_hz", sa.Double),
    sa.Column("laps", sa.JSON(none_as_null=True)),  # codec.table_to_json or NULL
    sa.Column("segment_columns", sa.JSON, nullable=False),  # per-km table layout, see codec
    sa.Column("warnings", sa.JSON, nullable=False),
    sa.Column("info", sa.JSON(none_as_null=True)),  # Recording.info: units, placement guess, ...
    sa.UniqueConstraint("file_id", "session_index"),
    sa.Index(None, "runner_id", "start"),
    sqlite_autoincrement=True,  # a deleted run's id is never reused (links, cached media)
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("run_id", sa.Integer, _fk("runs.id"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    *(sa.Column(name, sa.Double) for name in RECORD_COLUMNS),
)

steps = sa.Table(
    "steps",
    metadata,
    sa.Column("run_id", sa.Integer, _fk("runs.id"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    *(sa.Column(name, _STEP_TYPES[dtype]()) for name, dtype in STEP_COLUMNS.items()),
)

summaries = sa.Table(
    "summaries",
    metadata,
    sa.Column("run_id", sa.Integer, _fk("runs.id"), primary_key=True),
    *_summary_columns(),
)

segments = sa.Table(
    "segments",
    metadata,
    sa.Column("run_id", sa.Integer, _fk("runs.id"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.JSON, nullable=False),
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("run_id", sa.Integer, _fk("runs.id"), primary_key=True),
    sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),  # 1 = most likely
    sa.Column("code", sa.String(64), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("confidence", sa.Double, nullable=False),
    sa.Column("severity", sa.Double, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("confirm_with", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
)

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("run_id", sa.Integer, _fk("runs.id"), primary_key=True),
    sa.Column("baseline_cadence_spm", sa.Double),
    sa.Column("data", sa.JSON, nullable=False),  # Plan.to_dict()
)

run_media = sa.Table(
    "run_media",
    metadata,
    sa.Column("run_id", sa.Integer, _fk("runs.id"), primary_key=True),
    sa.Column("name", sa.String(100), primary_key=True),  # e.g. "contacts-left.png"
    sa.Column("media_type", sa.String(100), nullable=False),  # e.g. "image/png", "video/mp4"
    sa.Column("data", sa.LargeBinary, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),  # argon2id, PHC string
    sa.Column("runner_id", sa.Integer, _fk("runners.id"), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),  # the cookie's token, hashed
    sa.Column("user_id", sa.Integer, _fk("users.id"), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

shares = sa.Table(
    "shares",
    metadata,
    sa.Column("athlete_id", sa.Integer, _fk("users.id"), primary_key=True),
    sa.Column("coach_id", sa.Integer, _fk("users.id"), primary_key=True, index=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Tables whose rows belong to one run, in the order they are written.
RUN_TABLES = (records, steps, summaries, segments, findings, plans, run_media)
