"""How late does ``softstep listen`` show a footfall, and how much CPU does the live path take?

A recording built like the audio test set (softstep.validation.audio: real force-plate contact
times of ../shared/data, synthetic footfall sound, belt noise at +10 dB) is played through the
live path exactly as ``softstep listen --from-file`` does (``live.sound.FilePlayer`` feeding
10-ms blocks at wall-clock pace, ``live.session.run_blocks``), and each true footfall is
matched (±50 ms) to the footfall the session emitted. Printed:

- delay from each footfall's sound to its emission (wall clock): median / p90 / max, for the
  footfalls emitted live (the first ~6 s come out together once a rhythm is found);
- CPU per second of sound of the live path (``time.process_time`` of a second, unpaced pass
  through ``LiveFootfalls`` in 10-ms blocks: envelope, onset check, detector calls), split
  into the envelope stage and the detector.

    python benchmarks/bench_live.py [--seconds 30] [--sample-rate 48000] [--noise belt]
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from softstep.live.cues import CueSchedule, QuietCues  # noqa: E402
from softstep.live.session import LiveSession, run_blocks  # noqa: E402
from softstep.live.sound import FilePlayer  # noqa: E402
from softstep.live.stage import LiveFootfalls  # noqa: E402
from softstep.steps.audio import AudioEnvelope  # noqa: E402
from softstep.validation.audio import CaseSpec, load_sources, synthesize  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--sample-rate", type=int, default=48000)
    parser.add_argument("--noise", default="belt")
    parser.add_argument("--data", default=os.environ.get("SOFTSTEP_SHARED_DATA",
                                                        str(REPO.parent / "shared" / "data")))
    args = parser.parse_args()
    fs = args.sample_rate
    sources = load_sources(args.data)
    spec = CaseSpec("live", "plate", args.noise, 10.0 if args.noise != "none" else np.nan, fs,
                    duration_s=args.seconds)
    audio, truth = synthesize(spec, sources["plate"], sources["sacral_3.33"],
                              np.random.default_rng(4))
    sound, truth_s = audio[:, 0], truth["t_s"].to_numpy(float)
    path = Path(tempfile.mkdtemp()) / "live.wav"
    sf.write(path, sound, fs)

    # real time, as softstep listen --from-file
    blocks: queue.Queue = queue.Queue()
    player = FilePlayer(path, blocks, speed=1.0, block_s=0.010)
    session = LiveSession(fs, QuietCues(CueSchedule.for_session(1)))
    player.start()
    run_blocks(session, blocks)
    emitted = np.array([s.footfall.t_s for s in session.steps])
    j = np.array([int(np.argmin(np.abs(emitted - t))) for t in truth_s])
    hit = np.abs(emitted[j] - truth_s) <= 0.050
    live = hit & np.array([not session.steps[k].footfall.late for k in j])
    delay_ms = 1000 * (np.array([session.steps[k].emitted_wall_s for k in j])
                       - player.started_wall_s - truth_s)[live]
    print(f"{args.seconds:g} s at {fs / 1000:g} kHz, {args.noise} +10 dB: "
          f"{hit.sum()}/{len(truth_s)} footfalls found, {live.sum()} live")
    print(f"delay sound -> emission: median {np.median(delay_ms):.0f} ms, p90 "
          f"{np.percentile(delay_ms, 90):.0f} ms, max {delay_ms.max():.0f} ms "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")

    # CPU, unpaced
    n = fs // 100
    stage = LiveFootfalls(fs)
    c0 = time.process_time()
    for i in range(0, len(sound), n):
        stage.push(sound[i:i + n])
    total = time.process_time() - c0
    env = AudioEnvelope(fs)
    c0 = time.process_time()
    for i in range(0, len(sound), n):
        env.push(sound[i:i + n])
    envelope = time.process_time() - c0
    per_call = 1000 * stage.detect_s / max(stage.detect_calls, 1)
    print(f"CPU per second of sound: {1000 * total / args.seconds:.0f} ms (envelope "
          f"{1000 * envelope / args.seconds:.0f} ms; {stage.detect_calls / args.seconds:.1f} "
          f"detector calls per s at {per_call:.0f} ms wall each)")


if __name__ == "__main__":
    main()
