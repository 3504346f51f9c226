"""Helpers every reader shares: loading bytes safely, sniffing the format, finishing the table.

Nothing here knows a file format; each function works on bytes or on numpy arrays.

>>> sniff(b"<?xml version='1.0'?><gpx version='1.1'>")
'gpx'
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import queue
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from softstep.errors import UnreadableFileError
from softstep.model import RECORD_COLUMNS, conform

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), m
GZIP_MAGIC = b"\x1f\x8b"

# Doubling rule for per-leg cadence (TCX RunCadence, GPX cad): while running, one leg turns over
# 75-100 times a minute; a median of 130 or more can only be steps/min already. Walk-run
# transition is about 135-140 steps/min (SCIENCE.md §6), so no real per-leg value reaches 130.
ALREADY_STEPS_MIN_SPM = 130.0
MOVING_M_PER_S = 1.0  # slower than this counts as standing or walking for the cadence check


def load_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, gunzipped when it is gzip, refusing empty or over-large files.

    The size on disk is checked before anything is read; a gzip file is decompressed only up to
    ``max_bytes``. Raises UnreadableFileError naming ``path`` for every problem.

    >>> load_bytes(Path("missing.fit"), 100)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    UnreadableFileError: cannot read missing.fit: no such file
    """
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise UnreadableFileError(path, "no such file") from None
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot open it ({exc.strerror or exc})") from None
    if path.is_dir():
        raise UnreadableFileError(path, "it is a folder, not a file")
    if size == 0:
        raise UnreadableFileError(path, "the file is empty")
    if size > max_bytes:
        raise UnreadableFileError(
            path, f"the file is too large ({size:,} bytes; the limit is {max_bytes:,})"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot open it ({exc.strerror or exc})") from None
    if data[:2] == GZIP_MAGIC:
        data = _gunzip(data, path, max_bytes)
    return data


def _gunzip(data: bytes, path: Path, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFileError(path, f"broken gzip data ({exc})") from None
    if len(out) > max_bytes:
        raise UnreadableFileError(
            path, f"the file is too large once decompressed (over {max_bytes:,} bytes)"
        )
    if not out:
        raise UnreadableFileError(path, "the gzip file holds nothing")
    return out


def content_hash(data: bytes) -> str:
    """sha256 hex digest of ``data`` (the file's content, after gunzip for .gz files)."""
    return hashlib.sha256(data).hexdigest()


def file_content_hash(path: Path, *, gz: bool = False) -> str:
    """``content_hash`` of a file read in 1 MiB blocks (gunzipped when ``gz``), for files that
    are streamed rather than loaded whole."""
    digest = hashlib.sha256()
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
        for block in iter(lambda: fh.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_fit(data: bytes) -> bool:
    """True when ``data`` starts with a FIT file header (size 12 or 14, then '.FIT' at 8)."""
    return len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT"


def sniff(data: bytes) -> str | None:
    """The format the content shows: "fit", "tcx", "gpx", or None when it shows none.

    XML is recognised by its element names in the first 4 KiB, so a TCX file that lost its
    root element (``<Activities>`` first) is still TCX.
    """
    if is_fit(data):
        return "fit"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return None
    if b"<TrainingCenterDatabase" in head or b"<Activities" in head or b"<Activity " in head:
        return "tcx"
    if b"<gpx" in head:
        return "gpx"
    return None


def looks_like_text(data: bytes) -> bool:
    """True when the first KiB decodes as UTF-8 text without control characters."""
    head = data[:1024]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the 1 KiB boundary is still text
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(c.isprintable() or c in "\r\n\t" for c in text)


# --------------------------------------------------------------------------------------------
def finish_records(columns: dict[str, np.ndarray], time_s: np.ndarray) -> pd.DataFrame:
    """Per-record table: sorted by time, one row per timestamp, ``t_s`` from the first record.

    ``columns`` maps RECORD_COLUMNS names to float arrays aligned with ``time_s`` (any absolute
    or relative seconds). Rows with no time are dropped. Rows sharing a timestamp are merged,
    keeping each column's first non-NaN value (Strava writes position and distance as two
    records of the same second). Returns ``conform(table, list(RECORD_COLUMNS))``.

    >>> t = np.array([10.0, 11.0, 11.0, 12.0])
    >>> out = finish_records({"hr_bpm": np.array([90.0, np.nan, 95.0, 99.0])}, t)
    >>> out["t_s"].tolist(), out["hr_bpm"].tolist()
    ([0.0, 1.0, 2.0], [90.0, 95.0, 99.0])
    """
    time_s = np.asarray(time_s, dtype=np.float64)
    keep = np.isfinite(time_s)
    frame = pd.DataFrame(
        {k: np.asarray(v, dtype=np.float64)[keep] for k, v in columns.items() if k != "t_s"}
    )
    t = time_s[keep]
    if len(t) > 1 and not np.all(np.diff(t) > 0):
        order = np.argsort(t, kind="stable")
        t = t[order]
        frame = frame.iloc[order].reset_index(drop=True)
        if np.any(np.diff(t) == 0):
            frame["_t"] = t
            frame = frame.groupby("_t", sort=True).first()
            t = frame.index.to_numpy(dtype=np.float64)
            frame = frame.reset_index(drop=True)
    frame.insert(0, "t_s", t - t[0] if len(t) else t)
    return conform(frame, list(RECORD_COLUMNS))


def haversine_step_m(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Great-circle distance from each point to the next, m; shape (n - 1,), NaN where unknown.

    >>> round(float(haversine_step_m(np.array([0.0, 0.0]), np.array([0.0, 1.0]))[0]))
    111195
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    dlat = np.diff(lat)
    dlon = np.diff(lon)
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_from_positions_m(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Cumulative distance along the track, m, starting at 0; gaps without a position add 0.

    Where positions are missing the last known position is carried forward, so the first step
    after a GPS gap spans the gap.
    """
    n = len(lat_deg)
    if n == 0:
        return np.zeros(0)
    lat = pd.Series(lat_deg, dtype="float64").ffill().to_numpy()
    lon = pd.Series(lon_deg, dtype="float64").ffill().to_numpy()
    steps = np.nan_to_num(haversine_step_m(lat, lon), nan=0.0)
    return np.concatenate(([0.0], np.cumsum(steps)))


def windowed_speed_m_per_s(t_s: np.ndarray, distance_m: np.ndarray, half_width: int = 2) -> np.ndarray:
    """Speed from cumulative distance over a centred window of ``2 * half_width`` intervals, m/s.

    ``speed[i] = (d[i + k] - d[i - k]) / (t[i + k] - t[i - k])`` with the window clipped at the
    ends: a light smoothing of GPS jitter that keeps real pace changes (5 samples at 1 Hz).

    >>> windowed_speed_m_per_s(np.arange(5.0), np.arange(5.0) * 3.0).tolist()
    [3.0, 3.0, 3.0, 3.0, 3.0]
    """
    t = np.asarray(t_s, dtype=np.float64)
    d = np.asarray(distance_m, dtype=np.float64)
    n = len(t)
    if n < 2:
        return np.full(n, np.nan)
    idx = np.arange(n)
    lo = np.clip(idx - half_width, 0, n - 1)
    hi = np.clip(idx + half_width, 0, n - 1)
    dt = t[hi] - t[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = (d[hi] - d[lo]) / dt
    speed[~(dt > 0)] = np.nan
    return speed


def per_leg_cadence_to_spm(
    cadence: np.ndarray, speed_m_per_s: np.ndarray, path: str, what: str
) -> tuple[np.ndarray, str | None]:
    """Steps/min from a cadence column that is per leg (most devices) or already doubled.

    If the median of nonzero cadence while moving (speed >= MOVING_M_PER_S, or every nonzero
    value when speed is unknown) is >= ALREADY_STEPS_MIN_SPM the values are taken as steps/min
    and a warning naming ``path`` is returned; otherwise they are doubled.

    >>> per_leg_cadence_to_spm(np.array([85.0, 86.0]), np.array([3.0, 3.0]), "a.tcx", "x")[0]
    array([170., 172.])
    """
    cad = np.asarray(cadence, dtype=np.float64)
    speed = np.asarray(speed_m_per_s, dtype=np.float64)
    nonzero = np.isfinite(cad) & (cad > 0)
    moving = nonzero & (speed >= MOVING_M_PER_S)
    sample = cad[moving] if moving.any() else cad[nonzero]
    if sample.size and float(np.median(sample)) >= ALREADY_STEPS_MIN_SPM:
        return cad, (
            f"{path}: {what} cadence looks already doubled (median {np.median(sample):.0f} "
            "while moving); taken as steps/min"
        )
    return cad * 2.0, None


def prefetch(items: Iterator, depth: int = 2) -> Iterator:
    """``items`` produced by a background thread up to ``depth`` ahead of the consumer, so that
    decoding the next block or frame overlaps the work on this one (libsndfile, FFmpeg, SciPy's
    filters and the pose model release Python's lock: two cores do both at once). An exception
    in the producer is raised here, in place of the item it did not give; stopping early (break,
    an error downstream) stops the producer, which closes ``items`` in its own thread.

    >>> list(prefetch(iter(range(5)), depth=2))
    [0, 1, 2, 3, 4]
    """
    box: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()
    end = object()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((end, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put((end, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="softstep-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = box.get()
            if exc is not None:
                raise exc
            if item is end:
                return
            yield item
    finally:
        stop.set()
        worker.join()
