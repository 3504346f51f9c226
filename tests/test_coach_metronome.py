"""The metronome: onsets exactly 60/spm apart, streamed WAV, clear input errors."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from softstep.coach.metronome import click_track, write_click_wav


def onsets(x: np.ndarray, sample_rate_hz: int, spm: float) -> np.ndarray:
    """First sample of each click: loud samples preceded by a quarter period of silence."""
    loud = np.flatnonzero(np.abs(x.astype(np.int32)) > 2000)
    gap = np.diff(loud, prepend=-(10**9))
    return loud[gap > 0.25 * 60 / spm * sample_rate_hz]


@pytest.mark.parametrize("spm", [60, 164.5, 180, 240])
def test_click_track_spacing_and_length(spm):
    sr = 22050
    x = click_track(spm, 20.0, sample_rate_hz=sr)
    assert x.dtype == np.int16 and len(x) == 20 * sr
    on = onsets(x, sr, spm)
    period = 60 / spm * sr
    assert len(on) == int(np.floor((len(x) - 1) / period)) + 1
    assert np.mean(np.diff(on)) == pytest.approx(period, abs=1.0)
    # no drift: click k starts at round(k·period)
    assert np.abs(on - np.round(np.arange(len(on)) * period)).max() <= 1


def test_accent_is_louder():
    x = click_track(120, 4.0, sample_rate_hz=8000, accent_every=4)
    peaks = [int(np.abs(x[k * 4000 : k * 4000 + 100].astype(int)).max()) for k in range(8)]
    assert peaks[0] > peaks[1] and peaks[4] > peaks[3] and peaks[1] == peaks[2]


def test_write_click_wav_decodes_back(tmp_path):
    target = tmp_path / "click.wav"
    sr, spm, minutes = 22050, 172.0, 0.75
    write_click_wav(target, spm, minutes, sample_rate_hz=sr)
    with wave.open(str(target)) as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2 and wav.getframerate() == sr
        frames = wav.getnframes()
        x = np.frombuffer(wav.readframes(frames), dtype="<i2")
    assert frames / sr == pytest.approx(minutes * 60, abs=1 / sr)
    on = onsets(x, sr, spm)
    assert np.mean(np.diff(on)) == pytest.approx(60 / spm * sr, abs=1.0)
    assert len(on) == pytest.approx(minutes * spm, abs=1)
    # streaming in chunks gives the same samples as rendering in one go
    np.testing.assert_array_equal(x, click_track(spm, minutes * 60, sample_rate_hz=sr))


def test_long_track_streams(tmp_path):
    target = tmp_path / "long.wav"
    write_click_wav(target, 180, 20, sample_rate_hz=8000)
    with wave.open(str(target)) as wav:
        assert wav.getnframes() == 20 * 60 * 8000


@pytest.mark.parametrize(
    "spm, minutes, message",
    [
        (0, 1, "spm must be between 60 and 240"),
        (300, 1, "spm must be between 60 and 240"),
        (float("nan"), 1, "spm must be between 60 and 240"),
        (170, 0, "minutes must be more than 0"),
        (170, 181, "at most 180"),
        (170, -1, "minutes must be more than 0"),
    ],
)
def test_bad_inputs_raise_clear_errors(tmp_path, spm, minutes, message):
    with pytest.raises(ValueError, match=message):
        write_click_wav(tmp_path / "x.wav", spm, minutes)
    assert not (tmp_path / "x.wav").exists()
