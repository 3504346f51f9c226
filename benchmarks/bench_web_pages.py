"""Time of the run page ``GET /runs/{id}`` and the run API ``GET /api/runs/{id}`` for a run of
10,000 steps, against the same run cut to 1,000 steps (the baseline), through real uvicorn on
127.0.0.1 (``softstep.web.loopback``) with httpx, on SQLite and, when SOFTSTEP_TEST_POSTGRES
names a server (scripts/with-test-postgres.sh sets it), on a fresh PostgreSQL database too.

The run comes from real data: the hip sensor of the 25-min outdoor run in
``ankle_hip_outdoor_run/acc_running.csv.gz`` (2,881 steps detected by softstep), its step table
tiled with shifted times until it holds 10,000 steps (the output says how many copies). Its
summary, findings and plan stay those of the real 25-min run. Each endpoint gets ``--warmup``
untimed requests, then ``--requests`` timed ones, one after another; times are client-side
wall-clock, request sent to body read.

    python benchmarks/bench_web_pages.py [--requests 50] [--warmup 3] [--steps 10000]
    bash scripts/with-test-postgres.sh .venv/bin/python benchmarks/bench_web_pages.py
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from softstep.model import FileAnalysis, RunAnalysis, Runner
from softstep.pipeline import analyze_file
from softstep.store import Store
from softstep.store.db import temporary_postgres_database
from softstep.validation.report import default_data_dir
from softstep.web import create_app
from softstep.web.loopback import serve_on_loopback

HIP_FILE = default_data_dir() / "ankle_hip_outdoor_run" / "acc_running.csv.gz"
HIP_RATE_HZ = 100.0  # the file's time column holds one value: the rate comes from SOURCE.txt
BASELINE_STEPS = 1000


def longest_run(path: Path, sample_rate_hz: float | None) -> RunAnalysis:
    """The run of ``path`` with the most detected steps (for the hip file: the left_hip sensor).

    ``sample_rate_hz`` is needed for sensor files whose time column gives no rate."""
    options = {"sample_rate_hz": sample_rate_hz} if sample_rate_hz else {}
    analysis = analyze_file(path, Runner(), **options)
    if not analysis.runs:
        raise SystemExit(f"{path} holds no run to benchmark; pass a running file with --file")
    run = max(analysis.runs, key=lambda r: len(r.steps))
    if not len(run.steps):
        raise SystemExit(f"{path} gives no step table (a watch file has only records); pass an "
                         f"IMU, audio or video running file with --file")
    return run


def tiled_steps(steps: pd.DataFrame, n_steps: int) -> tuple[pd.DataFrame, int]:
    """``steps`` repeated until it has ``n_steps`` rows (then cut), each copy's times shifted
    past the previous copy's last contact by one median step; and the number of copies.

    >>> one = pd.DataFrame({"t_s": [1.0, 1.5, 2.0], "to_s": [1.2, 1.7, 2.2]})
    >>> tiled, copies = tiled_steps(one, 5)
    >>> tiled["t_s"].tolist(), copies
    ([1.0, 1.5, 2.0, 2.5, 3.0], 2)
    """
    t_s = steps["t_s"].to_numpy(float)
    period_s = t_s[-1] - t_s[0] + float(np.median(np.diff(t_s)))
    copies = int(np.ceil(n_steps / len(steps)))
    parts = []
    for k in range(copies):
        part = steps.copy()
        part.attrs = {}  # the detector's extras (activity table...); the store keeps none
        for column in ("t_s", "to_s"):
            if column in part:
                part[column] = part[column] + k * period_s
        parts.append(part)
    return pd.concat(parts, ignore_index=True).iloc[:n_steps].reset_index(drop=True), copies


def with_steps(run: RunAnalysis, steps: pd.DataFrame, label: str) -> RunAnalysis:
    """A copy of ``run`` holding ``steps``, without raw samples, under its own content hash
    (the store keeps one run per file content and runner)."""
    digest = hashlib.sha256(f"{run.recording.content_hash}:{label}".encode()).hexdigest()
    recording = dataclasses.replace(run.recording, samples=None, content_hash=digest,
                                    path=f"{Path(run.recording.path or 'run').name} ({label})")
    return dataclasses.replace(run, recording=recording, steps=steps, run_id=None)


@contextmanager
def databases(folder: Path) -> Iterator[tuple[str, str]]:
    """(name, URL) of a fresh SQLite database, then of a fresh PostgreSQL database when
    SOFTSTEP_TEST_POSTGRES names a server; the PostgreSQL one is dropped afterwards."""
    urls = [("SQLite", f"sqlite:///{folder / 'bench.db'}")]
    server_url = os.environ.get("SOFTSTEP_TEST_POSTGRES")
    with ExitStack() as stack:
        if server_url:
            urls.append(("PostgreSQL", stack.enter_context(
                temporary_postgres_database(server_url, "softstep_bench"))))
        yield urls


def time_gets(client: httpx.Client, url: str, warmup: int, n: int) -> tuple[np.ndarray, int]:
    """Seconds per GET of ``url`` (``n`` timed after ``warmup`` untimed) and the body's bytes;
    RuntimeError naming the status when an answer is not 200."""
    size = 0
    times_s = np.empty(n)
    for k in range(warmup + n):
        t0 = time.perf_counter()
        response = client.get(url)
        elapsed_s = time.perf_counter() - t0
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:200]}")
        size = len(response.content)
        if k >= warmup:
            times_s[k - warmup] = elapsed_s
    return times_s, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=HIP_FILE,
                        help="running file with a step table (default: the hip IMU run)")
    parser.add_argument("--sample-rate", type=float, default=None,
                        help="sample rate of --file when its time column gives none (Hz)")
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    if args.steps <= BASELINE_STEPS:
        parser.error(f"--steps must be more than the {BASELINE_STEPS}-step baseline")
    rate_hz = args.sample_rate or (HIP_RATE_HZ if args.file == HIP_FILE else None)
    if not args.file.exists():
        raise SystemExit(f"{args.file} is missing: set SOFTSTEP_SHARED_DATA to the shared data "
                         f"folder, or pass a running file with --file")

    run = longest_run(args.file, rate_hz)
    big_steps, copies = tiled_steps(run.steps, args.steps)
    print(f"run: {args.file.name}, {run.recording.placement or run.recording.source} sensor, "
          f"{len(run.steps)} real steps over {run.steps['t_s'].iloc[-1] / 60:.1f} min; step "
          f"table tiled {copies}x with shifted times and cut to {len(big_steps)} steps "
          f"(summary, findings and plan stay the real run's)")
    runs = {len(big_steps): with_steps(run, big_steps, f"{len(big_steps)} steps"),
            BASELINE_STEPS: with_steps(run, big_steps.iloc[:BASELINE_STEPS].copy(),
                                       f"{BASELINE_STEPS} steps")}
    print(f"{args.requests} sequential GETs per endpoint after {args.warmup} warm-up, httpx "
          f"client, uvicorn on 127.0.0.1 (softstep.web.loopback)\n")
    header = (f"{'store':10s} {'endpoint':18s} {'steps':>6s} {'mean ms':>8s} {'p50 ms':>7s} "
              f"{'p95 ms':>7s} {'KiB':>7s}")
    with tempfile.TemporaryDirectory() as folder, databases(Path(folder)) as urls:
        for store_name, db_url in urls:
            with Store(db_url) as store:
                ids = {n: store.import_analysis(FileAnalysis(r.recording.path, [r]),
                                                file_name=r.recording.path).run_ids[0]
                       for n, r in runs.items()}
            print(header)
            p50_ms: dict[tuple[str, int], float] = {}
            with serve_on_loopback(create_app(db_url)) as base_url, \
                    httpx.Client(base_url=base_url, timeout=60) as client:
                for endpoint in ("/runs/{id}", "/api/runs/{id}"):
                    for n_steps in sorted(ids, reverse=True):
                        url = endpoint.format(id=ids[n_steps])
                        times_ms, size = time_gets(client, url, args.warmup, args.requests)
                        times_ms = times_ms * 1000
                        p50_ms[endpoint, n_steps] = float(np.percentile(times_ms, 50))
                        print(f"{store_name:10s} {'GET ' + endpoint:18s} {n_steps:6d} "
                              f"{times_ms.mean():8.1f} {p50_ms[endpoint, n_steps]:7.1f} "
                              f"{np.percentile(times_ms, 95):7.1f} {size / 1024:7.1f}")
            for endpoint in ("/runs/{id}", "/api/runs/{id}"):
                ratio = p50_ms[endpoint, len(big_steps)] / p50_ms[endpoint, BASELINE_STEPS]
                print(f"{store_name:10s} GET {endpoint}: p50 {len(big_steps)} / "
                      f"{BASELINE_STEPS} steps = {ratio:.2f}x")
            print()


if __name__ == "__main__":
    main()
