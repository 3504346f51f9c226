"""Force plates: QTM / CSV reader, threshold contacts, impact metrics (VIP, VALR, VILR)."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from softstep.errors import UnreadableFileError
from softstep.model import STEP_COLUMNS
from softstep.readers.forceplate import find_plate_files, is_qtm_force_tsv, read_forceplate
from softstep.steps.force import (
    detect_force_contacts,
    estimate_body_weight_n,
    flight_baseline,
    force_contact_table,
)
from softstep.validation.forceplate import contacts_from_grf_bw, evaluate

BW_N = 700.0
COLUMNS = "\t".join(
    ["SAMPLE", "TIME", "Force_X", "Force_Y", "Force_Z", "Moment_X", "Moment_Y", "Moment_Z"]
    + ["COP_X", "COP_Y", "COP_Z"]
)


# --------------------------------------------------------------------------------------------
# synthetic running
def impact_contact(fs: float, contact_s=0.25, vip=1.6, rise_s=0.03, active=2.5):
    """One heel-strike contact in BW: sin² rise to VIP at rise_s, a dip, then the active peak.

    Every join is smooth (zero slope), so a 50 Hz low-pass barely changes the rise. Known:
    VILR = vip·π / (2·rise_s) (steepest point, at 50 % of VIP);
    VALR = 0.6·vip / (t80 - t20) with t_p = rise_s · 2/π · asin(sqrt(p)).
    """
    t = np.arange(round(contact_s * fs)) / fs
    f = np.empty_like(t)
    a = t <= rise_s
    f[a] = vip * np.sin(np.pi / 2 * t[a] / rise_s) ** 2
    dip_s, dip = rise_s + 0.02, vip - 0.25
    b = (t > rise_s) & (t <= dip_s)
    f[b] = dip + (vip - dip) * (0.5 + 0.5 * np.cos(np.pi * (t[b] - rise_s) / (dip_s - rise_s)))
    peak_s = 0.45 * contact_s
    c = (t > dip_s) & (t <= peak_s)
    f[c] = dip + (active - dip) * (0.5 - 0.5 * np.cos(np.pi * (t[c] - dip_s) / (peak_s - dip_s)))
    d = t > peak_s
    f[d] = active * np.cos(np.pi / 2 * (t[d] - peak_s) / (contact_s - peak_s)) ** 2
    return f


def running(fs=1000.0, seconds=6.0, step_s=0.35, contact=None, first_s=0.1):
    """Left and right vertical force (N, positive up) of steady running, alternating feet."""
    contact = impact_contact(fs) if contact is None else contact
    n = int(seconds * fs)
    left, right = np.zeros(n), np.zeros(n)
    starts = np.arange(first_s, seconds - 0.3, step_s)
    for k, t0 in enumerate(starts):
        i = round(t0 * fs)
        (left if k % 2 == 0 else right)[i : i + len(contact)] = contact * BW_N
    return left, right, starts


def expected_rates(vip=1.6, rise_s=0.03):
    tp = lambda p: rise_s * 2 / np.pi * np.arcsin(np.sqrt(p))
    return vip * np.pi / (2 * rise_s), 0.6 * vip / (tp(0.8) - tp(0.2))


def qtm_text(fz_on_plate, fs, name="Left", declared=None, cop_x_mm=0.0, corners_x=(0.0, 480.0)):
    """A QTM force TSV: force on the plate (negative down), trailing tab as QTM writes it."""
    n = len(fz_on_plate)
    x0, x1 = corners_x
    head = [
        f"NO_OF_SAMPLES\t{declared if declared is not None else n}",
        f"FREQUENCY\t{fs:g}",
        "TIME_STAMP\t2022-01-29, 15:27:17.748\t11255.90960920",
        "FIRST_SAMPLE\t1",
        "DESCRIPTION\tForce data in world (lab) coordinates",
        "DATA_INCLUDED\tForce",
        "FORCE_PLATE_TYPE\tBertec",
        "FORCE_PLATE_MODEL\tUnknown",
        f"FORCE_PLATE_NAME\t{name}",
        f"FORCE_PLATE_CORNER_POSX_POSY_X\t{x0:f}",
        "FORCE_PLATE_CORNER_POSX_POSY_Y\t1638.3",
        f"FORCE_PLATE_CORNER_NEGX_POSY_X\t{x1:f}",
        "FORCE_PLATE_CORNER_NEGX_POSY_Y\t1638.3",
        f"FORCE_PLATE_CORNER_NEGX_NEGY_X\t{x1:f}",
        "FORCE_PLATE_CORNER_NEGX_NEGY_Y\t0.0",
        f"FORCE_PLATE_CORNER_POSX_NEGY_X\t{x0:f}",
        "FORCE_PLATE_CORNER_POSX_NEGY_Y\t0.0",
    ]
    table = pd.DataFrame(
        {
            "SAMPLE": np.arange(1, n + 1),
            "TIME": np.round(np.arange(n) / fs, 5),
            "Force_X": 0.0,
            "Force_Y": 0.0,
            "Force_Z": fz_on_plate,
            "Moment_X": 0.0,
            "Moment_Y": 0.0,
            "Moment_Z": 0.0,
            "COP_X": cop_x_mm,
            "COP_Y": 800.0,
            "COP_Z": 0.0,
            "": "",
        }
    )
    body = table.to_csv(sep="\t", index=False, header=False, float_format="%.6f")
    return "\n".join(head) + "\n" + COLUMNS + "\n" + body


def write_pair(folder: Path, left, right, fs, stem="S1_run_0001", drift=(0.0, 0.0), **kw):
    """Left and right belts as QTM writes them (_f_1 / _f_2); ``drift`` = baseline offsets, N."""
    t = np.arange(len(left)) / fs
    paths = []
    for k, (name, f, offset, x) in enumerate(
        (("Left", left, drift[0], (0.0, 480.0)), ("Right", right, drift[1], (490.0, 970.0))),
        start=1,
    ):
        on_plate = -(f + offset + 3.0 * t * (k == 1))  # belt 1 also drifts 3 N/s
        cop = 240.0 if name == "Left" else 730.0
        path = folder / f"{stem}_f_{k}.tsv"
        path.write_text(qtm_text(on_plate, fs, name=name, cop_x_mm=cop, corners_x=x, **kw))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def synthetic_pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qtm")
    fs = 1000.0
    left, right, starts = running(fs)
    paths = write_pair(folder, left, right, fs, drift=(-12.0, 25.0))
    return folder, paths, fs, starts


# --------------------------------------------------------------------------------------------
# real data
@pytest.fixture(scope="module")
def treadmill(shared_data):
    folder = shared_data / "treadmill_force_markers"
    rec = read_forceplate(folder / "JDX_S999_run_0021_f_1.tsv").recordings[0]
    ref = pd.read_csv(folder / "contacts_from_force_threshold50N.csv")
    return folder, rec, ref


def test_real_treadmill_pair_is_read_with_its_sibling(treadmill):
    _, rec, _ = treadmill
    assert rec.source == "forceplate" and rec.sport == "running"
    assert rec.device == "Bertec (QTM export)"
    assert rec.sample_rate_hz == 2400.0 and len(rec.samples) == 23840
    assert rec.info["plates"] == ["Left", "Right"]
    assert rec.info["fz_sign"].startswith("negated")
    local = rec.start.astimezone()  # QTM's local time, read in this computer's zone
    assert local.replace(tzinfo=None) == datetime(2022, 1, 29, 15, 27, 17, 748000)  # noqa: DTZ001
    # baseline: both belts read below zero in flight (about -5 and -14 N)
    assert -10 < rec.info["baseline_n"]["Left"] < 0 and -20 < rec.info["baseline_n"]["Right"] < -8
    assert 780 < rec.info["body_weight_n"] < 840  # ~82 kg, estimated over whole steps
    assert any("estimated" in w for w in rec.warnings)
    assert set(rec.samples.columns) >= {"t_s", "fz_n", "fz_left_n", "fz_right_n", "cop_ml_m"}


def test_real_contacts_match_the_reference(treadmill):
    _, rec, ref = treadmill
    s = rec.samples
    steps = detect_force_contacts(
        s["fz_n"].to_numpy(), rec.sample_rate_hz, rec.info["body_weight_n"],
        fz_left_n=s["fz_left_n"].to_numpy(), fz_right_n=s["fz_right_n"].to_numpy(),
        cop_ml_m=s["cop_ml_m"].to_numpy(),
    )
    assert list(steps.columns) == list(STEP_COLUMNS)
    assert len(steps) == len(ref) == 29
    ic_diff = steps["t_s"].to_numpy() - ref["initial_contact_s"].to_numpy()
    tc_diff = steps["to_s"].to_numpy() - ref["toe_off_s"].to_numpy()
    # drift correction lowers the effective threshold by ~20 N: IC ~1.5 ms earlier, TC later
    assert np.abs(ic_diff).max() < 0.003 and np.abs(tc_diff).max() < 0.005
    assert (steps["side"].to_numpy() == ref["foot_from_markers"].to_numpy()).all()
    assert abs(steps["cadence_spm"].median() - 176) < 1.5
    assert abs(steps["contact_s"].median() - 0.236) < 0.008
    extras = pd.DataFrame(steps.attrs["force_extras"])
    assert 1.3 < extras["vip_bw"].median() < 1.8
    assert 30 < steps["loading_rate_bw_per_s"].median() < 90
    assert steps.attrs["placement"] == "force_plate"


def test_real_without_drift_fix_reproduces_the_reference_exactly(treadmill):
    folder, _, ref = treadmill
    rec = read_forceplate(
        [folder / "JDX_S999_run_0021_f_1.tsv", folder / "JDX_S999_run_0021_f_2.tsv"],
        remove_drift=False,
    ).recordings[0]
    table = force_contact_table(rec.samples["fz_n"].to_numpy(), 2400.0, 800.0)
    assert len(table) == 29
    assert np.abs(table["t_s"].to_numpy() - ref["initial_contact_s"].to_numpy()).max() < 0.0006
    assert np.abs(table["contact_s"] * 1e3 - ref["contact_ms"]).max() < 1.0


def test_real_sides_come_from_the_centre_of_pressure_when_one_belt_carries_both_feet(treadmill):
    _, rec, _ = treadmill
    s = rec.samples
    # this runner stays on the right belt: the belt split alone cannot name the feet
    table = force_contact_table(
        s["fz_n"].to_numpy(), 2400.0, rec.info["body_weight_n"],
        fz_left_n=s["fz_left_n"].to_numpy(), fz_right_n=s["fz_right_n"].to_numpy(),
    )
    assert (table["left_share"] < 0.2).all()
    assert table["side"].isna().all()


def test_validation_table(shared_data):
    table = evaluate(shared_data).set_index("measure")
    assert table.loc["contacts matched (IC within 50 ms)", "softstep"] == 29
    assert table.loc["side agreement", "softstep"] == 100.0


def test_sacral_grf_ground_truth(shared_data):
    grf = np.loadtxt(shared_data / "sacral_grf_treadmill" / "data" / "GRF_one_sub.csv",
                     delimiter=",", max_rows=3)
    for row in grf:
        c = contacts_from_grf_bw(row, 500.0)
        assert 11 <= len(c) <= 19
        assert c["contact_s"].between(0.15, 0.35).all()
        assert c["peak_force_bw"].between(1.5, 3.6).all()


# --------------------------------------------------------------------------------------------
# impact metrics on known shapes
@pytest.mark.parametrize("fs", [1000.0, 2400.0])
def test_impact_metrics_recover_a_known_impact_peak_and_slope(fs):
    left, right, starts = running(fs)
    total = left + right
    table = force_contact_table(total, fs, BW_N)
    vilr, valr = expected_rates()
    assert len(table) == len(starts)
    assert np.allclose(table["vip_bw"], 1.6, rtol=0.02)
    assert np.allclose(table["valr_bw_per_s"], valr, rtol=0.02)
    assert np.allclose(table["vilr_bw_per_s"], vilr, rtol=0.02)
    assert np.allclose(table["vip_after_ic_s"], 0.03, atol=0.003)
    assert np.allclose(table["peak_force_bw"], 2.5, rtol=0.01)
    assert np.allclose(table["step_s"].iloc[:-1], 0.35, atol=0.002)
    assert table["step_s"].iloc[-1] != table["step_s"].iloc[-1]  # last: no next contact
    assert np.allclose(table["impulse_bw_s"], impact_contact(fs).sum() / fs, rtol=0.01)


def test_no_impact_peak_gives_nan_unless_a_fallback_is_asked():
    fs = 1000.0
    t = np.arange(250) / fs
    forefoot = 2.6 * np.sin(np.pi * t / 0.25)  # one smooth hump: no impact peak
    left, right, _ = running(fs, contact=forefoot)
    table = force_contact_table(left + right, fs, BW_N)
    assert table["vip_bw"].isna().all() and table["loading_rate_bw_per_s"].isna().all()
    assert table["peak_force_bw"].notna().all()
    fallback = force_contact_table(left + right, fs, BW_N, fallback_pct_stance=13.0)
    assert fallback["vip_bw"].isna().all()
    ref = 2.6 * np.sin(np.pi * 0.13)
    tp = lambda p: 0.25 / np.pi * np.arcsin(p * ref / 2.6)
    assert np.allclose(fallback["valr_bw_per_s"], 0.6 * ref / (tp(0.8) - tp(0.2)), rtol=0.03)


def test_contacts_cut_by_the_edges_are_dropped_and_sides_follow_the_belts():
    fs = 1000.0
    left, right, starts = running(fs)  # contacts at 0.10 (L), 0.45 (R), ... 5.35 s
    cut = slice(200, 5500)  # starts inside the first contact, ends inside the one at 5.35 s
    table = force_contact_table(
        (left + right)[cut], fs, BW_N, fz_left_n=left[cut], fz_right_n=right[cut]
    )
    whole = starts[(starts > 0.2) & (starts + 0.25 < 5.5)]
    assert len(table) == len(whole) == len(starts) - 3
    assert np.allclose(table["t_s"], whole - 0.2, atol=0.004)
    assert "".join(table["side"]) == "RL" * (len(table) // 2) + "R" * (len(table) % 2)


def test_body_weight_from_whole_steps():
    fs = 1000.0
    left, right, _ = running(fs, seconds=8.0)
    bw, n_steps = estimate_body_weight_n(left + right, fs)
    expected = impact_contact(fs).sum() / fs * BW_N / 0.35  # impulse per step / step time
    assert n_steps >= 18 and bw == pytest.approx(expected, rel=0.01)


def test_flight_baseline_removes_offset_and_drift():
    fs = 1000.0
    left, right, _ = running(fs)
    t = np.arange(len(left)) / fs
    drift = np.column_stack([-15 + 4 * t, 30 - 2 * t])
    base, n_flights = flight_baseline(np.column_stack([left, right]) + drift, fs)
    inner = slice(int(0.5 * fs), int(5.5 * fs))
    assert n_flights >= 10
    assert np.abs(base - drift)[inner].max() < 1.0
    # standing still: no flights, nothing corrected
    base, n_flights = flight_baseline(np.full(3000, 700.0), fs)
    assert n_flights < 2 and not base.any()


def test_steps_without_body_weight_keep_timing():
    left, right, _ = running(1000.0)
    steps = detect_force_contacts(left + right, 1000.0, float("nan"))
    assert steps["t_s"].notna().all() and steps["peak_force_bw"].isna().all()


# --------------------------------------------------------------------------------------------
# reader on synthetic exports
def test_reader_finds_siblings_flips_sign_and_removes_drift(synthetic_pair):
    _, paths, fs, starts = synthetic_pair
    assert find_plate_files(paths[1]) == paths
    assert is_qtm_force_tsv(paths[0].read_bytes())
    rec = read_forceplate(paths[1], mass_kg=BW_N / 9.80665).recordings[0]
    assert rec.info["files"] == [str(p) for p in paths]
    assert rec.info["body_weight_n"] == pytest.approx(BW_N)
    assert rec.info["mediolateral_axis"] == "+x is the runner's right"
    s = rec.samples
    left, right, _ = running(fs)
    flight = (left + right == 0) & (s["t_s"].between(0.5, 5.5)).to_numpy()
    residual = s["fz_n"].to_numpy()[flight]  # offsets -12 / +25 N and 3 N/s drift gone
    assert abs(residual.mean()) < 0.5 and np.abs(residual).max() < 2.0
    steps = detect_force_contacts(
        s["fz_n"].to_numpy(), fs, rec.info["body_weight_n"],
        fz_left_n=s["fz_left_n"].to_numpy(), fz_right_n=s["fz_right_n"].to_numpy(),
        cop_ml_m=s["cop_ml_m"].to_numpy(),
    )
    assert len(steps) == len(starts)
    assert np.allclose(steps["t_s"], starts, atol=0.004)
    assert "".join(steps["side"]) == "LR" * (len(starts) // 2) + "L" * (len(starts) % 2)
    assert not any("estimated" in w for w in rec.warnings)


def test_reader_single_plate_gzip_and_mass_mismatch(tmp_path):
    fs = 1000.0
    left, right, _ = running(fs)
    path = tmp_path / "treadmill.tsv.gz"
    text = qtm_text(-(left + right), fs, name="Treadmill").replace("\n", "\r\n")  # Windows
    path.write_bytes(gzip.compress(b"\xef\xbb\xbf" + text.encode()))
    result = read_forceplate(path, mass_kg=90.0)
    rec = result.recordings[0]
    assert len(rec.samples) == len(left) and rec.sample_rate_hz == fs
    assert rec.samples["fz_left_n"].isna().all() and rec.samples["cop_ml_m"].isna().all()
    assert any("mass 90 kg" in w for w in result.warnings)


def test_reader_reads_a_csv(tmp_path):
    fs = 500.0
    left, right, starts = running(fs)
    t = np.arange(len(left)) / fs
    path = tmp_path / "force.csv"
    pd.DataFrame({"time_s": t, "fz_left_n": left, "fz_right_n": right}).to_csv(path, index=False)
    rec = read_forceplate(path).recordings[0]
    assert rec.sample_rate_hz == pytest.approx(fs)
    assert rec.device == "force plate (CSV)"
    steps = detect_force_contacts(
        rec.samples["fz_n"].to_numpy(), fs, rec.info["body_weight_n"],
        fz_left_n=rec.samples["fz_left_n"].to_numpy(),
        fz_right_n=rec.samples["fz_right_n"].to_numpy(),
    )
    assert len(steps) == len(starts) and steps["side"].notna().all()


def test_truncated_rows_are_salvaged_with_a_warning(synthetic_pair, tmp_path):
    paths = synthetic_pair[1]
    text = paths[0].read_text()
    cut = tmp_path / "cut_f_1.tsv"
    cut.write_text(text[: int(len(text) * 0.8)])  # ends mid-row
    result = read_forceplate(cut)
    rec = result.recordings[0]
    assert 0.7 * 6000 < len(rec.samples) < 6000
    assert any("truncated" in w and str(cut) in w for w in result.warnings)
    # garbage in the last rows
    bad = tmp_path / "bad.tsv"
    bad.write_text(text + "6001\t6.00000\tnan?\tx\n")
    assert any("not numbers" in w for w in read_forceplate(bad).warnings)


def _one_line_error(path, match, **kw):
    with pytest.raises(UnreadableFileError, match=match) as info:
        read_forceplate(path, **kw)
    message = str(info.value)
    assert "\n" not in message and str(path if not isinstance(path, list) else path[-1]) in message
    return message


def test_bad_inputs(tmp_path, synthetic_pair):
    paths = synthetic_pair[1]
    text = paths[0].read_text()
    p = tmp_path / "notes.txt"
    p.write_text("hello\nworld\n")
    _one_line_error(p, "not a QTM force TSV")
    p = tmp_path / "nofreq.tsv"
    p.write_text("\n".join(line for line in text.split("\n") if not line.startswith("FREQUENCY")))
    _one_line_error(p, "FREQUENCY")
    p = tmp_path / "noforce.tsv"
    p.write_text(text.replace("Force_Z", "Torque_Q"))
    _one_line_error(p, "no vertical force column")
    p = tmp_path / "markers.tsv"
    p.write_text("NO_OF_FRAMES\t2384\nNO_OF_CAMERAS\t17\nFREQUENCY\t240\n")
    _one_line_error(p, "marker")
    p = tmp_path / "short.tsv"
    p.write_text("\n".join(text.split("\n")[:400]) + "\n")
    _one_line_error(p, "too short")
    p = tmp_path / "bw.csv"
    pd.DataFrame({"time_s": np.arange(2000) / 500, "fz_n": np.full(2000, 2.4)}).to_csv(p)
    _one_line_error(p, "body weights")
    p = tmp_path / "empty.tsv"
    p.write_text("")
    _one_line_error(p, "empty")


def test_mismatched_belts_are_refused(tmp_path):
    fs = 1000.0
    left, right, _ = running(fs)
    # different rates
    a = tmp_path / "A_f_1.tsv"
    b = tmp_path / "A_f_2.tsv"
    a.write_text(qtm_text(-left, fs, name="Left"))
    b.write_text(qtm_text(-right[::2], 500.0, name="Right"))
    _one_line_error([a, b], "500 Hz")
    # different lengths
    b.write_text(qtm_text(-right[:5000], fs, name="Right"))
    _one_line_error([a, b], "do not match")
    # two left belts
    b.write_text(qtm_text(-right, fs, name="Left"))
    _one_line_error([a, b], "same side")
    # not the same capture
    b.write_text(qtm_text(-right, fs, name="Right").replace("15:27:17.748", "15:30:00.000"))
    _one_line_error([a, b], "not the same capture")
