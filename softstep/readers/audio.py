"""Sound files (a phone or camera recording of running) -> ``Recording`` of source ``"audio"``.

Formats: WAV, FLAC, Ogg and MP3 through ``soundfile`` (libsndfile); M4A / AAC and the sound
track of video files (MP4, MOV, ...) through ``av`` (PyAV, which bundles FFmpeg). Any sample
rate, mono or stereo (channels are averaged to mono). The file is streamed block by block
through the envelope stage (``steps.audio.AudioEnvelope``), so a long recording never sits in
memory as PCM: the Recording's ``samples`` hold only the envelope at ENVELOPE_HZ (``t_s``,
``envelope`` in full-scale units, ``clipped`` where the sound reached full scale, and one
``band_<lo>_<hi>_hz`` envelope per onset band of ``steps.audio``).

``info`` has ``codec``, ``sample_rate_hz`` (of the sound), ``channels``, ``duration_s``,
``peak_dbfs``, ``clipped_fraction`` (share of sound samples at full scale; over 0.1 % is warned
about: footfall loudness is then a lower bound) and ``container`` for PyAV files.

>>> import numpy as np, soundfile as sf, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "run.wav")
>>> sf.write(path, np.zeros((16000, 2), np.float32), 16000)
>>> s = stream_audio(path, path); (s.sample_rate_hz, s.channels, s.duration_s, s.codec)
(16000.0, 2, 1.0, 'PCM_16')
>>> [len(b) for b in s.blocks(0.5)]
[8000, 8000]
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from softstep.errors import SoftstepError, UnreadableFileError
from softstep.model import ReadResult, Recording, empty_records
from softstep.readers._common import prefetch
from softstep.steps.audio import CLIP_LEVEL, ENVELOPE_HZ, AudioEnvelope

__all__ = ["AUDIO_SUFFIXES", "AudioStream", "is_audio", "read_audio", "stream_audio"]

SOUNDFILE_SUFFIXES = (".wav", ".wave", ".flac", ".ogg", ".oga", ".mp3")
AV_SUFFIXES = (".m4a", ".aac", ".mp4", ".mov", ".m4v", ".3gp", ".webm", ".mkv")
AUDIO_SUFFIXES = SOUNDFILE_SUFFIXES + AV_SUFFIXES
CLIPPED_WARN_FRACTION = 0.001  # warn when more than 0.1 % of the sound is at full scale
# the sound is decoded and filtered in blocks of this length: long enough that the per-call
# costs of the decoder and filters vanish (8 s: 1.5 MB of float32 at 48 kHz; an hour is 450
# blocks, each through 7 filter calls), short enough to keep the memory flat (the blocks in
# the read pipeline's queues: ~30 MB at 48 kHz). The envelope does not depend on it.
READ_BLOCK_S = 8.0


def audio_kind(head: bytes) -> str | None:
    """"soundfile" or "av" when the first bytes are a sound or video container, else None.

    RIFF/WAVE, RF64, fLaC, OggS, an ID3 tag or an MPEG audio frame sync go to soundfile; an
    ISO media ``ftyp`` box (m4a, mp4, mov), an ADTS AAC header or Matroska/WebM to PyAV.

    >>> audio_kind(b"RIFF\\x00\\x00\\x00\\x00WAVEfmt "), audio_kind(b"\\x00\\x00\\x00\\x18ftypM4A ")
    ('soundfile', 'av')
    >>> audio_kind(b"time_s,acc_x")
    """
    if (head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE") or head[:4] in (b"fLaC", b"OggS"):
        return "soundfile"
    if head[:3] == b"ID3":
        return "soundfile"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF0 == 0xF0:
        return "av" if head[1] & 0x06 == 0 else "soundfile"  # ADTS AAC (layer 0), else MPEG
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "soundfile"  # MPEG-2.5 / MPEG-2 audio frame sync
    if head[4:8] == b"ftyp" or head[:4] == b"\x1a\x45\xdf\xa3":
        return "av"
    return None


def is_audio(head: bytes, path: Path) -> bool:
    """True when the content or (failing that) the suffix says sound or video."""
    return audio_kind(head) is not None or path.suffix.lower() in AUDIO_SUFFIXES


@dataclass
class AudioStream:
    """An open sound file: its format, and its sound as float32 mono blocks (full scale)."""

    path: Path
    label: str
    sample_rate_hz: float
    channels: int
    duration_s: float  # from the header (an estimate for compressed streams)
    codec: str
    container: str | None = None
    backend: str = "soundfile"
    ended_early: str | None = None  # set by blocks() when a damaged file ended before its end

    def blocks(self, block_s: float = 1.0) -> Iterator[np.ndarray]:
        """float32 mono blocks of about ``block_s`` seconds (stereo averaged), -1..1."""
        if self.backend == "soundfile":
            yield from self._sf_blocks(block_s)
        else:
            yield from self._av_blocks(block_s)

    def _sf_blocks(self, block_s: float) -> Iterator[np.ndarray]:
        import soundfile as sf

        n = max(int(block_s * self.sample_rate_hz), 1)
        try:
            with sf.SoundFile(self.path) as f:
                for block in f.blocks(blocksize=n, dtype="float32", always_2d=True):
                    yield block[:, 0] if block.shape[1] == 1 else block.mean(axis=1,
                                                                             dtype=np.float32)
        except (RuntimeError, sf.SoundFileError) as exc:  # LibsndfileError is a RuntimeError
            self.ended_early = str(exc)

    def _av_blocks(self, block_s: float) -> Iterator[np.ndarray]:
        import av

        n = max(int(block_s * self.sample_rate_hz), 1)
        buf: list[np.ndarray] = []
        size = 0
        try:
            with av.open(str(self.path)) as container:
                stream = container.streams.audio[0]
                resampler = av.AudioResampler(format="fltp")  # same layout and rate, float planar
                for packet in container.demux(stream):
                    for frame in packet.decode():
                        for out in resampler.resample(frame):
                            buf.append(_mono(out))
                            size += out.samples
                    if size >= n:
                        yield np.concatenate(buf)
                        buf, size = [], 0
                for out in resampler.resample(None):
                    buf.append(_mono(out))
        except av.FFmpegError as exc:
            self.ended_early = str(exc)
        if buf:
            yield np.concatenate(buf)


def _mono(frame) -> np.ndarray:
    """float32 mono samples of a planar float PyAV frame (channels averaged); a mono frame's
    samples are used in place (no copy: a frame is ~1024 samples, an hour ~170,000 frames)."""
    planes = [np.frombuffer(p, np.float32, frame.samples) for p in frame.planes]
    return planes[0] if len(planes) == 1 else np.mean(planes, axis=0, dtype=np.float32)


def stream_audio(path: str | Path, label: str) -> AudioStream:
    """Open a sound or video file for streaming; nothing is decoded yet.

    Raises UnreadableFileError naming ``label``: not a sound file, corrupt header, a video
    without a sound track, an empty stream.
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(64)
    kind = audio_kind(head)
    if kind is None:
        kind = "av" if path.suffix.lower() in AV_SUFFIXES else "soundfile"
    if kind == "soundfile":
        import soundfile as sf

        try:
            info = sf.info(str(path))
        except (RuntimeError, sf.SoundFileError) as exc:
            if audio_kind(head) is None and path.suffix.lower() in (".wav", ".wave", ".flac"):
                raise UnreadableFileError(label, _not_sound(head)) from None
            # libsndfile cannot parse it: MP3 variants and odd WAVs may still open in FFmpeg
            try:
                return _open_av(path, label)
            except UnreadableFileError:
                raise UnreadableFileError(
                    label, f"not a readable sound file ({_short(exc)})") from None
        if info.frames <= 0 or info.samplerate <= 0:
            raise UnreadableFileError(label, "the sound file holds no sound samples")
        return AudioStream(path, label, float(info.samplerate), int(info.channels),
                           round(info.frames / info.samplerate, 3), str(info.subtype),
                           container=str(info.format))
    return _open_av(path, label)


