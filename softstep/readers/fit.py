"""FIT activity files (Garmin, Coros, Suunto, Wahoo, Strava app, Stryd and RunScribe fields).

Two layers:

- ``decode(source)`` walks the FIT frames once and keeps, for every ``record`` message, only
  the fields softstep uses (appended to per-record lists, turned into numpy arrays once at the
  end), plus the session, lap, sport and file_id messages. It salvages what it read before a
  decoding error and reports fitdecode's own warnings (CRC mismatch) as ours.
- ``read_fit(data, path, content_hash)`` turns that into one ``Recording`` per running session,
  with units converted once (FIT strides/min doubled to steps/min, ms to s, mm to cm / m,
  semicircles to degrees) and developer fields (Stryd, RunScribe) mapped by name and unit
  through ``dev_field_column``.

Speed: the reader runs with ``processor=None``. fitdecode still applies scale, offset, enum
names and components without a processor; what the default processor adds (``date_time`` ->
``datetime``, ``bool``, time of day) is not needed, and skipping its three method calls per
field makes decoding about 15% faster than fitdecode's defaults. Timestamps stay int seconds
since the FIT epoch, which is what relative-time files (below 0x10000000) give anyway. Every
other option is fitdecode's default: CRC checked, mismatches and bad definitions warned.

>>> from softstep.readers.fit import dev_field_column
>>> dev_field_column("Ground Time", "Milliseconds")
('contact_s', 0.001)
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import fitdecode
import numpy as np
import pandas as pd

from softstep.errors import NoRunningError, UnreadableFileError
from softstep.model import RECORD_COLUMNS, ReadResult, Recording
from softstep.readers._common import content_hash as _sha256
from softstep.readers._common import finish_records, is_fit, looks_like_text

FIT_EPOCH_UNIX_S = 631_065_600  # 1989-12-31T00:00:00Z, the FIT time origin
FIT_ABSOLUTE_MIN_S = 0x10000000  # smaller date_time values are seconds since device power-on
SEMICIRCLE_DEG = 180.0 / 2**31
SESSION_END_SLACK_S = 2.0  # records up to this long after a session's end still belong to it

# record fields read from every record message, in slot order
NATIVE_RECORD_FIELDS: tuple[str, ...] = (
    "timestamp",
    "distance",
    "speed",
    "enhanced_speed",
    "altitude",
    "enhanced_altitude",
    "grade",
    "heart_rate",
    "cadence",
    "fractional_cadence",
    "stance_time",
    "stance_time_percent",
    "stance_time_balance",
    "vertical_oscillation",
    "vertical_ratio",
    "step_length",
    "position_lat",
    "position_long",
    "power",
)
_NATIVE_SLOT = {name: i for i, name in enumerate(NATIVE_RECORD_FIELDS)}

# Columns where a device writes 0 for "no sensor": a running-dynamics value of exactly 0 is
# never real (no contact time, no oscillation, no stiffness, foot-strike types are 1-16).
ZERO_MEANS_MISSING = (
    "contact_s",
    "contact_pct",
    "contact_balance_left_pct",
    "vertical_oscillation_cm",
    "vertical_ratio_pct",
    "step_length_m",
    "leg_spring_stiffness_kn_per_m",
    "impact_loading_rate_bw_per_s",
    "impact_g",
    "impact_g_left",
    "impact_g_right",
    "braking_g",
    "braking_g_left",
    "braking_g_right",
    "strike_type",
    "strike_type_left",
    "strike_type_right",
    "contact_s_left",
    "contact_s_right",
    "hr_bpm",
)

# --------------------------------------------------------------------------------------------
# Developer fields: normalised name -> (RECORD_COLUMNS stem, unit family).
# Names are normalised by _dev_key: camelCase split, lower case, punctuation dropped, a
# left/right (L/R) token at either end taken as the side, vendor prefixes dropped.
DEV_FIELD_TABLE: dict[str, tuple[str, str]] = {
    # Stryd (data/README.md: "Vertical Oscillation" cm, "Ground Time" ms, "Cadence" steps/min)
    "power": ("power_w", "power"),
    "formpower": ("form_power_w", "power"),
    "groundtime": ("contact_s", "time"),
    "groundcontacttime": ("contact_s", "time"),
    "gct": ("contact_s", "time"),
    "verticaloscillation": ("vertical_oscillation_cm", "length_cm"),
    "legspringstiffness": ("leg_spring_stiffness_kn_per_m", "stiffness"),
    "lss": ("leg_spring_stiffness_kn_per_m", "stiffness"),
    "impactloadingrate": ("impact_loading_rate_bw_per_s", "loading_rate"),
    "loadingrate": ("impact_loading_rate_bw_per_s", "loading_rate"),
    "ilr": ("impact_loading_rate_bw_per_s", "loading_rate"),
    "cadence": ("cadence_spm", "cadence"),
    # RunScribe (foot-strike type 1-16: 1-5 heel, 6-11 midfoot, 12-16 forefoot)
    "impactgs": ("impact_g", "accel"),
    "impactg": ("impact_g", "accel"),
    "impact": ("impact_g", "accel_units_required"),  # Stryd "Impact" is in body weights
    "brakinggs": ("braking_g", "accel"),
    "brakingg": ("braking_g", "accel"),
    "braking": ("braking_g", "accel"),
    "footstriketype": ("strike_type", "none"),
    "footstrike": ("strike_type", "none"),
    "fstype": ("strike_type", "none"),
    "striketype": ("strike_type", "none"),
    "pronationexcursion": ("pronation_deg", "angle"),
    "pronation": ("pronation_deg", "angle"),
    "contacttime": ("contact_s", "time"),
    # generic developer copies of native values (native fields win)
    "heartrate": ("hr_bpm", "hr"),
    "speed": ("speed_m_per_s", "speed"),
    "distance": ("distance_m", "distance"),
}

# unit family -> (normalised unit -> scale to our unit, scale when the file gives no unit or
# None when a unit is required)
_G = 9.80665
DEV_UNITS: dict[str, tuple[dict[str, float], float | None]] = {
    "power": ({"w": 1.0, "watt": 1.0, "watts": 1.0}, 1.0),
    "time": (
        {"ms": 1e-3, "msec": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
         "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0},
        1e-3,
    ),
    "length_cm": (
        {"cm": 1.0, "centimeter": 1.0, "centimeters": 1.0, "centimetre": 1.0, "centimetres": 1.0,
         "mm": 0.1, "millimeter": 0.1, "millimeters": 0.1, "m": 100.0, "meter": 100.0,
         "meters": 100.0},
        1.0,
    ),
    "stiffness": ({"kn/m": 1.0, "knm": 1.0, "kn/meter": 1.0, "n/m": 1e-3}, 1.0),
    "loading_rate": ({"bw/s": 1.0, "bws": 1.0, "bw/sec": 1.0, "bodyweights/s": 1.0}, 1.0),
    # the data README: Stryd's "Cadence" is already steps/min, whatever unit label it carries
    "cadence": ({"spm": 1.0, "steps/min": 1.0, "steps/minute": 1.0, "steps": 1.0, "rpm": 1.0}, 1.0),
    "accel": ({"g": 1.0, "gs": 1.0, "g's": 1.0, "m/s^2": 1 / _G, "m/s2": 1 / _G}, 1.0),
    "accel_units_required": ({"g": 1.0, "gs": 1.0, "g's": 1.0, "m/s^2": 1 / _G, "m/s2": 1 / _G}, None),
    "angle": ({"deg": 1.0, "degree": 1.0, "degrees": 1.0, "°": 1.0}, 1.0),
    "hr": ({"bpm": 1.0, "beats/min": 1.0}, 1.0),
    "speed": ({"m/s": 1.0, "mps": 1.0, "meters/second": 1.0, "km/h": 1 / 3.6, "kph": 1 / 3.6}, 1.0),
    "distance": ({"m": 1.0, "meter": 1.0, "meters": 1.0, "km": 1000.0}, 1.0),
}
_LEFT = {"l", "left", "lt"}
_RIGHT = {"r", "right", "rt"}
_VENDOR = {"rs", "runscribe", "stryd"}


def _dev_key(name: str) -> tuple[str, str | None]:
    """(normalised name, side "left"/"right"/None) of a developer field name.

    >>> _dev_key("ImpactGsLeft"), _dev_key("R_Braking_Gs"), _dev_key("Form Power")
    (('impactgs', 'left'), ('brakinggs', 'right'), ('formpower', None))
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    tokens = re.findall(r"[a-z]+|[0-9]+", spaced.lower())
    while tokens and tokens[0] in _VENDOR:
        tokens = tokens[1:]
    side = None
    if len(tokens) > 1:
        for pos in (-1, 0):
            if tokens[pos] in _LEFT or tokens[pos] in _RIGHT:
                side = "left" if tokens[pos] in _LEFT else "right"
                del tokens[pos]
                break
    return "".join(tokens), side


