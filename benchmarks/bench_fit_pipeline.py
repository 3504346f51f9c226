"""How much does softstep's analysis cost on top of decoding the FIT file?

For each file: two bare fitdecode passes (iterate every frame, nothing else) and softstep's whole
analysis up to the finished plan (read + units + summary + per-km + findings + plan; no database,
no report), in the same process, alternating, best of N. The first bare pass uses fitdecode's
defaults (the named baseline); the second uses the reader's own options (``processor=None``), so
the second ratio is what softstep adds on top of the decoding it does. Prints the times, both
ratios and the peak Python memory of one analysis (tracemalloc). Aim (issue 2): ratio <= 1.5.

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


def bare_decode_reader_options(path: Path) -> int:
    """fitdecode's pass with the options softstep's reader uses (no data processor)."""
    n = 0
    with fitdecode.FitReader(path, processor=None) as reader:
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
    print(
        f"{'file':40s} {'records':>8s} {'bare s':>7s} {'bare(no proc) s':>15s} "
        f"{'softstep s':>10s} {'ratio':>6s} {'ratio(no proc)':>14s} {'peak MiB':>9s}"
    )
    for path in args.files:
        bare, bare_same, ours = [], [], []
        for _ in range(args.repeat):  # alternate so drift in machine load hits all alike
            bare.append(best_of(bare_decode, path, 1))
            bare_same.append(best_of(bare_decode_reader_options, path, 1))
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
            f"{path.name:40s} {n_records:8d} {min(bare):7.3f} {min(bare_same):15.3f} "
            f"{min(ours):10.3f} {min(ours) / min(bare):6.2f} {min(ours) / min(bare_same):14.2f} "
            f"{peak_mib:9.1f}"
        )


if __name__ == "__main__":
    main()