def _open_av(path: Path, label: str) -> AudioStream:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                what = "a video" if container.streams.video else "a media file"
                raise UnreadableFileError(
                    label, f"no audio track: {what} without sound (record with the microphone on)")
            stream = container.streams.audio[0]
            rate = stream.rate or stream.codec_context.sample_rate
            if not rate:
                raise UnreadableFileError(label, "the sound track has no sample rate")
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            else:
                duration = (container.duration or 0) / 1e6
            channels = stream.codec_context.layout.nb_channels or 1
            return AudioStream(path, label, float(rate), int(channels), round(duration, 3),
                               stream.codec_context.name, container=container.format.name,
                               backend="av")
    except av.FFmpegError as exc:
        raise UnreadableFileError(
            label, f"corrupt or truncated media file ({_short(exc)})") from None


def _short(exc: Exception) -> str:
    """The first line of a decoder's message without its errno and file name.

    >>> _short(OSError("[Errno 1094995529] Invalid data found when processing input: 'a.m4a'"))
    'Invalid data found when processing input'
    """
    text = str(exc).split("\n")[0].strip()
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    text = re.sub(r"""(:\s*)?['"][^'"]*['"]\s*$""", "", text)
    text = re.sub(r"""^Error opening\s*(['"][^'"]*['"])?\s*:?\s*""", "", text)
    return text.strip(" :.")[:160] or type(exc).__name__