def _norm_units(units: str | None) -> str:
    return re.sub(r"[\s()_\[\]]", "", units or "").lower()


def dev_field_column(name: str, units: str | None = None) -> tuple[str, float] | None:
    """Where a developer field goes: (RECORD_COLUMNS name, scale into its unit), or None.

    ``name`` is matched case- and punctuation-insensitively (``"Impact Gs L"``,
    ``"impact_gs_left"`` and ``"ImpactGsLeft"`` are one field), a left/right or L/R token at
    either end picks the ``_left`` / ``_right`` column. ``units`` is checked when given: a unit
    foreign to the quantity (``"Ground Time"`` in ``"steps"``) gives None rather than a wrong
    number. Without units the vendor's documented unit is assumed (Stryd ground time ms,
    vertical oscillation cm).

    >>> dev_field_column("Vertical Oscillation", "Centimeters")
    ('vertical_oscillation_cm', 1.0)
    >>> dev_field_column("Contact Time R", "ms")
    ('contact_s_right', 0.001)
    >>> dev_field_column("Impact", "BW") is None   # Stryd's impact is in body weights, not g
    True
    """
    key, side = _dev_key(name)
    entry = DEV_FIELD_TABLE.get(key)
    if entry is None:
        return None
    column, family = entry
    if side is not None:
        column = f"{column}_{side}"
        if column not in RECORD_COLUMNS:
            return None
    if family == "none":
        return column, 1.0
    scales, default = DEV_UNITS[family]
    unit = _norm_units(units)
    if not unit:
        return None if default is None else (column, default)
    scale = scales.get(unit)
    return None if scale is None else (column, scale)


