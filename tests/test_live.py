"""softstep listen: cue logic, the live path in real time, the command end to end, no PortAudio."""

from __future__ import annotations

import builtins
import os
import queue
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from _audio_synth import belt_noise, footfalls_sound, regular_contacts
from conftest import _shared_data_dir
from softstep.cli import app
from softstep.live.cues import CUE_STEPS, CueSchedule, QuietCues
from softstep.live.session import LiveSession, run_blocks
from softstep.live.sound import FilePlayer, SoundDeviceError, load_sounddevice

FS = 16000


# -- cue logic ---------------------------------------------------------------------------------
def _feed(coach: QuietCues, dbfs: list[float], step_s: float = 0.35, t0: float = 0.0,
          **kw) -> list[int]:
    """Indices of the footfalls that cued."""
    return [i for i, d in enumerate(dbfs) if coach.update(t0 + i * step_s, d, **kw).cue]


def test_cue_after_several_loud_steps_not_one():
    coach = QuietCues(CueSchedule.for_session(1), baseline_dbfs=-30.0)  # target -33 dBFS
    quiet = [-36.0] * 10
    assert _feed(coach, quiet) == []
    # one loud landing (+4 dB over the baseline) among quiet ones: the 5-step mean stays under
    assert _feed(coach, [-26.0] + quiet, t0=10) == []
    # loud from now on: the 5-step mean crosses the target at the 2nd loud step; a cue once it
    # has stayed above for CUE_STEPS steps in a row, then again CUE_STEPS steps later
    cued = _feed(coach, [-27.0] * 12, t0=20)
    assert cued == [1 + CUE_STEPS - 1, 1 + 2 * CUE_STEPS - 1]
    assert coach.cues == 2


def test_baseline_from_first_30_s_then_cues():
    coach = QuietCues(CueSchedule.for_session(2))
    assert coach.target_dbfs is None
    assert _feed(coach, [-30.0] * 87) == []  # 30 s at the runner's usual loudness: no target
    assert coach.baseline_source == "session" and coach.target_dbfs == pytest.approx(-33.0)
    assert _feed(coach, [-36.0] * 20, t0=31) == []  # 3 dB under the target: quiet enough
    assert _feed(coach, [-30.0] * 20, t0=40) != []  # back at the baseline: 3 dB too loud
    late = QuietCues(CueSchedule.for_session(1), baseline_dbfs=-30.0)
    assert _feed(late, [-20.0] * 20, can_cue=False) == []  # found too late: no cue


def test_faded_schedule_and_retention():
    faded = CueSchedule.for_session(6)  # 25-min session: cues in 0-5 and 20-25 min
    assert faded.mode == "faded"
    assert [faded.allows(t) for t in (60.0, 600.0, 1300.0)] == [True, False, True]
    loud = [-20.0] * 30
    assert _feed(QuietCues(faded, -30.0), loud, t0=600.0) == []
    assert _feed(QuietCues(faded, -30.0), loud, t0=60.0) != []
    assert _feed(QuietCues(CueSchedule.for_session(3), -30.0), loud, t0=600.0) != []
    assert _feed(QuietCues(CueSchedule.for_session(1, retention=True), -30.0), loud) == []
    with pytest.raises(ValueError, match="1 to 8"):
        CueSchedule.for_session(9)


# -- a recording played through the live path in real time ---------------------------------------
def _running_sound(duration_s: float) -> tuple[np.ndarray, np.ndarray, str]:
    """(sound at FS, true footfall times, what it is): real force-plate contact times with the
    test set's synthetic footfalls and belt noise at +10 dB, else synthetic contact times."""
    data = _shared_data_dir()
    try:
        from softstep.validation.audio import CaseSpec, load_sources, synthesize

        sources = load_sources(data)
        spec = CaseSpec("live", "plate", "belt", 10.0, FS, duration_s=duration_s)
        audio, truth = synthesize(spec, sources["plate"], sources["sacral_3.33"],
                                  np.random.default_rng(4))
        return audio[:, 0], truth["t_s"].to_numpy(float), "force-plate contact times"
    except (FileNotFoundError, OSError):
        t = regular_contacts(duration_s, 172.0)
        x = footfalls_sound(t, FS, duration_s) + belt_noise(FS, duration_s, 0.01)
        return x, t, "synthetic contact times (no shared data)"


