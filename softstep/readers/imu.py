"""Inertial sensor files (accelerometer, gyroscope) -> ``Recording`` of source ``"imu"``.

Formats
-------
- **Sensor Logger** (Kelvin Choi's iOS / Android app): the zip export, or one of its CSVs alone.
  Each sensor is a file with the columns ``time, seconds_elapsed, z, y, x``: ``time`` in
  nanoseconds since the Unix epoch, ``seconds_elapsed`` since the start tap. Acceleration and
  gravity in m/s² (g taken as 9.80665 m/s²), gyroscope in rad/s. ``TotalAcceleration.csv``
  includes gravity; ``Accelerometer.csv`` is the user acceleration *without* gravity (on iOS
  the only acceleration file; gravity is in ``Gravity.csv``). Preferred: TotalAcceleration,
  else Accelerometer + Gravity (gravity interpolated onto the accelerometer's times), else
  Accelerometer alone with a warning. Axes are kept as the app wrote them: iOS and Android
  differ by a sign on every acceleration and gravity axis unless "Standardise Units & Frames"
  was on (the sign does not matter to detectors that project on the measured gravity).
  Confirmed in the app author's reference pages:
  https://github.com/tszheichoi/awesome-sensor-logger/blob/main/UNITS.md (time in ns since
  epoch, seconds_elapsed, m/s² with g = 9.80665, Accelerometer without / TotalAcceleration
  with gravity, iOS logs only Accelerometer + Gravity, gyroscope rad/s),
  https://github.com/tszheichoi/awesome-sensor-logger/blob/main/COORDINATES.md (sign
  conventions) and README.md there (zip of CSVs, ``metadata.csv``); the column order
  ``time,seconds_elapsed,z,y,x`` is the one readers of real exports on GitHub parse.
- **phyphox** CSV export ("Acceleration with g", "Linear Acceleration", "Gyroscope" and
  user-made experiments): quoted headers such as ``"Time (s)"``, ``"Acceleration x (m/s^2)"``,
  ``"Linear Acceleration x (m/s^2)"``, ``"Gyroscope x (rad/s)"``; comma, tab or semicolon
  separated, decimal point or decimal comma; the zip export holds one ``<set name>.csv`` per
  data set plus ``meta/time.csv`` (system time of the START event, which gives the absolute
  start). Confirmed in phyphox's own sources: ``DataExport.java`` (CsvFormat: quoted header,
  ``0.000000000E0`` numbers, ``NaN`` padding, ``meta/device.csv`` and ``meta/time.csv``) and
  ``assets/experiments/{accelerometer,linear_accelerometer,gyroscope}.phyphox`` in
  https://github.com/phyphox/phyphox-android.
- **Generic CSV or Parquet**: a time column (``time_s``, ``t_s``, ``time``, ``timestamp``, or
  any name with "time" in it) and any subset of acceleration / angular-velocity axes, found by
  name: ``acc_x``, ``ax``, ``Accel_LN_X``, ``acc_x_g``, ``acc_x_m_s2``, ``gyr_x``, ``gx``,
  ``gyr_x_deg_s``, ... and bare ``x, y, z`` as acceleration. A ``loc_id`` / ``sensor`` column
  splits the file into one Recording per sensor, its placement guessed from the sensor's name
  (ankle -> shank, hip -> waist, ...). Other columns are ignored.

What the reader does (every step vectorised; units converted once to IMU_COLUMNS: g, rad/s)
-----------------------------------------------------------------------------------------
- **Time**: seconds, or ms / µs / ns, relative or since the epoch, or ISO timestamps, from
  the column name or the values (``info["time_units"]`` says which and why). The rate is
  1 / the mean interval between samples outside gaps (the median interval is reported too);
  jitter is the 95th percentile of |dt - median dt| and the IQR of dt, in ms; gaps are
  intervals over 3 median dt. A few samples out of order are sorted (warning); time going
  back by over 1 s, or often, is refused (joined sessions). Timestamps coarser than the
  samples (many rows per value) are spread evenly at the rate they imply. A time column with
  one value for every row (or none at all) needs ``sample_rate_hz``.
- **Uniform grid**: samples already on a uniform clock (no gaps, every sample within one
  period of ``t0 + i / rate``, jitter p95 under 10 % of the period) are kept as recorded, so
  impact peaks are not blunted by interpolation; others are interpolated linearly (np.interp
  per column) onto the grid, leaving NaN inside gaps longer than 0.5 s.
- **Units**: acceleration from the median |a| while still (0.5 s windows whose |a| varies by
  under 3 %), else over the whole recording: below sqrt(9.81) it is g, above it m/s². Gyro:
  p99 of |ω| over 40 means deg/s. An explicit flag (``acc_units``, ``gyr_units``) wins, then
  units in the column names or the format, then detection; a declared unit that the data
  contradicts by a factor ~9.8 (or ~57) is refused: "you said g but |a| is 9.8 — m/s²?".
- **Saturation**: an accelerometer axis is clipped when its largest |value| sits within 2 % of
  a usual range (±2, 4, 8, 16, 32 g) and is hit more than once (a plateau of equal samples,
  or the same extreme value repeated: at 100 Hz a clipped impact often lasts one sample).
  ``info["acc_saturation_g"]`` gives the range, ``info["acc_clipped_fraction"]`` the share of
  samples within 0.5 % of it; ``clipped_mask(samples)`` marks them per sample.

Speed and memory: CSV is parsed by pandas' C parser with ``usecols`` (only the time, sensor and
axis columns) and float32 axes; Parquet column by column, axes to float32; statistics (units,
jitter) use at most 400 000 evenly spaced samples; the output is written once, converting units
on the way, with float32 axes (``t_s`` float64). One hour at 1 kHz (3.6 M rows, 130 MB of CSV)
reads in about 1 s and peaks under 600 MiB (2-core sandbox; plain ``pandas.read_csv`` of the
file alone: 0.3 s, 470 MiB). Longer files are read and analysed in chunks by
``readers.imu_stream`` (``read`` decides), in the memory of one chunk.

>>> t = np.arange(0, 5, 0.01)
>>> z = 1 + 0.5 * np.sin(2 * np.pi * 2.8 * t)
>>> rows = "".join(f"{a:.2f},0.01,0.02,{b:.4f}\\n" for a, b in zip(t, z))
>>> text = "time_s,acc_x,acc_y,acc_z\\n" + rows
>>> rec = read_imu(text.encode(), "demo.csv", "").recordings[0]
>>> rec.source, rec.sample_rate_hz, len(rec.samples), rec.info["acc_units"][:14]
('imu', 100.0, 500, 'g (detected fr')
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from softstep.errors import UnreadableFileError
from softstep.model import IMU_COLUMNS, PLACEMENTS, ReadResult, Recording, empty_records

__all__ = [
    "ACC_RANGES_G",
    "ACC_UNITS",
    "GYR_UNITS",
    "check_options",
    "clipped_mask",
    "detect_saturation",
    "looks_like_table",
    "placement_from_name",
    "read_imu",
]

G0 = 9.80665  # standard gravity, m/s² (Sensor Logger's and phyphox's g)
ACC_UNITS = ("g", "m/s2")
GYR_UNITS = ("rad/s", "deg/s")
ACC_RANGES_G = (2.0, 4.0, 8.0, 16.0, 32.0)  # usual full-scale ranges of MEMS accelerometers
RANGE_TOLERANCE = 0.02  # an axis max within 2 % of a range can be that range's clipping level
CLIP_BAND = 0.005  # samples within 0.5 % of the clipping level count as clipped
MIN_DURATION_S = 2.0  # shorter recordings cannot hold a stride
GAP_FACTOR = 3.0  # an interval over 3 median intervals is a gap
MAX_INTERP_GAP_S = 0.5  # gaps longer than this stay NaN on the uniform grid
BACKWARD_REFUSE_S = 1.0  # time going back further than this is a joined file, not jitter
G_OR_MS2_SPLIT = float(np.sqrt(G0))  # median |a| below: g; above: m/s²
GYR_DEG_P99 = 40.0  # p99 |ω| above this cannot be rad/s (2300 deg/s): deg/s
GYR_RAD_P99_MAX_AS_DEG = 20.0  # said deg/s, but p99 |ω| under 20: the data is rad/s
STILL_WINDOW_S = 0.5
STILL_CV = 0.03  # a window whose |a| varies by under 3 % of its mean is still
STAT_SAMPLES = 400_000  # unit statistics use at most this many evenly spaced samples
TIME_SCALES = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
UNIT_TEXT = {"g": "g", "mg": "mg", "m/s2": "m/s²", "rad/s": "rad/s", "deg/s": "deg/s"}
SENSOR_COLUMNS = {
    "loc_id", "loc", "location", "sensor", "sensor_id", "sensor_name", "sensor_location",
    "placement", "position", "body_location", "site", "device_id", "device_name",
}
TIME_NAMES = (
    "time_s", "t_s", "time", "timestamp", "t", "time_ms", "timestamp_ms", "time_us",
    "timestamp_us", "time_ns", "timestamp_ns", "seconds", "epoch", "unix_time", "datetime",
    "date_time",
)
SENSOR_LOGGER_FILES = {  # file stem (lower case) -> kind of its x, y, z columns
    "totalacceleration": "acc",
    "accelerometer": "lin",
    "gravity": "grav",
    "gyroscope": "gyr",
}
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq")
# placement keywords, matched against the words of a sensor or file name
PLACEMENT_WORDS = {
    "shank": ("ankle", "shank", "shin", "tibia", "tibial", "calf", "malleolus"),
    "foot": ("foot", "feet", "shoe", "toe", "heel", "instep", "midfoot", "forefoot"),
    "waist": ("hip", "hips", "waist", "belt"),
    "sacrum": ("sacrum", "sacral", "lumbar", "lowback", "lowerback", "pelvis", "l5", "sacr"),
    "pocket": ("pocket",),
    "wrist": ("wrist", "watch", "hand", "arm", "forearm"),
}


# --------------------------------------------------------------------------------------------
# Public helpers


def placement_from_name(name: str) -> str | None:
    """The placement a sensor or file name states (one of PLACEMENTS), or None.

    The name is split into words (``left_ankle``, ``LeftAnkle``, ``ankle-L``); a placement
    is returned only when the words name exactly one.

    >>> placement_from_name("left_ankle"), placement_from_name("left_hip")
    ('shank', 'waist')
    >>> placement_from_name("2017-11-27-11-18-11") is None
    True
    """
    words = _words(name)
    words += [a + b for a, b in itertools.pairwise(words)]  # "lower back" -> lowerback
    found = {p for p, keys in PLACEMENT_WORDS.items() if any(w in keys for w in words)}
    return found.pop() if len(found) == 1 else None


def side_from_name(name: str) -> str | None:
    """"L" or "R" when a sensor or file name says left or right, else None.

    >>> side_from_name("left_ankle"), side_from_name("RightShoe"), side_from_name("hip")
    ('L', 'R', None)
    """
    words = set(_words(name))
    left, right = bool(words & {"left", "lt"}), bool(words & {"right", "rt"})
    return "L" if left and not right else "R" if right and not left else None


def detect_saturation(acc_g: np.ndarray) -> tuple[float | None, list[int]]:
    """The clipping level of an accelerometer, g, and the axes (0, 1, 2) that reach it.

    ``acc_g`` is (n, 3) in g, NaN where absent. An axis is saturated when its largest |value|
    lies within RANGE_TOLERANCE of a usual range (ACC_RANGES_G) and that extreme value is hit
    more than once: two or more samples within a millionth of it, consecutive (a plateau) or
    not (a clipped impact lasts a single sample at 100 Hz). Returns (None, []) when no axis is.

    >>> a = np.zeros((100, 3)); a[10, 0] = a[50, 0] = -8.0; a[30, 1] = 7.4
    >>> detect_saturation(a)
    (8.0, [0])
    """
    acc = np.asarray(acc_g, dtype=np.float64)
    return _saturation([acc[:, i] for i in range(acc.shape[1])], 1.0)


def clipped_mask(samples: pd.DataFrame, level_g: float | None = None) -> np.ndarray:
    """Per sample, True where any accelerometer axis is at its saturation level.

    ``samples`` has IMU_COLUMNS (acc in g). The level is ``level_g`` when given, else the one
    the reader stored in ``samples.attrs["acc_saturation_g"]``, else it is detected from the
    samples with ``detect_saturation``. A sample is clipped where |a| on any axis is within
    CLIP_BAND (0.5 %) of the level. No saturation: all False.

    >>> s = pd.DataFrame({"t_s": np.arange(6) / 100, "acc_x_g": [0, 8, 8, 1, -8, 0.0],
    ...                   "acc_y_g": 0.0, "acc_z_g": 1.0})
    >>> clipped_mask(s).tolist()
    [False, True, True, False, True, False]
    """
    columns = [c for c in ("acc_x_g", "acc_y_g", "acc_z_g") if c in samples]
    n = len(samples)
    if not columns or n == 0:
        return np.zeros(n, dtype=bool)
    if level_g is None:
        level_g = samples.attrs.get("acc_saturation_g") if "acc_saturation_g" in samples.attrs \
            else _saturation([samples[c].to_numpy(np.float64) for c in columns], 1.0)[0]
    out = np.zeros(n, dtype=bool)
    if level_g is None or not np.isfinite(level_g):
        return out
    with np.errstate(invalid="ignore"):  # axis by axis, in float64: no (n, 3) copy
        for c in columns:
            out |= np.abs(samples[c].to_numpy(np.float64)) >= level_g * (1 - CLIP_BAND)
    return out


def looks_like_table(data: bytes) -> bool:
    """True when ``data`` starts like a delimited text table: a header of two or more fields
    and a first row with as many fields, at least one of them a number.

    >>> looks_like_table(b"t,x\\n0.0,1.5\\n"), looks_like_table(b"dear diary, today I ran\\n")
    (True, False)
    """
    try:
        dialect = _sniff_csv(data[:65536], "table")
    except UnreadableFileError:
        return False
    return dialect.numeric_first_row and len(dialect.header) >= 2


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Table:
    name: str  # member name in a zip, else the file name
    data: bytes
    parquet: bool


@dataclass
class _Dialect:
    skip_rows: int
    header: list[str]
    delimiter: str
    decimal: str
    numeric_first_row: bool
    spaced: bool = False  # "a, b, c": fields start with a space (pandas skipinitialspace)


@dataclass
class _Layout:
    """Which columns of a table hold what: time, sensor id, and (kind -> axis -> column)."""

    time: str | None
    sensor: str | None
    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # kind -> unit the names declare


@dataclass
class _Source:
    """One sensor stream of one table: its clock and its x, y, z columns (None if absent)."""

    kind: str  # "acc" (with gravity), "lin" (without), "grav", "gyr"
    t: np.ndarray  # float64 seconds on the table's clock, from ``origin``
    origin: float | None  # epoch seconds of t = 0, or None for relative time
    values: list  # [x, y, z]: 1-D arrays in file units, or None
    unit: str | None  # what the file declares, None when it says nothing
    unit_source: str  # "column names", "Sensor Logger" ...
    columns: list[str]
    table: str
    time_column: str | None
    time_note: str
    clock_key: int  # sources sharing a clock (one table) share this key
    where: str = ""  # names the zip member in messages


@dataclass
class _Clock:
    """A cleaned time base: sorted, strictly increasing, with what was measured on it."""

    t: np.ndarray  # float64 seconds, sorted, strictly increasing
    sel: np.ndarray | None  # rows of the source kept, in time order (None: all, as they are)
    rate_hz: float
    median_dt_s: float
    uniform: bool  # already on a uniform clock: keep values as recorded
    info: dict[str, Any]
    warnings: list[str]
    on_source_clock: bool = True  # False: times made up from a given rate


def read_imu(
    data: bytes,
    label: str,
    digest: str,
    *,
    acc_units: str | None = None,
    gyr_units: str | None = None,
    placement: str | None = None,
    sample_rate_hz: float | None = None,
    max_bytes: int = 512 * 2**20,
) -> ReadResult:
    """Read an inertial file (Sensor Logger, phyphox, generic CSV / Parquet, or a zip of them).

    Parameters
    ----------
    data : the file's bytes (gunzipped already); ``label`` names it in every message
    digest : its content hash, stored on every Recording
    acc_units : "g" or "m/s2" when known (wins over names and detection)
    gyr_units : "rad/s" or "deg/s" when known
    placement : one of PLACEMENTS, applied to every recording; else guessed from names or None
    sample_rate_hz : the rate, Hz, for a file whose time column is missing or has one value
    max_bytes : zip members are refused when they would unpack to more than this

    Returns a ReadResult with one Recording per sensor (``samples`` with IMU_COLUMNS in g and
    rad/s on a uniform grid of ``sample_rate_hz``). Raises UnreadableFileError, one line
    naming ``label`` and the problem.
    """
    check_options(label, acc_units, gyr_units, placement, sample_rate_hz)
    opts = {"acc_units": _unit_key(acc_units), "gyr_units": _unit_key(gyr_units),
            "placement": placement, "sample_rate_hz": sample_rate_hz}
    tables, meta, file_warnings = _open_tables(data, label, max_bytes)
    groups, fmt = _sources(tables, label, meta, file_warnings)
    recordings: list[Recording] = []
    skipped: list[str] = []
    errors: list[UnreadableFileError] = []
    single = len(groups) == 1
    for name, sources in groups:
        try:
            rec = _recording(sources, name, single, label, digest, opts, meta, fmt)
        except UnreadableFileError as exc:
            if len(groups) == 1:
                raise
            errors.append(exc)
            skipped.append(f"sensor {name}: {exc.problem}")
            continue
        rec.session_index = len(recordings)
        rec.warnings[:0] = file_warnings
        recordings.append(rec)
    if not recordings:
        raise errors[0]
    all_warnings = list(dict.fromkeys(w for r in recordings for w in r.warnings))
    return ReadResult(label, recordings, skipped=skipped, warnings=all_warnings)


def check_options(label, acc_units, gyr_units, placement, sample_rate_hz) -> None:
    """UnreadableFileError naming ``label`` for an unknown unit, placement or a bad rate.

    >>> check_options("run.csv", "furlongs", None, None, None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    softstep.errors.UnreadableFileError: cannot read run.csv: unknown accelerometer units ...
    """
    if acc_units is not None and _unit_key(acc_units) not in ACC_UNITS:
        raise UnreadableFileError(
            label, f"unknown accelerometer units {acc_units!r}; give 'g' or 'm/s2'"
        )
    if gyr_units is not None and _unit_key(gyr_units) not in GYR_UNITS:
        raise UnreadableFileError(
            label, f"unknown gyroscope units {gyr_units!r}; give 'rad/s' or 'deg/s'"
        )
    if placement is not None and placement not in PLACEMENTS:
        raise UnreadableFileError(
            label, f"unknown placement {placement!r}; give one of {', '.join(PLACEMENTS)}"
        )
    if sample_rate_hz is not None:
        try:
            ok = np.isfinite(float(sample_rate_hz)) and float(sample_rate_hz) > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise UnreadableFileError(
                label, f"the sample rate must be a positive number of Hz (got {sample_rate_hz!r})"
            )


def _unit_key(text: str | None) -> str | None:
    """Normalise a unit spelling: "m/s^2", "m/s²", "ms2" -> "m/s2"; "dps" -> "deg/s"."""
    if text is None:
        return None
    key = re.sub(r"[^a-z0-9]", "", str(text).lower().replace("²", "2").replace("°", "deg"))
    return {
        "g": "g", "mg": "mg", "ms2": "m/s2", "mps2": "m/s2", "ms": "m/s2",
        "rads": "rad/s", "radpers": "rad/s", "rad": "rad/s", "radpersec": "rad/s",
        "degs": "deg/s", "dps": "deg/s", "degpers": "deg/s", "deg": "deg/s",
        "degpersec": "deg/s",
    }.get(key, str(text))


# --------------------------------------------------------------------------------------------
# Containers: a zip of tables, one Parquet file, or one delimited text table


def _open_tables(data: bytes, label: str, max_bytes: int):
    """(tables, meta, warnings): the data tables in the file and what its metadata says."""
    meta: dict[str, Any] = {"stem": _stem(label)}
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _open_zip(data, label, max_bytes, meta)
    return [_Table(_stem(label, keep_suffix=True), data, data[:4] == b"PAR1")], meta, []


def _open_zip(data: bytes, label: str, max_bytes: int, meta: dict[str, Any]):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [
            m for m in archive.infolist()
            if not m.is_dir() and "__MACOSX" not in m.filename
            and not PurePosixPath(m.filename).name.startswith(".")
        ]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UnreadableFileError(label, f"broken zip archive, cut short? ({exc})") from None
    tables, wanted = [], []
    for m in members:
        if _is_meta(m.filename) or m.filename.lower().endswith(TABLE_SUFFIXES):
            wanted.append(m)
    if not any(not _is_meta(m.filename) for m in wanted):
        names = ", ".join(m.filename for m in members[:8]) or "nothing"
        raise UnreadableFileError(label, f"the zip holds no CSV or Parquet table (it has {names})")
    total = sum(m.file_size for m in wanted)
    if total > max_bytes:
        raise UnreadableFileError(
            label, f"the zip unpacks to {total:,} bytes; the limit is {max_bytes:,}"
        )
    for m in wanted:
        try:
            raw = archive.read(m)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError) as exc:
            raise UnreadableFileError(
                label, f"broken zip archive: cannot unpack {m.filename} ({exc})"
            ) from None
        if _is_meta(m.filename):
            meta.update(_zip_meta(m.filename, raw))
        else:
            tables.append(_Table(m.filename, raw, raw[:4] == b"PAR1"))
    return tables, meta, []


def _is_meta(name: str) -> bool:
    path = PurePosixPath(name.lower())
    return "meta" in path.parts[:-1] or path.name == "metadata.csv"


def _zip_meta(name: str, raw: bytes) -> dict[str, Any]:
    """Device and start time from Sensor Logger's metadata.csv or phyphox's meta/*.csv."""
    try:
        text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
        dialect = _sniff_csv(raw[:65536], name)
        rows = list(csv.reader(io.StringIO(text), delimiter=dialect.delimiter))
    except (UnreadableFileError, csv.Error):
        return {}
    low = name.lower()
    out: dict[str, Any] = {}
    if low.endswith("/time.csv"):  # phyphox: event, experiment time, system time, text
        out["phyphox"] = True
        for row in rows[1:]:
            if len(row) >= 3 and row[0].strip().upper() == "START":
                try:
                    exp = float(row[1].replace(dialect.decimal, "."))
                    system = float(row[2].replace(dialect.decimal, "."))
                except ValueError:
                    continue
                out["phyphox_epoch_offset_s"] = system - exp
                break
    elif low.endswith("/device.csv"):
        out["phyphox"] = True
        props = {r[0].strip(): r[1].strip() for r in rows[1:] if len(r) >= 2}
        model = " ".join(v for k in ("deviceBrand", "deviceModel") if (v := props.get(k)))
        if model:
            out["device_model"] = model
    elif len(rows) >= 2:  # Sensor Logger metadata.csv: a header row and one row
        props = {k.strip().lower(): v.strip() for k, v in zip(rows[0], rows[1], strict=False)}
        out["sensor_logger"] = True
        if props.get("device name"):
            out["device_model"] = props["device name"]
        if props.get("platform"):
            out["platform"] = props["platform"]
    return out


def _stem(label: str, keep_suffix: bool = False) -> str:
    name = PurePosixPath(str(label).replace("\\", "/")).name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    if keep_suffix:
        return name
    return name.rsplit(".", 1)[0] if "." in name else name


# --------------------------------------------------------------------------------------------
# Tables -> sources


def _sources(tables: list[_Table], label: str, meta: dict[str, Any], file_warnings: list[str]):
    """Group the file's streams into recordings: [(name, [_Source, ...]), ...] and the format."""
    per_table = []  # (table, layout, dialect)
    unusable = []
    if any(_is_sensor_logger(t) for t in tables):  # its other files (Magnetometer...) are no IMU
        tables = [t for t in tables if _is_sensor_logger(t)]
    for table in tables:
        where = _where(label, table, tables)
        dialect = None if table.parquet else _sniff_csv(table.data, label, where)
        columns = _parquet_columns(table, label) if table.parquet else dialect.header
        layout = _layout(columns, table.name)
        if layout.roles:
            per_table.append((table, layout, dialect))
        else:
            unusable.append((table, columns))
    if any("acc" in lay.roles for _, lay, _ in per_table) and len(per_table) > 1:
        # acceleration with gravity is there: tables of only user acceleration or gravity are
        # not needed (Sensor Logger's Accelerometer.csv and Gravity.csv beside TotalAcceleration)
        per_table = [x for x in per_table if set(x[1].roles) - {"lin", "grav"}]
    if not per_table:
        table, columns = unusable[0]
        if _sensor_logger_header(columns):
            raise UnreadableFileError(
                label, f"{_where(label, table, tables)}a Sensor Logger table whose name does not "
                "say which sensor it holds (TotalAcceleration.csv, Accelerometer.csv, "
                "Gravity.csv or Gyroscope.csv)"
            )
        shown = ", ".join(str(c) for c in columns[:20]) + (" ..." if len(columns) > 20 else "")
        where = _where(label, table, tables)
        raise UnreadableFileError(
            label, f"{where}no accelerometer or gyroscope columns (found columns: {shown})"
        )
    fmt = _format_name(per_table, meta)
    clock_keys = iter(range(10**6))
    group_lists: list[tuple[str, list[_Source]]] = []
    for table, layout, dialect in per_table:
        where = _where(label, table, tables)
        frame = _read_columns(table, layout, dialect, label, where, file_warnings)
        group_lists.extend(
            _table_sources(frame, layout, table, label, where, meta, fmt, clock_keys)
        )
    kinds = [s.kind for _, sources in group_lists for s in sources]
    from_sensor_column = any(lay.sensor for _, lay, _ in per_table)
    if len(group_lists) > 1 and len(kinds) == len(set(kinds)) and not from_sensor_column:
        # complementary tables of one recording (Sensor Logger, phyphox sets): one clock family
        merged = [s for _, sources in group_lists for s in sources]
        origins = [s.origin for s in merged]
        if all(o is None for o in origins):
            return [(meta["stem"], merged)], fmt
        if all(o is not None for o in origins):  # one clock: shift each table onto the first
            common = min(origins)
            for s in merged:
                s.t, s.origin = s.t + (s.origin - common), common
            return [(meta["stem"], merged)], fmt
    return group_lists, fmt


def _where(label: str, table: _Table, tables: list[_Table]) -> str:
    """Prefix naming the zip member in messages ("" for a plain file)."""
    return f"{table.name}: " if len(tables) > 1 or table.name != _stem(label, True) else ""


def _format_name(per_table, meta) -> str:
    if meta.get("sensor_logger") or any(_is_sensor_logger(t) for t, _, _ in per_table):
        return "sensor_logger"
    if meta.get("phyphox") or any(d and "Time (s)" in d.header for _, _, d in per_table):
        return "phyphox"
    return "parquet" if all(t.parquet for t, _, _ in per_table) else "csv"


def _sensor_logger_header(columns: list[str]) -> bool:
    """Sensor Logger's sensor tables: time, seconds_elapsed and bare x, y, z."""
    return {"time", "seconds_elapsed", "x", "y", "z"} <= {str(c).strip().lower() for c in columns}


def _is_sensor_logger(table: _Table) -> bool:
    """A Sensor Logger accelerometer, gravity or gyroscope table (by its name and header)."""
    if table.parquet or PurePosixPath(table.name).stem.lower() not in SENSOR_LOGGER_FILES:
        return False
    first = table.data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff")
    first = first.splitlines()[0] if first else ""
    return _sensor_logger_header(first.replace('"', "").split(","))


def _sniff_csv(data: bytes, label: str, where: str = "") -> _Dialect:
    """Header fields, delimiter (',', ';' or tab), decimal mark and leading comment lines."""
    head = data[:65536].decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = head.splitlines()
    skip = 0
    while skip < len(lines) and (not lines[skip].strip() or lines[skip].lstrip()[:1] in "#/"):
        skip += 1
    if skip >= len(lines):
        raise UnreadableFileError(label, f"{where}no header line (only blank or # lines)")
    header_line = lines[skip]
    delimiter = max([",", ";", "\t"], key=header_line.count)
    if header_line.count(delimiter) == 0:
        delimiter = ","
    spaced = f"{delimiter} " in header_line
    header = next(csv.reader([header_line], delimiter=delimiter, skipinitialspace=spaced), [])
    first = next((ln for ln in lines[skip + 1 :] if ln.strip()), "")
    cells = next(csv.reader([first], delimiter=delimiter), []) if first else []
    decimal = "."
    if delimiter != "," and any(re.fullmatch(r"[-+]?\d+,\d+(?:[eE][-+]?\d+)?", c.strip())
                                for c in cells):
        decimal = ","
    number = re.compile(r"[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?|nan|NaN")
    numeric = bool(cells) and len(cells) == len(header) and any(
        number.fullmatch(c.strip()) for c in cells
    )
    return _Dialect(skip, header, delimiter, decimal, numeric, spaced)


def _parquet_columns(table: _Table, label: str) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.ParquetFile(io.BytesIO(table.data)).schema_arrow.names)
    except Exception as exc:  # noqa: BLE001 - any Arrow error is a broken file
        raise UnreadableFileError(label, f"broken Parquet file, cut short? ({exc})") from None


def _normalise(name: str) -> str:
    text = str(name).lower().replace("²", "2").replace("°", "deg").replace("µ", "u")
    text = text.replace("^", "")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def _kind_of(prefix: str) -> str | None:
    """Sensor kind a column-name prefix names: acc / lin / grav / gyr / bare, or None."""
    if prefix == "":
        return "bare"
    if "mag" in prefix or prefix.startswith(("gt", "pos", "vel", "ori", "quat", "euler")):
        return None
    if prefix.startswith("lin") or "linear" in prefix or "user" in prefix:
        return "lin"
    if "grav" in prefix:
        return "grav"
    if "gyr" in prefix or "rotationrate" in prefix or "angvel" in prefix \
            or "angularvelocity" in prefix or prefix in ("g", "w", "omega", "rot", "rotrate"):
        return "gyr"
    if "acc" in prefix or prefix == "a":
        return "acc"
    return None


def _column_role(name: str) -> tuple[str, str, str | None] | None:
    """(kind, axis, unit) for an acceleration / angular-velocity column name, else None.

    >>> _column_role("Accel_LN_X"), _column_role("gyr_z_deg_s"), _column_role("gt_x_m")
    (('acc', 'x', None), ('gyr', 'z', 'deg/s'), None)
    >>> _column_role("Linear Acceleration y (m/s^2)"), _column_role("ax")
    (('lin', 'y', 'm/s2'), ('acc', 'x', None))
    """
    tokens = _normalise(name).split("_")
    for i, token in enumerate(tokens):
        if token in ("x", "y", "z"):
            prefix, axis = "".join(tokens[:i]), token
        elif len(token) > 1 and token[-1] in "xyz" and token[:-1].isalpha() and (
            _kind_of(token[:-1]) not in (None, "bare")
        ):
            prefix, axis = "".join(tokens[:i]) + token[:-1], token[-1]
        else:
            continue
        kind = _kind_of(prefix)
        if kind is None:
            return None
        unit = _unit_key("".join(tokens[i + 1 :])) if i + 1 < len(tokens) else None
        if unit not in ("g", "mg", "m/s2", "rad/s", "deg/s"):
            unit = None
        return kind, axis, unit
    return None


def _time_column(columns: list[str]) -> str | None:
    normal = {c: _normalise(c) for c in columns}
    for wanted in TIME_NAMES:
        for c, n in normal.items():
            if n == wanted:
                return c
    for c, n in normal.items():
        if "time" in n or "elapsed" in n or n.startswith("date"):
            return c
    return None


def _layout(columns: list[str], table_name: str) -> _Layout:
    columns = [str(c) for c in columns]
    layout = _Layout(time=_time_column(columns), sensor=None)
    sensor = [c for c in columns if _normalise(c) in SENSOR_COLUMNS]
    layout.sensor = sensor[0] if sensor else None
    stem = PurePosixPath(table_name).name.lower().split(".")[0]
    sensor_logger_kind = SENSOR_LOGGER_FILES.get(stem) if _sensor_logger_header(columns) else None
    if _sensor_logger_header(columns) and sensor_logger_kind is None:
        return layout  # another Sensor Logger sensor (magnetometer, uncalibrated ...): no roles
    for c in columns:
        role = _column_role(c)
        if role is None:
            continue
        kind, axis, unit = role
        if kind == "bare":
            kind = sensor_logger_kind or "bare"
            unit = unit or ({"gyr": "rad/s"}.get(kind, "m/s2") if sensor_logger_kind else None)
        layout.roles.setdefault(kind, {}).setdefault(axis, c)
        if unit and kind not in layout.units:
            layout.units[kind] = unit
    if "bare" in layout.roles:  # bare x, y, z: acceleration unless the names say otherwise
        bare = layout.roles.pop("bare")
        if "acc" not in layout.roles:
            layout.roles["acc"] = bare
            if "bare" in layout.units:
                layout.units["acc"] = layout.units.pop("bare")
    if sensor_logger_kind:
        layout.units.setdefault("_source", "Sensor Logger")
    return layout


@dataclass
class _Frame:
    columns: dict[str, np.ndarray]
    n: int


def _read_columns(table, layout, dialect, label, where, file_warnings) -> _Frame:
    wanted = [c for axes in layout.roles.values() for c in axes.values()]
    extra = [c for c in (layout.time, layout.sensor) if c]
    usecols = list(dict.fromkeys(extra + wanted))
    if table.parquet:
        return _read_parquet(table, usecols, wanted, layout.sensor, label)
    data = table.data
    cut = _cut_last_line(data, dialect)
    if cut is not None:
        data = data[:cut]
        file_warnings.append(
            f"{label}: {where}the last line is cut short (file truncated?); dropped it"
        )
    dtypes: dict[str, Any] = dict.fromkeys(wanted, "float32")
    if layout.sensor:
        dtypes[layout.sensor] = "category"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                io.BytesIO(data), sep=dialect.delimiter, decimal=dialect.decimal,
                skiprows=dialect.skip_rows, usecols=usecols, dtype=dtypes, on_bad_lines="warn",
                skipinitialspace=dialect.spaced, encoding_errors="replace",
            )
    except pd.errors.EmptyDataError:
        raise UnreadableFileError(label, f"{where}the file holds no data") from None
    except (ValueError, pd.errors.ParserError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "could not convert" in problem or "cannot safely convert" in problem:
            problem = f"a sample value is not a number ({problem}); two files joined together?"
        raise UnreadableFileError(label, f"{where}{problem}") from None
    bad = [w for w in caught if "Skipping line" in str(w.message)]
    if bad:
        lines = re.findall(r"Skipping line (\d+)", " ".join(str(w.message) for w in bad))
        file_warnings.append(
            f"{label}: {where}{len(lines) or len(bad)} malformed line(s) skipped"
            + (f" (first: line {lines[0]})" if lines else "")
        )
    if len(frame) == 0:
        raise UnreadableFileError(label, f"{where}no samples (only a header line)")
    out = {}
    for c in usecols:
        col = frame[c]
        out[c] = col if c == layout.sensor else col.to_numpy()
    return _Frame(out, len(frame))


def _read_parquet(table, usecols, wanted, sensor, label) -> _Frame:
    """The ``usecols`` of a Parquet table: axes as float32 (as from CSV), time as stored.

    Column by column, so that only one column is ever held twice (Arrow and NumPy)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out: dict[str, Any] = {}
    n = None
    try:
        source = pq.ParquetFile(io.BytesIO(table.data), pre_buffer=False)
        for c in usecols:
            col = source.read(columns=[c]).column(0)
            n = len(col)
            if c in wanted:
                values = col.to_numpy()
                if values.dtype.kind not in "fiu":
                    raise UnreadableFileError(label, f"column {c} is not numbers ({col.type})")
                out[c] = values.astype(np.float32, copy=False)
            elif c == sensor:
                out[c] = col.to_pandas().astype("category")
            else:
                out[c] = col.to_numpy()
            del col
    except UnreadableFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any Arrow error is a broken file
        raise UnreadableFileError(label, f"broken Parquet file, cut short? ({exc})") from None
    finally:
        pa.default_memory_pool().release_unused()  # Arrow's pool keeps freed pages otherwise
    if not n:
        raise UnreadableFileError(label, "no samples in the Parquet file")
    return _Frame(out, n)


def _cut_last_line(data: bytes, dialect: _Dialect) -> int | None:
    """Where to cut a truncated last line (fewer fields or an empty last field), else None."""
    if data.endswith((b"\n", b"\r")):
        return None
    start = data.rfind(b"\n") + 1
    if start == 0:
        return None
    last = data[start:].decode("utf-8", errors="replace")
    if not last.strip():
        return None
    cells = next(csv.reader([last], delimiter=dialect.delimiter), [])
    if len(cells) < len(dialect.header) or not cells[-1].strip():
        return start
    return None


def _table_sources(frame: _Frame, layout: _Layout, table: _Table, label, where, meta, fmt,
                   clock_keys) -> list[tuple[str, list[_Source]]]:
    """One (name, sources) per sensor of the table."""
    if layout.time is not None:
        t, origin, note = _time_seconds(frame.columns[layout.time], layout.time, label, where)
        if fmt == "phyphox" and origin is None and "phyphox_epoch_offset_s" in meta:
            origin = meta["phyphox_epoch_offset_s"]
            note += "; absolute start from phyphox meta/time.csv"
    else:
        t, origin, note = np.full(frame.n, np.nan), None, "no time column"
    groups: list[tuple[str, np.ndarray | None]] = [(_stem(table.name), None)]
    if layout.sensor is not None:
        groups = _sensor_groups(frame.columns[layout.sensor])
    unit_source = layout.units.get("_source", "column names")
    out = []
    for name, rows in groups:
        sources = []
        key = next(clock_keys)
        t_group = t if rows is None else t[rows]
        for kind, axes in layout.roles.items():
            values = [
                None if a not in axes else
                frame.columns[axes[a]] if rows is None else frame.columns[axes[a]][rows]
                for a in "xyz"
            ]
            present = [a for a in "xyz" if a in axes]
            sources.append(_Source(
                kind=kind, t=t_group, origin=origin, values=values,
                unit=layout.units.get(kind), unit_source=unit_source,
                columns=[axes[a] for a in present], table=table.name,
                time_column=layout.time, time_note=note, clock_key=key, where=where,
            ))
        out.append((name, sources))
    return out


def _sensor_groups(column: pd.Series) -> list[tuple[str, np.ndarray]]:
    """Rows of each sensor, in order of first appearance; rows with no sensor name dropped."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    codes = cat.cat.codes.to_numpy()
    names = [str(c).strip() for c in cat.cat.categories]
    order = np.argsort(codes, kind="stable")  # rows of each sensor stay in file order
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    groups = [(names[codes[rows[0]]], rows) for rows in np.split(order, bounds)
              if rows.size and codes[rows[0]] >= 0]
    groups.sort(key=lambda g: g[1][0])
    return groups


# --------------------------------------------------------------------------------------------
# Time


def _time_seconds(raw, column: str, label: str, where: str):
    """(seconds as float64, origin, note): seconds from ``origin`` (seconds since the epoch,
    or None when the column is relative time), and how the column was read.

    Epoch times are kept relative to their first value, so that float64 keeps sub-µs
    precision (epoch seconds alone would only keep 0.2 µs)."""
    values = np.asarray(raw)
    if values.dtype.kind == "M":
        seconds, origin = _relative_ns(values.astype("datetime64[ns]"))
        return seconds, origin, f"{column}: timestamps"
    if values.dtype.kind in "OUS" or str(values.dtype) in ("str", "string"):
        return _parse_timestamps(values, column, label, where)
    v = values.astype(np.float64, copy=False)
    probe = _stat_view(v)
    probe = probe[np.isfinite(probe)]
    if probe.size == 0:
        probe = v[np.isfinite(v)]
        if probe.size == 0:
            raise UnreadableFileError(label, f"{where}the time column {column} is empty")
    hint = _time_unit_hint(column)
    magnitude = float(np.median(np.abs(probe)))
    epoch_unit = next(
        (u for u, s in TIME_SCALES.items() if 1e8 <= magnitude * s <= 2e10), None
    )
    period = _typical_step(v)
    step_unit = None
    if period is not None:
        for unit, lo in (("s", 0.0), ("ms", 0.25), ("us", 250.0), ("ns", 2.5e5)):
            if period >= lo:
                step_unit = unit
    if hint is not None:
        unit, how = hint, "from the column name"
    elif step_unit is not None:
        unit, how = step_unit, f"from its step of {period:g}"
    elif epoch_unit is not None:
        unit, how = epoch_unit, "from its magnitude"
    else:
        unit, how = "s", "assumed"
    scale = TIME_SCALES[unit]
    origin = None
    if epoch_unit == unit:
        first = values[int(np.argmax(np.isfinite(v)))]
        origin = float(first) * scale
        shifted = (values - first) if values.dtype.kind in "iu" else (v - float(first))
        seconds = shifted.astype(np.float64, copy=False) * scale
    else:
        seconds = v * scale if unit != "s" else v
    what = f"{unit} since the epoch" if origin is not None else f"{unit} from the start"
    return seconds, origin, f"{column}: {what} ({how})"


def _relative_ns(stamps: np.ndarray) -> tuple[np.ndarray, float]:
    """datetime64[ns] -> (seconds from the first valid stamp, that stamp in epoch seconds)."""
    bad = np.isnat(stamps)
    ns = stamps.view(np.int64)
    first = int(ns[int(np.argmax(~bad))])
    seconds = (ns - first).astype(np.float64) * 1e-9
    seconds[bad] = np.nan
    return seconds, first * 1e-9


def _typical_step(t: np.ndarray) -> float | None:
    """Typical interval of a time column in its own units (median of positive steps, or the
    span over the rows when most steps are zero: coarse timestamps). Long columns are probed
    in three contiguous stretches (start, middle, end)."""
    if t.size < 2:
        return None
    if t.size > STAT_SAMPLES:
        k, mid = STAT_SAMPLES // 3, t.size // 2
        d = np.concatenate([np.diff(t[:k]), np.diff(t[mid : mid + k]), np.diff(t[-k:])])
    else:
        d = np.diff(t)
    d = d[np.isfinite(d)]
    pos = d[d > 0]
    if pos.size == 0:
        return None
    if np.count_nonzero(d == 0) > 0.5 * d.size:
        span = float(np.nanmax(t) - np.nanmin(t))
        return span / (t.size - 1) if span > 0 else None
    return float(np.median(pos))


def _time_unit_hint(column: str) -> str | None:
    tokens = _normalise(column).split("_")
    for token in reversed(tokens):
        if token in ("s", "sec", "secs", "seconds", "second"):
            return "s"
        if token in ("ms", "msec", "millis", "milliseconds"):
            return "ms"
        if token in ("us", "usec", "micros", "microseconds"):
            return "us"
        if token in ("ns", "nsec", "nanos", "nanoseconds"):
            return "ns"
    if tokens and tokens[0] in ("seconds", "secs"):
        return "s"
    return None


def _parse_timestamps(values, column, label, where) -> tuple[np.ndarray, float, str]:
    series = pd.Series(values)
    try:
        parsed = pd.to_datetime(series, utc=False, format="ISO8601", errors="coerce")
    except (ValueError, TypeError):
        parsed = pd.Series(pd.NaT, index=series.index)
    ok = parsed.notna()
    if ok.mean() < 0.9:
        sample = next((str(v) for v in series[~ok].head(1)), "")
        raise UnreadableFileError(
            label, f"{where}the time column {column} is neither numbers nor timestamps "
            f"(e.g. {sample!r})"
        )
    zone = "UTC" if parsed.dt.tz is not None else None
    if zone is None:
        parsed = parsed.dt.tz_localize("UTC")
    stamps = parsed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    seconds, origin = _relative_ns(stamps)
    note = "ISO timestamps" + ("" if zone else " (no time zone; taken as UTC)")
    return seconds, origin, f"{column}: {note}"


def _clean_clock(t: np.ndarray, label: str, what: str, sample_rate_hz: float | None,
                 time_column: str | None) -> _Clock:
    """Sort, de-duplicate and measure a time base; refuse one that cannot be made sane."""
    t = np.asarray(t, dtype=np.float64)
    n = t.size
    warn: list[str] = []
    info: dict[str, Any] = {}
    finite = np.isfinite(t)
    if time_column is None or not finite.any():
        if sample_rate_hz is None:
            problem = (f"{what}no time column" if time_column is None
                       else f"{what}the time column {time_column} holds no values")
            raise UnreadableFileError(
                label, f"{problem}; give the sample rate (--sample-rate HZ; sample_rate_hz in "
                "Python) if the samples are evenly spaced"
            )
        return _given_rate_clock(n, sample_rate_hz, info, warn, "no usable time column")
    sel = None
    if not finite.all():
        sel = np.flatnonzero(finite)
        warn.append(f"{label}: {what}{n - sel.size} sample(s) without a time; dropped them")
        t = t[sel]
    if t.size < 2:
        raise UnreadableFileError(label, f"{what}fewer than 2 timed samples")
    d = np.diff(t)
    if not (d != 0).any():
        if sample_rate_hz is None:
            raise UnreadableFileError(
                label, f"{what}the time column {time_column} holds one value ({t[0]:.6g}) on "
                f"all {t.size:,} rows, so it gives no sample rate; give the rate "
                "(--sample-rate HZ; sample_rate_hz in Python)"
            )
        clock = _given_rate_clock(t.size, sample_rate_hz, info, warn,
                                  f"{time_column} holds one value on every row")
        clock.sel = sel
        return clock
    back = d < 0
    n_back = int(np.count_nonzero(back))
    if n_back:
        pos = d[d > 0]
        typical = float(np.median(pos)) if pos.size else 0.0
        worst = float(-d[back].min())
        first = int(np.flatnonzero(back)[0]) + 2  # data row number (1-based)
        if worst > max(BACKWARD_REFUSE_S, 50 * typical) or n_back > max(10, 0.01 * t.size):
            raise UnreadableFileError(
                label, f"{what}time goes backwards {n_back:,} time(s), by up to {worst:.3g} s "
                f"(first after data row {first:,}): sessions joined together? Split the file"
            )
        order = np.argsort(t, kind="stable")
        sel = order if sel is None else sel[order]
        t = t[order]
        warn.append(f"{label}: {what}{n_back} sample(s) out of time order; sorted them")
        info["out_of_order"] = n_back
        d = np.diff(t)
    zero = d == 0
    if zero.any() and np.count_nonzero(zero) > 0.5 * d.size:
        return _coarse_clock(t, sel, label, what, sample_rate_hz, time_column, info, warn)
    if zero.any():
        keep = np.concatenate(([True], ~zero))
        sel = np.flatnonzero(keep) if sel is None else sel[keep]
        t = t[keep]
        info["duplicate_times"] = int(np.count_nonzero(zero))
        warn.append(f"{label}: {what}{int(np.count_nonzero(zero))} repeated timestamp(s); "
                    "kept the first sample of each")
        d = np.diff(t)
    median_dt = float(np.median(_stat_view(d)))
    gap = d > GAP_FACTOR * median_dt
    n_gaps = int(np.count_nonzero(gap))
    regular_sum = float(d.sum()) - (float(d[gap].sum()) if n_gaps else 0.0)
    rate = _round_rate((d.size - n_gaps) / regular_sum)  # 1 / mean interval outside gaps
    step = _stat_view(d)
    step = step[step <= GAP_FACTOR * median_dt]
    dev = np.abs(step - median_dt)
    info.update({
        "sample_rate_hz": rate,
        "median_dt_ms": round(median_dt * 1e3, 4),
        "jitter_p95_ms": round(float(np.percentile(dev, 95)) * 1e3, 4),
        "jitter_iqr_ms": round(float(np.subtract(*np.percentile(step, [75, 25]))) * 1e3, 4),
        "gaps": int(np.count_nonzero(gap)),
    })
    if n_gaps:
        lengths = d[gap]
        k = int(np.argmax(lengths))
        info["gap_s"] = round(float(lengths.sum() - gap.sum() * median_dt), 3)
        info["longest_gap_s"] = round(float(lengths[k]), 3)
        at = float(t[np.flatnonzero(gap)[k]] - t[0])
        warn.append(
            f"{label}: {what}{info['gaps']} gap(s) in the samples (longest {lengths[k]:.2f} s, "
            f"{at:.1f} s into the recording; {info['gap_s']:.2f} s missing in all); gaps over "
            f"{MAX_INTERP_GAP_S:g} s are left empty"
        )
    uniform = False
    if not gap.any():  # how far the samples sit from a uniform clock (probed evenly)
        idx = np.arange(0, t.size, max(1, t.size // STAT_SAMPLES))
        ideal = t[0] + idx * ((t[-1] - t[0]) / (t.size - 1))
        shift = float(np.max(np.abs(t[idx] - ideal)))
        info["max_time_shift_ms"] = round(shift * 1e3, 4)
        uniform = shift <= 1.0 / rate and float(np.percentile(dev, 95)) < 0.1 / rate
    if sample_rate_hz is not None and abs(sample_rate_hz - rate) > 0.02 * rate:
        warn.append(f"{label}: {what}sample rate given as {sample_rate_hz:g} Hz but the time "
                    f"column says {rate:.2f} Hz; used the time column")
    return _Clock(t, sel, rate, median_dt, uniform, info, warn)


def _given_rate_clock(n: int, rate: float, info, warn, why: str) -> _Clock:
    info.update({"sample_rate_hz": float(rate), "gaps": 0, "time_units": f"{why}; rate given"})
    return _Clock(np.arange(n) / rate, None, float(rate), 1.0 / rate, True, info, warn, False)


def _coarse_clock(t, sel, label, what, sample_rate_hz, time_column, info, warn) -> _Clock:
    """Timestamps coarser than the samples: spread the rows evenly at the rate they imply."""
    change = np.flatnonzero(np.diff(t) > 0) + 1  # first row of each new timestamp
    share = t.size / max(1, change.size + 1)
    if sample_rate_hz is not None:
        rate = float(sample_rate_hz)
    elif change.size >= 2 and t[change[-1]] > t[change[0]]:
        rate = _round_rate((change[-1] - change[0]) / (t[change[-1]] - t[change[0]]))
    else:
        raise UnreadableFileError(
            label, f"{what}the time column {time_column} changes too rarely to give a sample "
            "rate; give the rate (--sample-rate HZ; sample_rate_hz in Python)"
        )
    anchor = change[0] if change.size else 0
    t_new = t[anchor] + (np.arange(t.size) - anchor) / rate
    info.update({"sample_rate_hz": rate, "gaps": 0, "coarse_timestamps": True})
    warn.append(f"{label}: {what}timestamps are coarser than the samples (about {share:.0f} "
                f"rows per value); spread them evenly at {rate:.2f} Hz")
    return _Clock(t_new, sel, rate, 1.0 / rate, True, info, warn)


def _round_rate(rate: float) -> float:
    """A measured rate to 0.001 Hz: the grid, ``sample_rate_hz`` and ``t_s`` all use this."""
    return float(round(rate, 3)) if rate >= 1 else float(f"{rate:.6g}")


def _stat_view(x: np.ndarray) -> np.ndarray:
    """At most STAT_SAMPLES evenly spaced elements of ``x`` (a view), for robust statistics."""
    step = max(1, x.shape[0] // STAT_SAMPLES)
    return x[::step]


# --------------------------------------------------------------------------------------------
# Columns: a sensor's three axes as separate 1-D arrays (None where the file lacks the axis),
# so that nothing is copied until the grid is written.

Cols = list  # [x, y, z], each np.ndarray or None


def _stack(cols: Cols, rows=slice(None)) -> np.ndarray:
    """(m, 3) float64 of ``rows`` of the columns, NaN for absent axes (small: for statistics)."""
    ref = next(c for c in cols if c is not None)
    m = len(ref[rows])
    return np.column_stack(
        [np.full(m, np.nan) if c is None else c[rows].astype(np.float64) for c in cols]
    )


def _fmax(x: np.ndarray) -> float:
    return float(np.fmax.reduce(x)) if x.size else float("nan")  # NaN-ignoring, no copy


def _fmin(x: np.ndarray) -> float:
    return float(np.fmin.reduce(x)) if x.size else float("nan")


def _saturation(cols: Cols, scale: float) -> tuple[float | None, list[int]]:
    """detect_saturation on columns in file units times ``scale`` (to g)."""
    levels, axes = [], []
    for axis, col in enumerate(cols):
        if col is None or col.size == 0:
            continue
        hi, lo = _fmax(col), _fmin(col)
        if not (np.isfinite(hi) and np.isfinite(lo)):
            continue
        top = max(abs(hi), abs(lo)) * scale
        if top < ACC_RANGES_G[0] * (1 - RANGE_TOLERANCE):
            continue
        level = min(ACC_RANGES_G, key=lambda r: abs(top - r))
        if abs(top - level) > RANGE_TOLERANCE * level:
            continue
        edge = top / scale * (1 - 1e-6)
        if int(np.count_nonzero(col >= edge)) + int(np.count_nonzero(col <= -edge)) >= 2:
            levels.append(level)
            axes.append(axis)
    return (max(levels), axes) if levels else (None, [])


def _constant_axes(cols: Cols) -> list[int]:
    """Axes whose every value is the same (or that hold no number)."""
    out = []
    for axis, col in enumerate(cols):
        if col is None:
            continue
        probe = _stat_view(col)
        if _fmax(probe) > _fmin(probe):
            continue
        if not (_fmax(col) > _fmin(col)):
            out.append(axis)
    return out


def _present(cols: Cols) -> list[int]:
    return [i for i, c in enumerate(cols) if c is not None]


def _refuse_constant(cols: Cols, sensor: str, unit: str | None, label: str, what: str) -> None:
    """UnreadableFileError when every axis of ``cols`` is constant (a sensor that was off)."""
    present = _present(cols)
    if set(_constant_axes(cols)) != set(present):
        return
    level = [_fmax(cols[i]) for i in present]
    if not any(np.isfinite(v) for v in level):
        raise UnreadableFileError(label, f"{what}the {sensor} columns hold no numbers")
    unit = UNIT_TEXT.get(unit or ("g" if sensor == "accelerometer" else "rad/s"), unit)
    if np.allclose(level, level[0], equal_nan=True):
        reading = f"a constant {level[0]:.2f} {unit} on every axis"
    else:
        reading = f"constant values ({', '.join(f'{v:.2f}' for v in level)} {unit}) on every axis"
    raise UnreadableFileError(label, f"{what}the {sensor} reads {reading}: sensor off?")


def _dead_axes(cols: Cols, sensor: str, label: str, what: str) -> list[str]:
    dead = _constant_axes(cols)
    if dead and len(dead) < len(_present(cols)):
        names = ", ".join("xyz"[i] for i in dead)
        return [f"{label}: {what}the {sensor} {names} axis reads a constant value (dead axis?)"]
    return []


# --------------------------------------------------------------------------------------------
# Units


def _reference_magnitude(cols: Cols, rate: float) -> tuple[float, str]:
    """Median |a| while still (0.5 s windows varying under STILL_CV), else over everything."""
    n = len(next(c for c in cols if c is not None))
    w = max(4, round(STILL_WINDOW_S * rate))
    n_win = n // w
    if n_win >= 2:  # evenly spaced windows, at most about STAT_SAMPLES samples in all
        starts = np.arange(0, n_win, max(1, n_win * w // STAT_SAMPLES)) * w
        rows = (starts[:, None] + np.arange(w)).ravel()
        block = _stack(cols, rows)
        mag = np.sqrt(np.nansum(np.square(block), axis=1))
        mag[~np.isfinite(block).any(axis=1)] = np.nan
        windows = mag.reshape(starts.size, w)
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(windows, axis=1)
            cv = np.nanstd(windows, axis=1) / mean
        still = np.isfinite(cv) & (cv < STILL_CV) & (mean > 0)
        if np.count_nonzero(still) * STILL_WINDOW_S >= 1.0:
            return float(np.median(mean[still])), "while still"
    block = _stack(cols, slice(None, None, max(1, n // STAT_SAMPLES)))
    mag = np.sqrt(np.nansum(np.square(block), axis=1))
    mag[~np.isfinite(block).any(axis=1)] = np.nan
    return float(np.nanmedian(mag)), "over the whole recording"


GRAVITY_IN = {"g": 1.0, "mg": 1000.0, "m/s2": G0}
TO_G = {"g": 1.0, "mg": 1e-3, "m/s2": 1.0 / G0}


def _acc_units(cols: Cols, rate, declared, who, has_gravity, label, what):
    """(factor to g, info text, warnings) for the acceleration ``cols`` in file units."""
    m, how = _reference_magnitude(cols, rate)
    detected = "g" if m < G_OR_MS2_SPLIT else "m/s2"
    described = f"a median |a| of {m:.2f} {how}"
    warn = []
    if not has_gravity:
        unit = declared or "m/s2"
        text = (f"{UNIT_TEXT[unit]} ({_as_said(who)})" if declared
                else "m/s² (assumed: without gravity the units cannot be detected)")
        return TO_G[unit], text, warn
    share, level = _gravity_share(cols, rate)
    if share < GRAVITY_SHARE_MIN and not any(0.5 <= level / g <= 2.0 for g in GRAVITY_IN.values()):
        raise UnreadableFileError(
            label, f"{what}the acceleration holds no gravity (its mean over "
            f"{GRAVITY_SHARE_WINDOW_S:g} s is {share:.0%} of its size, not about 100 %): "
            "linear / user acceleration? softstep needs it with gravity (Sensor Logger: "
            "TotalAcceleration; phyphox: Acceleration with g)"
        )
    if declared is not None:
        ratio = m / GRAVITY_IN[declared]
        if not 1 / 3 <= ratio <= 3:
            for alt in ("g", "m/s2"):
                if alt != declared and 0.5 <= m / GRAVITY_IN[alt] <= 2.0:
                    raise UnreadableFileError(
                        label, f"{what}{who} {UNIT_TEXT[declared]} but |a| is {m:.1f} — "
                        f"{UNIT_TEXT[alt]}? (gravity reads 1 g = 9.81 m/s²; give --acc-units "
                        f"{alt} if so)"
                    )
            raise UnreadableFileError(label, f"{what}{who} {UNIT_TEXT[declared]} but "
                                      f"{described} is not gravity in {UNIT_TEXT[declared]} "
                                      f"({GRAVITY_IN[declared]:g}); {_unit_hint(m)}")
        return TO_G[declared], f"{UNIT_TEXT[declared]} ({_as_said(who)}; {described})", warn
    if 0.4 * GRAVITY_IN["mg"] <= m <= 2.5 * GRAVITY_IN["mg"]:
        detected = "mg"
    elif not (0.4 <= m <= 2.5 or 0.4 * G0 <= m <= 2.5 * G0):
        raise UnreadableFileError(label, f"{what}cannot tell the accelerometer units: {described} "
                                  f"is gravity neither in g (1) nor in m/s² (9.81); "
                                  f"{_unit_hint(m)}")
    return TO_G[detected], f"{UNIT_TEXT[detected]} (detected from {described})", warn


GRAVITY_SHARE_WINDOW_S = 4.0
# |mean acceleration vector| over GRAVITY_SHARE_WINDOW_S / median |a|: 0.85-1.2 in every real
# recording of ../shared/data (shoe, ankle, hip, sacrum, running and walking), 0.03-0.11 once
# a 4-s moving mean (gravity) is removed from them: linear acceleration averages to zero.
# Violent motion also lowers the share, so a signal is refused only when, besides, its mean
# vector is not gravity in g, mg or m/s² either (within a factor 2).
GRAVITY_SHARE_MIN = 0.3
GRAVITY_SHARE_WINDOWS = 60  # windows measured (evenly spaced): 20 ms for 1 h at 1 kHz


def _gravity_share(cols: Cols, rate: float) -> tuple[float, float]:
    """(share, level): ``level`` is the median over GRAVITY_SHARE_WINDOW_S windows of the
    |mean acceleration vector| (file units), ``share`` that divided by the median |a|: about 1
    when the signal includes gravity, near 0 when it does not (NaN for a recording shorter
    than one window). At most about 2 x GRAVITY_SHARE_WINDOWS evenly spaced windows.

    >>> t = np.arange(0, 20, 0.01); bounce = np.sin(2 * np.pi * 2.8 * t)
    >>> [round(v, 1) for v in _gravity_share([0 * t, 0 * t, 1 + bounce], 100.0)]
    [1.0, 1.0]
    >>> _gravity_share([0 * t, 0 * t, bounce], 100.0)[0] < 0.1
    True
    """
    n = len(next(c for c in cols if c is not None))
    w = max(4, round(GRAVITY_SHARE_WINDOW_S * rate))
    n_win = n // w
    if n_win < 1:
        return float("nan"), float("nan")
    starts = np.arange(0, n_win, max(1, n_win // GRAVITY_SHARE_WINDOWS)) * w
    block = _stack(cols, (starts[:, None] + np.arange(w)).ravel()).reshape(starts.size, w, 3)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.sqrt(np.nansum(np.square(np.nanmean(block, axis=1)), axis=1))
        size = float(np.nanmedian(np.sqrt(np.nansum(np.square(block), axis=2))))
        level = float(np.nanmedian(mean))
        return (level / size if size > 0 else float("nan")), level


def _unit_hint(m: float) -> str:
    """What to do about an acceleration whose median |a| (file units) is not gravity."""
    if m < 0.4:
        return ("acceleration without gravity (linear / user acceleration)? softstep needs "
                "it with gravity")
    if 2.5 < m < 0.4 * G0:
        return "give --acc-units g or m/s2"
    return "other units (ft/s² reads 32.2)? convert the file to g or m/s²"


def _as_said(who: str) -> str:
    return {
        "you said": "given", "the column names say": "from the column names",
        "Sensor Logger files are in": "Sensor Logger's unit",
    }.get(who, who)


def _gyr_units(cols: Cols, declared, who, label, what) -> tuple[float, str]:
    n = len(next(c for c in cols if c is not None))
    block = _stack(cols, slice(None, None, max(1, n // STAT_SAMPLES)))
    mag = np.sqrt(np.nansum(np.square(block), axis=1))
    p99 = float(np.nanpercentile(mag, 99)) if mag.size else 0.0
    detected = "deg/s" if p99 > GYR_DEG_P99 else "rad/s"
    described = f"|ω| p99 of {p99:.2f}"
    if declared is not None:
        if declared == "rad/s" and p99 > GYR_DEG_P99:
            problem = f"{who} rad/s but |ω| p99 is {p99:.0f} — deg/s?"
            raise UnreadableFileError(label, what + problem)
        if declared == "deg/s" and 0 < p99 < GYR_RAD_P99_MAX_AS_DEG:
            problem = f"{who} deg/s but |ω| p99 is {p99:.2f} — rad/s?"
            raise UnreadableFileError(label, what + problem)
        unit, text = declared, f"{UNIT_TEXT[declared]} ({_as_said(who)}; {described})"
    else:
        unit, text = detected, f"{UNIT_TEXT[detected]} (detected from {described})"
    return (np.pi / 180.0 if unit == "deg/s" else 1.0), text


# --------------------------------------------------------------------------------------------
# Assembly


def _recording(sources: list[_Source], name: str, single_sensor: bool, label: str, digest: str,
               opts, meta, fmt: str) -> Recording:
    by_kind = {s.kind: s for s in sources}
    what = "" if single_sensor else f"sensor {name}: "
    warn: list[str] = []
    info: dict[str, Any] = {"format": fmt}
    if not single_sensor:
        info["sensor"] = name
    clocks: dict[int, _Clock] = {}

    def clock_of(src: _Source) -> _Clock:
        if src.clock_key not in clocks:
            stream = f"{what}{src.where}"
            clocks[src.clock_key] = _clean_clock(src.t, label, stream, opts["sample_rate_hz"],
                                                 src.time_column)
        return clocks[src.clock_key]

    acc_src = by_kind.get("acc")
    grav_added = False
    if acc_src is None and "lin" in by_kind:
        acc_src = by_kind["lin"]
        if "grav" in by_kind:
            grav_added = True
        else:
            warn.append(f"{label}: {what}the acceleration has no gravity in it (user "
                        "acceleration only); orientation and impact need it with gravity")
    gyr_src = by_kind.get("gyr")
    primary = acc_src or gyr_src
    if primary is None:
        raise UnreadableFileError(label, f"{what}only gravity, no acceleration or rotation")
    clock = clock_of(primary)
    warn.extend(clock.warnings)
    info.update(clock.info)
    info["time_units"] = info.get("time_units") or primary.time_note
    rate = clock.rate_hz
    duration = float(clock.t[-1] - clock.t[0]) if clock.t.size else 0.0
    if duration < MIN_DURATION_S:
        raise UnreadableFileError(
            label, f"{what}only {duration:.2f} s of samples ({clock.t.size} samples); at least "
            f"{MIN_DURATION_S:g} s are needed"
        )

    streams = []  # (first output column, cols in file units, scale to IMU units, clock)
    acc_level, acc_axes = None, []
    if acc_src is not None:
        acc = _take(acc_src.values, clock.sel)
        if grav_added:
            grav = by_kind["grav"]
            gclock = clock_of(grav)
            gvals = _take(grav.values, gclock.sel)
            acc = [None if a is None else a.astype(np.float64)
                   + (0.0 if g is None else _interp(clock.t, gclock.t, g))
                   for a, g in zip(acc, gvals, strict=True)]
            info["gravity"] = f"added from {grav.table}"
        else:
            info["gravity"] = "included" if acc_src.kind == "acc" else "absent"
        declared, who = _declared(opts["acc_units"], acc_src)
        _refuse_constant(acc, "accelerometer", declared, label, what)
        scale, info["acc_units"], unit_warn = _acc_units(
            acc, rate, declared, who, acc_src.kind == "acc" or grav_added, label, what
        )
        warn.extend(unit_warn)
        warn.extend(_dead_axes(acc, "accelerometer", label, what))
        info["acc_columns"] = acc_src.columns
        acc_level, acc_axes = _saturation(acc, scale)
        streams.append((1, acc, scale, clock))
    if gyr_src is not None:
        gyr_clock = clock_of(gyr_src)
        if gyr_clock is not clock:
            warn.extend(gyr_clock.warnings)
        gyr = _take(gyr_src.values, gyr_clock.sel)
        declared, who = _declared(opts["gyr_units"], gyr_src)
        if set(_constant_axes(gyr)) == set(_present(gyr)) and acc_src is not None:
            warn.append(f"{label}: {what}the gyroscope reads a constant value on every axis "
                        "(sensor off?); ignored it")
        else:
            _refuse_constant(gyr, "gyroscope", declared, label, what)
            scale, info["gyr_units"] = _gyr_units(gyr, declared, who, label, what)
            warn.extend(_dead_axes(gyr, "gyroscope", label, what))
            info["gyr_columns"] = gyr_src.columns
            streams.append((4, gyr, scale, gyr_clock))

    samples = _grid(clock, streams)
    info["resampled"] = not clock.uniform
    info["samples"] = len(samples)
    info["duration_s"] = round(float(samples["t_s"].iloc[-1]), 3) if len(samples) else 0.0
    info["acc_saturation_g"] = acc_level
    info["acc_clipped_fraction"] = 0.0
    samples.attrs["acc_saturation_g"] = acc_level  # None: checked, no saturation
    if acc_level is not None:
        clipped = clipped_mask(samples, acc_level)
        info["acc_saturated_axes"] = ["xyz"[a] for a in acc_axes]
        info["acc_clipped_fraction"] = round(float(clipped.mean()), 6)
        warn.append(
            f"{label}: {what}the accelerometer saturates at ±{acc_level:g} g on "
            f"{', '.join(info['acc_saturated_axes'])} ({int(clipped.sum()):,} samples, "
            f"{100 * clipped.mean():.3f} %); impacts there are clipped"
        )

    start = None
    if primary.origin is not None and clock.on_source_clock:
        start = datetime.fromtimestamp(primary.origin + float(clock.t[0]), UTC)
    chosen, placement_source = _placement(opts["placement"], name, meta["stem"], single_sensor)
    if placement_source:
        info["placement_source"] = placement_source
    side = side_from_name(name) or (side_from_name(meta["stem"]) if not single_sensor else None)
    if side:
        info["side"] = side
    return Recording(
        source="imu", sport="running", records=empty_records(0), start=start,
        device=_device(fmt, meta), path=label, content_hash=digest, placement=chosen,
        samples=samples, sample_rate_hz=rate, warnings=warn, info=info,
    )


def _take(cols: Cols, sel: np.ndarray | None) -> Cols:
    return cols if sel is None else [None if c is None else c[sel] for c in cols]


def _declared(flag: str | None, src: _Source) -> tuple[str | None, str]:
    """(declared unit, who declares it): the flag wins over the names and the format."""
    if flag is not None:
        return flag, "you said"
    if src.unit is not None:
        who = "Sensor Logger files are in" if src.unit_source == "Sensor Logger" \
            else "the column names say"
        return src.unit, who
    return None, ""


def _interp(t_grid: np.ndarray, t_src: np.ndarray, v: np.ndarray,
            long_gaps: bool | None = None) -> np.ndarray:
    """Linear interpolation of ``v`` (at ``t_src``) onto ``t_grid``; NaN outside the samples
    and inside gaps longer than MAX_INTERP_GAP_S. Samples with NaN values are left out.
    ``long_gaps``: whether ``t_src`` has such gaps, when the caller knows (None: look)."""
    ok = np.isfinite(v)
    if not ok.all():
        t_src, v, long_gaps = t_src[ok], v[ok], None
    if t_src.size < 2:
        return np.full(t_grid.shape, np.nan)
    vals = np.interp(t_grid, t_src, v.astype(np.float64, copy=False), left=np.nan, right=np.nan)
    if long_gaps is None:
        long_gaps = _has_long_gaps(t_src)
    if long_gaps:
        idx = np.clip(np.searchsorted(t_src, t_grid, side="right"), 1, t_src.size - 1)
        span = t_src[idx] - t_src[idx - 1]
        vals[(span > MAX_INTERP_GAP_S) & (t_grid != t_src[idx - 1])] = np.nan
    return vals


def _has_long_gaps(t: np.ndarray) -> bool:
    return t.size > 1 and bool(np.fmax.reduce(np.diff(t)) > MAX_INTERP_GAP_S)


def _grid(clock: _Clock, streams) -> pd.DataFrame:
    """Samples (IMU_COLUMNS: ``t_s`` float64, the axes float32) on a uniform grid at the
    primary clock's rate.

    Streams on the primary clock are copied as recorded when that clock is uniform (times
    ``t0 + i / rate``); everything else is interpolated onto the grid. Units are converted
    while writing (one pass, no intermediate copies). Float32 keeps 7 significant digits, far
    finer than any accelerometer or gyroscope resolves, in half the memory."""
    rate, t0 = clock.rate_hz, clock.t[0]
    n = clock.t.size if clock.uniform else int(np.floor((clock.t[-1] - t0) * rate + 1e-9)) + 1
    t_s = np.arange(n, dtype=np.float64)
    t_s /= rate
    columns: dict[str, np.ndarray] = {"t_s": t_s}
    names = list(IMU_COLUMNS)
    t_grid = None
    for first, cols, scale, own in streams:
        long_gaps = None
        for i, col in enumerate(cols):
            if col is None:
                continue
            target = np.empty(n, dtype=np.float32)
            columns[names[first + i]] = target
            if own is clock and clock.uniform:
                np.multiply(col, scale, out=target, casting="unsafe")
                continue
            if t_grid is None:
                t_grid = t0 + t_s
            if long_gaps is None:
                long_gaps = _has_long_gaps(own.t)
            np.multiply(_interp(t_grid, own.t, col, long_gaps), scale, out=target,
                        casting="unsafe")
    empty = None
    for name in names[1:]:
        if name not in columns:
            if empty is None:
                empty = np.full(n, np.nan, dtype=np.float32)
                empty.flags.writeable = False  # shared by every absent axis
            columns[name] = empty
    return pd.DataFrame({name: columns[name] for name in names}, copy=False)


def _placement(given: str | None, name: str, stem: str, single: bool) -> tuple[str | None, str]:
    if given is not None:
        return given, "given"
    guess = placement_from_name(name)
    if guess is not None:
        return guess, f"from the sensor name {name!r}" if not single else f"from the name {name!r}"
    if not single:
        guess = placement_from_name(stem)
        if guess is not None:
            return guess, f"from the file name {stem!r}"
    return None, ""


def _device(fmt: str, meta: dict[str, Any]) -> str | None:
    model = meta.get("device_model")
    if fmt == "sensor_logger":
        extra = ", ".join(v for v in (model, meta.get("platform")) if v)
        return f"Sensor Logger ({extra})" if extra else "Sensor Logger"
    if fmt == "phyphox":
        return f"phyphox ({model})" if model else "phyphox"
    return None