def _started(work: Callable[[], str]) -> Callable[[], str]:
    """Start ``work()`` in a background thread; returns a function that waits for its result
    (raising its exception, if it raised one).

    >>> _started(lambda: "ab" * 2)()
    'abab'
    """
    import threading

    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=run, name="softstep-audio-hash", daemon=True)
    thread.start()

    def wait() -> str:
        thread.join()
        if "error" in result:
            raise result["error"]  # type: ignore[misc]
        return result["value"]  # type: ignore[return-value]

    return wait


def _halved(blocks: Iterator[np.ndarray], envelope: AudioEnvelope
            ) -> Iterator[tuple[np.ndarray, tuple[np.ndarray, list[np.ndarray]]]]:
    """(block, ``envelope.halve(block)``) of each non-empty block of a decoder's generator,
    which is closed when this one is (run by ``prefetch`` in its thread, so the halving
    chain of the next block overlaps the band-passes of this one)."""
    try:
        for block in blocks:
            if block.size:
                yield block, envelope.halve(block)
    finally:
        close = getattr(blocks, "close", None)
        if close is not None:
            close()


def _not_sound(head: bytes) -> str:
    try:
        head.decode("utf-8")
        what = "a text file"
    except UnicodeDecodeError:
        what = "binary data"
    return f"not a sound file: it has a sound file's name but holds {what}"


class _EnvelopeTable:
    """Envelope, clipped flags and band envelopes (one contiguous column each) filled block by
    block into arrays sized up front (from the header's duration; doubled when a stream runs
    longer), so an hour of audio leaves no heap of 1-s pieces behind.

    >>> t = _EnvelopeTable(1, 2); t.add(np.ones(3, np.float32), np.zeros(3, bool), np.ones((3, 1)))
    >>> [len(c) for c in t.columns()[:2]], len(t.columns()[2][0])
    ([3, 3], 3)
    """

    def __init__(self, n_bands: int, capacity: int):
        capacity = max(int(capacity * 1.01) + 1000, 1000)
        self.n = 0
        self.env = np.empty(capacity, np.float32)
        self.clipped = np.empty(capacity, bool)
        self.bands = [np.empty(capacity, np.float32) for _ in range(n_bands)]

    def _grow(self, need: int) -> None:
        size = max(2 * len(self.env), need)
        for name in ("env", "clipped"):
            old = getattr(self, name)
            new = np.empty(size, old.dtype)
            new[:self.n] = old[:self.n]
            setattr(self, name, new)
        for i, old in enumerate(self.bands):
            self.bands[i] = np.empty(size, np.float32)
            self.bands[i][:self.n] = old[:self.n]

    def add(self, env: np.ndarray, clipped: np.ndarray, bands: np.ndarray) -> None:
        m = len(env)
        if self.n + m > len(self.env):
            self._grow(self.n + m)
        self.env[self.n:self.n + m] = env
        self.clipped[self.n:self.n + m] = clipped
        for i, column in enumerate(self.bands):
            column[self.n:self.n + m] = bands[:, i]
        self.n += m

    def columns(self) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """(envelope, clipped, [band envelopes]) of the bins added; a copy only when much of
        the room went unused."""
        def cut(a: np.ndarray) -> np.ndarray:
            return a[:self.n].copy() if len(a) > 1.1 * self.n + 1000 else a[:self.n]
        return cut(self.env), cut(self.clipped), [cut(b) for b in self.bands]


