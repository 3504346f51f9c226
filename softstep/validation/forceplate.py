"""Force-plate reader and contact detector against the treadmill reference set.

Data: ``../shared/data/treadmill_force_markers`` (Davis, demo-force-processing, MIT): 10 s of
real running on an instrumented split-belt Bertec treadmill exported by Qualisys QTM at 2400 Hz,
one TSV per belt. Reference: ``contacts_from_force_threshold50N.csv`` (29 contacts; sum of both
belts' Fz, 4th-order 50 Hz low-pass, 50 N threshold, no drift correction; foot from the heel, 5th
metatarsal and toe markers).

``evaluate(data_dir)`` reads the pair through ``readers.forceplate.read_forceplate`` and
``steps.force.detect_force_contacts`` and returns one row per measure; ``contact_table`` gives
one row per contact. ``main()`` prints both:

    .venv/bin/python -m softstep.validation.forceplate [SHARED_DATA_DIR]

``contacts_from_grf_bw`` is ground truth for other sources whose data set carries a force
already in body weights (``../shared/data/sacral_grf_treadmill``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from softstep.steps.force import force_contact_table, impact_metrics, lowpass, threshold_crossings
from softstep.validation import nearest_within

DATA_SET = "treadmill_force_markers"
PLATE_FILE = "JDX_S999_run_0021_f_1.tsv"
REFERENCE_FILE = "contacts_from_force_threshold50N.csv"
MATCH_WINDOW_S = 0.05  # a detected IC this close to a reference IC is the same contact

# SCIENCE.md §1: college runners at preferred speed (Tate & Milner 2017)
TYPICAL = {"vip_bw": 1.56, "valr_bw_per_s": 69.1, "vilr_bw_per_s": 95.5}


# --------------------------------------------------------------------------------------------
def contacts_from_grf_bw(
    grf_bw: np.ndarray,
    fs: float,
    threshold_bw: float = 0.05,
    lowpass_hz: float | None = None,
) -> pd.DataFrame:
    """Foot contacts of a vertical GRF already in body weights (ground truth for other sources).

    Contact = the force above ``threshold_bw`` (rising crossing = IC, falling = TC, interpolated
    between samples); contacts cut by the record's edges are dropped. No filtering unless
    ``lowpass_hz`` is given (the sacral set is already low-passed at 30 Hz).

    Returns t_s, to_s, contact_s, step_s, flight_s (NaN for the last contact), peak_force_bw,
    vip_bw, valr_bw_per_s, vilr_bw_per_s (steps.force.impact_metrics), one row per contact.

    >>> fs = 500.0
    >>> t = np.arange(int(2 * fs)) / fs
    >>> phase = ((t - 0.1) % 0.35) / 0.25
    >>> grf = np.where(phase < 1, 2.5 * np.sin(np.pi * np.clip(phase, 0, 1)), 0.0)
    >>> c = contacts_from_grf_bw(grf, fs)
    >>> len(c), round(float(c["contact_s"].iloc[0]), 3), round(float(c["step_s"].iloc[0]), 3)
    (5, 0.247, 0.35)
    """
    f = np.asarray(grf_bw, dtype=np.float64)
    if lowpass_hz:
        f = lowpass(f, fs, lowpass_hz)
    on, off, t_on, t_off = threshold_crossings(f, threshold_bw)
    ic, tc = t_on / fs, t_off / fs
    next_ic = np.append(ic[1:], np.nan)
    if len(on):
        peak = np.maximum.reduceat(f, np.column_stack([on, off]).ravel())[::2]
    else:
        peak = np.zeros(0)
    impact = impact_metrics(f, fs, on, off)
    return pd.DataFrame(
        {
            "t_s": ic,
            "to_s": tc,
            "contact_s": tc - ic,
            "step_s": next_ic - ic,
            "flight_s": next_ic - tc,
            "peak_force_bw": peak,
            "vip_bw": impact["vip_bw"].to_numpy(),
            "valr_bw_per_s": impact["valr_bw_per_s"].to_numpy(),
            "vilr_bw_per_s": impact["vilr_bw_per_s"].to_numpy(),
        }
    )


# --------------------------------------------------------------------------------------------
def _folder(data_dir: str | Path) -> Path:
    data_dir = Path(data_dir)
    return data_dir / DATA_SET if (data_dir / DATA_SET).is_dir() else data_dir


def _detect(folder: Path, remove_drift: bool) -> tuple[pd.DataFrame, dict]:
    from softstep.readers.forceplate import read_forceplate

    rec = read_forceplate(folder / PLATE_FILE, remove_drift=remove_drift).recordings[0]
    s = rec.samples
    table = force_contact_table(
        s["fz_n"].to_numpy(), rec.sample_rate_hz, rec.info["body_weight_n"],
        fz_left_n=s["fz_left_n"].to_numpy(), fz_right_n=s["fz_right_n"].to_numpy(),
        cop_ml_m=s["cop_ml_m"].to_numpy(),
    )
    return table, rec.info


def _per_contact(ref: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    j = nearest_within(ref["initial_contact_s"].to_numpy(), table["t_s"].to_numpy(),
                       MATCH_WINDOW_S)
    found = j >= 0
    got = table.iloc[np.where(found, j, 0)].reset_index(drop=True)
    got[~found] = np.nan
    return pd.DataFrame(
        {
            "ref_ic_s": ref["initial_contact_s"],
            "ic_s": got["t_s"],
            "ic_diff_ms": (got["t_s"] - ref["initial_contact_s"]) * 1e3,
            "tc_diff_ms": (got["to_s"] - ref["toe_off_s"]) * 1e3,
            "ref_contact_ms": ref["contact_ms"],
            "contact_ms": got["contact_s"] * 1e3,
            "ref_side": ref["foot_from_markers"],
            "side": got["side"],
            "peak_force_bw": got["peak_force_bw"],
            "vip_bw": got["vip_bw"],
            "valr_bw_per_s": got["valr_bw_per_s"],
            "vilr_bw_per_s": got["vilr_bw_per_s"],
        }
    )


def contact_table(data_dir: str | Path, *, remove_drift: bool = True) -> pd.DataFrame:
    """One row per reference contact: reference and softstep IC/TC, differences, side, impact.

    ``data_dir`` is ../shared/data or the treadmill_force_markers folder itself.
    """
    folder = _folder(data_dir)
    table, _ = _detect(folder, remove_drift)
    return _per_contact(pd.read_csv(folder / REFERENCE_FILE), table)


def evaluate(data_dir: str | Path) -> pd.DataFrame:
    """Agreement with the reference contacts, one row per measure.

    Columns: measure, unit, reference, softstep (drift-corrected, as the pipeline runs),
    no_drift_fix (``remove_drift=False``, the reference's own processing), note.
    """
    folder = _folder(data_dir)
    ref = pd.read_csv(folder / REFERENCE_FILE)
    ref_step = np.diff(ref["initial_contact_s"].to_numpy())
    rows: dict[str, dict] = {}
    for label, drift in (("softstep", True), ("no_drift_fix", False)):
        table, info = _detect(folder, drift)
        per = _per_contact(ref, table)
        ok = per["ic_s"].notna()
        side_known = per["side"].notna()
        step = np.diff(table["t_s"].to_numpy())
        values = {
            "contacts detected": (len(table), len(ref), "count", ""),
            "contacts matched (IC within 50 ms)": (int(ok.sum()), len(ref), "count", ""),
            "IC difference, median": (per["ic_diff_ms"].median(), 0.0, "ms", "softstep - ref"),
            "IC difference, max |.|": (per["ic_diff_ms"].abs().max(), 0.0, "ms", ""),
            "TC difference, median": (per["tc_diff_ms"].median(), 0.0, "ms", "softstep - ref"),
            "TC difference, max |.|": (per["tc_diff_ms"].abs().max(), 0.0, "ms", ""),
            "contact time, median": (
                per["contact_ms"].median(), ref["contact_ms"].median(), "ms", ""
            ),
            "cadence, median": (
                60 / np.median(step), 60 / np.median(ref_step), "spm", "60 / median IC-to-IC"
            ),
            "side agreement": (
                100 * float((per["side"] == per["ref_side"])[side_known].mean())
                if side_known.any() else np.nan,
                100.0, "%", f"{int(side_known.sum())} of {len(per)} sides named; ref = markers",
            ),
            "body weight (estimated)": (
                info["body_weight_n"], np.nan, "N", "mean Fz over whole steps"
            ),
            "peak force, median": (per["peak_force_bw"].median(), np.nan, "BW", "50 Hz"),
            "VIP, median": (
                per["vip_bw"].median(), TYPICAL["vip_bw"], "BW",
                f"{int(per['vip_bw'].notna().sum())} of {len(per)} with an impact peak; ref = "
                + "SCIENCE.md typical",
            ),
            "VALR, median": (
                per["valr_bw_per_s"].median(), TYPICAL["valr_bw_per_s"], "BW/s",
                "ref = SCIENCE.md typical; risk flag > 66",
            ),
            "VILR, median": (
                per["vilr_bw_per_s"].median(), TYPICAL["vilr_bw_per_s"], "BW/s",
                "ref = SCIENCE.md typical",
            ),
        }
        for measure, (value, reference, unit, note) in values.items():
            row = rows.setdefault(
                measure, {"measure": measure, "unit": unit, "reference": reference, "note": note}
            )
            row[label] = value
    out = pd.DataFrame(list(rows.values()))
    return out[["measure", "unit", "reference", "softstep", "no_drift_fix", "note"]]


def _default_data_dir() -> Path:
    env = os.environ.get("SOFTSTEP_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def main(argv: list[str] | None = None) -> None:
    """Print the agreement table and the per-contact table."""
    args = sys.argv[1:] if argv is None else argv
    data_dir = Path(args[0]) if args else _default_data_dir()
    if not (_folder(data_dir) / REFERENCE_FILE).is_file():
        print(f"treadmill_force_markers not found under {data_dir}", file=sys.stderr)
        raise SystemExit(2)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print("Force plate vs contacts_from_force_threshold50N.csv (treadmill_force_markers)\n")
        print(evaluate(data_dir).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        per = contact_table(data_dir)
        print("\nPer contact (drift-corrected):\n")
        print(per.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        medians = per[["peak_force_bw", "vip_bw", "valr_bw_per_s", "vilr_bw_per_s"]].median()
        print("\nmedians: " + ", ".join(f"{k} {v:.3g}" for k, v in medians.items()))


if __name__ == "__main__":
    main()
