"""Inertial files too large to hold in memory: read and detect them in time chunks.

A CSV (plain or gzipped), a Parquet file, or a zip holding one such table is *streamed* when it
holds more than ``STREAM_ROWS`` rows (estimated from its size and its first lines, or read from
the Parquet footer) or is larger than ``max_bytes``: a 1 kHz recording of more than about 80 min.
Everything else goes through ``readers.imu.read_imu`` in memory, as before.

How (the same reader and detectors as in memory, on pieces of the file):

- The file is read in Arrow batches (``pyarrow.csv.open_csv``, ``ParquetFile.iter_batches``,
  a zip member or a gzip stream), never whole; only the time and axis columns are parsed.
- Rows are cut into chunks of ``CHUNK_S`` seconds (5 min) plus ``OVERLAP_S`` seconds (10 s) on
  each side, on the detectors' 2 s window grid, so that every window, filter and step interval
  near a chunk edge sees the same samples as in memory.
- ``read`` (``read_chunked``) reads only the first chunk: its Recording carries that chunk as
  ``samples`` (the placement is guessed from it when not given, then fixed), the clock and
  units measured on it, and ``info["chunked"]``. The units found there are kept for every
  later chunk.
- The detector (``detect_chunked``, called by the pipeline for such a recording) reads the
  file again chunk by chunk, runs the placement's detector on each, keeps the steps whose
  initial contact lies in the chunk's own span (not its overlap), and joins them into one Steps
  table on the file's clock; ``attrs["activity"]`` is joined the same way. Memory stays that of
  one chunk whatever the file's length.

Limits: a file with several sensors in one table (a ``loc_id`` column) or a zip of several
tables is refused when it is too large (split it per sensor); chunks whose samples cannot be
read (a dead stretch) are skipped with a warning.

>>> STREAM_ROWS > 3_600_000       # one hour at 1 kHz is still read in memory
True
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from softstep.errors import UnreadableFileError
from softstep.model import ReadResult, Recording, conform
from softstep.readers import imu
from softstep.readers._common import file_content_hash

STREAM_ROWS = 5_000_000  # more rows: read in chunks (83 min at 1 kHz, 14 h at 100 Hz; in memory
# one hour at 1 kHz peaks at about 0.65 GiB, so 5 M rows stay under 1 GB)
CHUNK_S = 300.0  # own span of a chunk, s
OVERLAP_S = 10.0  # extra samples on each side of a chunk, s
WINDOW_S = 2.0  # the detectors' activity window: chunk edges fall on this grid
SMALL_BYTES = 16 * 2**20  # below this on disk (and not compressed) no file is worth streaming
BATCH_ROWS = 131_072
HEAD_BYTES = 65_536
MAX_PACK_RATIO = 20.0  # a zip or gzip unpacking to more than 20 x its size is a bomb: not streamed
MIN_STEP_GAP_S = 0.15  # two contacts closer than this at a chunk edge are one contact
MAX_CHUNK_WARNINGS = 10


@dataclass
class Stream:
    """Where the samples of a streamed file come from and how to parse them."""

    path: Path
    label: str
    member: str | None  # the table inside a zip
    gz: bool
    parquet: bool
    table: imu._Table  # name and first bytes (format sniffing)
    dialect: imu._Dialect | None  # CSV only
    layout: imu._Layout
    meta: dict[str, Any]
    fmt: str
    rows_estimate: int
    bytes_estimate: int  # uncompressed size of the table

    @property
    def usecols(self) -> list[str]:
        wanted = [c for axes in self.layout.roles.values() for c in axes.values()]
        return list(dict.fromkeys([c for c in (self.layout.time,) if c] + wanted))

    @property
    def wanted(self) -> set[str]:
        return {c for axes in self.layout.roles.values() for c in axes.values()}


# --------------------------------------------------------------------------------------------
# Is the file to be streamed?


def plan_stream(path: Path, max_bytes: int) -> Stream | None:
    """The Stream of an inertial file too large to read at once, else None (read it in memory).

    Too large: more than STREAM_ROWS rows, or more than ``max_bytes`` bytes (on disk or
    decompressed). Cheap: a stat, the first 64 KiB and, for Parquet, the footer.
    """
    path = Path(path)
    try:
        size = os.stat(path).st_size
    except OSError:
        return None
    if size == 0 or path.is_dir():
        return None
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError:
        return None
    gz = magic[:2] == b"\x1f\x8b"
    if size <= min(SMALL_BYTES, max_bytes) and not gz:
        return None
    try:
        stream = open_stream(path, str(path))
    except Exception:  # noqa: BLE001 - the in-memory reader says what is wrong, or too large
        return None
    if stream is None or stream.bytes_estimate > MAX_PACK_RATIO * size:
        return None  # (a bomb: the in-memory reader refuses it over max_bytes)
    if stream.rows_estimate <= STREAM_ROWS and stream.bytes_estimate <= max_bytes \
            and size <= max_bytes:
        return None
    if stream.layout.sensor is not None:
        raise UnreadableFileError(
            path, f"the file is too large to read at once (about {stream.rows_estimate:,} rows) "
            f"and holds several sensors (column {stream.layout.sensor}); split it into one file "
            "per sensor"
        )
    return stream


def open_stream(path: Path, label: str) -> Stream | None:
    """Stream description of an inertial table file; None when it is no inertial table."""
    from softstep.readers import _format

    head, gz, member, parquet, total = _head(path, label)
    if head is None or _format(head, path) != "imu":
        return None
    name = member or imu._stem(label, keep_suffix=True)
    table = imu._Table(name, head, parquet)
    meta: dict[str, Any] = {"stem": imu._stem(label)}
    if member is not None:
        meta.update(_zip_meta(path))
    if parquet:
        import pyarrow.parquet as pq

        with _open_binary(path, member, gz) as fh:
            try:
                pf = pq.ParquetFile(fh)
                columns, rows = list(pf.schema_arrow.names), pf.metadata.num_rows
            except Exception as exc:  # noqa: BLE001 - any Arrow error is a broken file
                raise UnreadableFileError(label, f"broken Parquet file ({exc})") from None
        dialect = None
    else:
        dialect = imu._sniff_csv(head, label)
        columns = dialect.header
        lines = head.count(b"\n")
        rows = int(total / max(1.0, len(head) / max(lines, 1))) if lines else 0
    layout = imu._layout(columns, name)
    if not layout.roles:
        return None
    fmt = imu._format_name([(table, layout, dialect)], meta)
    return Stream(Path(path), label, member, gz, parquet, table, dialect, layout, meta, fmt,
                  rows, total)


def _head(path: Path, label: str):
    """(first bytes of the table, gzip?, zip member, Parquet?, uncompressed size)."""
    with open(path, "rb") as fh:
        raw = fh.read(HEAD_BYTES)
    size = os.stat(path).st_size
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as g:
                head = g.read(HEAD_BYTES)
        except (OSError, EOFError) as exc:
            raise UnreadableFileError(label, f"broken gzip data ({exc})") from None
        return head, True, None, head[:4] == b"PAR1", _gzip_size(path, size)
    if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as archive:
                tables = [m for m in archive.infolist() if not m.is_dir()
                          and m.filename.lower().endswith(imu.TABLE_SUFFIXES)
                          and not imu._is_meta(m.filename) and "__MACOSX" not in m.filename
                          and not Path(m.filename).name.startswith(".")]
                if len(tables) != 1:
                    return None, False, None, False, 0
                with archive.open(tables[0]) as member:
                    head = member.read(HEAD_BYTES)
                return (head, False, tables[0].filename, head[:4] == b"PAR1",
                        max(tables[0].file_size, size))
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            return None, False, None, False, 0
    return raw, False, None, raw[:4] == b"PAR1", size


def _gzip_size(path: Path, size: int) -> int:
    """Uncompressed size of a gzip file from its trailer (modulo 4 GiB, so at least ``size``)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(-4, os.SEEK_END)
            isize = struct.unpack("<I", fh.read(4))[0]
    except OSError:
        return size
    while isize < size:
        isize += 2**32
    return isize


