"""Sound in and out for ``softstep listen``: the microphone and the speaker through sounddevice
(PortAudio), and a recording played in real time as if it were the microphone.

Every source puts float32 mono blocks (full scale -1..1) into a ``queue.Queue`` and ``None``
at its end, as a PortAudio input callback would; the session takes them from there. Nothing
leaves the machine.

sounddevice is imported only here and only when a device is used, so everything else (and
``--from-file``) works without PortAudio.

>>> cue_sound(8000).dtype.name, len(cue_sound(8000))
('float32', 1440)
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import numpy as np

from softstep.errors import SoftstepError, UnreadableFileError

BLOCK_S = 0.010  # sound block, s (a PortAudio callback's size): the stage's time resolution
OUTPUT_HZ = 22050  # speaker sample rate, Hz (as coach.metronome's WAV)
PORTAUDIO_HINT = ("install PortAudio (Debian/Ubuntu: sudo apt install libportaudio2; macOS: "
                  "brew install portaudio) and sounddevice (pip install 'softstep[live]'), "
                  "or play a recording with --from-file REC")


class SoundDeviceError(SoftstepError):
    """No PortAudio, no sounddevice, or no microphone / speaker to open."""


def load_sounddevice():
    """The ``sounddevice`` module, or SoundDeviceError saying what to install."""
    try:
        import sounddevice
    except ModuleNotFoundError:
        raise SoundDeviceError(f"cannot use the microphone: the sounddevice package is not "
                               f"installed; {PORTAUDIO_HINT}") from None
    except OSError as exc:  # sounddevice raises OSError('PortAudio library not found')
        raise SoundDeviceError(f"cannot use the microphone: {exc}; {PORTAUDIO_HINT}") from None
    return sounddevice


def _device_error(what: str, exc: Exception, hint: str = ", or play a recording with "
                  "--from-file REC") -> SoundDeviceError:
    return SoundDeviceError(
        f"cannot open the {what} ({str(exc).splitlines()[0]}): plug one in or pick it as the "
        f"system default{hint}")


class Microphone:
    """The default input device, mono, at its default sample rate; blocks of BLOCK_S go into
    ``blocks`` from the PortAudio callback (a copy each; the callback does nothing else)."""

    def __init__(self, blocks: queue.Queue):
        sd = load_sounddevice()
        try:
            info = sd.query_devices(kind="input")
            self.sample_rate_hz = float(info["default_samplerate"])
            self.name = str(info["name"])
        except Exception as exc:  # sd.PortAudioError, ValueError: no default input
            raise _device_error("microphone: no input device found", exc) from None
        self.overflows = 0

        def callback(indata, frames, time_info, status) -> None:
            if status.input_overflow:
                self.overflows += 1
            blocks.put(indata[:, 0].copy())

        try:
            self._stream = sd.InputStream(samplerate=self.sample_rate_hz, channels=1,
                                          dtype="float32", callback=callback,
                                          blocksize=int(round(BLOCK_S * self.sample_rate_hz)))
        except Exception as exc:
            raise _device_error("microphone", exc) from None

    def start(self) -> None:
        self._stream.start()

    def stop(self) -> None:
        self._stream.stop()
        self._stream.close()


class FilePlayer:
    """Plays a sound file into ``blocks`` in real time (``speed`` times faster), block by block
    as the microphone would, then ``None``. Read with ``readers.audio.stream_audio`` (any
    format softstep reads)."""

    def __init__(self, path: str | Path, blocks: queue.Queue, speed: float = 1.0,
                 block_s: float = BLOCK_S, label: str | None = None):
        from softstep.readers.audio import stream_audio

        if speed <= 0:
            raise ValueError(f"speed must be more than 0, got {speed}")
        path = Path(path)
        if not path.is_file():
            raise UnreadableFileError(label or str(path), "no such file")
        self.stream = stream_audio(path, label or str(path))
        self.sample_rate_hz = self.stream.sample_rate_hz
        self.name = str(path)
        self.blocks, self.speed, self.block_s = blocks, float(speed), block_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._play, name="softstep-player", daemon=True)
        self.error: Exception | None = None
        self.started_wall_s: float | None = None  # time.perf_counter() when playing began

    def _play(self) -> None:
        start = self.started_wall_s = time.perf_counter()
        played = 0
        try:
            for chunk in self.stream.blocks(1.0):
                n = max(int(round(self.block_s * self.sample_rate_hz)), 1)
                for i in range(0, len(chunk), n):
                    if self._stop.is_set():
                        return
                    block = chunk[i:i + n]
                    played += len(block)
                    # a callback delivers a block once its last sample has been recorded
                    wait = start + played / self.sample_rate_hz / self.speed - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                    self.blocks.put(block)
        except Exception as exc:  # noqa: BLE001 - reported by the session
            self.error = exc
        finally:
            self.blocks.put(None)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)


def cue_sound(sample_rate_hz: int = OUTPUT_HZ) -> np.ndarray:
    """The quiet-running cue: a soft falling two-note chime (880 then 660 Hz), 180 ms, float32.
    Different from the metronome's clicks (1-1.5 kHz, 25 ms) so the two are never confused."""
    n = int(0.09 * sample_rate_hz)
    t = np.arange(n) / sample_rate_hz
    fade = np.minimum(1.0, t / 0.005) * np.exp(-t / 0.05)
    notes = [0.35 * np.sin(2 * np.pi * f * t) * fade for f in (880.0, 660.0)]
    return np.concatenate(notes).astype(np.float32)


class Speaker:
    """The default output device, mono at OUTPUT_HZ: a metronome at ``metronome_spm`` (None:
    none; clicks from coach.metronome, spaced exactly however long the session) mixed with a
    cue sound whenever ``cue()`` is called."""

    def __init__(self, metronome_spm: float | None = None):
        sd = load_sounddevice()
        from softstep.coach import metronome

        self._spm = metronome_spm
        self._render = metronome._render  # samples start..start+n of the endless click track
        self._cue = cue_sound(OUTPUT_HZ)
        self._cue_at: int | None = None  # position in the cue sound being played
        self._n = 0  # samples played
        self._lock = threading.Lock()

        def callback(outdata, frames, time_info, status) -> None:
            out = np.zeros(frames, np.float32)
            if self._spm is not None:
                out += self._render(self._spm, self._n, frames, OUTPUT_HZ, 0) / 32768.0
            with self._lock:
                if self._cue_at is not None:
                    part = self._cue[self._cue_at:self._cue_at + frames]
                    out[:len(part)] += part
                    self._cue_at = self._cue_at + frames if len(part) == frames else None
            self._n += frames
            outdata[:, 0] = np.clip(out, -1.0, 1.0)

        try:
            sd.query_devices(kind="output")
            self._stream = sd.OutputStream(samplerate=OUTPUT_HZ, channels=1, dtype="float32",
                                           callback=callback)
        except Exception as exc:
            raise _device_error("speaker: no output device found", exc, hint="") from None

    def cue(self) -> None:
        with self._lock:
            self._cue_at = 0

    def start(self) -> None:
        self._stream.start()

    def stop(self) -> None:
        self._stream.stop()
        self._stream.close()
