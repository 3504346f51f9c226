"""Footfall detection from sound (steps/audio.py): envelope stage, rhythm, detector, pipeline.

Sound is built here (tests/_audio_synth.py): footfall transients at known times, from a real
force-plate contact sequence where the shared data is present, mixed with treadmill noise,
speech or music.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _audio_synth import (
    belt_noise,
    chords,
    drum,
    footfalls_sound,
    regular_contacts,
    speech_like,
)

from softstep.steps.audio import (
    ENVELOPE_HZ,
    AudioEnvelope,
    detect_footfalls,
)

FS = 16000


def envelope(x: np.ndarray, fs: int = FS, block_s: float = 1.0) -> pd.DataFrame:
    env = AudioEnvelope(fs)
    n = max(int(block_s * fs), 1)
    parts, clipped, bands = [], [], []
    for i in range(0, len(x), n):
        parts.append(env.push(x[i:i + n]))
        clipped.append(env.clipped)
        bands.append(env.bands)
    e, b = np.concatenate(parts), np.concatenate(bands)
    return pd.DataFrame({"t_s": np.arange(len(e)) / ENVELOPE_HZ, "envelope": e,
                         "clipped": np.concatenate(clipped),
                         **{name: b[:, i] for i, name in enumerate(env.band_names)}})


def match(truth: np.ndarray, found: np.ndarray, tol_s: float = 0.05):
    """(share of true footfalls found, false footfalls, signed errors of the matched, s)."""
    if not len(found):
        return 0.0, 0, np.zeros(0)
    d = found[:, None] - truth[None, :]
    j = np.abs(d).argmin(axis=1)
    err = d[np.arange(len(found)), j]
    hit = np.abs(err) < tol_s
    return len(np.unique(j[hit])) / len(truth), int((~hit).sum()), err[hit]


def real_contacts(shared_data) -> np.ndarray:
    """Initial contacts of a real treadmill run (force plate, 50 N threshold), repeated 3 times
    (about 30 s) with its own step-to-step variation."""
    path = shared_data / "treadmill_force_markers" / "contacts_from_force_threshold50N.csv"
    c = pd.read_csv(path)["initial_contact_s"].to_numpy()
    span = c[-1] - c[0] + np.median(np.diff(c))
    return np.concatenate([c - c[0] + 0.5 + k * span for k in range(3)])


def test_envelope_same_in_one_block_or_many():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.1, 44100 * 3).astype(np.float32)
    whole = AudioEnvelope(44100).push(x)
    parts = np.concatenate([AudioEnvelope(44100).push(x[:0])] + [
        e.push(b) for e in [AudioEnvelope(44100)] for b in np.array_split(x, 37)])
    assert len(whole) == len(parts) == 3000
    np.testing.assert_allclose(whole, parts, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("fs", [8000, 22050, 44100])
def test_real_contact_times_found_within_10_ms(shared_data, fs):
    truth = real_contacts(shared_data)
    duration = truth[-1] + 1.0
    x = footfalls_sound(truth, fs, duration) + belt_noise(fs, duration, 0.005)
    steps = detect_footfalls(envelope(x, fs), ENVELOPE_HZ)
    rate, false, err = match(truth, steps["t_s"].to_numpy())
    assert rate >= 0.98 and false == 0
    assert np.median(np.abs(err)) < 0.005 and np.percentile(np.abs(err), 95) < 0.010
    true_cadence = 60 / np.median(np.diff(truth))
    assert abs(steps["cadence_spm"].median() - true_cadence) < 2
    assert steps["side"].isna().all() and (steps["confidence"] > 0.5).mean() > 0.9
    assert abs(steps["loudness_db"].median()) < 0.5  # re the run's median footfall
    assert steps["loudness_dbfs"].between(-40, 0).all()
    # the RMS over the +-30 ms window lies below the peak, and follows it footfall by footfall
    rms, peak = steps["loudness_rms_dbfs"], steps["loudness_dbfs"]
    assert (rms < peak).all() and (peak - rms).median() > 3
    assert np.corrcoef(rms, peak)[0, 1] > 0.8
    assert abs(steps["loudness_rms_db"].median()) < 0.5


@pytest.mark.parametrize("background", ["belt", "speech", "music"])
def test_footfalls_found_through_gym_noise(background):
    truth = regular_contacts(30.0, cadence_spm=168)
    x = footfalls_sound(truth, FS, 30.0)
    x = x + {"belt": belt_noise(FS, 30.0, 0.01, hum=0.05),
             "speech": speech_like(FS, 30.0, 0.15) + belt_noise(FS, 30.0, 0.005),
             "music": chords(FS, 30.0, 100, 0.15) + belt_noise(FS, 30.0, 0.005)}[background]
    steps = detect_footfalls(envelope(x), ENVELOPE_HZ)
    rate, false, err = match(truth, steps["t_s"].to_numpy())
    assert rate >= 0.9 and false <= 0.08 * len(truth)
    assert np.median(np.abs(err)) < 0.005
    assert abs(steps["cadence_spm"].median() - 168) < 3


@pytest.mark.parametrize("name", ["silence", "belt", "speech", "chords", "drum120", "drum240",
                                  "drum170", "metronome"])
def test_no_footfalls_invented_without_running(name):
    from softstep.coach.metronome import click_track

    sound = {
        "silence": np.zeros(20 * FS, np.float32),
        "belt": belt_noise(FS, 20.0, 0.02),
        "speech": speech_like(FS, 20.0) + belt_noise(FS, 20.0, 0.002),
        "chords": chords(FS, 20.0, bpm=100),  # music without drums
        "drum120": drum(FS, 20.0, bpm=120) + belt_noise(FS, 20.0, 0.002),  # below 140 spm
        # at the top of the cadence prior, and timed like a machine
        "drum240": drum(FS, 20.0, bpm=240) + belt_noise(FS, 20.0, 0.002),
        # at a running tempo, footfall-like thuds, but timed like a machine (a song's drums)
        "drum170": drum(FS, 20.0, bpm=170) + belt_noise(FS, 20.0, 0.002),
        # the metronome of `softstep listen` heard by the microphone
        "metronome": (click_track(176, 20.0, sample_rate_hz=FS) / 32767.0 * 0.3
                      + belt_noise(FS, 20.0, 0.002)).astype(np.float32),
    }[name]
    steps = detect_footfalls(envelope(sound), ENVELOPE_HZ)
    assert len(steps) == 0


@pytest.mark.parametrize("other_spm, gain", [(150, 0.5), (160, 0.5), (176, 0.5), (160, 0.7)])
def test_a_quieter_runner_nearby_does_not_add_footfalls(other_spm, gain):
    """A second runner on the next treadmill (6 or 3 dB quieter, slower or faster, drifting
    through the target's phase): the footfalls are the louder runner's, not both."""
    truth = regular_contacts(30.0, cadence_spm=168)
    other = regular_contacts(30.0, cadence_spm=other_spm, seed=5) + 0.1
    x = (footfalls_sound(truth, FS, 30.0) + gain * footfalls_sound(other, FS, 30.0, seed=4)
         + belt_noise(FS, 30.0, 0.005))
    steps = detect_footfalls(envelope(x), ENVELOPE_HZ)
    rate, false, _ = match(truth, steps["t_s"].to_numpy())
    assert rate >= 0.9 and false <= 0.08 * len(truth)
    assert abs(steps["cadence_spm"].median() - 168) < 3


def test_confidence_is_lower_for_doubtful_footfalls():
    """Confidence falls with the onset's prominence over the noise: the same run 6 dB quieter
    over 14 dB more belt noise has lower confidence."""
    truth = regular_contacts(30.0, cadence_spm=172)
    loud = footfalls_sound(truth, FS, 30.0) + belt_noise(FS, 30.0, 0.002)
    quiet = footfalls_sound(truth, FS, 30.0, level=0.15) + belt_noise(FS, 30.0, 0.01)
    conf = [detect_footfalls(envelope(x), ENVELOPE_HZ)["confidence"] for x in (loud, quiet)]
    assert conf[0].between(0, 1).all() and conf[1].between(0, 1).all()
    assert conf[0].median() > 0.9 and conf[1].median() < conf[0].median() - 0.05


def test_running_part_of_a_recording_only():
    """10 s of talk, 20 s of running, 10 s of talk: footfalls only where the running is."""
    truth = regular_contacts(20.0, cadence_spm=176) + 10.0
    x = speech_like(FS, 40.0, 0.1) + belt_noise(FS, 40.0, 0.002)
    x[10 * FS:30 * FS] += footfalls_sound(truth - 10.0, FS, 20.0)
    steps = detect_footfalls(envelope(x), ENVELOPE_HZ)
    t = steps["t_s"].to_numpy()
    rate, false, _ = match(truth, t)
    # a chain may run a step or two into the talk at either end (a syllable on the beat)
    assert rate >= 0.9 and false <= 5
    assert ((t > 9.5) & (t < 31.0)).mean() > 0.95
    assert steps.attrs["running_s"] < 36


def test_clipped_footfalls_are_flagged():
    truth = regular_contacts(20.0)
    x = np.clip(footfalls_sound(truth, FS, 20.0, level=3.0) + belt_noise(FS, 20.0, 0.01), -1, 1)
    steps = detect_footfalls(envelope(x), ENVELOPE_HZ)
    rate, _, _ = match(truth, steps["t_s"].to_numpy())
    assert rate >= 0.95
    assert steps["impact_clipped"].mean() > 0.8


def test_short_sound_gives_nothing():
    truth = regular_contacts(2.0)
    steps = detect_footfalls(envelope(footfalls_sound(truth, FS, 2.0)), ENVELOPE_HZ)
    assert len(steps) == 0 and steps.attrs["duration_s"] == 2.0
