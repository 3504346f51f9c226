"""How long does one hour of 48 kHz footstep audio take from file to summary, in how much memory?

The hour is built like the audio test set (softstep.validation.audio): footfalls at the real
force-plate contact times of ../shared/data (treadmill_force_markers, sacral_grf_treadmill),
synthetic footfall sound, synthetic treadmill noises. Four different 60-s segments (belt
+10 dB, hum +10 dB, music at 120 bpm +10 dB, babble +20 dB; each its own contact source) are
written in turn to one 16-bit mono wav of ``--hours`` (and an AAC m4a of ``--m4a-minutes``,
encoded with PyAV) outside the timings. Then, each in a fresh process so that peak memory
(its resident high-water mark, VmHWM from /proc/self/status) is the run's own:

- baseline: ``soundfile`` reads the file in 1-s blocks and takes the RMS of each (m4a: PyAV
  decodes it and takes the RMS of each frame), nothing else;
- softstep: ``analyze_file(path, Runner())`` up to the finished plan (what ``softstep analyze``
  does), the file processed in blocks by the audio reader. Its footfalls are matched to the
  truth (±50 ms) as a check that the timing is not bought with misses. Below each row, the
  time of its stages (wall / CPU of all threads): imports, the file's content hash, read
  (decode + envelope, ``readers.audio.read_audio``), detect (``steps.audio.detect_footfalls``)
  and the rest (metrics, findings, plan).

Every run is repeated ``--repeat`` times and the fastest (wall) is shown, with its CPU seconds
(all threads) and the 1-minute load average before it: on a shared machine the wall time
depends on what else runs, the CPU time much less.

    python benchmarks/bench_audio_pipeline.py [--hours 1] [--m4a-minutes 60] [--repeat 1]

Aim (issue 4): the hour in at most 10 s and 500 MB peak memory.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from _child import run_child

from softstep.validation import nearest_within

SHARED = Path(
    os.environ.get("SOFTSTEP_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
FS = 48000
SEGMENT_S = 60.0
SEGMENTS = (("belt", 10.0, "plate"), ("hum", 10.0, "sacral_3.33"),
            ("music_out", 10.0, "sacral_4.17"), ("babble", 20.0, "sacral_2.5"))
PEAK = 0.3  # every segment at the same peak level (-10.5 dBFS)

CHILD = r"""
import json, sys, time
import numpy as np
mode, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if mode == "baseline":
    if path.endswith(".wav"):
        import soundfile as sf
        import_s = time.perf_counter() - t0
        rms = [float(np.sqrt(np.mean(b ** 2))) for b in sf.blocks(path, blocksize=48000,
                                                                     dtype="float32")]
    else:
        import av
        import_s = time.perf_counter() - t0
        with av.open(path) as c:
            rms = [float(np.sqrt(np.mean(f.to_ndarray() ** 2))) for f in c.decode(audio=0)]
    out = {"n": len(rms)}
