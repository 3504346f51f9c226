"""How long does a 1-hour, 1 kHz tri-axial recording take from file to summary, and in how much memory?

The recording is built by tiling real data: the raw sacral trace of
../shared/data/sacral_grf_treadmill/data/Sample_test_data.csv (512 Hz, tri-axial, m/s²),
resampled to 1 kHz and repeated to one hour (3.6 M samples). It is written once as CSV and as
Parquet (generic format: time_s, acc_x, acc_y, acc_z), outside the timings. Then, each in a
fresh process so that peak memory (its resident high-water mark, VmHWM) is the run's own:

- baseline: ``pandas.read_csv`` / ``read_parquet`` of the file and nothing else;
- softstep: ``analyze_file(path, placement="sacrum")`` up to the finished plan (in memory);
- chunked: the same, the file streamed in 5-minute chunks (``softstep.readers.imu_stream``):
  the 1-hour CSV with chunking forced, and a ``--long-hours`` (6 h) Parquet file, which is
  chunked because it is that long. Its step count is checked against 6 x the 1-hour count.

    python benchmarks/bench_imu_pipeline.py [--hours 1] [--rate 1000] [--long-hours 6]

Aim (issue 3): under 2 s and under 1 GB for the hour; the long file in the memory of one chunk.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from _child import run_child
import pandas as pd

SHARED = Path(
    os.environ.get("SOFTSTEP_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
SOURCE = SHARED / "sacral_grf_treadmill" / "data" / "Sample_test_data.csv"

CHILD = r"""
import json, resource, sys, time
mode, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if mode == "baseline":
    import pandas as pd
    import_s = time.perf_counter() - t0
    frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    n = len(frame)
else:
    import scipy.signal  # the detectors' one heavy import (it pulls in scipy.stats)
    from softstep.model import Runner
    from softstep.pipeline import analyze_file
    import_s = time.perf_counter() - t0
    if mode == "forced":
        from softstep.readers import imu_stream
        imu_stream.STREAM_ROWS = imu_stream.SMALL_BYTES = 0
    run = analyze_file(path, Runner("bench", height_cm=173, mass_kg=76.8), placement="sacrum").runs[0]
    n = len(run.steps)
    assert ("chunked" in run.recording.info) == (mode != "softstep"), mode
elapsed = time.perf_counter() - t0
try:  # this program's own peak (ru_maxrss would include the parent's pages at the fork)
    status = open("/proc/self/status").read()
    peak_kib = int(status.split("VmHWM:")[1].split()[0])
except (OSError, IndexError):
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"s": elapsed, "import_s": import_s, "n": n, "rss_mib": peak_kib / 1024}))
"""


def build_recording(hours: float, rate_hz: float) -> pd.DataFrame:
    """The real trace resampled to ``rate_hz`` and tiled to ``hours`` (time_s, acc_* in m/s²)."""
    raw = pd.read_csv(SOURCE)
    fs_raw = 512.0
    t_raw = np.arange(len(raw)) / fs_raw
    t_tile = np.arange(0, t_raw[-1], 1 / rate_hz)
    tile = np.column_stack(
        [np.interp(t_tile, t_raw, raw[c].to_numpy()) for c in ("Accel_LN_X", "Accel_LN_Y", "Accel_LN_Z")]
    )
    n = int(hours * 3600 * rate_hz)
    reps = -(-n // len(tile))
    acc = np.tile(tile, (reps, 1))[:n]
    return pd.DataFrame(
        {"time_s": np.arange(n) / rate_hz, "acc_x": acc[:, 0], "acc_y": acc[:, 1], "acc_z": acc[:, 2]}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--long-hours", type=float, default=6.0,
                        help="length of the file analysed in chunks (0: skip it)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        frame = build_recording(args.hours, args.rate)
        t0 = time.perf_counter()
        csv = Path(tmp) / "tiled.csv"
        frame.to_csv(csv, index=False, float_format="%.5f")
        parquet = Path(tmp) / "tiled.parquet"
        frame.to_parquet(parquet, index=False)
        print(
            f"{len(frame):,} samples ({args.hours:g} h at {args.rate:g} Hz); CSV "
            f"{csv.stat().st_size / 2**20:.0f} MiB, Parquet {parquet.stat().st_size / 2**20:.0f} MiB "
            f"(written in {time.perf_counter() - t0:.1f} s, not timed)"
        )
        del frame
        long_path = None
        if args.long_hours > 0:
            long_path = Path(tmp) / "tiled_long.parquet"
            build_recording(args.long_hours, args.rate).to_parquet(long_path, index=False)
            print(f"long file: {args.long_hours:g} h, Parquet "
                  f"{long_path.stat().st_size / 2**20:.0f} MiB (not timed)")
        print("times: whole fresh process, file to plan; in brackets the imports in it "
              "(pandas; softstep adds scipy.signal)")
        print(f"{'file':9s} {'mode':10s} {'baseline read s':>15s} {'softstep s':>16s} "
              f"{'ratio':>6s} {'baseline RSS MiB':>16s} {'softstep RSS MiB':>16s} {'steps':>7s}")
        runs = [(parquet, "softstep"), (csv, "softstep"), (csv, "forced")]
        if long_path is not None:
            runs.append((long_path, "chunked"))
        counts, bases = {}, {}
        for path, mode in runs:
            if path not in bases:
                bases[path] = min((run_child(CHILD, "baseline", path) for _ in range(args.repeat)),
                                  key=lambda r: r["s"])
            base = bases[path]
            ours = min((run_child(CHILD, mode, path) for _ in range(args.repeat)), key=lambda r: r["s"])
            label = f"{path.suffix[1:]}{' (long)' if path == long_path else ''}"
            print(f"{label:9s} {mode:10s} {base['s']:8.2f} ({base['import_s']:.2f}) "
                  f"{ours['s']:9.2f} ({ours['import_s']:.2f}) "
                  f"{ours['s'] / base['s']:6.2f} {base['rss_mib']:16.0f} {ours['rss_mib']:16.0f} "
                  f"{ours['n']:7d}")
            counts[(path, mode)] = ours["n"]
        if long_path is not None:
            expected = counts[(parquet, "softstep")] * args.long_hours / args.hours
            print(f"long file: {counts[(long_path, 'chunked')]} steps, "
                  f"{args.long_hours / args.hours:g} x the hour's = {expected:.0f}")


if __name__ == "__main__":
    main()