# --------------------------------------------------------------------------------------------
@dataclass
class FitContent:
    """What ``decode`` found in a FIT file, before it is split into runs.

    Attributes
    ----------
    time_s : (n,) float64, record time in FIT seconds (absolute since 1989-12-31 when
        >= 0x10000000, else seconds since device power-on); NaN where a record had none
    native : native record field name -> (n,) float64 in fitdecode's units (m, m/s, ms, mm, ...)
    dev : RECORD_COLUMNS name -> (n,) float64 from developer fields, already in our units
    sessions / laps : one dict per message: sport, sub_sport, start_s, elapsed_s, end_s
    sports : sports named by ``sport`` messages; file_types : file_id types, in order
    """

    label: str
    time_s: np.ndarray
    native: dict[str, np.ndarray]
    dev: dict[str, np.ndarray]
    sessions: list[dict] = field(default_factory=list)
    laps: list[dict] = field(default_factory=list)
    sports: list[str] = field(default_factory=list)
    file_types: list[str] = field(default_factory=list)
    device: str | None = None
    warnings: list[str] = field(default_factory=list)
    problem: str | None = None  # why decoding stopped early, if it did
    headers: int = 0

    @property
    def n_records(self) -> int:
        return len(self.time_s)

    def table(self) -> pd.DataFrame:
        """Every record of every session in our units, in file order, nothing merged.

        Columns: ``fit_time_s`` (FIT seconds), ``cadence_rpm`` (cadence + fractional cadence as
        the file gives it: strides/min for running, revolutions/min for cycling), then every
        RECORD_COLUMNS column but ``t_s`` and ``cadence_spm`` (which depend on the sport).
        """
        cols = converted_columns(self)
        cadence_rpm = cols.pop("_cadence_rpm")
        cols.pop("_dev_cadence_spm", None)
        out = {"fit_time_s": self.time_s, "cadence_rpm": cadence_rpm}
        out.update({c: cols[c] for c in RECORD_COLUMNS if c in cols})
        return pd.DataFrame(out)


