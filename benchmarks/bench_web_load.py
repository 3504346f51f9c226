"""Load test of the web app's uploads: N concurrent ``POST /api/runs`` of real files, on loopback.

A real uvicorn server (softstep.web.loopback, its own thread, real sockets and worker threads)
serves ``create_app`` over (a) a fresh SQLite file and (b) a fresh database on the PostgreSQL
server of ``--pg-url`` or $SOFTSTEP_TEST_POSTGRES (skipped with a message when neither is set).
The uploads are real recordings from ``$SOFTSTEP_SHARED_DATA`` (default ../shared/data beside
the repository), the distinct files cycled so that each is sent 2-3 times at once, and two pairs
of files hold the same bytes under different names. All uploads start together (a barrier).

Checks (exit status 1 when one fails): every answer is 201 (stored) or 200 (duplicate), none is
5xx or says "database is locked"; each distinct content got exactly one 201 and every upload of
it returned the same run ids; afterwards the store holds exactly one file row per content and
exactly those runs (Store.runs()), nothing lost or duplicated.

    python benchmarks/bench_web_load.py [--uploads 50] [--pg-url URL] [--only sqlite|postgresql]
    bash scripts/with-test-postgres.sh .venv/bin/python benchmarks/bench_web_load.py

tests/test_web_load.py runs a small version through the same functions.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import sqlalchemy as sa

from softstep.validation.report import default_data_dir

SHARED_DATA = default_data_dir()
PG_ENV_VAR = "SOFTSTEP_TEST_POSTGRES"

# Readable running recordings (checked: each becomes 1 run, the multisport file 2), relative to
# the shared data folder. Two pairs hold the same bytes under other names (the store must see
# one file): fit/garmin-fenix-5-run.fit = tcx_gpx/fit/garmin-fenix-5-basic.fit and
# tcx_gpx/gpx/stopped_example.gpx = tcx_gpx/gpx/strava_export.gpx.
LOAD_FILES = [
    "fit/activity-small-fenix2-run.fit",
    "fit/developer-types-sample.fit",
    "fit/activity-large-fenxi2-multisport.fit",
    "fit/2013-02-06-12-11-14.fit",
    "fit/compressed-speed-distance.fit",
    "fit/antfs-dump.63.fit",
    "fit/sample_mulitple_header.fit",
    "fit/strava-android-app-201.10-b1218918.fit",
    "fit/garmin-fenix-5-run.fit",
    "tcx_gpx/fit/garmin-fenix-5-basic.fit",
    "tcx_gpx/fit/run.fit",
    "tcx_gpx/gpx/run.gpx",
    "tcx_gpx/gpx/nike_run.gpx",
    "tcx_gpx/gpx/stopped_example.gpx",
    "tcx_gpx/gpx/strava_export.gpx",
    "tcx_gpx/tcx/run.tcx",
    "tcx_gpx/tcx/run_garmin.tcx",
    "tcx_gpx/tcx/basic.tcx",
    "tcx_gpx/samples/2020-12-02T06_08_29-300_Running.tcx",
    "tcx_gpx/samples/2020-12-16T05_44_18-300_Running.tcx",
]
UPLOAD_TIMEOUT_S = 600.0  # one upload waits this long at most (50 at once on 2 busy cores)


@dataclass(frozen=True)
class Upload:
    """One file to send: its name, bytes and sha256 (the store dedups by content)."""

    name: str
    data: bytes
    sha256: str

    @classmethod
    def read(cls, path: Path) -> Upload:
        data = path.read_bytes()
        return cls(path.name, data, hashlib.sha256(data).hexdigest())


@dataclass
class Outcome:
    """What the server answered to one upload, and how long it took (s, from the barrier)."""

    upload: Upload
    status: int | None = None
    body: dict | None = None
    text: str = ""
    latency_s: float = float("nan")
    error: str | None = None

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple((self.body or {}).get("ids") or ())


@dataclass
class LoadReport:
    """The outcomes of one load run on one store, and the checks' problems (empty: passed)."""

    store: str
    outcomes: list[Outcome]
    wall_s: float
    runs_stored: int = 0
    files_stored: int = 0
    # the unique-constraint errors met (then retried by Store._write): how often uploads raced
    unique_races: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # the baseline: the distinct files uploaded one at a time to a fresh database of this store
    alone_wall_s: float = float("nan")
    alone_p50_s: float = float("nan")

    def latency_percentiles_s(self) -> tuple[float, float, float]:
        """(p50, p95, max) upload latency in s."""
        latency = np.array([o.latency_s for o in self.outcomes], dtype=float)
        p50, p95 = np.nanpercentile(latency, [50, 95])
        return float(p50), float(p95), float(np.nanmax(latency))

    def lines(self) -> list[str]:
        """The report as printed."""
        statuses = Counter(o.status if o.status is not None else "no answer"
                           for o in self.outcomes)
        p50, p95, worst = self.latency_percentiles_s()
        distinct = len({o.upload.sha256 for o in self.outcomes})
        verdict = "OK" if not self.problems else f"FAILED ({len(self.problems)} problems)"
        return [
            f"[{self.store}] {len(self.outcomes)} uploads of {distinct} distinct files: "
            f"statuses {dict(sorted(statuses.items(), key=str))}",
            f"[{self.store}] wall {self.wall_s:.2f} s; latency per upload p50 {p50:.2f} s, "
            f"p95 {p95:.2f} s, max {worst:.2f} s",
            f"[{self.store}] baseline, the {distinct} distinct files one at a time: wall "
            f"{self.alone_wall_s:.2f} s, p50 {self.alone_p50_s:.2f} s; concurrent / alone: "
            f"wall {self.wall_s / self.alone_wall_s:.2f}x, p50 {p50 / self.alone_p50_s:.2f}x",
            f"[{self.store}] stored: {self.files_stored} files, {self.runs_stored} runs; "
            f"{len(self.unique_races)} unique-constraint races met and retried: {verdict}",
            *(f"[{self.store}]   {n} x {race}" for race, n in Counter(self.unique_races).items()),
            *(f"[{self.store}]   problem: {p}" for p in self.problems),
        ]