else:
    import scipy.signal
    import softstep.readers as readers
    import softstep.readers.audio as reader
    import softstep.steps.audio as steps
    from softstep.model import Runner
    from softstep.pipeline import analyze_file
    import_s = time.perf_counter() - t0
    stages = {}  # stage: [wall s, cpu s] (cpu: all threads of the process)

    def timed(module, name, stage):
        inner = getattr(module, name)
        def wrapper(*args, **kwargs):
            w, c = time.perf_counter(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                s = stages.setdefault(stage, [0.0, 0.0])
                s[0] += time.perf_counter() - w
                s[1] += time.process_time() - c
        setattr(module, name, wrapper)

    timed(readers, "file_content_hash", "hash")  # in a thread while read_audio runs: overlaps it
    timed(reader, "read_audio", "read")  # decode + envelope
    timed(steps, "detect_footfalls", "detect")
    w, c = time.perf_counter(), time.process_time()
    runs = analyze_file(path, Runner()).runs
    total = [time.perf_counter() - w, time.process_time() - c]
    serial = [v for k, v in stages.items() if k != "hash"]  # the hash's time lies inside read's
    stages["rest"] = [total[i] - sum(v[i] for v in serial) for i in (0, 1)]
    t = np.concatenate([r.steps["t_s"].to_numpy(float) for r in runs]) if runs else np.zeros(0)
    out = {"n": len(t), "runs": len(runs), "t_s": t.round(4).tolist(),
           "cadence_spm": [r.summary.cadence_spm for r in runs],
           "cpu_s": time.process_time(), "stages": stages}
elapsed = time.perf_counter() - t0
status = open("/proc/self/status").read()
peak_kib = int(status.split("VmHWM:")[1].split()[0])
print(json.dumps({"s": elapsed, "import_s": import_s, "rss_mib": peak_kib / 1024, **out}))
"""


def segments(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(mono float32 samples at PEAK, truth contact times s) of each 60-s segment."""
    from softstep.validation import audio

    sources = audio.load_sources(SHARED)
    out = []
    for i, (noise, snr_db, source) in enumerate(SEGMENTS):
        spec = audio.CaseSpec(f"seg{i}", source, noise, snr_db, FS, 1, duration_s=SEGMENT_S)
        other = sources["plate" if source != "plate" else "sacral_3.33"]
        x, truth = audio.synthesize(spec, sources[source], other, np.random.default_rng([seed, i]))
        out.append(((x[:, 0] * (PEAK / np.max(np.abs(x)))).astype(np.float32),
                    truth["t_s"].to_numpy()))
    return out


def write_files(folder: Path, hours: float, m4a_minutes: float) -> dict[Path, np.ndarray]:
    """The wav of ``hours`` and the m4a of ``m4a_minutes``; returns truth times per file."""
    import soundfile as sf

    from softstep.validation.audio import write_m4a

    segs = segments()
    files = {}
    for path, minutes in ((folder / "hour.wav", 60 * hours), (folder / "part.m4a", m4a_minutes)):
        if minutes <= 0:
            continue
        n_seg = int(round(minutes * 60 / SEGMENT_S))
        order = [segs[k % len(segs)] for k in range(n_seg)]
        truth = np.concatenate([t + k * SEGMENT_S for k, (_, t) in enumerate(order)])
        t0 = time.perf_counter()
        if path.suffix == ".wav":
            with sf.SoundFile(path, "w", FS, 1, subtype="PCM_16") as f:
                for x, _ in order:
                    f.write(x)
        else:
            write_m4a(path, np.concatenate([x for x, _ in order])[:, None], FS)
        print(f"{path.name}: {minutes:g} min, {path.stat().st_size / 2**20:.0f} MiB, "
              f"{len(truth)} footfalls (written in {time.perf_counter() - t0:.1f} s, not timed)")
        files[path] = truth
    return files


def match(truth: np.ndarray, detected: np.ndarray) -> tuple[float, float]:
    """(found %, false %) within ±50 ms, nearest neighbour (a step is 270-430 ms)."""
    if not len(detected):
        return 0.0, 0.0
    found = int((nearest_within(truth, np.sort(detected), 0.05) >= 0).sum())
    return 100.0 * found / len(truth), 100.0 * max(len(detected) - found, 0) / len(detected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--m4a-minutes", type=float, default=60.0,
                        help="length of the m4a (0: skip it); its time is also scaled to 1 h")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="softstep-bench-audio-") as tmp:
        files = write_files(Path(tmp), args.hours, args.m4a_minutes)
        print("times: whole fresh process, file to plan; in brackets the imports in it")
        print(f"{'file':9s} {'minutes':>7s} {'baseline s':>14s} {'softstep s':>14s} {'ratio':>6s} "
              f"{'per hour s':>10s} {'base MiB':>8s} {'softstep MiB':>12s} {'found %':>7s} "
              f"{'false %':>7s}")
        for path, truth in files.items():
            minutes = (60 * args.hours) if path.suffix == ".wav" else args.m4a_minutes
            base = min((run_child(CHILD, "baseline", path) for _ in range(args.repeat)),
                       key=lambda r: r["s"])
            ours = min(({**run_child(CHILD, "softstep", path), "load": load}
                        for load in (os.getloadavg()[0] for _ in range(args.repeat))),
                       key=lambda r: r["s"])
            found, false = match(truth, np.asarray(ours["t_s"]))
            print(f"{path.suffix[1:]:9s} {minutes:7.0f} {base['s']:7.2f} ({base['import_s']:.2f}) "
                  f"{ours['s']:7.2f} ({ours['import_s']:.2f}) {ours['s'] / base['s']:6.2f} "
                  f"{ours['s'] * 60 / minutes:10.2f} {base['rss_mib']:8.0f} "
                  f"{ours['rss_mib']:12.0f} {found:7.1f} {false:7.1f}")
            stages = dict(import_=[ours["import_s"]] * 2, **ours["stages"])
            print(f"{'':9s} stages wall / cpu s: " + ", ".join(
                f"{k.rstrip('_')} {w:.2f} / {c:.2f}" for k, (w, c) in stages.items())
                + f"; whole process cpu {ours['cpu_s']:.2f} s; load average {ours['load']:.2f}")
        print("aim (issue 4): one hour in <= 10 s and <= 500 MB peak")


if __name__ == "__main__":
    main()