def _fit_error_problem(exc: Exception) -> tuple[str, int | None]:
    """A short description of a fitdecode error and the byte offset it names, if any."""
    text = str(exc)
    match = re.search(r"@ ?(\d+)", text)
    offset = int(match.group(1)) if match else None
    detail = re.sub(r"\s*@ ?\d+\s*", " ", text).strip(" :")
    detail = re.sub(r"^FIT parsing error\s*", "", detail).strip(" :") or type(exc).__name__
    return detail, offset


def _device_name(file_id) -> str | None:
    manufacturer = file_id.get_value("manufacturer", fallback=None)
    product = None
    for name in ("product_name", "garmin_product", "product"):
        value = file_id.get_value(name, fallback=None)
        if isinstance(value, str) and value:
            product = value
            break
    parts = [str(p) for p in (manufacturer, product) if p not in (None, "")]
    return " ".join(parts) or None


def _summary_message(frame) -> dict:
    get = frame.get_value
    start = get("start_time", fallback=None)
    elapsed = get("total_elapsed_time", fallback=None)
    end = get("timestamp", fallback=None)
    return {
        "sport": get("sport", fallback=None),
        "sub_sport": get("sub_sport", fallback=None),
        "start_s": float(start) if isinstance(start, int | float) else None,
        "elapsed_s": float(elapsed) if isinstance(elapsed, int | float) else None,
        "end_s": float(end) if isinstance(end, int | float) else None,
    }


def _rows_to_matrix(rows: list[list], width: int) -> np.ndarray:
    """(n, width) float64 from ragged rows of numbers / None; anything else becomes NaN."""
    if not rows:
        return np.empty((0, width))
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    try:
        return np.array(rows, dtype=np.float64)
    except (TypeError, ValueError):
        out = np.full((len(rows), width), np.nan)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    out[i, j] = value
        return out


def decode(source: str | Path | bytes, *, label: str | None = None) -> FitContent:
    """Decode every record, session and lap of a FIT file (all sessions, any sport).

    ``source`` is a path or the file's bytes; ``label`` names the file in messages (default: the
    path). Errors part-way through keep what was read and set ``problem`` plus a warning;
    fitdecode's Python warnings (CRC mismatch, bad definitions) become warnings naming the file.
    Raises UnreadableFileError only when the data is not FIT at all.

    >>> from softstep import sample_path
    >>> content = decode(sample_path())
    >>> content.n_records, content.sessions[0]["sport"]
    (2809, 'running')
    """
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        label = label or "<bytes>"
    else:
        label = label or str(source)
        data = Path(source).read_bytes()
    if not is_fit(data):
        kind = "it looks like a text file" if looks_like_text(data) else "no FIT header"
        raise UnreadableFileError(label, f"not a FIT file ({kind})")

    n_native = len(NATIVE_RECORD_FIELDS)
    slot_of: dict = {}  # fitdecode Field object -> slot index or None
    dev_slots: list[tuple[str, float]] = []  # slot n_native + i -> (column, scale)
    dev_slot_index: dict[str, int] = {}
    rejected: dict[str, str] = {}  # known developer field names in units we cannot use
    width = n_native
    rows: list[list] = []
    append = rows.append
    out = FitContent(label=label, time_s=np.empty(0), native={}, dev={})
    data_message = fitdecode.FitDataMessage
    header_type = fitdecode.FitHeader
    missing = -1

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader = fitdecode.FitReader(data, processor=None)
        try:
            for frame in reader:
                if type(frame) is not data_message:
                    if type(frame) is header_type:
                        out.headers += 1
                    continue
                mesg = frame.def_mesg.global_mesg_num
                if mesg == 20:  # record: the hot loop, one list append per record
                    row = [None] * width
                    for fd in frame.fields:
                        slot = slot_of.get(fd.field, missing)
                        if slot == missing:
                            slot = _resolve_slot(fd, dev_slots, dev_slot_index, rejected)
                            slot_of[fd.field] = slot
                            width = n_native + len(dev_slots)
                            if slot is not None and slot >= len(row):
                                row.extend([None] * (width - len(row)))
                        if slot is not None:
                            row[slot] = fd.value
                    append(row)
                elif mesg == 18:
                    out.sessions.append(_summary_message(frame))
                elif mesg == 19:
                    out.laps.append(_summary_message(frame))
                elif mesg == 12:
                    sport = frame.get_value("sport", fallback=None)
                    if sport is not None:
                        out.sports.append(str(sport))
                elif mesg == 0:
                    file_type = frame.get_value("type", fallback=None)
                    if file_type is not None:
                        out.file_types.append(str(file_type))
                    if out.device is None:
                        out.device = _device_name(frame)
        except Exception as exc:  # noqa: BLE001 - any decoder failure is salvaged or reported
            _record_stop(out, exc, len(rows), len(data))
        finally:
            reader.close()

    out.warnings[:0] = _fitdecode_warnings(caught, label)
    for name, units in rejected.items():
        out.warnings.append(
            f"{label}: developer field {name!r} is in unexpected units {units!r}; ignored it"
        )

    matrix = _rows_to_matrix(rows, width)
    out.time_s = matrix[:, 0].copy()
    out.native = {name: matrix[:, i] for i, name in enumerate(NATIVE_RECORD_FIELDS) if i}
    for column, i in dev_slot_index.items():
        out.dev[column] = matrix[:, i] * dev_slots[i - n_native][1]
    return out


