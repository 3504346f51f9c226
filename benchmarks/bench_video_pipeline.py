"""How fast does a side-view clip go from file to finished analysis, in how much memory?

The clip is ../shared/data/video_side_treadmill/male_side.mp4 (720 x 1280 portrait H.264,
30 fps, 360 frames). Each mode runs in a fresh process pinned to ``--cores`` CPU cores (issue 5
aims at 2), so its peak memory (VmHWM) is its own:

- decode (baseline): PyAV decodes every frame to upright RGB (``readers.video.iter_frames``),
  nothing else;
- pose: decode + BlazePose on every frame (``pose.estimator.MediaPipePose``), no analysis;
  frames decoded one thread ahead (``readers.video.prefetch``, as ``read_video`` does), or
  ``--serial`` to decode and run the model in turn;
- whole: ``analyze_file(clip, Runner())`` up to the finished plan (what ``softstep analyze``
  does): decode, pose, contacts, landing geometry, metrics, findings, plan.

Frames per second are the clip's frames over the wall time of the mode (imports and model
loading included in "whole", reported apart in the others). CPU ms per frame (all threads,
imports included) says what the cores could do when the machine is shared: at most
cores x 1000 / (CPU ms per frame) frames per second.

    python benchmarks/bench_video_pipeline.py [--cores 2] [--clip PATH]

Aim (issue 5): the whole path at least real time (30 fps) for 720p on 2 CPU cores. Needs the
video extra and ``softstep models fetch``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

SHARED = Path(
    os.environ.get("SOFTSTEP_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
CLIP = SHARED / "video_side_treadmill" / "male_side.mp4"

CHILD = r"""
import json, os, sys, time
mode, path, cores, serial = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cores])
t0 = time.perf_counter()
import numpy as np
from softstep.readers.video import iter_frames, prefetch
out = {}
if mode == "decode":
    w = time.perf_counter()
    n = sum(1 for _ in iter_frames(path))
    work = time.perf_counter() - w
elif mode == "pose":
    from softstep.pose.estimator import MediaPipePose
    w = time.perf_counter()
    model = MediaPipePose()
    out["load_s"] = time.perf_counter() - w
    w = time.perf_counter()
    n = seen = 0
    for f in (iter_frames(path) if serial else prefetch(iter_frames(path))):
        seen += int(np.isfinite(model.estimate(f.rgb, int(round(f.t_s * 1000)))[:, 0]).any())
        n += 1
    model.close()
    out["frames_with_person"] = seen
    work = time.perf_counter() - w
else:
    from softstep.model import Runner
    from softstep.pipeline import analyze_file
    w = time.perf_counter()
    run = analyze_file(path, Runner()).runs[0]
    work = time.perf_counter() - w
    n = run.recording.info["frames"]
    out.update(cadence_spm=run.summary.cadence_spm, contact_ms=1000 * run.summary.contact_s,
               duty_pct=100 * run.summary.duty_factor, contacts=len(run.steps))
elapsed = time.perf_counter() - t0
cpu_s = time.process_time()  # all threads of this process, imports included
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"frames": n, "work_s": work, "total_s": elapsed, "fps": n / work,
                  "cpu_ms_per_frame": 1000 * cpu_s / n,
                  "rss_mib": peak, "cores": len(os.sched_getaffinity(0)), **out}))
"""


def child(mode: str, clip: Path, cores: int, serial: bool = False) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(clip), str(cores),
                           str(int(serial))],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cores", type=int, default=2, help="CPU cores to pin each run to")
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--serial", action="store_true",
                        help="pose mode: decode and run the model in turn, no decode thread")
    args = parser.parse_args()
    if not args.clip.is_file():
        raise SystemExit(f"{args.clip} not found (set SOFTSTEP_SHARED_DATA)")
    load = os.getloadavg()[0]
    print(f"{args.clip.name}: {args.cores} core(s) per run; load average {load:.1f} on "
          f"{os.cpu_count()} CPUs (other work on the machine slows every mode alike)")
    print(f"{'mode':<18} {'frames':>6} {'s':>7} {'fps':>7} {'CPU ms/frame':>12} "
          f"{'peak MiB':>9}  notes")
    for mode, label in (("decode", "decode (baseline)"), ("pose", "decode + pose"),
                        ("whole", "whole path")):
        r = child(mode, args.clip, args.cores, args.serial)
        if mode == "whole":
            notes = (f"cadence {r['cadence_spm']:.1f} steps/min, contact {r['contact_ms']:.0f} "
                     f"ms, duty {r['duty_pct']:.1f} %, {r['contacts']} contacts")
        elif mode == "pose":
            notes = (f"model load {r['load_s']:.1f} s (not in fps); "
                     f"{'serial' if args.serial else 'decode thread'}")
        else:
            notes = ""
        print(f"{label:<18} {r['frames']:>6} {r['work_s']:>7.2f} {r['fps']:>7.1f} "
              f"{r['cpu_ms_per_frame']:>12.1f} {r['rss_mib']:>9.0f}  {notes}")
        last = r
    print("aim (issue 5): whole path >= 30 fps at 720p on 2 cores")
    print(f"CPU time (whole path, imports included) allows at most "
          f"{1000 * args.cores / last['cpu_ms_per_frame']:.0f} fps on {args.cores} idle cores "
          f"({1000 / last['cpu_ms_per_frame']:.0f} fps on one); the fps column is what the "
          "machine gave now")


if __name__ == "__main__":
    main()
