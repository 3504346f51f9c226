"""Sound files (readers/audio.py) through readers.read, the pipeline and the command line.

Files are written here: WAV / FLAC / MP3 with soundfile, M4A (AAC) and MP4 with PyAV.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from _audio_synth import belt_noise, footfalls_sound, regular_contacts, speech_like
from typer.testing import CliRunner

from softstep import Runner
from softstep.cli import app
from softstep.errors import NoRunningError, UnreadableFileError
from softstep.pipeline import analyze_file
from softstep.readers import read

CADENCE = 174.0


def running_sound(fs: int, duration_s: float = 20.0, seed: int = 0):
    truth = regular_contacts(duration_s, cadence_spm=CADENCE, seed=seed)
    x = footfalls_sound(truth, fs, duration_s, seed=seed) + belt_noise(fs, duration_s, 0.004)
    return truth, x


def write_av(path: Path, x: np.ndarray, fs: int, *, codec: str = "aac", video: bool = False,
             audio: bool = True) -> Path:
    """Encode ``x`` (samples, or samples x channels) with PyAV: m4a / mp4 with AAC sound and,
    optionally, a small MPEG-4 video track."""
    pcm = np.atleast_2d(np.asarray(x, np.float32).T)  # channels x samples
    layout = "stereo" if pcm.shape[0] == 2 else "mono"
    with av.open(str(path), "w") as container:
        vs = stream = None
        if video:  # every stream is added before the first packet is written
            vs = container.add_stream("mpeg4", rate=10)
            vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        if audio:
            stream = container.add_stream(codec, rate=fs)
            stream.layout = layout
        if vs is not None:
            for _ in range(20):
                frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
                for packet in vs.encode(frame):
                    container.mux(packet)
            for packet in vs.encode(None):
                container.mux(packet)
        if stream is not None:
            for i in range(0, pcm.shape[1], 1024):
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(pcm[:, i:i + 1024]),
                                                   format="fltp", layout=layout)
                frame.rate, frame.pts = fs, i  # with pts the muxer records the AAC priming
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
    return path


def detected(path: Path, **options):
    analysis = analyze_file(path, Runner(), **options)
    assert len(analysis.runs) == 1
    return analysis.runs[0]


def check_footfalls(run, truth: np.ndarray, max_p95_s: float = 0.010) -> None:
    t = run.steps["t_s"].to_numpy()
    d = t[:, None] - truth[None, :]
    err = d[np.arange(len(t)), np.abs(d).argmin(axis=1)]
    assert len(t) >= 0.95 * len(truth) and len(t) <= len(truth)
    assert np.percentile(np.abs(err), 95) < max_p95_s
    assert run.summary.cadence_spm == pytest.approx(CADENCE, abs=2)


@pytest.mark.parametrize(("suffix", "fs", "channels"), [
    (".wav", 8000, 1), (".wav", 48000, 2), (".flac", 44100, 2), (".mp3", 22050, 1),
    (".ogg", 16000, 1),
])
def test_soundfile_formats_read_and_detected(tmp_path, suffix, fs, channels):
    truth, x = running_sound(fs)
    data = np.c_[x, 0.7 * x] if channels == 2 else x
    path = tmp_path / f"run{suffix}"
    sf.write(path, data, fs)
    rec = read(path).recordings[0]
    assert rec.source == "audio" and rec.sample_rate_hz == 1000.0
    assert rec.info["sample_rate_hz"] == fs and rec.info["channels"] == channels
    assert rec.info["duration_s"] == pytest.approx(20.0, abs=0.1)
    assert list(rec.samples.columns)[:3] == ["t_s", "envelope", "clipped"]
    assert all(c.startswith("band_") for c in rec.samples.columns[3:])
    assert len(rec.samples) == pytest.approx(20000, abs=100) and len(rec.records) == 0
    # MP3 adds an encoder delay of about a frame (~1-2 ms at these rates)
    check_footfalls(detected(path), truth, max_p95_s=0.012 if suffix == ".mp3" else 0.010)


@pytest.mark.parametrize(("fs", "channels"), [(44100, 2), (16000, 1)])
def test_m4a_aac_read_and_detected(tmp_path, fs, channels):
    truth, x = running_sound(fs)
    path = write_av(tmp_path / "phone.m4a", np.c_[x, x] if channels == 2 else x, fs)
    run = detected(path)
    assert run.recording.info["codec"] == "aac" and run.recording.info["channels"] == channels
    # AAC priming delay: the decoder trims it, what is left is within a couple of ms
    check_footfalls(run, truth, max_p95_s=0.012)


def test_video_sound_track_is_read(tmp_path):
    truth, x = running_sound(22050)
    run = detected(write_av(tmp_path / "treadmill.mp4", x, 22050, video=True), source="audio")
    check_footfalls(run, truth, max_p95_s=0.012)


def test_video_without_sound_says_so(tmp_path):
    path = write_av(tmp_path / "silent.mp4", np.zeros(1), 8000, video=True, audio=False)
    with pytest.raises(UnreadableFileError, match="no audio track"):
        read(path, source="audio")


def test_truncated_m4a_is_a_clear_error(tmp_path):
    _, x = running_sound(16000)
    full = write_av(tmp_path / "full.m4a", x, 16000).read_bytes()
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(full[: len(full) // 2])
    with pytest.raises(UnreadableFileError, match=r"cut\.m4a: corrupt or truncated") as info:
        read(cut)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("notes.wav", b"time,left,right\n0,1,2\n", "not a sound file"),
    ("header.wav", b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(range(120)), "not a readable sound"),
    ("junk.m4a", b"\x00\x00\x00\x18ftypM4A " + bytes(300), "corrupt or truncated"),
])
def test_broken_sound_files_are_clear_errors(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=problem) as info:
        read(path)
    assert name in str(info.value) and str(info.value).count(str(path)) == 1


@pytest.mark.parametrize(("what", "message"), [
    ("short", "too short to find a running rhythm"),
    ("silence", "silence"),
    ("speech", "without a running rhythm"),
])
def test_no_running_in_the_sound(tmp_path, what, message):
    fs = 16000
    x = {"short": running_sound(fs, 2.0)[1],
         "silence": np.zeros(15 * fs, np.float32),
         "speech": speech_like(fs, 15.0) + belt_noise(fs, 15.0, 0.002)}[what]
    path = tmp_path / f"{what}.wav"
    sf.write(path, x, fs)
    with pytest.raises(NoRunningError, match=message):
        analyze_file(path, Runner())


def test_clipped_recording_is_flagged(tmp_path):
    fs = 16000
    truth = regular_contacts(20.0, cadence_spm=CADENCE)
    x = np.clip(footfalls_sound(truth, fs, 20.0, level=3.0) + belt_noise(fs, 20.0, 0.004), -1, 1)
    path = tmp_path / "loud.wav"
    sf.write(path, x, fs, subtype="PCM_16")
    analysis = analyze_file(path, Runner())
    run = analysis.runs[0]
    assert run.recording.info["clipped_fraction"] > 0.001
    assert any("clipped" in w for w in analysis.warnings)
    assert run.steps["impact_clipped"].mean() > 0.8
    assert len(run.steps) >= 0.95 * len(truth)


def test_cli_json_one_step_per_footfall(tmp_path):
    truth, x = running_sound(22050)
    path = tmp_path / "run.wav"
    sf.write(path, x, 22050)
    result = CliRunner().invoke(app, ["analyze", str(path), "--no-store", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    run = out["runs"][0]
    assert run["source"] == "audio"
    assert run["summary"]["cadence_spm"] == pytest.approx(CADENCE, abs=2)
    assert len(run["steps"]) == pytest.approx(len(truth), abs=2)
    assert {"t_s", "loudness_db", "loudness_dbfs", "confidence"} <= set(run["steps"][0])
    assert "loudness_db" in run["segments"][0]
    text = CliRunner().invoke(app, ["analyze", str(path), "--no-store"])
    assert text.exit_code == 0 and "loudness" in text.stdout


def test_cli_bad_sound_file_is_one_line(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("not sound at all\n")
    result = CliRunner().invoke(app, ["analyze", str(path), "--no-store"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "not a sound file" in result.output