def _zip_meta(path: Path) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    with zipfile.ZipFile(path) as archive:
        for m in archive.infolist():
            if imu._is_meta(m.filename) and m.file_size < 2**20:
                meta.update(imu._zip_meta(m.filename, archive.read(m)))
    return meta


def _open_binary(path: Path, member: str | None, gz: bool):
    if member is not None:
        archive = zipfile.ZipFile(path)
        return archive.open(member)
    return gzip.open(path, "rb") if gz else open(path, "rb")


# --------------------------------------------------------------------------------------------
# Batches and chunks


def _batches(stream: Stream, notes: list[str] | None = None) -> Iterator[dict[str, np.ndarray]]:
    """The file's time and axis columns, a batch of rows at a time (axes float32).

    Parquet: Arrow record batches. CSV: pandas' C parser in chunks, with the options of the
    in-memory reader (``imu._read_columns``), so both read a file alike; malformed lines are
    skipped and counted in ``notes``, a cut-short last line is dropped."""
    usecols, wanted = stream.usecols, stream.wanted
    if stream.parquet:
        import pyarrow.parquet as pq

        with _open_binary(stream.path, stream.member, stream.gz) as fh:
            # pre_buffer off: with it, Arrow keeps every row group it read until the file closes
            source = pq.ParquetFile(fh, pre_buffer=False)
            for batch in source.iter_batches(batch_size=BATCH_ROWS, columns=usecols):
                yield _numpy(batch, usecols, wanted, stream.label)
        return
    d = stream.dialect
    truncated = _truncated(stream)
    bad = 0
    with _open_binary(stream.path, stream.member, stream.gz) as fh:
        try:
            reader = pd.read_csv(
                fh, sep=d.delimiter, decimal=d.decimal, skiprows=d.skip_rows, usecols=usecols,
                dtype=dict.fromkeys(wanted, "float32"), on_bad_lines="warn",
                skipinitialspace=d.spaced, encoding_errors="replace", chunksize=BATCH_ROWS,
            )
            pending = None
            while True:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    frame = next(reader, None)
                bad += sum(str(w.message).count("Skipping line") for w in caught)
                if frame is None:
                    break
                if pending is not None:
                    yield pending
                pending = {c: frame[c].to_numpy() for c in usecols}
            if pending is not None:
                if truncated:  # the last line was cut short: drop it, as read_imu does
                    pending = {c: v[:-1] for c, v in pending.items()}
                yield pending
        except (ValueError, pd.errors.ParserError) as exc:
            problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UnreadableFileError(stream.label, problem) from None
    if notes is not None:
        if bad:
            notes.append(f"{bad} malformed line(s) skipped")
        if truncated:
            notes.append("the last line is cut short (file truncated?); dropped it")