def _resolve_slot(fd, dev_slots, dev_slot_index, rejected) -> int | None:
    """Slot for a record field seen for the first time: native by name, developer by table."""
    fdef = fd.field
    if fdef is None:
        return None
    if getattr(fdef, "field_type", None) != "devfield":
        return _NATIVE_SLOT.get(fdef.name)
    name = fdef.name or ""
    target = dev_field_column(name, fdef.units)
    if target is None:
        if _dev_key(name)[0] in DEV_FIELD_TABLE and fdef.units:
            rejected[name] = fdef.units
        return None
    column, scale = target
    # two developer fields aimed at one column (e.g. "Ground Time" and "Contact Time"): the first
    # one seen keeps the column
    if column in dev_slot_index:
        return None
    dev_slots.append((column, scale))
    slot = len(_NATIVE_SLOT) + len(dev_slots) - 1
    dev_slot_index[column] = slot
    return slot



def _record_stop(out: FitContent, exc: Exception, n_rows: int, n_bytes: int) -> None:
    detail, offset = _fit_error_problem(exc)
    at = f" at byte {offset}" if offset is not None else ""
    rest = f" ({n_bytes - offset:,} bytes not read)" if offset is not None else ""
    if isinstance(exc, fitdecode.FitEOFError):
        what = f"FIT data ends early{at} (truncated)"
    elif isinstance(exc, fitdecode.FitHeaderError) and out.headers:
        what = f"data{at} is not a valid FIT header ({detail}); ignored the rest of the file{rest}"
    elif isinstance(exc, fitdecode.FitHeaderError):
        what = f"not a valid FIT file ({detail})"
    elif isinstance(exc, fitdecode.FitCRCError):
        what = f"FIT header CRC mismatch{at}"
    else:
        what = f"FIT data is corrupt{at} ({detail}); ignored the rest of the file{rest}"
    out.problem = what
    out.warnings.append(f"{out.label}: {what}; kept {n_rows} records read before it")


def _fitdecode_warnings(caught, label: str) -> list[str]:
    """fitdecode's Python warnings as ours: one line per kind, repeats counted."""
    counts: dict[str, int] = {}
    for w in caught:
        text = str(w.message)
        if text.startswith("mismatching CRC"):
            offset = re.search(r"offset: (\d+)", text)
            where = f" at byte {offset.group(1)}" if offset else ""
            text = f"CRC mismatch in the FIT footer{where} (the file may be corrupt); kept its data"
        else:
            text = re.sub(r" @ \d+", "", text)
            text = f"FIT decoder: {text}"
        counts[text] = counts.get(text, 0) + 1
    return [
        f"{label}: {text}" + (f" ({n} times)" if n > 1 else "") for text, n in counts.items()
    ]