# ---------------------------------------------------------------------------------------------
def upload_plan(paths: Sequence[Path], n_uploads: int) -> list[Upload]:
    """``n_uploads`` uploads cycling through ``paths`` (each read once), in a fixed order.

    >>> plan = upload_plan([Path(__file__)], 3)
    >>> len(plan), len({u.sha256 for u in plan})
    (3, 1)
    """
    files = [Upload.read(path) for path in paths]
    return list(itertools.islice(itertools.cycle(files), n_uploads))


def send_together(base_urls: Sequence[str], uploads: Sequence[Upload], *,
                  timeout_s: float = UPLOAD_TIMEOUT_S) -> tuple[list[Outcome], float]:
    """POST every upload to ``{base_url}/api/runs`` from its own thread, all released at once
    by a barrier; upload i goes to ``base_urls[i % len(base_urls)]``. Returns the outcomes (in
    the order of ``uploads``) and the wall time in s."""
    outcomes = [Outcome(upload) for upload in uploads]
    barrier = threading.Barrier(len(uploads) + 1)
    limits = httpx.Limits(max_connections=len(uploads), max_keepalive_connections=len(uploads))
    with httpx.Client(timeout=timeout_s, limits=limits) as client:

        def send(outcome: Outcome, base_url: str) -> None:
            files = {"file": (outcome.upload.name, outcome.upload.data,
                              "application/octet-stream")}
            barrier.wait()
            start_s = time.perf_counter()
            try:
                response = client.post(f"{base_url}/api/runs", files=files)
            except httpx.HTTPError as exc:
                outcome.error = f"{type(exc).__name__}: {exc}"
            else:
                outcome.status, outcome.text = response.status_code, response.text
                if response.headers.get("content-type", "").startswith("application/json"):
                    outcome.body = response.json()
            outcome.latency_s = time.perf_counter() - start_s

        threads = [threading.Thread(target=send, args=(o, base_urls[i % len(base_urls)]),
                                    daemon=True) for i, o in enumerate(outcomes)]
        for thread in threads:
            thread.start()
        barrier.wait()
        start_s = time.perf_counter()
        for thread in threads:
            thread.join()
        return outcomes, time.perf_counter() - start_s