def read_audio(path: str | Path, label: str, digest: str | Callable[[], str] | None,
               max_bytes: int | None = None) -> ReadResult:
    """Read a sound or video file into one Recording of its sound envelope.

    Parameters
    ----------
    path : the file; ``label`` names it in every message
    digest : its content hash (sha256 hex), stored on the Recording; or a function of no
        arguments that computes it (``lambda: file_content_hash(path)``), then run in a thread
        while the sound is read (hashlib releases the GIL: 0.4 s of an hour of WAV overlapped)
    max_bytes : larger files on disk are refused (None: no limit; the sound is streamed)

    Returns a ReadResult with one Recording (source "audio", sport "running", empty
    ``records``; ``samples`` with ``t_s``, ``envelope``, ``clipped`` and the band envelopes at
    ENVELOPE_HZ). Raises
    UnreadableFileError for a file that is not sound, is corrupt before any sound, or holds
    none.

    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "run.flac")
    >>> sf.write(path, np.zeros(44100, np.float32), 44100)
    >>> rec = read_audio(path, path, None).recordings[0]
    >>> rec.source, rec.sample_rate_hz, len(rec.samples), rec.info["channels"]
    ('audio', 1000.0, 1000, 1)
    """
    path = Path(path)
    size = os.stat(path).st_size
    if max_bytes is not None and size > max_bytes:
        raise UnreadableFileError(
            label, f"the file is too large ({size:,} bytes; the limit is {max_bytes:,})")
    stream = stream_audio(path, label)
    content_hash = _started(digest) if callable(digest) else (lambda: digest)
    envelope = AudioEnvelope(stream.sample_rate_hz)
    # envelope columns written in place, sized from the header (no per-block pieces to join)
    table = _EnvelopeTable(len(envelope.band_names), int(stream.duration_s * ENVELOPE_HZ))
    n_samples = n_clipped = 0
    peak = 0.0
    try:
        # a three-stage pipeline over the cores: one thread decodes block n + 2, another runs
        # the envelope's low-pass/halving chain on block n + 1, while this thread (and the
        # band pool) band-pass and bin block n: same numbers as ``envelope.push`` per block
        # (a WAV's decoding is light, an AAC's heavy: each stage has its own thread)
        decoded = prefetch(stream.blocks(READ_BLOCK_S))
        for block, (x, at) in prefetch(_halved(decoded, envelope)):
            top = max(float(block.max()), -float(block.min()))  # no |block| copy
            n_samples += block.size
            if top >= CLIP_LEVEL:
                n_clipped += int(np.count_nonzero(np.abs(block) >= CLIP_LEVEL))
            peak = max(peak, top)
            table.add(envelope.bin(x, at), envelope.clipped, envelope.bands)
    except SoftstepError:
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder failure must name the file
        if not n_samples:
            raise UnreadableFileError(label, f"corrupt sound data ({_short(exc)})") from exc
        stream.ended_early = _short(exc)
    warnings: list[str] = []
    if not n_samples:
        why = f" ({_short(Exception(stream.ended_early))})" if stream.ended_early else ""
        raise UnreadableFileError(label, f"corrupt or truncated: no sound could be decoded{why}")
    fs = stream.sample_rate_hz
    duration_s = n_samples / fs
    if stream.ended_early:
        warnings.append(f"{label}: the sound ends early at {duration_s:.1f} s (damaged or "
                        f"truncated file: {_short(Exception(stream.ended_early))}); read what "
                        "was there")
    env, clipped, bands = table.columns()
    band_cols = dict(zip(envelope.band_names, bands))
    clipped_fraction = n_clipped / n_samples
    if clipped_fraction > CLIPPED_WARN_FRACTION:
        warnings.append(f"{label}: {100 * clipped_fraction:.1f} % of the sound is clipped (the "
                        "microphone saturated); loud footfalls read quieter than they were — "
                        "record further from the feet or at a lower gain")
    samples = pd.DataFrame({"t_s": np.arange(len(env)) / ENVELOPE_HZ, "envelope": env,
                            "clipped": clipped, **band_cols}, copy=False)  # no second copy
    info = {
        "codec": stream.codec,
        "container": stream.container,
        "sample_rate_hz": fs,
        "channels": stream.channels,
        "duration_s": round(duration_s, 3),
        "peak_dbfs": round(float(20 * np.log10(peak)), 1) if peak > 0 else None,
        "clipped_fraction": round(clipped_fraction, 6),
    }
    recording = Recording(
        source="audio", sport="running", records=empty_records(0), path=label,
        content_hash=content_hash(), samples=samples, sample_rate_hz=ENVELOPE_HZ,
        warnings=warnings, info=info,
    )
    return ReadResult(label, [recording], warnings=list(warnings))
