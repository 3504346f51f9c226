"""Sound of running built in the test: footfall transients at known times, noise, music, speech.

A footfall is a short broadband burst (decay 12 ms, the click of the shoe) plus a damped 110 Hz
thud (decay 30 ms), ±2 dB from step to step; background is belt noise (band-limited random
noise), mains hum (50 Hz and 150 Hz), speech-like noise (noise modulated at syllable rate) or
music (chords with a soft attack, or a drum at a tempo outside the running cadence band).

>>> x = footfalls_sound(np.array([0.5, 0.83]), 8000, 1.2)
>>> x.dtype, len(x), bool(np.abs(x).max() <= 1)
(dtype('float32'), 9600, True)
"""

from __future__ import annotations

import numpy as np


def regular_contacts(duration_s: float, cadence_spm: float = 172.0, jitter_s: float = 0.006,
                     start_s: float = 0.5, seed: int = 0) -> np.ndarray:
    """Contact times at ``cadence_spm`` with alternating-foot asymmetry and timing jitter."""
    rng = np.random.default_rng(seed)
    step = 60.0 / cadence_spm
    n = int((duration_s - start_s - 0.3) / step)
    alt = np.where(np.arange(n) % 2, 0.004, -0.004)
    return start_s + np.arange(n) * step + alt + rng.normal(0, jitter_s, n)


def footfalls_sound(times_s: np.ndarray, fs: int, duration_s: float, *, level: float = 0.3,
                    seed: int = 0) -> np.ndarray:
    """Footfall transients starting at ``times_s``; peak about ``level`` full scale."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs)
    x = np.zeros(n)
    m = int(0.06 * fs)
    tt = np.arange(m) / fs
    for t in times_s:
        amp = 10 ** (rng.normal(0, 2) / 20)
        burst = (rng.normal(size=m) * np.exp(-tt / 0.012)
                 + 2 * np.sin(2 * np.pi * 110 * tt) * np.exp(-tt / 0.03))
        i = int(round(t * fs))
        k = min(m, n - i)
        if k > 0:
            x[i:i + k] += amp * burst[:k]
    peak = np.abs(x).max()
    return (x * (level / peak if peak else 0)).astype(np.float32)


def belt_noise(fs: int, duration_s: float, rms: float, *, hum: float = 0.02,
               seed: int = 1) -> np.ndarray:
    """Treadmill background: smoothed random noise (belt, motor) plus 50/150 Hz hum."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs)
    noise = np.convolve(rng.normal(size=n), np.ones(4) / 4, "same")
    noise *= rms / noise.std()
    t = np.arange(n) / fs
    return (noise + hum * np.sin(2 * np.pi * 50 * t) + hum / 2 * np.sin(2 * np.pi * 150 * t)
            ).astype(np.float32)


def speech_like(fs: int, duration_s: float, level: float = 0.2, seed: int = 2) -> np.ndarray:
    """Noise shaped like talk: random syllables (80-250 ms) at 3-6 per second, pauses."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs)
    gain = np.zeros(n)
    t = 0.0
    while t < duration_s:
        length = rng.uniform(0.08, 0.25)
        i, k = int(t * fs), int(length * fs)
        gain[i:i + k] = np.hanning(k)[: max(0, min(k, n - i))] * rng.uniform(0.3, 1.0)
        t += length + rng.uniform(0.02, 0.25) + (rng.uniform(0.3, 1.0) if rng.random() < 0.1 else 0)
    carrier = np.convolve(rng.normal(size=n), np.ones(6) / 6, "same")
    voice = np.sin(2 * np.pi * np.cumsum(rng.uniform(110, 180) + 0 * gain) / fs)
    x = gain * (carrier / carrier.std() * 0.5 + voice)
    return (level * x / np.abs(x).max()).astype(np.float32)


def chords(fs: int, duration_s: float, bpm: float = 100.0, level: float = 0.3) -> np.ndarray:
    """Sustained chords changing every beat at ``bpm``, 40 ms attack (music without drums)."""
    n = int(duration_s * fs)
    t = np.arange(n) / fs
    beat = np.floor(t * bpm / 60).astype(int)
    roots = np.array([220.0, 174.6, 261.6, 196.0])[beat % 4]
    phase = np.cumsum(roots) / fs
    x = sum(np.sin(2 * np.pi * r * phase) for r in (1.0, 1.26, 1.5))
    since = t - beat * 60 / bpm
    env = np.minimum(since / 0.04, 1.0) * np.exp(-since / 1.5)
    return (level * x * env / 3).astype(np.float32)


def drum(fs: int, duration_s: float, bpm: float = 120.0, level: float = 0.4) -> np.ndarray:
    """A kick drum on every beat at ``bpm`` (impulsive, but at a tempo no runner steps at)."""
    times = np.arange(0.25, duration_s - 0.3, 60.0 / bpm)
    return footfalls_sound(times, fs, duration_s, level=level, seed=3)