def _truncated(stream: Stream) -> bool:
    """Whether a plain CSV file's last line is cut short (its last 64 KiB are checked)."""
    if stream.gz or stream.member is not None or stream.dialect is None:
        return False
    with open(stream.path, "rb") as fh:
        fh.seek(max(0, os.stat(stream.path).st_size - HEAD_BYTES))
        tail = fh.read()
    return imu._cut_last_line(tail, stream.dialect) is not None and b"\n" in tail


def _numpy(batch, usecols, wanted, label) -> dict[str, np.ndarray]:
    out = {}
    for i, c in enumerate(usecols):
        col = batch.column(i)
        values = col.to_numpy(zero_copy_only=False)
        if c in wanted:
            if values.dtype.kind not in "fiu":
                raise UnreadableFileError(label, f"column {c} is not numbers ({col.type})")
            values = values.astype(np.float32, copy=False)
        out[c] = values
    return out


@dataclass
class _Chunk:
    index: int
    first_row: int  # file row of the chunk's first row
    own_first: int  # file row where the chunk's own span starts
    own_end: int  # file row where the next chunk's own span starts (or the end)
    columns: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(next(iter(self.columns.values())))


def _chunks(stream: Stream, rows_per_s: float, chunk_s: float, overlap_s: float,
            notes: list[str] | None = None) -> Iterator[_Chunk]:
    """Chunks of ``chunk_s`` seconds of rows (+ ``overlap_s`` on each side), on the window
    grid. The last chunk takes the rest (up to 1.5 chunks), so that no chunk is a sliver."""
    w = max(1, round(WINDOW_S * rows_per_s))
    own = max(1, round(chunk_s / WINDOW_S)) * w
    over = max(1, round(overlap_s / WINDOW_S)) * w if overlap_s > 0 else 0
    buf: list[dict[str, np.ndarray]] = []
    first = 0  # file row of the buffer's first row
    held = 0  # rows in the buffer
    k = 0
    for batch in _batches(stream, notes):
        buf.append(batch)
        held += len(next(iter(batch.values())))
        while first + held >= (k + 1) * own + over + own // 2:
            merged = _merge(buf)
            yield _cut(merged, first, k, own, over, (k + 1) * own, (k + 1) * own + over)
            start_next = (k + 1) * own - over
            buf, held = [{c: v[start_next - first :] for c, v in merged.items()}], \
                first + held - start_next
            first = start_next
            k += 1
    if not held:
        return
    merged = _merge(buf)
    end = first + held
    while k * own < end:
        if end - k * own <= own + own // 2:
            yield _cut(merged, first, k, own, over, end, end)
            return
        yield _cut(merged, first, k, own, over, (k + 1) * own, (k + 1) * own + over)
        k += 1


