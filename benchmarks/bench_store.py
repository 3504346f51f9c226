"""Cost of storing and reloading analysed runs, on real files.

For each file: analyse it once, then time ``Store.import_analysis`` into a fresh database and
``Store.load_run`` of every run, and print the database size. Default store: a temporary SQLite
file; pass ``--db URL`` for another (e.g. PostgreSQL).

    python benchmarks/bench_store.py [--db URL] [FILE ...]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from softstep.model import Runner
from softstep.pipeline import analyze_file
from softstep.store import Store

SHARED = Path(os.environ.get("SOFTSTEP_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DEFAULT_FILES = [
    SHARED / "fit" / "activity-small-fenix2-run.fit",
    SHARED / "fit" / "activity-large-fenxi2-multisport.fit",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--db", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    print(f"{'file':40s} {'runs':>4s} {'records':>8s} {'import s':>9s} {'load s':>7s} {'db MiB':>7s}")
    for path in args.files:
        analysis = analyze_file(path, Runner())
        n_records = sum(len(r.recording.records) for r in analysis.runs)
        with tempfile.TemporaryDirectory() as folder:
            db_file = Path(folder) / "bench.db"
            store = Store(args.db or f"sqlite:///{db_file}")
            t0 = time.perf_counter()
            ids = store.import_analysis(analysis, file_name=path.name).run_ids
            t_import = time.perf_counter() - t0
            t0 = time.perf_counter()
            for run_id in ids:
                store.load_run(run_id)
            t_load = time.perf_counter() - t0
            store.close()
            size = sum(f.stat().st_size for f in Path(folder).iterdir()) / 2**20 if not args.db else float("nan")
        print(f"{path.name:40s} {len(ids):4d} {n_records:8d} {t_import:9.3f} {t_load:7.3f} {size:7.2f}")


if __name__ == "__main__":
    main()