def send_one_at_a_time(db_url: str, uploads: Sequence[Upload]) -> tuple[float, float]:
    """The baseline: each distinct content of ``uploads`` POSTed alone, one after another, to
    a fresh app over ``db_url``. Returns (wall s, median latency s)."""
    from softstep.web import create_app
    from softstep.web.loopback import serve_on_loopback

    distinct = list({u.sha256: u for u in uploads}.values())
    latencies = []
    with serve_on_loopback(create_app(db_url)) as base_url, \
            httpx.Client(timeout=UPLOAD_TIMEOUT_S) as client:
        start_s = time.perf_counter()
        for upload in distinct:
            sent_s = time.perf_counter()
            client.post(f"{base_url}/api/runs", files={"file": (upload.name, upload.data)}
                        ).raise_for_status()
            latencies.append(time.perf_counter() - sent_s)
        return time.perf_counter() - start_s, float(np.median(latencies))


def answer_problems(outcomes: Sequence[Outcome]) -> list[str]:
    """What is wrong with the answers: a status other than 201/200, a lock message, not exactly
    one 201 per content, or uploads of one content that returned different run ids."""
    problems = []
    for o in outcomes:
        if o.error is not None:
            problems.append(f"{o.upload.name}: no answer ({o.error})")
        elif o.status not in (200, 201):
            problems.append(f"{o.upload.name}: HTTP {o.status}: {o.text[:200]}")
        elif not o.ids or (o.body or {}).get("duplicate") is not (o.status == 200):
            problems.append(f"{o.upload.name}: HTTP {o.status} with body {o.text[:200]}")
        if "locked" in o.text.lower():
            problems.append(f"{o.upload.name}: database is locked: {o.text[:200]}")
    for digest, group in _by_content(outcomes).items():
        names = sorted({o.upload.name for o in group})
        created = sum(o.status == 201 for o in group)
        if created != 1:
            problems.append(f"{names}: {created} uploads answered 201 of {len(group)} "
                            "(one must store it, the others find it)")
        answered = {o.ids for o in group if o.ids}
        if len(answered) > 1:
            problems.append(f"{names}: uploads of the same content returned different run "
                            f"ids {sorted(answered)}")
    return problems


def store_problems(db_url: str, outcomes: Sequence[Outcome]) -> tuple[list[str], int, int]:
    """Compare the store with the answers: one file row per content, holding exactly the run
    ids its uploads returned, and no other runs (Store.runs()). Returns (problems, runs
    stored, files stored)."""
    from softstep.store import Store
    from softstep.store.schema import files, runs

    with Store(db_url) as store:
        stored_ids = sorted(row.id for row in store.runs())
        query = (sa.select(files.c.content_hash, files.c.id, runs.c.id)
                 .outerjoin(runs, runs.c.file_id == files.c.id))
        with store._engine.connect() as conn:  # the file rows are not in the public API
            rows = conn.execute(query).all()
    file_ids: dict[str, set[int]] = defaultdict(set)
    run_ids: dict[str, set[int]] = defaultdict(set)
    for digest, file_id, run_id in rows:
        file_ids[digest].add(file_id)
        if run_id is not None:
            run_ids[digest].add(run_id)
    problems = []
    expected: set[int] = set()
    groups = _by_content(outcomes)
    for digest, group in groups.items():
        name = group[0].upload.name
        returned = {i for o in group for i in o.ids}
        expected |= returned
        if len(file_ids.get(digest, ())) != 1:
            problems.append(f"{name}: {len(file_ids.get(digest, ()))} file rows stored, not 1")
        if run_ids.get(digest, set()) != returned:
            problems.append(f"{name}: stored runs {sorted(run_ids.get(digest, ()))}, "
                            f"answered {sorted(returned)}")
    if unsent := set(file_ids) - set(groups):
        problems.append(f"{len(unsent)} files stored that no upload sent")
    if stored_ids != sorted(expected):
        lost, extra = sorted(expected - set(stored_ids)), sorted(set(stored_ids) - expected)
        problems.append(f"Store.runs() differs from the answers: lost {lost}, extra {extra}")
    if len(stored_ids) != len(set(stored_ids)):
        problems.append("Store.runs() lists a run twice")
    return problems, len(stored_ids), len(file_ids)


