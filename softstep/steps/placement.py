"""Guess where an inertial sensor was worn, from the signal alone.

Three observations separate the placements while running:

- **Period.** A trunk sensor feels every foot contact, so its acceleration repeats once per
  *step* (0.27-0.46 s at 130-220 steps/min). A limb or wrist sensor repeats once per *stride*
  (one contact of its own foot, or one arm swing), twice as long.
- **Peak acceleration.** Shank and shoe sensors see impacts of 4-10 g and more (SCIENCE.md §1:
  PTA baseline ~11 g); the trunk 2-4 g; the wrist rarely over 4 g.
- **Foot-flat.** A shoe sensor is still (|ω| < 1 rad/s, |a| ≈ 1 g) for part of every stride;
  a shank sensor never is while running (it rotates over the planted foot).

The thresholds are this module's own (no published placement classifier was found); the
confidence says how clearly the signal sat on one side of them.

>>> import numpy as np, pandas as pd
>>> t = np.arange(0, 20, 0.01)
>>> bounce = 1 + 1.5 * np.clip(np.sin(2 * np.pi * 2.8 * t), 0, None) ** 3
>>> samples = pd.DataFrame({"t_s": t, "acc_x_g": 0.1 * np.sin(2 * np.pi * 1.4 * t),
...                         "acc_y_g": 0.0 * t, "acc_z_g": bounce})
>>> guess_placement(samples, 100.0)[0]
'sacrum'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ACC = ["acc_x_g", "acc_y_g", "acc_z_g"]
GYR = ["gyr_x_rad_per_s", "gyr_y_rad_per_s", "gyr_z_rad_per_s"]
STEP_PERIOD_S = (0.27, 0.47)  # 130-220 steps/min
STRIDE_PERIOD_S = (0.55, 0.95)
LIMB_PEAK_G = 4.0  # p99 |a| above this: shank or foot (trunk and wrist stay below)
FOOT_STILL_SHARE = 0.12  # share of samples with foot-flat stillness that marks a shoe sensor
MAX_ANALYSED_S = 120.0


def _magnitude(frame: pd.DataFrame, columns: list[str]) -> np.ndarray | None:
    present = [c for c in columns if c in frame and frame[c].notna().any()]
    if not present:
        return None
    values = frame[present].to_numpy(float)
    return np.sqrt(np.nansum(values**2, axis=1))


def _autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation for lags 0..n-1 (FFT, NaN treated as the mean)."""
    x = np.where(np.isfinite(x), x, np.nanmean(x)) - np.nanmean(x)
    n = len(x)
    spectrum = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    return ac / ac[0] if ac[0] > 0 else ac


def _best_lag(ac: np.ndarray, fs: float, period_s: tuple[float, float]) -> tuple[float, float]:
    lo, hi = int(period_s[0] * fs), int(period_s[1] * fs) + 1
    window = ac[lo:hi]
    if len(window) == 0:
        return float("nan"), 0.0
    i = int(np.argmax(window))
    return (lo + i) / fs, float(window[i])


def _busiest_stretch(a: np.ndarray, fs: float) -> slice:
    """The MAX_ANALYSED_S window with the most acceleration variance (likely running)."""
    n = int(MAX_ANALYSED_S * fs)
    if len(a) <= n:
        return slice(None)
    block = max(1, int(5 * fs))
    sd = pd.Series(a).rolling(block, min_periods=block // 2).std().to_numpy()
    score = pd.Series(sd).rolling(n // block * block, min_periods=1).mean().to_numpy()
    end = int(np.nanargmax(score)) + 1
    return slice(max(0, end - n), end)


def guess_placement(samples: pd.DataFrame, sample_rate_hz: float) -> tuple[str, float, str]:
    """(placement, confidence 0-1, reason) for a running recording with IMU_COLUMNS.

    The placement is one of "sacrum" (any trunk position), "shank", "foot", "wrist".
    """
    acc = _magnitude(samples, ACC)
    if acc is None:
        return "sacrum", 0.0, "no accelerometer: assumed a trunk sensor"
    part = _busiest_stretch(acc, sample_rate_hz)
    acc = acc[part]
    ac = _autocorrelation(acc)
    step_lag, step_r = _best_lag(ac, sample_rate_hz, STEP_PERIOD_S)
    stride_lag, stride_r = _best_lag(ac, sample_rate_hz, STRIDE_PERIOD_S)
    p99 = float(np.nanpercentile(acc, 99))
    # A trunk signal repeats every step: its step-lag correlation is as strong as the stride's.
    trunk_like = step_r > 0.6 * stride_r and step_r > 0.2
    if trunk_like and p99 < LIMB_PEAK_G * 1.5:
        confidence = float(np.clip((step_r / max(stride_r, 1e-9) - 0.6) / 0.4, 0.2, 0.9))
        return "sacrum", confidence, (
            f"acceleration repeats every step ({step_lag * 1000:.0f} ms, r={step_r:.2f}) "
            f"with peaks of {p99:.1f} g: a trunk sensor (sacrum, waist or pocket)"
        )
    if p99 < LIMB_PEAK_G:
        return "wrist", float(np.clip((LIMB_PEAK_G - p99) / 2, 0.2, 0.7)), (
            f"one beat per stride ({stride_lag * 1000:.0f} ms) with peaks of only {p99:.1f} g: "
            "an arm-swing signal"
        )
    gyr = _magnitude(samples, GYR)
    margin = float(np.clip((p99 - LIMB_PEAK_G) / 4, 0.2, 0.9))
    if gyr is None:
        return "shank", 0.5 * margin, (
            f"one impact per stride with peaks of {p99:.1f} g: a lower-leg sensor (no gyroscope "
            "to tell shank from shoe)"
        )
    still = (gyr[part] < 1.0) & (np.abs(acc - 1.0) < 0.3)
    share = float(np.mean(still))
    if share >= FOOT_STILL_SHARE:
        return "foot", margin * float(np.clip(share / (2 * FOOT_STILL_SHARE), 0.5, 1.0)), (
            f"peaks of {p99:.1f} g and a still foot-flat phase in {share:.0%} of samples: "
            "a shoe sensor"
        )
    return "shank", margin, (
        f"peaks of {p99:.1f} g, one impact per stride and no foot-flat phase: a shank sensor"
    )
