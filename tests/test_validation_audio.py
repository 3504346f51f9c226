"""The footstep-audio test set (validation.audio): real force-plate contact times, real files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from softstep.model import empty_steps
from softstep.validation import audio


@pytest.fixture(scope="module")
def small_set(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("audio-set")
    return audio.build_test_set(shared_data, out, seed=0, small=True)


def test_score_case_matches_one_to_one_within_50_ms(tmp_path):
    truth = np.arange(1.0, 7.0, 1 / 3)
    path = tmp_path / "t.truth.csv"
    pd.DataFrame({"t_s": truth}).to_csv(path, index=False)
    detected = np.r_[truth[:5] + 0.004, truth[5] + 0.070, truth[6:] - 0.002, 6.9]  # 1 miss, 2 extra
    steps = empty_steps(len(detected))
    steps["t_s"] = detected
    case = {"name": "t", "truth": str(path), "noise": "hum", "snr_db": 10.0,
            "cadence_spm": audio.truth_cadence_spm(truth)}
    got = audio._summarise([audio.score_case(case, steps, 181.0)])
    assert got["footfalls"] == len(truth) and got["detections"] == len(truth) + 1
    assert got["found_pct"] == pytest.approx(100 * (len(truth) - 1) / len(truth))
    assert got["false_pct"] == pytest.approx(100 * 2 / (len(truth) + 1))
    assert got["timing_median_ms"] == pytest.approx(2.0)
    assert got["cadence_err_max_spm"] == pytest.approx(1.0, abs=0.01)  # truth is 180 steps/min


def test_case_specs_hold_a_second_runner_at_a_near_cadence_and_music_alone():
    names = [c.name for c in audio.case_specs()]
    assert {"runner_near_3dB_plate", "music_in_only", "runner_3dB_plate"} <= set(names)
    assert not any(n.startswith("runner") and n.endswith("_only") for n in names)
    assert len(names) == len(set(names))


def test_false_by_confidence_bins_every_detection():
    rows = [{"confidence": np.array([0.1, 0.5, 0.85, 0.95, 1.0]),
             "hit": np.array([False, False, True, True, False])}]
    got = audio.false_by_confidence(rows)
    assert got["detections"].tolist() == [1, 1, 0, 1, 2]
    assert got["false_pct"].iloc[[0, 1, 3, 4]].tolist() == [100, 100, 0, 50]


def test_build_test_set_times_footfalls_from_real_force_plate_contacts(small_set, shared_data):
    folder = shared_data / "treadmill_force_markers"
    ref = pd.read_csv(folder / "contacts_from_force_threshold50N.csv")
    by_name = {c["name"]: c for c in small_set}
    clean = by_name["none_plate"]
    truth = pd.read_csv(clean["truth"])
    # the first 29 footfalls are the plate's 29 contacts, shifted to start at 0.5 s
    np.testing.assert_allclose(np.diff(truth["t_s"][:29]), np.diff(ref["initial_contact_s"]),
                               atol=1e-4)
    assert 170 < clean["cadence_spm"] < 182  # the data set's 176 steps/min
    info = sf.info(by_name["hum_10dB_sacral_3.33"]["path"])
    assert (info.samplerate, info.channels) == (44100, 2)
    m4a = by_name["babble_10dB_plate_m4a"]["path"]
    import av

    with av.open(m4a) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
    # loudness follows the contact's loading rate
    assert truth["gain_db"].std() > 1.0


@pytest.mark.parametrize("noise", ["belt", "babble"])
def test_synthesize_sets_the_snr_on_the_footfall_windows(shared_data, noise):
    sources = audio.load_sources(shared_data)
    spec = audio.CaseSpec(noise, "plate", noise, 3.0, duration_s=10.0)
    clean = audio.CaseSpec("none", "plate", "none", np.nan, duration_s=10.0)
    noisy, truth = audio.synthesize(spec, sources["plate"], sources["sacral_3.33"],
                                    np.random.default_rng(1))
    feet, _ = audio.synthesize(clean, sources["plate"], sources["sacral_3.33"],
                               np.random.default_rng(1))
    # same seed: the same footfalls (at another output level); the rest is the noise
    x, f = noisy[:, 0].astype(float), feet[:, 0].astype(float)
    f *= np.dot(x, f) / np.dot(f, f)
    noise_rms = np.sqrt(np.mean((x - f) ** 2))
    snr_db = 20 * np.log10(audio._windows_rms(f, truth["t_s"].to_numpy(), 48000) / noise_rms)
    assert snr_db == pytest.approx(3.0, abs=0.5)


def test_audio_detector_meets_the_targets_on_the_small_set(small_set):
    table = audio.evaluate_cases(small_set)
    met = audio.targets_met(table)
    cases = table.attrs["cases"][["case", "found_pct", "false_pct", "timing_median_ms",
                                  "cadence_err_max_spm"]].round(1).to_string(index=False)
    row = table[table["noise"] == "SNR >= 3 dB"].iloc[0]
    assert met["found_pct"][1] and met["false_pct"][1], cases
    by_conf = table.attrs["confidence"]
    assert by_conf["detections"].sum() == table[table["noise"] == "all"]["detections"].iloc[0]
    assert by_conf["false_pct"].iloc[-1] <= audio.TARGET_FALSE_PCT  # the surest bin
    assert met["timing_median_ms"][1], cases
    assert row["cadence_err_median_spm"] <= audio.TARGET_CADENCE_SPM, cases


def test_softstep_validate_only_audio_reports_the_targets(shared_data, monkeypatch):
    import json

    from typer.testing import CliRunner

    from softstep.cli import app

    full = audio.case_specs
    monkeypatch.setattr(audio, "case_specs", lambda small=False: full(small=True))
    result = CliRunner().invoke(app, ["validate", "--data", str(shared_data), "--only", "audio",
                                      "--json"])
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.exit_code == (1 if doc["failed"] else 0), result.output
    names = [t["target"] for t in doc["targets"]]
    assert {t["data_set"] for t in doc["targets"]} == {"audio"} and len(names) == 5
    assert any(n.startswith("footfalls found") for n in names)
    rows = {r["noise"]: r for r in doc["tables"]["audio"]}
    assert rows["SNR >= 3 dB"]["footfalls"] == sum(
        r["footfalls"] for r in doc["tables"]["audio_cases"])
