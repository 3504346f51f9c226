"""How much does softstep's analysis cost on top of decoding the FIT file?

For each file: a bare fitdecode pass (iterate every frame, nothing else) and softstep's whole
analysis up to the finished plan (read + units + summary + per-km + findings + plan; no database,
no report), in the same process, alternating, best of N. Prints both, the ratio, and the peak
Python memory of one analysis (tracemalloc). Aim (issue 2): ratio <= 1.5.

    python benchmarks/bench_fit_pipeline.py [--repeat 7] [FILE ...]

Without FILE it uses the 47-minute fenix2 run and the 1 MB multisport file from ../shared/data/fit.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from pathlib import Path

import fitdecode

from softstep.model import Runner
from softstep.pipeline import analyze_file

SHARED = Path(os.environ.get("SOFTSTEP_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DEFAULT_FILES = [
    SHARED / "fit" / "activity-small-fenix2-run.fit",
    SHARED / "fit" / "activity-large-fenxi2-multisport.fit",
]


def bare_decode(path: Path) -> int:
    """The baseline: fitdecode's own pass over every frame, defaults, nothing kept."""
    n = 0
    with fitdecode.FitReader(path) as reader:
        for _ in reader:
            n += 1
    return n


def full_analysis(path: Path) -> int:
    return len(analyze_file(path, Runner("bench", height_cm=178, mass_kg=70)).runs)


def best_of(fn, path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    full_analysis(args.files[0])  # warm imports and caches outside the timings
    print(f"{'file':40s} {'records':>8s} {'bare decode s':>14s} {'softstep s':>11s} {'ratio':>6s} {'peak MiB':>9s}")
    for path in args.files:
        bare, ours = [], []
        for _ in range(args.repeat):  # alternate so drift in machine load hits both alike
            bare.append(best_of(bare_decode, path, 1))
            ours.append(best_of(full_analysis, path, 1))
        tracemalloc.start()
        full_analysis(path)
        peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        with fitdecode.FitReader(path) as reader:
            n_records = sum(
                1 for f in reader if isinstance(f, fitdecode.FitDataMessage) and f.name == "record"
            )
        print(
            f"{path.name:40s} {n_records:8d} {min(bare):14.3f} {min(ours):11.3f} "
            f"{min(ours) / min(bare):6.2f} {peak_mib:9.1f}"
        )


if __name__ == "__main__":
    main()
