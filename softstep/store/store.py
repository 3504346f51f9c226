"""The Store: runner profiles and analysed runs in a SQL database (SQLite default, any URL).

One transaction per file import: a file is stored whole or not at all. A file is known by the
sha256 of its bytes (``Recording.content_hash``); importing it again for the same runner returns
the runs already stored, with ``duplicate=True``.

Example
-------
>>> store = Store("sqlite://")                       # in memory; default: the user data folder
>>> store.set_profile("ana", height_cm=168, mass_kg=57)
Runner(name='ana', height_cm=168.0, mass_kg=57.0)
>>> store.runs("ana")
[]
>>> store.close()
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from softstep.errors import StoreError
from softstep.metrics_audio import AudioRunRow
from softstep.metrics_video import VideoRunRow
from softstep.model import (
    RECORD_COLUMNS,
    STEP_COLUMNS,
    FileAnalysis,
    Plan,
    Recording,
    RunAnalysis,
    Runner,
    Summary,
    conform,
    to_jsonable,
)
from softstep.store import codec
from softstep.store.db import (
    WRITE,
    create_engine,
    mask_url,
    migrate,
    open_error,
    resolve_url,
    write_error,
)
from softstep.store.schema import (
    RUN_TABLES,
    SUMMARY_FIELDS,
    files,
    findings,
    plans,
    records,
    run_media,
    runners,
    runs,
    segments,
    steps,
    summaries,
)

T = TypeVar("T")
WRITE_ATTEMPTS = 3

RECORD_DTYPES: dict[str, str] = dict.fromkeys(RECORD_COLUMNS, "float64")
MAX_RUN_ID = 2**31 - 1  # runs.id is an INTEGER: larger ids cannot exist
# when a run took place: its start, else when its file was imported
_RUN_WHEN = sa.func.coalesce(runs.c.start, files.c.imported_at)
CHUNK_ROWS = 5000  # rows per executemany: bounds the memory of the parameter lists


@dataclass(frozen=True)
class ImportResult:
    """What import_analysis did: the run ids of the file (new or already stored)."""

    run_ids: list[int]
    duplicate: bool


@dataclass(frozen=True)
class RunRow:
    """One line of the run list. Distance in m, duration in s, cadence in steps/min."""

    id: int
    runner: str
    start: datetime | None
    sport: str
    source: str
    device: str | None
    file_name: str | None
    distance_m: float | None
    duration_s: float | None
    cadence_spm: float | None
    session_index: int = 0


class RunNotFoundError(StoreError, KeyError):
    """No run with this id (a KeyError too, for code that looks runs up like a mapping)."""

    def __init__(self, run_id: int, url: str):
        self.run_id = run_id
        super().__init__(f"no run {run_id} in database {url}; `softstep runs` lists the stored ids")

    def __str__(self) -> str:
        return str(self.args[0])


class Store:
    """Runner profiles and analysed runs, in the database at ``url``.

    ``url`` is any SQLAlchemy URL; when None, $SOFTSTEP_DB, else SQLite in the user data folder.
    Opening brings the schema up to date (alembic ``upgrade head``). Raises StoreError with a
    one-line message when the database cannot be opened.
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        self._shown_url = mask_url(self.url)
        try:
            self._engine = create_engine(self.url)
        except (sa_exc.SQLAlchemyError, ImportError, ValueError) as exc:
            raise open_error(self.url, exc) from exc
        try:
            migrate(self._engine)
        except StoreError:
            self._engine.dispose()
            raise
        except (sa_exc.SQLAlchemyError, OSError, ImportError) as exc:
            self._engine.dispose()
            raise open_error(self.url, exc) from exc

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        """Release the connections. The Store cannot be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._shown_url!r})"

    # -- runners --------------------------------------------------------------------------------
    def runner(self, name: str) -> Runner:
        """The profile of ``name``; an empty one (nothing stored) for a runner not seen yet."""
        with self._read() as conn:
            return _runner_profile(conn, runners.c.name == name) or Runner(name)

    def set_profile(self, name: str, *, height_cm: float | None, mass_kg: float | None) -> Runner:
        """Set (None: clear) the height in cm and mass in kg of ``name``; returns the profile.

        Raises ValueError for a value that is not a positive finite number.
        """
        for label, value in (("height_cm", height_cm), ("mass_kg", mass_kg)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"{label} must be a positive number, not {value!r}")

        def update(conn: sa.Connection) -> Runner:
            runner_id = _runner_id(conn, name)
            conn.execute(
                runners.update()
                .where(runners.c.id == runner_id)
                .values(
                    height_cm=None if height_cm is None else float(height_cm),
                    mass_kg=None if mass_kg is None else float(mass_kg),
                )
            )
            return _runner_profile(conn, runners.c.id == runner_id)

        return self._write(update)

    # -- runs -----------------------------------------------------------------------------------
    def import_analysis(
        self,
        analysis: FileAnalysis,
        *,
        runner: str = "me",
        file_name: str | None = None,
        file_size: int | None = None,
    ) -> ImportResult:
        """Store every run of ``analysis`` for ``runner``, in one transaction.

        A file ``runner`` already stored (same content hash) is not stored again: its run ids come
        back with ``duplicate=True``. ``file_name`` defaults to the name in ``analysis.path``.
        Sets ``run_id`` on each RunAnalysis (to the stored run's id for a duplicate).
        An analysis without runs stores nothing. Raises StoreError when the write fails.
        """
        if not analysis.runs:
            return ImportResult([], duplicate=False)
        digest = next(
            (r.recording.content_hash for r in analysis.runs if r.recording.content_hash), None
        )
        name = file_name if file_name is not None else (Path(analysis.path).name or None)

        def store(conn: sa.Connection) -> ImportResult:
            runner_id = _runner_id(conn, runner)
            existing = _file_run_ids(conn, runner_id, digest)
            if existing is not None:
                return ImportResult(existing, duplicate=True)
            ids = _insert_file(conn, analysis, runner_id, digest, name, file_size)
            return ImportResult(ids, duplicate=False)

        result = self._write(store)
        if len(result.run_ids) == len(analysis.runs):
            for run, run_id in zip(analysis.runs, result.run_ids, strict=True):
                run.run_id = run_id
        return result

    def stored_file_runs(self, runner: str, content_hash: str) -> list[int] | None:
        """Run ids of ``runner``'s stored file with this content hash (sha256 hex), or None
        when that runner has not stored it. Reads only (never creates the runner)."""
        runner_id = sa.select(runners.c.id).where(runners.c.name == runner).scalar_subquery()
        with self._read() as conn:
            return _file_run_ids(conn, runner_id, content_hash)

    def runs(self, runner: str | None = None) -> list[RunRow]:
        """Stored runs, oldest first (runs without a start time last), of one runner or all."""
        query = (
            sa.select(
                runs.c.id,
                runners.c.name,
                runs.c.start,
                runs.c.sport,
                runs.c.source,
                runs.c.device,
                files.c.file_name,
                summaries.c.distance_m,
                summaries.c.duration_s,
                summaries.c.cadence_spm,
                runs.c.session_index,
            )
            .join(runners, runners.c.id == runs.c.runner_id)
            .join(files, files.c.id == runs.c.file_id)
            .outerjoin(summaries, summaries.c.run_id == runs.c.id)
            .order_by(runs.c.start.is_(None), runs.c.start, runs.c.id)
        )
        if runner is not None:
            query = query.where(runners.c.name == runner)
        with self._read() as conn:
            return [RunRow(*row) for row in conn.execute(query)]

    def audio_history(self, runner: str) -> list[AudioRunRow]:
        """The stored audio runs of ``runner`` (footfall loudness and cadence per run), oldest
        first: what ``metrics_audio.loudness_baseline`` picks the runner's baseline from."""
        rows = self._history(runner, "audio", summaries.c.cadence_spm, summaries.c.loudness_dbfs,
                             summaries.c.steps_detected, runs.c.device)
        return [AudioRunRow(*row) for row in rows]

    def video_history(self, runner: str) -> list[VideoRunRow]:
        """The stored side-view video runs of ``runner`` (median overstride per run), oldest
        first: what ``metrics_video.overstride_baseline`` takes the runner's baseline from."""
        rows = self._history(runner, "video", summaries.c.overstride_pct_leg,
                             summaries.c.landings_measured)
        return [VideoRunRow(*row) for row in rows]

    def _history(self, runner: str, source: str, *columns: sa.ColumnElement) -> list[sa.Row]:
        """(run id, file content hash, start, *columns) of ``runner``'s stored runs of
        ``source``, oldest first."""
        query = (
            sa.select(runs.c.id, files.c.content_hash, runs.c.start, *columns)
            .join(runners, runners.c.id == runs.c.runner_id)
            .join(files, files.c.id == runs.c.file_id)
            .join(summaries, summaries.c.run_id == runs.c.id)
            .where(runners.c.name == runner, runs.c.source == source)
            .order_by(runs.c.id)
        )
        with self._read() as conn:
            return list(conn.execute(query))

    def trend_tables(
        self, runner: str, columns: tuple[str, ...]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per-record and per-step rows of every stored run of ``runner``, in two queries.

        Returns ``(records, steps)``: each has ``run_id``, ``when`` (the run's start, else the
        time its file was imported; UTC), ``t_s``, ``speed_m_per_s`` (NaN in steps) and those of
        ``columns`` the table has (float64). What ``softstep.progress`` compares week by week.

        >>> with Store("sqlite://") as s: s.trend_tables("ana", ("cadence_spm",))[0].shape
        (0, 5)
        """
        when = _RUN_WHEN.label("when")
        frames = []
        for table, names in ((records, RECORD_COLUMNS), (steps, STEP_COLUMNS)):
            wanted = [c for c in ("t_s", "speed_m_per_s", *columns) if c in names]
            wanted = list(dict.fromkeys(wanted))
            query = (
                sa.select(runs.c.id.label("run_id"), when, *(table.c[c] for c in wanted))
                .join(runs, runs.c.id == table.c.run_id)
                .join(files, files.c.id == runs.c.file_id)
                .join(runners, runners.c.id == runs.c.runner_id)
                .where(runners.c.name == runner)
                .order_by(runs.c.id, table.c.idx)
            )
            with self._read() as conn:
                rows = conn.execute(query).all()
            frame = pd.DataFrame(rows, columns=["run_id", "when", *wanted])
            frame["when"] = pd.to_datetime(frame["when"], utc=True)
            for c in wanted:
                frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
            if "speed_m_per_s" not in frame:
                frame["speed_m_per_s"] = float("nan")
            frames.append(frame)
        return frames[0], frames[1]

    def run_when(self, run_id: int) -> datetime:
        """When run ``run_id`` took place (UTC): its start, else when its file was imported
        (as ``trend_tables`` dates it). RunNotFoundError when absent."""
        query = (sa.select(_RUN_WHEN).select_from(runs)
                 .join(files, files.c.id == runs.c.file_id).where(runs.c.id == run_id))
        with self._read() as conn:
            when = conn.execute(query).scalar()
        if when is None:
            raise RunNotFoundError(run_id, self._shown_url)
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    def put_media(self, run_id: int, name: str, media_type: str, data: bytes) -> None:
        """Store (or replace) the picture or clip ``name`` of run ``run_id``, one transaction.

        ``media_type``: e.g. "image/jpeg", "video/mp4". RunNotFoundError when the run is absent.
        """

        def store(conn: sa.Connection) -> None:
            if conn.execute(sa.select(runs.c.id).where(runs.c.id == run_id)).scalar() is None:
                raise RunNotFoundError(run_id, self._shown_url)
            conn.execute(sa.delete(run_media).where(run_media.c.run_id == run_id,
                                                    run_media.c.name == name))
            conn.execute(sa.insert(run_media).values(run_id=run_id, name=name,
                                                     media_type=media_type, data=bytes(data)))

        self._write(store)

    def media(self, run_id: int) -> list[tuple[str, str, int]]:
        """The media of run ``run_id`` as (name, media_type, size in bytes), by name."""
        query = (sa.select(run_media.c.name, run_media.c.media_type,
                           sa.func.length(run_media.c.data))
                 .where(run_media.c.run_id == run_id).order_by(run_media.c.name))
        with self._read() as conn:
            return [(str(n), str(t), int(size)) for n, t, size in conn.execute(query)]

    def media_item(self, run_id: int, name: str) -> tuple[str, bytes] | None:
        """(media_type, bytes) of the media ``name`` of run ``run_id``; None when absent."""
        query = sa.select(run_media.c.media_type, run_media.c.data).where(
            run_media.c.run_id == run_id, run_media.c.name == name)
        with self._read() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else (str(row[0]), bytes(row[1]))

    def run_runner(self, run_id: int) -> str:
        """The name of the runner run ``run_id`` belongs to; RunNotFoundError when absent."""
        if not 1 <= run_id <= MAX_RUN_ID:  # no such row, and the driver would overflow
            raise RunNotFoundError(run_id, self._shown_url)
        query = (sa.select(runners.c.name).join(runs, runs.c.runner_id == runners.c.id)
                 .where(runs.c.id == run_id))
        with self._read() as conn:
            name = conn.execute(query).scalar()
        if name is None:
            raise RunNotFoundError(run_id, self._shown_url)
        return str(name)

    def delete_run(self, run_id: int) -> None:
        """Remove run ``run_id`` with its rows, and its file's row when no run of that file is
        left, in one transaction. RunNotFoundError when absent."""

        def delete(conn: sa.Connection) -> None:
            if delete_runs_where(conn, runs.c.id == run_id) == 0:
                raise RunNotFoundError(run_id, self._shown_url)

        self._write(delete)

    def set_labels(self, run_id: int, labels: dict[str, Any]) -> dict[str, Any]:
        """Merge ``labels`` (e.g. {"surface": "road", "shoes": None}) into the run's
        ``info["labels"]``; a None value removes that label, and no labels left removes the key.
        Returns the labels now stored. RunNotFoundError when the run is absent."""

        def update(conn: sa.Connection) -> dict[str, Any]:
            info = conn.execute(sa.select(runs.c.info).where(runs.c.id == run_id)).one_or_none()
            if info is None:
                raise RunNotFoundError(run_id, self._shown_url)
            info = dict(info[0] or {})
            merged = {**info.get("labels", {}), **labels}
            merged = {k: v for k, v in merged.items() if v is not None}
            info.pop("labels", None)
            if merged:
                info["labels"] = merged
            conn.execute(runs.update().where(runs.c.id == run_id).values(info=info or None))
            return merged

        return self._write(update)

    def load_run(self, run_id: int) -> RunAnalysis:
        """The stored run ``run_id`` rebuilt: recording with records, steps, summary, per-km
        segments, findings and plan. Raises RunNotFoundError (a StoreError) when absent.
        """
        with self._read() as conn:
            row = conn.execute(
                sa.select(runs, files.c.content_hash, files.c.path.label("file_path"))
                .join(files, files.c.id == runs.c.file_id)
                .where(runs.c.id == run_id)
            ).one_or_none()
            if row is None:
                raise RunNotFoundError(run_id, self._shown_url)
            recording = Recording(
                source=row.source,
                sport=row.sport,
                records=_select_table(conn, records, run_id, RECORD_DTYPES),
                start=row.start,
                device=row.device,
                path=row.path if row.path is not None else row.file_path,
                session_index=row.session_index,
                content_hash=row.content_hash,
                laps=codec.table_from_json(row.laps),
                placement=row.placement,
                sample_rate_hz=row.sample_rate_hz,
                warnings=list(row.warnings),
                info=dict(row.info or {}),
            )
            return RunAnalysis(
                recording=recording,
                steps=_select_table(conn, steps, run_id, STEP_COLUMNS),
                summary=_select_summary(conn, run_id),
                segments=_select_segments(conn, run_id, row.segment_columns),
                findings=[
                    codec.finding_from_row(f)
                    for f in conn.execute(
                        sa.select(findings)
                        .where(findings.c.run_id == run_id)
                        .order_by(findings.c.rank)
                    )
                ],
                plan=_select_plan(conn, run_id),
                run_id=run_id,
            )

    # -- transactions ---------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        try:
            with self._engine.connect() as conn:
                yield conn
        except sa_exc.DBAPIError as exc:
            raise StoreError(
                f"cannot read database {self._shown_url}: {_first_line(exc)}; "
                "check that it is reachable and is a softstep database"
            ) from exc

    def _write(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work`` in one write transaction; all or nothing.

        A unique-constraint race (another writer stored the same runner or file between our
        look-up and our insert) rolls back and runs ``work`` again, which then finds that row;
        an import can meet two such races in turn (the runner, then the file), hence 3 tries.
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._engine.connect() as conn:
                    conn.execution_options(**{WRITE: True})
                    with conn.begin():
                        return work(conn)
            except sa_exc.IntegrityError as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise write_error(self._shown_url, exc, integrity=True) from exc
            except sa_exc.DBAPIError as exc:
                raise write_error(self._shown_url, exc) from exc
        raise AssertionError("unreachable")


# ----------------------------------------------------------------------------------------------
def delete_runs_where(conn: sa.Connection, which: sa.ColumnElement[bool]) -> int:
    """Delete the runs matching ``which`` (a condition on ``runs``) with all their rows, then
    the file rows they leave without runs; returns how many runs. Inside a write transaction."""
    count = conn.execute(sa.select(sa.func.count()).select_from(runs).where(which)).scalar_one()
    if count == 0:
        return 0
    file_ids = list(conn.execute(sa.select(runs.c.file_id).where(which).distinct()).scalars())
    run_ids = sa.select(runs.c.id).where(which)
    for table in RUN_TABLES:
        conn.execute(sa.delete(table).where(table.c.run_id.in_(run_ids)))
    conn.execute(sa.delete(runs).where(which))
    has_runs = sa.exists().where(runs.c.file_id == files.c.id)
    conn.execute(sa.delete(files).where(files.c.id.in_(file_ids), ~has_runs))
    return int(count)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _now() -> datetime:
    return datetime.now(UTC)


def _runner_id(conn: sa.Connection, name: str) -> int:
    """The id of runner ``name``, inserting an empty profile on first use."""
    found = conn.execute(sa.select(runners.c.id).where(runners.c.name == name)).scalar()
    if found is not None:
        return int(found)
    result = conn.execute(runners.insert().values(name=name, created_at=_now()))
    return int(result.inserted_primary_key[0])


def _runner_profile(conn: sa.Connection, which: sa.ColumnElement[bool]) -> Runner | None:
    """The profile of the runner matching ``which`` (a condition on ``runners``); None."""
    row = conn.execute(sa.select(runners).where(which)).one_or_none()
    return None if row is None else Runner(row.name, row.height_cm, row.mass_kg)


def _file_run_ids(conn: sa.Connection, runner_id: int | sa.ScalarSelect[int],
                  digest: str | None) -> list[int] | None:
    """Run ids of the runner's stored file with this content hash (in the file's order), or
    None when not stored (a stored file always has runs: deleting its last run removes it)."""
    if digest is None:
        return None
    query = (sa.select(runs.c.id).join(files, runs.c.file_id == files.c.id)
             .where(files.c.runner_id == runner_id, files.c.content_hash == digest)
             .order_by(runs.c.session_index))
    return [int(i) for i in conn.execute(query).scalars()] or None


def _insert_file(
    conn: sa.Connection,
    analysis: FileAnalysis,
    runner_id: int,
    digest: str | None,
    file_name: str | None,
    file_size: int | None,
) -> list[int]:
    """Insert the file row and all its runs; returns the new run ids in the order of the runs."""
    file_id = conn.execute(
        files.insert().values(
            content_hash=digest,
            runner_id=runner_id,
            path=analysis.path,
            file_name=file_name,
            file_size=None if file_size is None else int(file_size),
            imported_at=_now(),
            skipped=list(analysis.skipped),
            warnings=list(analysis.warnings),
        )
    ).inserted_primary_key[0]
    return [_insert_run(conn, run, int(file_id), runner_id, analysis.path) for run in analysis.runs]


def _insert_run(
    conn: sa.Connection, run: RunAnalysis, file_id: int, runner_id: int, file_path: str
) -> int:
    rec = run.recording
    run_id = int(
        conn.execute(
            runs.insert().values(
                file_id=file_id,
                runner_id=runner_id,
                session_index=int(rec.session_index),
                source=rec.source,
                sport=rec.sport,
                start=rec.start,
                device=rec.device,
                path=rec.path if rec.path is not None else file_path,
                placement=rec.placement,
                sample_rate_hz=to_jsonable(rec.sample_rate_hz),
                laps=codec.table_to_json(rec.laps),
                segment_columns=codec.table_layout(run.segments),
                warnings=list(rec.warnings),
                info=to_jsonable(rec.info) or None,
            )
        ).inserted_primary_key[0]
    )
    _insert_frame(conn, records, conform(rec.records, list(RECORD_COLUMNS)), run_id)
    _insert_frame(conn, steps, conform(run.steps, STEP_COLUMNS), run_id)
    conn.execute(summaries.insert().values(run_id=run_id, **run.summary.to_dict()))
    segment_rows = codec.table_dicts(run.segments)
    if segment_rows:
        conn.execute(
            segments.insert(),
            [{"run_id": run_id, "idx": i, "data": d} for i, d in enumerate(segment_rows)],
        )
    if run.findings:
        conn.execute(
            findings.insert(),
            [codec.finding_row(f, rank, run_id) for rank, f in enumerate(run.findings, start=1)],
        )
    plan = run.plan.to_dict()
    conn.execute(
        plans.insert().values(
            run_id=run_id, baseline_cadence_spm=plan["baseline_cadence_spm"], data=plan
        )
    )
    return run_id


def _insert_frame(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame, run_id: int) -> None:
    """Bulk-insert ``frame`` (columns already conformed) as rows (run_id, idx, ...) of ``table``.

    The INSERT is compiled once for the connection's dialect and its rows go straight to the
    driver's executemany, CHUNK_ROWS at a time: tuples for positional drivers (sqlite3), dicts
    for named ones (psycopg). This skips SQLAlchemy's per-row parameter processing, which is
    safe because these tables hold only floats, strings and booleans, which the drivers take as
    they are (codec.column_values gives None for missing values).
    """
    names = ["run_id", "idx", *frame.columns]
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=names)
    order = list(compiled.positiontup) if compiled.positional else names
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS]
        rows = codec.table_rows(chunk, order, start=start, run_id=run_id)
        if not compiled.positional:
            rows = [dict(zip(order, row, strict=True)) for row in rows]
        conn.exec_driver_sql(compiled.string, rows)


def _select_table(
    conn: sa.Connection, table: sa.Table, run_id: int, dtypes: dict[str, str]
) -> pd.DataFrame:
    query = (
        sa.select(*(table.c[name] for name in dtypes))
        .where(table.c.run_id == run_id)
        .order_by(table.c.idx)
    )
    return codec.table_from_rows(conn.execute(query).all(), dtypes)


def _select_summary(conn: sa.Connection, run_id: int) -> Summary:
    row = conn.execute(sa.select(summaries).where(summaries.c.run_id == run_id)).one_or_none()
    if row is None:
        return Summary()
    values: dict[str, Any] = {name: getattr(row, name) for name in SUMMARY_FIELDS}
    values["drift"] = dict(values["drift"] or {})
    return Summary(**values)


def _select_segments(conn: sa.Connection, run_id: int, layout: dict[str, Any]) -> pd.DataFrame:
    query = sa.select(segments.c.data).where(segments.c.run_id == run_id).order_by(segments.c.idx)
    return codec.table_from_dicts(list(conn.execute(query).scalars()), layout)


def _select_plan(conn: sa.Connection, run_id: int) -> Plan:
    data = conn.execute(sa.select(plans.c.data).where(plans.c.run_id == run_id)).scalar()
    return Plan(baseline_cadence_spm=None) if data is None else codec.plan_from_dict(data)