def run_load(label: str, db_url: str, uploads: Sequence[Upload], *, servers: int = 1
             ) -> LoadReport:
    """Serve fresh apps over ``db_url`` on loopback, send ``uploads`` at once, check.

    ``servers`` > 1: that many apps, each with its own Store and connection pool, over the same
    database (like several worker processes), the uploads dealt out in turn."""
    from softstep.web import create_app
    from softstep.web.loopback import serve_on_loopback

    apps = [create_app(db_url) for _ in range(servers)]
    races: list[str] = []
    for app in apps:
        count_unique_races(app.state.store._engine, races)
    with ExitStack() as stack:
        base_urls = [stack.enter_context(serve_on_loopback(app)) for app in apps]
        outcomes, wall_s = send_together(base_urls, uploads)
    report = LoadReport(label, outcomes, wall_s, problems=answer_problems(outcomes),
                        unique_races=races)
    problems, report.runs_stored, report.files_stored = store_problems(db_url, outcomes)
    report.problems += problems
    return report


def count_unique_races(engine: sa.Engine, seen: list[str]) -> None:
    """From now on, append to ``seen`` one line per statement on ``engine`` that fails on a
    unique constraint: how often two uploads raced to store the same file or runner."""

    def on_error(context: sa.engine.ExceptionContext) -> None:
        if isinstance(context.sqlalchemy_exception, sa.exc.IntegrityError):
            seen.append(str(context.original_exception).splitlines()[0][:120])

    sa.event.listen(engine, "handle_error", on_error)


def _by_content(outcomes: Sequence[Outcome]) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.upload.sha256].append(o)
    return groups


# ---------------------------------------------------------------------------------------------
def load_paths(shared_data: Path = SHARED_DATA) -> list[Path]:
    """The LOAD_FILES under ``shared_data``; FileNotFoundError naming what is missing."""
    paths = [shared_data / name for name in LOAD_FILES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"{len(missing)} real recordings missing, e.g. {missing[0]}; set "
            "SOFTSTEP_SHARED_DATA to the shared/data folder")
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=50, help="concurrent uploads (50)")
    parser.add_argument("--pg-url", default=os.environ.get(PG_ENV_VAR),
                        help=f"PostgreSQL server URL (default ${PG_ENV_VAR})")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one store only")
    parser.add_argument("--servers", type=int, default=1,
                        help="apps (each its own Store) over the same database, like worker "
                             "processes; uploads dealt out in turn (1)")
    args = parser.parse_args(argv)
    if args.uploads < 1 or args.servers < 1:
        parser.error("--uploads and --servers must be at least 1")
    try:
        paths = load_paths()
    except FileNotFoundError as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 1 if os.environ.get("CI") else 0  # CI must have the recordings (tests/conftest.py)
    uploads = upload_plan(paths, args.uploads)
    print(f"{len(uploads)} uploads of {len({u.sha256 for u in uploads})} distinct files "
          f"({len(paths)} names) from {SHARED_DATA}:")
    for index, path in enumerate(paths):  # upload_plan cycles through the paths in order
        sent = len(range(index, len(uploads), len(paths)))
        print(f"  {sent} x {path.stat().st_size:>9,d} B  {path.relative_to(SHARED_DATA)}")
    print(f"load: {_load_average()}")

    reports = []
    suffix = f", {args.servers} servers" if args.servers > 1 else ""
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="softstep-load-") as folder:
            reports.append(run_load(f"sqlite{suffix}", f"sqlite:///{folder}/load.db", uploads,
                                    servers=args.servers))
            reports[-1].alone_wall_s, reports[-1].alone_p50_s = send_one_at_a_time(
                f"sqlite:///{folder}/alone.db", uploads)
        print("\n".join(reports[-1].lines()), flush=True)
    if args.only in (None, "postgresql"):
        if not args.pg_url:
            print(f"[postgresql] skipped: set {PG_ENV_VAR} or --pg-url (or run under "
                  "scripts/with-test-postgres.sh)")
        else:
            from softstep.store.db import temporary_postgres_database

            with temporary_postgres_database(args.pg_url, "softstep_load") as url:
                reports.append(run_load(f"postgresql{suffix}", url, uploads,
                                        servers=args.servers))
            with temporary_postgres_database(args.pg_url, "softstep_alone") as url:
                reports[-1].alone_wall_s, reports[-1].alone_p50_s = send_one_at_a_time(
                    url, uploads)
            print("\n".join(reports[-1].lines()), flush=True)
    print(f"load: {_load_average()}")
    return 1 if any(r.problems for r in reports) else 0


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


if __name__ == "__main__":
    sys.exit(main())