def _play_in_real_time(path: Path, truth_s: np.ndarray, what: str):
    """Play ``path`` through the live path at wall-clock pace in 10-ms blocks (a PortAudio
    callback's), as ``softstep listen`` does; returns (found mask, live mask, delays s, session)
    for the true footfalls ``truth_s``."""
    blocks: queue.Queue = queue.Queue()
    player = FilePlayer(path, blocks, speed=1.0, block_s=0.010)
    # a baseline far above what this recording's footfalls measure: they are all too loud
    coach = QuietCues(CueSchedule.for_session(1), baseline_dbfs=-60.0)
    session = LiveSession(FS, coach)
    player.start()
    assert run_blocks(session, blocks) == "end"
    steps = session.steps
    emitted_t = np.array([s.footfall.t_s for s in steps])
    # each true footfall, matched to the nearest emitted one within 50 ms
    j = np.clip(np.searchsorted(emitted_t, truth_s), 1, len(emitted_t) - 1)
    j = np.where(np.abs(emitted_t[j - 1] - truth_s) < np.abs(emitted_t[j] - truth_s), j - 1, j)
    hit = np.abs(emitted_t[j] - truth_s) <= 0.050
    live = hit & np.array([not steps[k].footfall.late for k in j])
    wall = np.array([steps[k].emitted_wall_s for k in j])
    d = (wall - (player.started_wall_s + truth_s))[live]
    print(f"\n{what}: {hit.sum()}/{len(truth_s)} footfalls found, {live.sum()} live (the first "
          f"~6 s come together once the rhythm is found); delay from the footfall's sound to "
          f"its emission, ms: median {1000 * np.median(d):.0f}, p90 "
          f"{1000 * np.percentile(d, 90):.0f}, max {1000 * d.max():.0f}; "
          f"{session.coach.cues} cues; live stage CPU "
          f"{1000 * session.stage.cpu_s / session.t_s:.0f} ms per s of sound, "
          f"{session.stage.detect_calls} detector calls; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("delays ms:", np.round(1000 * d).astype(int).tolist())
    return hit, live, d, session


def test_live_path_real_time_delay(tmp_path):
    """The issue's test: a recording played through the live path in real time, no microphone;
    the delay from each footfall's sound to its emission (and cue) is at most 100 ms (median).
    The delay is mostly one detect_footfalls call, so a machine busier than its cores can slow
    a playback: then it is played again (twice at most), and the last one must pass; on a
    machine loaded more than twice over its cores (not in CI) a failing delay skips instead."""
    duration_s = 13.0
    sound, truth_s, what = _running_sound(duration_s)
    path = tmp_path / "run.wav"
    sf.write(path, sound, FS)
    hit, live, d, session = _play_in_real_time(path, truth_s, what)
    for _ in range(2):
        if np.median(d) <= 0.100 or os.getloadavg()[0] <= (os.cpu_count() or 1):
            break
        print("the machine is busier than its cores: played once more")
        hit, live, d, session = _play_in_real_time(path, truth_s, what)
    load = os.getloadavg()[0]
    if np.median(d) > 0.100 and load > 2 * (os.cpu_count() or 1) and not os.environ.get("CI"):
        pytest.skip(f"machine overloaded (load average {load:.1f} on {os.cpu_count()} cores): "
                    f"median delay {1000 * np.median(d):.0f} ms measures the load, not softstep")
    assert hit.mean() >= 0.85
    assert live.sum() >= 0.8 * np.sum(truth_s > 7.0)
    assert np.median(d) <= 0.100
    assert session.coach.cues >= 2  # loud footfalls all along: a cue every CUE_STEPS steps
    cue_steps = [s for s in session.steps if s.feedback.cue]
    assert cue_steps and all(not s.footfall.late for s in cue_steps)


# -- softstep listen ------------------------------------------------------------------------------
def test_listen_from_file_saves_a_run(tmp_path, db_url):
    from softstep.store import Store

    t = regular_contacts(12.0, 176.0)
    path = tmp_path / "treadmill.wav"
    sf.write(path, footfalls_sound(t, FS, 12.0) + belt_noise(FS, 12.0, 0.01), FS)
    result = CliRunner().invoke(app, ["listen", "--from-file", str(path), "--speed", "20",
                                      "--session", "5", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "session 5 of 8 (faded)" in result.output
    assert "first 30 s set" in result.output  # no earlier audio run: the session's baseline
    with Store(db_url) as store:
        rows = store.runs("me")
        assert [r.source for r in rows] == ["audio"]
        run = store.load_run(rows[0].id)
    assert len(run.steps) >= 0.9 * len(t)
    assert run.summary.cadence_spm == pytest.approx(176.0, abs=2.0)
    assert run.recording.info["live"]["footfalls_live"] > 0

    # a second session finds the first as its baseline (same microphone position and surface)
    again = CliRunner().invoke(app, ["listen", "--from-file", str(path), "--speed", "50",
                                     "--minutes", "0.1", "--no-save", "--db", db_url])
    assert again.exit_code == 0, again.output
    assert "same microphone position and surface" in again.output
    with Store(db_url) as store:
        assert len(store.runs("me")) == 1  # --no-save


def test_listen_clear_errors(tmp_path, db_url):
    missing = CliRunner().invoke(app, ["listen", "--from-file", str(tmp_path / "no.wav"),
                                       "--db", db_url])
    assert missing.exit_code == 1
    assert "no.wav" in missing.output and "no such file" in missing.output
    noise = tmp_path / "belt.wav"
    sf.write(noise, belt_noise(FS, 8.0, 0.05), FS)
    result = CliRunner().invoke(app, ["listen", "--from-file", str(noise), "--speed", "50",
                                      "--db", db_url])
    assert result.exit_code == 1
    assert "nothing saved: no running activity in" in result.output
    assert "belt.wav" in result.output


def test_missing_portaudio_says_what_to_install(monkeypatch, db_url):
    real_import = builtins.__import__

    def no_portaudio(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    with pytest.raises(SoundDeviceError, match="sudo apt install libportaudio2"):
        load_sounddevice()
    result = CliRunner().invoke(app, ["listen", "--db", db_url])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) <= 3 and "libportaudio2" in result.output  # one message, no traceback
    monkeypatch.setattr(builtins, "__import__", real_import)

    monkeypatch.setitem(sys.modules, "sounddevice", None)  # the package itself not installed
    with pytest.raises(SoundDeviceError, match="softstep\\[live\\]"):
        load_sounddevice()


def test_no_microphone_is_a_clear_error(monkeypatch, db_url):
    def no_device(kind=None):
        raise RuntimeError("Error querying device -1")

    fake = types.SimpleNamespace(query_devices=no_device)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    result = CliRunner().invoke(app, ["listen", "--db", db_url])
    assert result.exit_code == 1
    assert "no input device found" in result.output and "--from-file" in result.output


def test_live_recording_matches_the_file_reader(tmp_path):
    """The saved session is what readers.audio makes of the same sound (the same envelope)."""
    from softstep.live.cues import CueSchedule as Schedule
    from softstep.readers.audio import read_audio

    t = regular_contacts(8.0, 170.0)
    x = footfalls_sound(t, FS, 8.0) + belt_noise(FS, 8.0, 0.01)
    path = tmp_path / "run.wav"
    sf.write(path, x, FS, subtype="FLOAT")
    session = LiveSession(FS, QuietCues(Schedule.for_session(1)))
    for i in range(0, len(x), 160):
        session.process(x[i:i + 160])
    live = session.recording("live").samples
    file = read_audio(path, str(path), None).recordings[0].samples
    assert list(live.columns) == list(file.columns)
    assert len(live) == len(file)
    np.testing.assert_allclose(live["envelope"], file["envelope"], rtol=1e-4, atol=1e-7)
    assert Path(path).exists()