# --------------------------------------------------------------------------------------------
def converted_columns(content: FitContent) -> dict[str, np.ndarray]:
    """RECORD_COLUMNS arrays (all records) in our units; cadence left per FIT minute.

    Returns every RECORD_COLUMNS column except ``t_s`` and ``cadence_spm``, plus
    ``_cadence_rpm`` (cadence + fractional cadence as the file gives it) and
    ``_dev_cadence_spm`` (a developer cadence, already steps/min) when present. Native fields
    win over developer fields; zeros meaning "no sensor" become NaN.
    """
    raw = content.native
    n = content.n_records
    nan = np.full(n, np.nan)

    def pick(preferred: str, fallback: str) -> np.ndarray:
        a, b = raw.get(preferred, nan), raw.get(fallback, nan)
        return np.where(np.isfinite(a), a, b)

    cols: dict[str, np.ndarray] = {
        "distance_m": raw.get("distance", nan),
        "speed_m_per_s": pick("enhanced_speed", "speed"),
        "altitude_m": pick("enhanced_altitude", "altitude"),
        "grade_pct": raw.get("grade", nan),
        "hr_bpm": raw.get("heart_rate", nan),
        "contact_s": raw.get("stance_time", nan) / 1000.0,  # ms -> s
        "contact_pct": raw.get("stance_time_percent", nan),
        "contact_balance_left_pct": raw.get("stance_time_balance", nan),
        "vertical_oscillation_cm": raw.get("vertical_oscillation", nan) / 10.0,  # mm -> cm
        "vertical_ratio_pct": raw.get("vertical_ratio", nan),
        "step_length_m": raw.get("step_length", nan) / 1000.0,  # mm -> m
        "lat_deg": raw.get("position_lat", nan) * SEMICIRCLE_DEG,
        "lon_deg": raw.get("position_long", nan) * SEMICIRCLE_DEG,
        "power_w": raw.get("power", nan),
    }
    cadence = raw.get("cadence", nan)
    fractional = np.nan_to_num(raw.get("fractional_cadence", nan), nan=0.0)
    cols["_cadence_rpm"] = cadence + fractional
    # zeros first, so that a native "no value" (0) lets a developer field fill in
    _zeros_to_nan(cols)
    for column, values in content.dev.items():
        if column == "cadence_spm":
            cols["_dev_cadence_spm"] = values
        elif column in cols:
            cols[column] = np.where(np.isfinite(cols[column]), cols[column], values)
        else:
            cols[column] = values
    _zeros_to_nan(cols)
    # a per-foot pod gives only left/right values: the run's value is their mean
    for stem in ("impact_g", "braking_g", "strike_type", "pronation_deg", "contact_s"):
        left, right = cols.get(f"{stem}_left"), cols.get(f"{stem}_right")
        if left is None and right is None:
            continue
        pair = np.vstack([v for v in (left, right) if v is not None])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            mean = np.nanmean(pair, axis=0)
        base = cols.get(stem, nan)
        cols[stem] = np.where(np.isfinite(base), base, mean)
    return cols


def _zeros_to_nan(cols: dict[str, np.ndarray]) -> None:
    for column in ZERO_MEANS_MISSING:
        if column in cols:
            cols[column] = np.where(cols[column] == 0, np.nan, cols[column])


def _sport_label(sport, sub_sport) -> str:
    sport = str(sport) if sport is not None else "unknown sport"
    if sub_sport is None or str(sub_sport) in ("generic", sport):
        return sport
    return f"{sport} ({sub_sport})"


def _session_masks(time_s: np.ndarray, sessions: list[dict]) -> list[np.ndarray]:
    """Which records fall in each session: [start, end + slack), first claim wins.

    A session ends at the later of start + total_elapsed_time and its own timestamp, plus
    SESSION_END_SLACK_S, but never after the next session starts.
    """
    starts = [s["start_s"] for s in sessions]
    claimed = np.zeros(len(time_s), dtype=bool)
    masks = []
    for i, s in enumerate(sessions):
        lo = s["start_s"] if s["start_s"] is not None else -np.inf
        ends = [e for e in ((s["start_s"] or 0) + (s["elapsed_s"] or 0), s["end_s"]) if e]
        hi = max(ends) + SESSION_END_SLACK_S if ends and s["start_s"] is not None else np.inf
        later = [x for x in starts[i + 1 :] if x is not None and x > lo]
        if later:
            hi = min(hi, min(later))
        mask = (time_s >= lo) & (time_s < hi) & ~claimed
        claimed |= mask
        masks.append(mask)
    return masks


def _start_datetime(fit_s: float) -> datetime | None:
    if not np.isfinite(fit_s) or fit_s < FIT_ABSOLUTE_MIN_S:
        return None
    return datetime.fromtimestamp(FIT_EPOCH_UNIX_S + fit_s, UTC)