def _merge(buf: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if len(buf) == 1:
        return buf[0]
    return {c: np.concatenate([b[c] for b in buf]) for c in buf[0]}


def _cut(merged, first: int, k: int, own: int, over: int, own_end: int, end: int) -> _Chunk:
    start = max(0, k * own - over)
    cols = {c: v[start - first : end - first] for c, v in merged.items()}
    return _Chunk(k, start, k * own, own_end, cols)


def _rows_per_second(stream: Stream, opts: dict[str, Any]) -> tuple[float, bool]:
    """(rows per second of the file's clock from its first batch, False), or (the given
    rate, True) when there is no time column or it holds one value: rows are then timed by
    the rate."""
    if stream.layout.time is None:
        rate = opts.get("sample_rate_hz")
        if rate is None:
            raise UnreadableFileError(
                stream.label, "no time column; give the sample rate (sample_rate_hz) if the "
                "samples are evenly spaced"
            )
        return float(rate), True
    batch = next(_batches(stream), None)
    if batch is None:
        raise UnreadableFileError(stream.label, "no samples")
    t, _, _ = imu._time_seconds(batch[stream.layout.time], stream.layout.time, stream.label, "")
    t = t[np.isfinite(t)]
    span = float(t.max() - t.min()) if t.size > 1 else 0.0
    if span > 0:
        return (t.size - 1) / span, False
    if opts.get("sample_rate_hz"):
        return float(opts["sample_rate_hz"]), True
    raise UnreadableFileError(
        stream.label, f"the time column {stream.layout.time} gives no sample rate; give the "
        "rate (sample_rate_hz)"
    )


# --------------------------------------------------------------------------------------------
# One chunk -> a Recording on the chunk's clock, and where it sits on the file's clock


@dataclass
class _ChunkRecording:
    recording: Recording
    t0_s: float  # file-clock time of the chunk's t_s = 0
    own_start_s: float  # own span on the file clock (-inf for the first chunk)
    own_end_s: float  # (+inf for the last chunk)


def _chunk_recording(stream: Stream, chunk: _Chunk, opts: dict[str, Any], digest: str,
                     origin0: list, rows_clock: bool = False) -> _ChunkRecording:
    """The chunk's Recording, and its clock and own span on the file's clock. ``rows_clock``:
    the time column is useless (one value), rows are timed by the given rate."""
    frame = imu._Frame(chunk.columns, chunk.n)
    keys = iter(range(10**6))
    groups = imu._table_sources(frame, stream.layout, stream.table, stream.label, "",
                                stream.meta, stream.fmt, keys)
    name, sources = groups[0]
    src = sources[0]
    if rows_clock:
        rate = float(opts["sample_rate_hz"])
        t_rows = (chunk.first_row + np.arange(chunk.n)) / rate
        shift = 0.0
    else:
        if not origin0:
            origin0.append(src.origin)
        shift = (src.origin - origin0[0]) if src.origin is not None and origin0[0] is not None \
            else 0.0
        t_rows = src.t + shift
    rec = imu._recording(sources, name, True, stream.label, digest, opts, stream.meta,
                         stream.fmt)
    finite = t_rows[np.isfinite(t_rows)]
    t0 = float(finite.min()) if finite.size else float("nan")

    def at(row: int) -> float:
        i = row - chunk.first_row
        return float(t_rows[i]) if 0 <= i < chunk.n else math.inf

    own_start = -math.inf if chunk.own_first == 0 else at(chunk.own_first)
    own_end = at(chunk.own_end)
    return _ChunkRecording(rec, t0, own_start, own_end)


def _unit_key(text: str | None, units: tuple[str, ...]) -> str | None:
    """The unit key ("g", "m/s2", "rad/s", ...) an ``info[...units]`` text starts with."""
    if not text:
        return None
    for key in sorted(units, key=len, reverse=True):
        if text.startswith(imu.UNIT_TEXT.get(key, key) + " ") or text == imu.UNIT_TEXT.get(key):
            return key
    return None


# --------------------------------------------------------------------------------------------
# Public: read the first chunk, detect over all of them


def read_chunked(stream: Stream, *, acc_units=None, gyr_units=None, placement=None,
                 sample_rate_hz=None, chunk_s: float | None = None,
                 overlap_s: float | None = None) -> ReadResult:
    """ReadResult of a streamed file: one Recording whose ``samples`` are the first chunk only
    and whose ``info["chunked"]`` tells ``detect_chunked`` how to go through the rest.

    The file's content hash is computed while streaming it once (64 KiB at a time)."""
    chunk_s = CHUNK_S if chunk_s is None else float(chunk_s)
    overlap_s = OVERLAP_S if overlap_s is None else float(overlap_s)
    opts = {"acc_units": imu._unit_key(acc_units), "gyr_units": imu._unit_key(gyr_units),
            "placement": placement, "sample_rate_hz": sample_rate_hz}
    rows_per_s, rows_clock = _rows_per_second(stream, opts)
    digest = file_content_hash(stream.path, gz=stream.gz)
    first = next(_chunks(stream, rows_per_s, chunk_s, overlap_s), None)
    if first is None:
        raise UnreadableFileError(stream.label, "no samples (only a header line)")
    part = _chunk_recording(stream, first, opts, digest, [], rows_clock)
    rec = part.recording
    fixed_acc = opts["acc_units"] or _unit_key(rec.info.get("acc_units"), imu.ACC_UNITS + ("mg",))
    fixed_gyr = opts["gyr_units"] or _unit_key(rec.info.get("gyr_units"), imu.GYR_UNITS)
    rec.info["chunked"] = {
        "chunk_s": chunk_s, "overlap_s": overlap_s, "rows_per_s": rows_per_s,
        "rows_estimate": stream.rows_estimate, "acc_units": fixed_acc, "gyr_units": fixed_gyr,
        "rows_clock": rows_clock,
        "sample_rate_hz_given": sample_rate_hz,
        "note": "too large to read at once: read and analysed in chunks; samples hold the "
                "first chunk only",
    }
    rec.warnings.append(
        f"{stream.label}: about {stream.rows_estimate:,} rows, too many to read at once: "
        f"analysed in chunks of {chunk_s / 60:g} min"
    )
    rec.session_index = 0
    return ReadResult(stream.label, [rec], skipped=[], warnings=list(rec.warnings))


def detect_chunked(recording: Recording, detect: Callable[[Recording], pd.DataFrame],
                   progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Steps of a streamed recording (``read_chunked``): ``detect`` on each chunk, the steps
    whose initial contact lies in the chunk's own span kept, all joined on the file's clock.

    A shank sensor's axial axis (``imu_limb.detect_shank``'s ``gravity_axis``) is a property of
    the whole recording (the mean specific force at rest): a first pass over the file measures
    it, so that every chunk projects its impacts on the same axis as in memory.
    ``progress(rows_done, rows_estimate)`` is called after each chunk; by default a progress
    bar is drawn on a terminal's stderr. Updates ``recording.info`` (chunks, samples,
    duration_s, skipped chunks, saturation) and adds chunk warnings (at most
    MAX_CHUNK_WARNINGS).
    """
    from softstep.readers.imu import clipped_mask

    plan = recording.info["chunked"]
    stream = open_stream(Path(recording.path), recording.path)
    if stream is None:
        raise UnreadableFileError(recording.path, "the file changed while it was analysed")
    opts = {"acc_units": plan["acc_units"], "gyr_units": plan["gyr_units"],
            "placement": recording.placement, "sample_rate_hz": plan["sample_rate_hz_given"]}
    report = progress or _terminal_progress(stream.rows_estimate, recording.path)
    if recording.placement == "shank":
        detect = _shank_detector(_rest_axis(_parts(stream, plan, opts, recording, [])))
    parts: list[pd.DataFrame] = []
    activity: list[pd.DataFrame] = []
    extra_attrs: dict[str, Any] = {}
    notes: list[str] = []
    n_chunks = samples = skipped = 0
    end_s = 0.0
    clipped_rows, level = 0, recording.info.get("acc_saturation_g")
    try:
        for chunk, part, shift, lo, hi in _parts(stream, plan, opts, recording, notes):
            n_chunks += 1
            if part is None:
                skipped += 1
                continue
            rec = part.recording
            found = rec.info.get("acc_saturation_g")
            if level is not None and (found is None or found < level):
                # a level seen in an earlier chunk holds for this one (a single clipped sample
                # in a chunk is not enough to find it there)
                rec.samples.attrs["acc_saturation_g"] = rec.info["acc_saturation_g"] = level
            steps = detect(rec)
            if len(steps):
                t_file = steps["t_s"].to_numpy(float) + shift
                keep = (t_file >= lo) & (t_file < hi)
                piece = steps.loc[keep].copy()
                piece.attrs = {}  # joined below, once
                piece["t_s"] = t_file[keep]
                if "to_s" in piece:
                    piece["to_s"] = piece["to_s"].astype(float) + shift
                parts.append(piece)
                for key, value in steps.attrs.items():
                    if key != "activity":
                        extra_attrs.setdefault(key, value)
            act = steps.attrs.get("activity")
            if act is not None and len(act):
                activity.append(_clip_activity(act, shift, lo, hi))
            own_rows = chunk.own_end - chunk.own_first
            samples += own_rows
            if rec.info.get("acc_saturation_g") is not None:  # clipped samples of its own span
                level = max(level or 0.0, rec.info["acc_saturation_g"])
                t_file = rec.samples["t_s"].to_numpy() + shift
                own = (t_file >= lo) & (t_file < hi)
                clipped_rows += int(np.count_nonzero(clipped_mask(rec.samples) & own))
            end_s = max(end_s, shift + float(rec.samples["t_s"].iloc[-1]))
            notes.extend(w.replace(f"{stream.label}: ", "", 1) for w in rec.warnings
                         if w not in recording.warnings and "saturates" not in w)
            report(chunk.own_end, max(stream.rows_estimate, chunk.own_end))
    finally:
        report(-1, -1)
    table = _join(parts)
    if activity:
        table.attrs["activity"] = pd.concat(activity, ignore_index=True)
    table.attrs.update(extra_attrs)
    info = recording.info
    info["chunked"].update({"chunks": n_chunks, "skipped_chunks": skipped})
    info["samples"] = samples
    info["duration_s"] = round(end_s, 3)
    info["acc_saturation_g"] = level
    info["acc_clipped_fraction"] = round(clipped_rows / max(samples, 1), 6)
    unique = list(dict.fromkeys(notes))
    for note in unique[:MAX_CHUNK_WARNINGS]:
        recording.warnings.append(f"{recording.path}: {note}")
    if len(unique) > MAX_CHUNK_WARNINGS:
        recording.warnings.append(f"{recording.path}: {len(unique) - MAX_CHUNK_WARNINGS} more "
                                  "chunk warning(s) not shown")
    return table


def _parts(stream: Stream, plan: dict[str, Any], opts: dict[str, Any], recording: Recording,
           notes: list[str]):
    """(chunk, its _ChunkRecording or None when unreadable, shift of its clock to the file's,
    own span start, own span end) for every chunk, on the file's clock (0 = first sample)."""
    origin0: list = []
    file_t0 = None
    for chunk in _chunks(stream, plan["rows_per_s"], plan["chunk_s"], plan["overlap_s"], notes):
        try:
            part = _chunk_recording(stream, chunk, opts, recording.content_hash, origin0,
                                    plan["rows_clock"])
        except UnreadableFileError as exc:
            notes.append(f"chunk {chunk.index + 1} (rows {chunk.own_first:,}-"
                         f"{chunk.own_end:,}) skipped: {exc.problem}")
            yield chunk, None, 0.0, 0.0, 0.0
            continue
        if file_t0 is None:
            file_t0 = part.t0_s
        part.recording.placement = recording.placement
        if "side" in recording.info:
            part.recording.info["side"] = recording.info["side"]
        yield (chunk, part, part.t0_s - file_t0, part.own_start_s - file_t0,
               part.own_end_s - file_t0)


