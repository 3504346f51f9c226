"""Force plates and instrumented treadmills: Qualisys QTM force exports and plain CSV.

Lab mode (SCIENCE.md metric spec item 4): VIP, VALR and VILR need a force plate. This reader
turns the lab's export into a ``Recording`` of source ``"forceplate"`` whose ``samples`` hold the
vertical ground reaction force in newtons, positive up, baseline removed:

``t_s, fz_n, fz_left_n, fz_right_n, fx_n, fy_n, cop_x_m, cop_y_m, cop_ml_m``
(FORCEPLATE_COLUMNS)

Formats
-------
- **QTM force TSV** (Qualisys Track Manager "Export to TSV", force data): a block of
  ``KEY<TAB>value`` lines (NO_OF_SAMPLES, FREQUENCY, TIME_STAMP, FORCE_PLATE_NAME, ...), a column
  header row (``SAMPLE TIME Force_X Force_Y Force_Z Moment_X ... COP_X COP_Y COP_Z``) and one
  row per sample. QTM writes one file per plate: ``NAME_f_1.tsv``, ``NAME_f_2.tsv``, ... For a
  split-belt treadmill FORCE_PLATE_NAME says which belt is "Left" and which is "Right". Given one
  ``_f_N`` file, its siblings in the same folder are read with it.
- **CSV** with ``time_s`` and ``fz_n`` (or ``fz_left_n`` and ``fz_right_n``; both are kept when
  present), optionally ``cop_ml_m``; comma, semicolon or tab separated.

What the reader does
--------------------
- **Sign**: QTM exports the force the runner exerts *on the plate* (world Z up, so loading is
  negative). When the loaded peaks are negative every force component is negated, giving the
  ground reaction force on the runner; ``info["fz_sign"]`` says which.
- **Baseline drift**: a treadmill's zero drifts by tens of N as it warms up. The zero-load level
  of each plate is measured in the flight phases and subtracted (``steps.force.flight_baseline``);
  ``info["baseline_n"]`` gives the mean level removed from each plate. Without flight phases
  (walking, grounded running) nothing is corrected and a warning says so.
- **Mediolateral centre of pressure** ``cop_ml_m``, positive toward the runner's right: where
  the plates named Left and Right lie apart tells the lab axis and its direction. The side of
  each foot contact comes from it (a runner may land both feet on one belt; the data set in
  ../shared/data/treadmill_force_markers does).
- **Body weight**: ``mass_kg × 9.80665`` when given, else the mean vertical force over whole
  steps (``steps.force.estimate_body_weight_n``, valid for steady level running); ``info``
  records which, and a warning says when it was estimated or when the two disagree by > 10 %.

Every problem a user can cause ends as UnreadableFileError naming the file; a truncated file is
salvaged up to its last whole row, with a warning.

>>> import tempfile, os
>>> columns = "SAMPLE TIME Force_X Force_Y Force_Z Moment_X Moment_Y Moment_Z COP_X COP_Y COP_Z"
>>> row = "\\t0\\t0\\t-700\\t0\\t0\\t0\\t0\\t0\\t0\\t\\n"
>>> rows = "".join(f"{i + 1}\\t{i / 1000:.5f}{row}" for i in range(2000))
>>> text = "NO_OF_SAMPLES\\t2000\\nFREQUENCY\\t1000\\nFORCE_PLATE_NAME\\tPlate 1\\n"
>>> text += columns.replace(" ", "\\t") + "\\n"
>>> folder = tempfile.mkdtemp()
>>> path = Path(folder) / "stand.tsv"
>>> _ = path.write_text(text + rows)
>>> rec = read_forceplate(path, mass_kg=71.4).recordings[0]
>>> rec.sample_rate_hz, float(rec.samples["fz_n"].iloc[0]), rec.info["fz_sign"][:7]
(1000.0, 700.0, 'negated')
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from softstep.errors import UnreadableFileError
from softstep.model import ReadResult, Recording, empty_records
from softstep.readers._common import content_hash, load_bytes
from softstep.steps.force import (
    DEFAULT_LOWPASS_HZ,
    DEFAULT_THRESHOLD_N,
    estimate_body_weight_n,
    flight_baseline,
)

__all__ = [
    "FORCEPLATE_COLUMNS",
    "find_plate_files",
    "is_force_csv",
    "is_qtm_force_tsv",
    "read_forceplate",
]

DEFAULT_MAX_BYTES = 512 * 2**20
G_M_PER_S2 = 9.80665
MIN_DURATION_S = 1.0  # less than this is not a run
MASS_MISMATCH = 0.10  # warn when mass_kg and the force disagree by more than 10 %

FORCEPLATE_COLUMNS: dict[str, str] = {
    "t_s": "seconds from the recording start",
    "fz_n": "total vertical ground reaction force, N, positive up, baseline removed",
    "fz_left_n": "vertical force on the left belt / plate, N (NaN when no plate is named Left)",
    "fz_right_n": "vertical force on the right belt / plate, N (NaN when none is named Right)",
    "fx_n": "total force along the lab X axis, N (ground reaction on the runner)",
    "fy_n": "total force along the lab Y axis, N (ground reaction on the runner)",
    "cop_x_m": "centre of pressure, lab X, m (NaN when the total is under 50 N)",
    "cop_y_m": "centre of pressure, lab Y, m (NaN when the total is under 50 N)",
    "cop_ml_m": "mediolateral centre of pressure, m, + toward the runner's right (NaN: unknown)",
}

_PLATE_FILE = re.compile(r"^(?P<stem>.+)_f_(?P<n>\d+)(?P<ext>\.tsv(?:\.gz)?)$", re.IGNORECASE)
_FORCE_ALIASES = {
    "fx": ("force_x", "fx", "forcex"),
    "fy": ("force_y", "fy", "forcey"),
    "fz": ("force_z", "fz", "forcez"),
    "cop_x": ("cop_x", "copx"),
    "cop_y": ("cop_y", "copy"),
}


# --------------------------------------------------------------------------------------------
def is_qtm_force_tsv(data: bytes) -> bool:
    """True when ``data`` starts like a QTM force export (first line ``NO_OF_SAMPLES<TAB>``).

    >>> is_qtm_force_tsv(b"NO_OF_SAMPLES\\t23840\\nFREQUENCY\\t2400\\n"), is_qtm_force_tsv(b"t,fz")
    (True, False)
    """
    return _head(data).startswith(b"NO_OF_SAMPLES\t")


def is_force_csv(data: bytes) -> bool:
    """True when ``data`` is a CSV whose header row names ``time_s`` and ``fz_n`` (or
    ``fz_left_n`` and ``fz_right_n``) and no inertial column (``acc_*``, ``gyr_*``).

    >>> is_force_csv(b"time_s,fz_n\\n0,700\\n"), is_force_csv(b"time_s,acc_z,fz_n\\n0,1,7\\n")
    (True, False)
    """
    head = data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff")
    first = head.split("\n", 1)[0].rstrip("\r")
    sep = max((",", ";", "\t"), key=first.count)
    names = {c.strip().lower() for c in first.split(sep)}
    force = "fz_n" in names or {"fz_left_n", "fz_right_n"} <= names
    inertial = any(n.startswith(("acc_", "gyr_")) for n in names)
    return "time_s" in names and force and not inertial


def _head(data: bytes) -> bytes:
    """The first 64 bytes without a UTF-8 byte-order mark (no copy of the whole file)."""
    head = data[:67]
    return head[3:] if head.startswith(b"\xef\xbb\xbf") else head[:64]


def find_plate_files(path: Path) -> list[Path]:
    """``path`` and its sibling plates: ``X_f_1.tsv`` -> every ``X_f_N.tsv`` in its folder.

    A file not named ``*_f_N.tsv`` (or ``.tsv.gz``) comes back alone. Sorted by N.
    """
    match = _PLATE_FILE.match(path.name)
    if not match:
        return [path]
    stem = match["stem"]
    found = []
    for sibling in path.parent.iterdir():
        m = _PLATE_FILE.match(sibling.name)
        if m and m["stem"] == stem and sibling.is_file():
            found.append((int(m["n"]), sibling))
    found.sort()
    return [p for _, p in found] or [path]


# --------------------------------------------------------------------------------------------
@dataclass
class _Plate:
    path: str
    name: str
    side: str | None
    rate_hz: float
    declared_n: int | None
    stamp: str | None
    start: datetime | None
    device: str
    t_s: np.ndarray
    fx: np.ndarray
    fy: np.ndarray
    fz: np.ndarray
    cop_x_m: np.ndarray
    cop_y_m: np.ndarray
    centre_m: tuple[float, float] | None = None  # plate centre (X, Y) from its corners, m
    cop_ml_m: np.ndarray | None = None  # CSV only: mediolateral COP as given
    warnings: list[str] = field(default_factory=list)


def _side_of(name: str) -> str | None:
    words = set(re.findall(r"[a-z]+", name.lower()))
    if words & {"left", "l", "links", "gauche"}:
        return "L"
    if words & {"right", "r", "rechts", "droite"}:
        return "R"
    return None


def _parse_stamp(value: str) -> datetime | None:
    text = value.split("\t")[0].strip()
    for fmt in ("%Y-%m-%d, %H:%M:%S.%f", "%Y-%m-%d, %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            local = datetime.strptime(text, fmt)  # noqa: DTZ007 - QTM writes no zone
        except ValueError:
            continue
        # QTM writes the lab computer's local time without a zone: take this computer's zone
        return local.astimezone().astimezone(UTC)
    return None


def _plate_centre(header: dict[str, str]) -> tuple[float, float] | None:
    """Centre (X, Y) of the plate in lab coordinates, m, from its FORCE_PLATE_CORNER_* lines."""
    xs, ys = [], []
    for key, value in header.items():
        if key.startswith("FORCE_PLATE_CORNER_") and key[-2:] in ("_X", "_Y"):
            try:
                (xs if key.endswith("_X") else ys).append(float(value.split("\t")[0]))
            except ValueError:
                return None
    if len(xs) != 4 or len(ys) != 4:
        return None
    return float(np.mean(xs)) / 1e3, float(np.mean(ys)) / 1e3


def _column(names: list[str], key: str) -> int | None:
    wanted = _FORCE_ALIASES[key]
    for i, name in enumerate(names):
        if name.strip().lower().replace(" ", "_") in wanted:
            return i
    return None


def _parse_qtm(data: bytes, label: str) -> _Plate:
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    lines = data[start : start + 65536].decode("utf-8", errors="replace").split("\n")[:-1]
    header: dict[str, str] = {}
    col_row = None
    for i, line in enumerate(lines[:200]):
        line = line.rstrip("\r")
        key, _, value = line.partition("\t")
        if key.upper() in ("SAMPLE", "FRAME"):
            col_row = i
            break
        if not re.fullmatch(r"[A-Z0-9_]+", key):
            break
        header[key] = value.rstrip("\t")
    if "NO_OF_FRAMES" in header and "NO_OF_SAMPLES" not in header:
        raise UnreadableFileError(
            label, "a QTM marker (3D) export, not force data; give the force export (*_f_1.tsv)"
        )
    if col_row is None:
        raise UnreadableFileError(label, "QTM export without a column header row (SAMPLE TIME ...)")
    if "FREQUENCY" not in header:
        raise UnreadableFileError(label, "QTM export without a FREQUENCY line; the rate is unknown")
    try:
        rate = float(header["FREQUENCY"].split("\t")[0])
    except ValueError:
        rate = float("nan")
    if not (np.isfinite(rate) and rate > 0):
        raise UnreadableFileError(
            label, f"FREQUENCY is not a positive number ({header['FREQUENCY']!r})"
        )
    try:
        declared = int(header.get("NO_OF_SAMPLES", "").split("\t")[0])
    except ValueError:
        declared = None
    names = lines[col_row].rstrip("\r\t").split("\t")
    idx = {key: _column(names, key) for key in _FORCE_ALIASES}
    if idx["fz"] is None:
        raise UnreadableFileError(
            label,
            "no vertical force column (Force_Z) in the QTM export; columns: "
            + ", ".join(names[:12]),
        )
    t_col = next((i for i, n in enumerate(names) if n.strip().upper() == "TIME"), None)
    warnings: list[str] = []
    # the rows: every complete line after the column header row (a cut last line is dropped)
    complete = data.count(b"\n") - (col_row + 1)
    if not data.endswith(b"\n") and complete >= 0:
        warnings.append(f"{label}: the last row is cut off (file truncated?); it was dropped")
    wanted = sorted({i for i in [t_col, *idx.values()] if i is not None})
    options = {
        "sep": "\t", "header": None, "usecols": wanted, "skip_blank_lines": True,
        "engine": "c", "skiprows": col_row + 1, "nrows": max(complete, 0),
        "encoding": "utf-8-sig",
    }
    if complete <= 0:
        table = pd.DataFrame(columns=wanted, dtype=np.float64)
    else:
        try:  # BytesIO shares the bytes object: no copy of a large file
            table = pd.read_csv(io.BytesIO(data), dtype=np.float64, **options)
        except (ValueError, pd.errors.ParserError):
            table = pd.read_csv(
                io.BytesIO(data), dtype=str, on_bad_lines="skip", **options
            ).apply(pd.to_numeric, errors="coerce")
    table = table.reindex(columns=wanted)
    required = [c for c in (t_col, idx["fz"]) if c is not None]
    bad = ~np.isfinite(table[required].to_numpy()).all(axis=1)
    if bad.any():
        first = int(np.argmax(bad))
        warnings.append(
            f"{label}: data row {first + 1} is not numbers (truncated or corrupt); "
            f"kept the {first} rows before it"
        )
        table = table.iloc[:first]
    n = len(table)
    if n == 0:
        raise UnreadableFileError(label, "QTM export with a header but no data rows")
    if declared is not None and n < declared and not bad.any():
        warnings.append(
            f"{label}: {n} of the {declared} samples in NO_OF_SAMPLES are present "
            "(file truncated?); read what is there"
        )

    def col(key: str, scale: float = 1.0) -> np.ndarray:
        i = idx[key]
        return table[i].to_numpy(np.float64) * scale if i is not None else np.full(n, np.nan)

    if t_col is not None:
        t = table[t_col].to_numpy(np.float64)
        step = np.diff(t)
        if len(step) and (np.any(step <= 0) or abs(np.median(step) * rate - 1) > 0.01):
            raise UnreadableFileError(
                label, f"the TIME column does not advance at FREQUENCY {rate:g} Hz"
            )
        gaps = np.flatnonzero(step * rate > 1.5)
        if len(gaps):
            keep = int(gaps[0]) + 1
            warnings.append(
                f"{label}: {round(step[gaps[0]] * rate) - 1} samples missing after "
                f"{t[gaps[0]] - t[0]:.3f} s; kept the {keep} rows before the gap"
            )
            table, t, n = table.iloc[:keep], t[:keep], keep
        t = t - t[0]
    else:
        t = np.arange(n) / rate
    name = header.get("FORCE_PLATE_NAME", "").strip()
    plate_type = header.get("FORCE_PLATE_TYPE", "").strip() or "force plate"
    model = header.get("FORCE_PLATE_MODEL", "").strip()
    device = plate_type + (f" {model}" if model and model.lower() != "unknown" else "")
    stamp = header.get("TIME_STAMP")
    return _Plate(
        centre_m=_plate_centre(header),
        path=label, name=name, side=_side_of(name) if name else None, rate_hz=rate,
        declared_n=declared, stamp=stamp.split("\t")[0].strip() if stamp else None,
        start=_parse_stamp(stamp) if stamp else None, device=f"{device} (QTM export)",
        t_s=t, fx=col("fx"), fy=col("fy"), fz=col("fz"),
        cop_x_m=col("cop_x", 1e-3), cop_y_m=col("cop_y", 1e-3), warnings=warnings,
    )


def _parse_csv(data: bytes, label: str) -> list[_Plate]:
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    sep = max((",", ";", "\t"), key=first.count)
    names = [c.strip().lower() for c in first.rstrip("\r").split(sep)]
    if "time_s" not in names or not (
        "fz_n" in names or {"fz_left_n", "fz_right_n"} <= set(names)
    ):
        raise UnreadableFileError(
            label,
            "not a QTM force TSV export (first line NO_OF_SAMPLES) nor a CSV with time_s and "
            "fz_n columns",
        )
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, engine="c", skipinitialspace=True)
    except (ValueError, pd.errors.ParserError) as exc:
        raise UnreadableFileError(label, f"broken CSV ({str(exc).splitlines()[0]})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    table = table.apply(pd.to_numeric, errors="coerce")
    need = ["time_s"] + [c for c in ("fz_n", "fz_left_n", "fz_right_n") if c in table]
    warnings: list[str] = []
    bad = ~np.isfinite(table[need].to_numpy(np.float64)).all(axis=1)
    if bad.any():
        first_bad = int(np.argmax(bad))
        warnings.append(
            f"{label}: row {first_bad + 2} has no number for {', '.join(need)}; "
            f"kept the {first_bad} rows before it"
        )
        table = table.iloc[:first_bad]
    if len(table) < 2:
        raise UnreadableFileError(label, "CSV with fewer than 2 rows of force data")
    t = table["time_s"].to_numpy(np.float64)
    step = np.diff(t)
    if np.any(step <= 0):
        raise UnreadableFileError(label, "time_s does not increase from row to row")
    dt = float(np.median(step))
    if np.max(np.abs(step - dt)) > 0.05 * dt:
        raise UnreadableFileError(
            label, f"time_s is not evenly spaced (median step {dt * 1e3:.3g} ms, steps vary > 5 %)"
        )
    fz_cols = [c for c in ("fz_n", "fz_left_n", "fz_right_n") if c in table]
    peak = float(np.nanmax(np.abs(table[fz_cols].to_numpy(np.float64))))
    if peak < 20:
        raise UnreadableFileError(
            label, f"force peaks at {peak:.3g}: that looks like body weights, not newtons"
        )
    n = len(table)
    nan = np.full(n, np.nan)
    plates = []
    if "fz_left_n" in table and "fz_right_n" in table:
        for side, name in (("L", "fz_left_n"), ("R", "fz_right_n")):
            plates.append((side, table[name].to_numpy(np.float64)))
        if "fz_n" in table:
            total = table["fz_n"].to_numpy(np.float64)
            diff = np.abs(total - plates[0][1] - plates[1][1])
            if np.nanmax(diff) > max(20.0, 0.02 * peak):
                warnings.append(
                    f"{label}: fz_n differs from fz_left_n + fz_right_n by up to "
                    f"{np.nanmax(diff):.0f} N; used the sum of the belts"
                )
    else:
        plates.append((None, table["fz_n"].to_numpy(np.float64)))
    cop_ml = table["cop_ml_m"].to_numpy(np.float64) if "cop_ml_m" in table else None
    out = []
    for side, fz in plates:
        out.append(
            _Plate(
                path=label, name=side or "", side=side, rate_hz=1.0 / dt, declared_n=None,
                stamp=None, start=None, device="force plate (CSV)", t_s=t - t[0],
                fx=nan, fy=nan, fz=fz, cop_x_m=nan, cop_y_m=nan, cop_ml_m=cop_ml,
                warnings=warnings if not out else [],
            )
        )
    return out


# --------------------------------------------------------------------------------------------
def _check_pair(plates: list[_Plate]) -> list[str]:
    """Refuse plates that are not one capture; trim a salvaged (truncated) one. Warnings."""
    first = plates[0]
    warnings: list[str] = []
    for p in plates[1:]:
        if abs(p.rate_hz - first.rate_hz) > 1e-6 * first.rate_hz:
            raise UnreadableFileError(
                p.path, f"recorded at {p.rate_hz:g} Hz but {first.path} at {first.rate_hz:g} Hz"
            )
        if p.stamp and first.stamp and p.stamp != first.stamp:
            raise UnreadableFileError(
                p.path, f"TIME_STAMP {p.stamp} differs from {first.path} ({first.stamp}): "
                "not the same capture",
            )
        if p.declared_n is not None and first.declared_n is not None and (
            p.declared_n != first.declared_n
        ):
            raise UnreadableFileError(
                p.path, f"{p.declared_n} samples but {first.path} has {first.declared_n}: "
                "the belts do not match",
            )
        if len(p.fz) != len(first.fz) and not (p.warnings or first.warnings):
            raise UnreadableFileError(
                p.path, f"{len(p.fz)} rows but {first.path} has {len(first.fz)}: "
                "the belts do not match",
            )
    sides = [p.side for p in plates if p.side]
    if len(sides) != len(set(sides)):
        raise UnreadableFileError(
            plates[1].path, "two plates carry the same side in FORCE_PLATE_NAME"
        )
    n = min(len(p.fz) for p in plates)
    if any(len(p.fz) != n for p in plates):
        warnings.append(
            f"{first.path}: the plates have different lengths after salvage; "
            f"all cut to the shortest ({n} samples, {n / first.rate_hz:.2f} s)"
        )
    return warnings


def _right_axis(plates: list[_Plate], lateral_axis: str | None) -> tuple[str, float, float] | None:
    """(axis "x"/"y", sign toward the runner's right, origin m) or None when unknown.

    Given ``lateral_axis`` ("+x" = the runner's right is lab +X) it is used as is, origin 0.
    Otherwise plates named Left and Right with corners give it: the axis along which their
    centres lie apart, pointing from the left plate to the right one, origin midway.
    """
    if lateral_axis:
        sign = -1.0 if lateral_axis.strip().startswith("-") else 1.0
        return lateral_axis.strip().lstrip("+-").lower(), sign, 0.0
    by_side = {p.side: p.centre_m for p in plates if p.side and p.centre_m}
    if not {"L", "R"} <= set(by_side):
        return None
    (lx, ly), (rx, ry) = by_side["L"], by_side["R"]
    if abs(rx - lx) >= abs(ry - ly):
        return "x", float(np.sign(rx - lx)), (lx + rx) / 2
    return "y", float(np.sign(ry - ly)), (ly + ry) / 2


def _combine(
    plates: list[_Plate],
    mass_kg: float | None,
    remove_drift: bool,
    label: str,
    lateral_axis: str | None = None,
):
    warnings = [w for p in plates for w in p.warnings]
    if len(plates) > 1:
        warnings += _check_pair(plates)
    n = min(len(p.fz) for p in plates)
    fs = plates[0].rate_hz
    if n < MIN_DURATION_S * fs:
        raise UnreadableFileError(
            label, f"only {n} samples ({n / fs:.2f} s) of force: too short for a run"
        )
    fz = np.column_stack([p.fz[:n] for p in plates])
    fx = np.column_stack([p.fx[:n] for p in plates])
    fy = np.column_stack([p.fy[:n] for p in plates])
    total = fz.sum(axis=1)
    info: dict = {"plates": [p.name or f"plate {i + 1}" for i, p in enumerate(plates)]}
    # sign: the loaded peaks must be positive (ground reaction on the runner)
    lo, hi = np.percentile(total, [1, 99])
    if -lo > hi:
        fz, fx, fy, total = -fz, -fx, -fy, -total
        info["fz_sign"] = "negated: the export gives the force on the plate (loading negative)"
    else:
        info["fz_sign"] = "as exported (loading positive)"
    if remove_drift:
        base, n_flights = flight_baseline(fz, fs, DEFAULT_THRESHOLD_N, DEFAULT_LOWPASS_HZ)
        if n_flights < 2:
            warnings.append(
                f"{label}: no flight phases found (walking or grounded running?); the force "
                "baseline was not corrected for drift"
            )
            info["baseline_n"] = None
        else:
            fz = fz - base
            total = fz.sum(axis=1)
            info["baseline_n"] = {
                info["plates"][j]: round(float(base[:, j].mean()), 2) for j in range(fz.shape[1])
            }
            info["baseline_drift_n"] = round(float(np.ptp(base.sum(axis=1))), 2)
            info["baseline_flights"] = n_flights
    else:
        info["baseline_n"] = None
    estimate, n_steps = estimate_body_weight_n(total, fs)
    info["body_weight_estimate_n"] = round(estimate, 1) if np.isfinite(estimate) else None
    info["body_weight_estimate_steps"] = n_steps
    if mass_kg is not None:
        bw = float(mass_kg) * G_M_PER_S2
        info["body_weight_source"] = f"mass_kg {mass_kg:g} x 9.80665"
        if np.isfinite(estimate) and abs(estimate / bw - 1) > MASS_MISMATCH:
            warnings.append(
                f"{label}: mass {mass_kg:g} kg gives {bw:.0f} N but the mean force over "
                f"{n_steps} whole steps is {estimate:.0f} N ({estimate / G_M_PER_S2:.1f} kg); "
                "check the mass, the calibration or whether the speed was steady"
            )
    elif np.isfinite(estimate):
        bw = estimate
        info["body_weight_source"] = f"estimated: mean vertical force over {n_steps} whole steps"
        warnings.append(
            f"{label}: body weight estimated from the force as {bw:.0f} N "
            f"({bw / G_M_PER_S2:.1f} kg); give the mass for exact BW units"
        )
    else:
        bw = float("nan")
        info["body_weight_source"] = "unknown: fewer than 2 whole steps and no mass given"
        warnings.append(
            f"{label}: body weight unknown (no mass given, too few steps to estimate it); "
            "forces in BW are left empty"
        )
    info["body_weight_n"] = round(bw, 2) if np.isfinite(bw) else float("nan")
    by_side = {p.side: j for j, p in enumerate(plates) if p.side}
    nan = np.full(n, np.nan)
    left = fz[:, by_side["L"]] if "L" in by_side else nan
    right = fz[:, by_side["R"]] if "R" in by_side else nan
    if len(plates) > 1 and not {"L", "R"} <= set(by_side):
        warnings.append(
            f"{label}: FORCE_PLATE_NAME does not say which plate is left and which is right "
            f"({', '.join(info['plates'])}); sides are left unknown"
        )
    elif len(plates) == 1 and plates[0].side:
        warnings.append(
            f"{label}: only the {plates[0].name} plate was found; contacts on the other belt are "
            "missing (put the _f_1 and _f_2 files in the same folder)"
        )
    # centre of pressure: force-weighted mean of the plates' COP, where the total is loaded
    weights = np.clip(fz, 0, None)
    cop = {}
    for key in ("cop_x_m", "cop_y_m"):
        values = np.column_stack([getattr(p, key)[:n] for p in plates])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(values * weights, axis=1) / weights.sum(axis=1)
        cop[key] = np.where((total >= DEFAULT_THRESHOLD_N) & np.isfinite(values).any(axis=1),
                            mean, np.nan)
    axis = _right_axis(plates, lateral_axis)
    if plates[0].cop_ml_m is not None:
        cop_ml = np.where(total >= DEFAULT_THRESHOLD_N, plates[0].cop_ml_m[:n], np.nan)
        info["mediolateral_axis"] = "cop_ml_m column of the CSV"
    elif axis is not None:
        name, sign, origin = axis
        cop_ml = sign * (cop[f"cop_{name}_m"] - origin)
        info["mediolateral_axis"] = f"{'+' if sign > 0 else '-'}{name} is the runner's right"
    else:
        cop_ml = np.full(n, np.nan)
        info["mediolateral_axis"] = None
    samples = pd.DataFrame(
        {
            "t_s": plates[0].t_s[:n],
            "fz_n": total,
            "fz_left_n": left,
            "fz_right_n": right,
            "fx_n": fx.sum(axis=1),
            "fy_n": fy.sum(axis=1),
            **cop,
            "cop_ml_m": cop_ml,
        }
    )
    info["sample_rate_hz"] = fs
    info["files"] = [p.path for p in plates]
    if plates[0].start is not None:
        info["start_note"] = "QTM TIME_STAMP is local time; taken in this computer's time zone"
    return samples, fs, bw, info, warnings


def read_forceplate(
    paths: list[Path] | list[str] | Path | str,
    *,
    mass_kg: float | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    find_siblings: bool = True,
    remove_drift: bool = True,
    lateral_axis: str | None = None,
) -> ReadResult:
    """Read a force-plate recording (one QTM TSV per plate, or one CSV) into a Recording.

    Parameters
    ----------
    paths : one file or the plates of one capture (``X_f_1.tsv``, ``X_f_2.tsv``)
    mass_kg : the runner's mass; without it body weight is estimated from the force
    max_bytes : larger files are refused before reading
    find_siblings : given a single ``X_f_N.tsv``, also read every ``X_f_M.tsv`` beside it
    remove_drift : subtract the zero-load level measured in flight phases
    lateral_axis : the lab axis pointing to the runner's right ("+x", "-x", "+y", "-y"), for
        ``cop_ml_m``; by default it comes from the plates named Left and Right (their corners)

    Returns a ReadResult with one Recording: source "forceplate", sport "running", empty
    ``records``, ``samples`` (FORCEPLATE_COLUMNS), ``sample_rate_hz``, ``start`` (TIME_STAMP),
    ``device`` (e.g. "Bertec (QTM export)"), ``info["body_weight_n"]`` and how it was found.

    Raises UnreadableFileError naming the file: not a QTM force TSV or force CSV, no FREQUENCY,
    no force column, plates that do not belong together (rate, length, time stamp), too short.
    """
    axes = ("+x", "-x", "+y", "-y", "x", "y")
    if lateral_axis is not None and lateral_axis.strip().lower() not in axes:
        raise ValueError(f"lateral_axis must be one of +x, -x, +y, -y, got {lateral_axis!r}")
    if isinstance(paths, str | Path):
        path_list = [Path(paths)]
        if find_siblings:
            path_list = find_plate_files(path_list[0])
    else:
        path_list = [Path(p) for p in paths]
    if not path_list:
        raise UnreadableFileError("(no file)", "no force-plate file given")
    label = str(path_list[0])
    plates: list[_Plate] = []
    digests = []
    for path in path_list:
        data = load_bytes(path, max_bytes)
        digests.append(content_hash(data))
        if is_qtm_force_tsv(data):
            plates.append(_parse_qtm(data, str(path)))
        elif _head(data).startswith(b"NO_OF_FRAMES\t"):
            raise UnreadableFileError(
                path, "a QTM marker (3D) export, not force data; give the force export (*_f_1.tsv)"
            )
        else:
            if len(path_list) > 1:
                raise UnreadableFileError(
                    path, "not a QTM force TSV export (first line NO_OF_SAMPLES); only QTM "
                    "exports can be combined plate by plate",
                )
            plates.extend(_parse_csv(data, str(path)))
    samples, fs, _, info, warnings = _combine(plates, mass_kg, remove_drift, label, lateral_axis)
    device = plates[0].device
    recording = Recording(
        source="forceplate",
        sport="running",
        records=empty_records(0),
        start=plates[0].start,
        device=device,
        path=label,
        content_hash=digests[0] if len(digests) == 1 else content_hash("".join(digests).encode()),
        samples=samples,
        sample_rate_hz=fs,
        warnings=list(warnings),
        info=info,
    )
    return ReadResult(path=label, recordings=[recording], warnings=list(warnings))