def _laps_table(laps: list[dict], t0: float, t_end: float) -> pd.DataFrame | None:
    """Laps that start inside [t0, t_end] as (start_s, end_s) from the run's first record."""
    rows = []
    for lap in laps:
        start = lap["start_s"]
        if start is None or not (t0 - SESSION_END_SLACK_S <= start <= t_end):
            continue
        ends = [e for e in (start + (lap["elapsed_s"] or 0.0), lap["end_s"]) if e]
        rows.append((max(start, t0) - t0, min(max(ends), t_end) - t0))
    if not rows:
        return None
    return pd.DataFrame(rows, columns=["start_s", "end_s"]).sort_values("start_s", ignore_index=True)


def read_fit(data: bytes, path: str, content_hash: str | None = None) -> ReadResult:
    """One Recording per running session of a FIT file (see the module docstring).

    Raises UnreadableFileError (not FIT, nothing readable, no activity records) or
    NoRunningError (sessions or sport messages name only other sports).
    """
    content = decode(data, label=path)
    content_hash = content_hash or _sha256(data)
    file_warnings = list(content.warnings)

    if content.sessions and not any(s["sport"] == "running" for s in content.sessions):
        raise NoRunningError(path, _unique(_sport_label(s["sport"], s["sub_sport"]) for s in content.sessions))
    if content.n_records == 0:
        if content.problem:
            raise UnreadableFileError(path, f"{content.problem}, before any activity record")
        kind = content.file_types[0] if content.file_types else "non-activity"
        raise UnreadableFileError(path, f"no activity records (this is a {kind} file)")
    if not np.isfinite(content.time_s).any():
        raise UnreadableFileError(path, f"its {content.n_records} records carry no timestamps")

    cols = converted_columns(content)
    skipped: list[str] = []
    plan: list[tuple[int, np.ndarray, list[str]]] = []  # (session index, mask, warnings)
    sessions = content.sessions
    if sessions:
        masks = _session_masks(content.time_s, sessions)
        n = len(sessions)
        for i, (s, mask) in enumerate(zip(sessions, masks, strict=True)):
            label = _sport_label(s["sport"], s["sub_sport"])
            if s["sport"] != "running":
                skipped.append(f"session {i + 1} of {n}: {label}")
            elif not mask.any():
                skipped.append(f"session {i + 1} of {n}: {label}, but no records in its time range")
            else:
                plan.append((i, mask, []))
        if not plan and n == 1:
            note = (f"{path}: the records' times do not match the session's; "
                    "took every record as the run")
            skipped.clear()
            plan.append((0, np.isfinite(content.time_s), [note]))
    else:
        named = _unique([*content.sports, *(str(x["sport"]) for x in content.laps if x["sport"])])
        if named and "running" not in named:
            raise NoRunningError(path, named)
        notes = []
        if not named:
            notes.append(f"{path}: no session or sport message (file cut short?); assumed running")
        plan.append((0, np.isfinite(content.time_s), notes))
    if not plan:
        raise UnreadableFileError(path, "its running sessions hold no records")

    recordings = []
    for index, mask, notes in plan:
        t = content.time_s[mask]
        columns = {c: v[mask] for c, v in cols.items() if not c.startswith("_")}
        cadence = 2.0 * cols["_cadence_rpm"][mask]  # FIT running cadence is strides/min
        if "_dev_cadence_spm" in cols:
            dev = cols["_dev_cadence_spm"][mask]
            cadence = np.where(np.isfinite(cadence), cadence, dev)
        columns["cadence_spm"] = cadence
        records = finish_records(columns, t)
        t0, t1 = float(np.nanmin(t)), float(np.nanmax(t))
        recordings.append(
            Recording(
                source="fit",
                sport="running",
                records=records,
                start=_start_datetime(t0),
                device=content.device,
                path=path,
                session_index=index,
                content_hash=content_hash,
                laps=_laps_table(content.laps, t0, t1),
                warnings=[*file_warnings, *notes],
            )
        )
    all_warnings = _unique([w for r in recordings for w in r.warnings])
    return ReadResult(path=path, recordings=recordings, skipped=skipped, warnings=all_warnings)


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))