def _rest_axis(parts) -> np.ndarray | None:
    """``imu_limb._gravity_axis`` over the whole file: the mean specific force over the samples
    at rest (if >= 1 s), else over all samples, as a unit vector; None without accelerometer."""
    from softstep.steps.imu_limb import ACC, GYR, _axes, _still

    still_sum = np.zeros(3)
    all_sum = np.zeros(3)
    n_still = n_all = 0
    fs = None
    for _chunk, part, shift, lo, hi in parts:
        if part is None:
            continue
        samples = part.recording.samples
        fs = part.recording.sample_rate_hz
        acc = _axes(samples, ACC)
        if acc is None or acc.shape[1] != 3:
            return None
        t_file = samples["t_s"].to_numpy() + shift
        own = (t_file >= lo) & (t_file < hi)
        still = _still(np.linalg.norm(acc, axis=1), _axes(samples, GYR), fs) & own
        still_sum += acc[still].sum(axis=0)
        n_still += int(still.sum())
        all_sum += acc[own].sum(axis=0)
        n_all += int(own.sum())
    if not n_all:
        return None
    m = still_sum / n_still if fs is not None and n_still >= fs else all_sum / n_all
    return m / np.linalg.norm(m)


def _shank_detector(axis: np.ndarray | None) -> Callable[[Recording], pd.DataFrame]:
    """The pipeline's shank detector with the whole file's axial axis."""
    from softstep.readers.imu import clipped_mask
    from softstep.steps.imu_limb import detect_shank

    def detect(rec: Recording) -> pd.DataFrame:
        return detect_shank(rec.samples, rec.sample_rate_hz, clipped=clipped_mask(rec.samples),
                            side=rec.info.get("side"), gravity_axis=axis)

    return detect


