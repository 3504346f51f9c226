"""A metronome click track at a target cadence, as samples or streamed to a WAV file.

Click ``k`` starts at sample ``round(k · 60 / spm · sample_rate_hz)``: the spacing never drifts,
however long the track. Each click is a 25-ms tone burst with an exponential decay (accented
clicks are higher and louder).

Example
-------
>>> x = click_track(180, 2.0, sample_rate_hz=8000)
>>> x.dtype.name, len(x)
('int16', 16000)
"""

from __future__ import annotations

import math
import numbers
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np

MIN_SPM, MAX_SPM = 60.0, 240.0
MAX_MINUTES = 180.0
CLICK_S = 0.025
CLICK_HZ = 1000.0
ACCENT_HZ = 1500.0
AMPLITUDE = 0.6 * 32767
ACCENT_AMPLITUDE = 0.9 * 32767
CHUNK_S = 10.0
SAMPLE_RATE_HZ = 22050
WAV_HEADER_BYTES = 44


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check(spm: float, sample_rate_hz: int) -> None:
    if not (_is_number(spm) and MIN_SPM <= spm <= MAX_SPM):
        raise ValueError(f"spm must be between {MIN_SPM:g} and {MAX_SPM:g} steps/min, got {spm!r}")
    if not (isinstance(sample_rate_hz, numbers.Integral) and 4000 <= sample_rate_hz <= 192000):
        raise ValueError(
            f"sample_rate_hz must be a whole number from 4000 to 192000, got {sample_rate_hz!r}"
        )


def _click(sample_rate_hz: int, freq_hz: float, amplitude: float) -> np.ndarray:
    t = np.arange(int(round(CLICK_S * sample_rate_hz))) / sample_rate_hz
    # starts at full amplitude (cosine) so the first sample marks the onset
    return amplitude * np.cos(2 * np.pi * freq_hz * t) * np.exp(-t / (CLICK_S / 5))


def _render(
    spm: float, start: int, n: int, sample_rate_hz: int, accent_every: int
) -> np.ndarray:
    """Samples ``start`` .. ``start + n`` of the infinite click track, as int16."""
    out = np.zeros(n, dtype=np.float64)
    normal = _click(sample_rate_hz, CLICK_HZ, AMPLITUDE)
    accent = _click(sample_rate_hz, ACCENT_HZ, ACCENT_AMPLITUDE)
    period = 60.0 / spm * sample_rate_hz
    length = len(normal)
    k_first = max(0, math.floor((start - length) / period))
    k_last = math.ceil((start + n) / period)
    k = np.arange(k_first, k_last + 1)
    onsets = np.round(k * period).astype(np.int64)
    keep = (onsets + length > start) & (onsets < start + n)
    k, onsets = k[keep], onsets[keep]
    is_accent = (k % accent_every == 0) if accent_every > 0 else np.zeros(len(k), dtype=bool)
    for template, mask in ((normal, ~is_accent), (accent, is_accent)):
        idx = (onsets[mask] - start)[:, None] + np.arange(length)[None, :]
        vals = np.broadcast_to(template, idx.shape)
        inside = (idx >= 0) & (idx < n)
        out[idx[inside]] = vals[inside]  # clicks never overlap: >= 0.25 s apart, 25 ms long
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def click_track(
    spm: float, seconds: float, sample_rate_hz: int = 22050, accent_every: int = 0
) -> np.ndarray:
    """A mono int16 click track of ``round(seconds · sample_rate_hz)`` samples at ``spm``.

    ``accent_every`` > 0 accents every n-th click (the first one included).

    >>> x = click_track(120, 1.0, sample_rate_hz=8000)   # onsets at samples 0 and 4000
    >>> int(x[0]), int(x[4000]), int(np.abs(x[300:3990]).max())
    (19660, 19660, 0)
    """
    _check(spm, sample_rate_hz)
    if not (_is_number(seconds) and seconds >= 0):
        raise ValueError(f"seconds must be >= 0, got {seconds!r}")
    return _render(float(spm), 0, int(round(seconds * sample_rate_hz)), sample_rate_hz,
                   int(accent_every))


def _check_minutes(minutes: float) -> None:
    if not (_is_number(minutes) and 0 < minutes <= MAX_MINUTES):
        raise ValueError(
            f"minutes must be more than 0 and at most {MAX_MINUTES:g}, got {minutes!r}"
        )


def _n_samples(minutes: float, sample_rate_hz: int) -> int:
    return int(round(minutes * 60.0 * sample_rate_hz))


def wav_size_bytes(minutes: float, sample_rate_hz: int = SAMPLE_RATE_HZ) -> int:
    """Bytes of the mono 16-bit WAV click track of ``minutes`` (header included).

    >>> wav_size_bytes(1.0, 8000)
    960044
    """
    return WAV_HEADER_BYTES + 2 * _n_samples(minutes, sample_rate_hz)


def _wav_header(n_samples: int, sample_rate_hz: int) -> bytes:
    """The 44-byte header of a mono 16-bit PCM WAV of ``n_samples``."""
    data_bytes = 2 * n_samples
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate_hz, 2 * sample_rate_hz, 2, 16)
            + b"data" + struct.pack("<I", data_bytes))


def click_wav_chunks(spm: float, minutes: float, sample_rate_hz: int = SAMPLE_RATE_HZ,
                     accent_every: int = 0) -> Iterator[bytes]:
    """A mono 16-bit WAV click track as byte chunks: the header, then 10-s blocks (constant
    memory however long). The arguments are checked now: ValueError for spm outside 60-240 or
    minutes outside (0, 180].
    """
    _check(spm, sample_rate_hz)
    _check_minutes(minutes)
    total = _n_samples(minutes, sample_rate_hz)
    chunk = int(CHUNK_S * sample_rate_hz)

    def chunks() -> Iterator[bytes]:
        yield _wav_header(total, sample_rate_hz)
        for start in range(0, total, chunk):
            block = _render(float(spm), start, min(chunk, total - start), sample_rate_hz,
                            int(accent_every))
            yield block.astype("<i2").tobytes()

    return chunks()


def write_click_wav(
    path: str | Path,
    spm: float,
    minutes: float,
    sample_rate_hz: int = SAMPLE_RATE_HZ,
    accent_every: int = 0,
) -> Path:
    """Write a mono 16-bit WAV click track, streamed in 10-s chunks (constant memory).

    Raises ValueError for spm outside 60-240 or minutes outside (0, 180] (nothing written);
    OSError when the file cannot be written. Returns the path written.
    """
    chunks = click_wav_chunks(spm, minutes, sample_rate_hz, accent_every)
    path = Path(path)
    with path.open("wb") as out:
        out.writelines(chunks)
    return path