def _join(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The chunks' steps as one table in time order, a contact counted twice at an edge once."""
    from softstep.model import STEP_COLUMNS

    parts = [p for p in parts if len(p)]
    if not parts:
        return conform(pd.DataFrame(), STEP_COLUMNS)
    table = pd.concat(parts, ignore_index=True).sort_values("t_s", kind="stable")
    t = table["t_s"].to_numpy(float)
    dup = np.r_[False, np.diff(t) < MIN_STEP_GAP_S]
    return conform(table.loc[~dup].reset_index(drop=True), STEP_COLUMNS)


def _clip_activity(act: pd.DataFrame, shift: float, lo: float, hi: float) -> pd.DataFrame:
    out = act.copy()
    out["start_s"] = np.clip(out["start_s"].to_numpy(float) + shift, lo, hi)
    out["end_s"] = np.clip(out["end_s"].to_numpy(float) + shift, lo, hi)
    return out.loc[out["end_s"] > out["start_s"]].reset_index(drop=True)


def _terminal_progress(total_rows: int, label: str) -> Callable[[int, int], None]:
    """A rich progress bar on stderr when it is a terminal; else a function that does nothing."""
    def nothing(done: int, total: int) -> None:
        return None

    if not sys.stderr.isatty():
        return nothing
    from rich.console import Console
    from rich.errors import LiveError
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(),
                   transient=True, console=Console(stderr=True))
    task = bar.add_task(f"analysing {Path(label).name}", total=max(total_rows, 1))
    try:
        bar.start()
    except LiveError:  # the command line already shows a bar (several files): keep that one
        return nothing

    def update(done: int, total: int) -> None:
        if done < 0:
            bar.stop()
            return
        bar.update(task, completed=done, total=total)

    return update
