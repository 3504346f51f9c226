"""Readers: bytes of a watch file -> ``ReadResult`` (one ``Recording`` per run).

``read(path)`` picks the format from the content first (a FIT header, a TCX or GPX root
element) and from the suffix second (``.fit``, ``.tcx``, ``.gpx``, each also ``.gz`` as Strava
exports them). Every problem a user can cause ends as UnreadableFileError or NoRunningError
with a one-line message naming the file; partly readable files are salvaged with a warning.

>>> from softstep import sample_path
>>> result = read(sample_path())
>>> run = result.recordings[0]
>>> run.source, run.sport, len(run.records) > 2500
('fit', 'running', True)
"""

from __future__ import annotations

from pathlib import Path

from softstep.errors import SoftstepError, UnreadableFileError
from softstep.model import ReadResult
from softstep.readers._common import content_hash, load_bytes, looks_like_text, sniff

__all__ = ["DEFAULT_MAX_BYTES", "SUFFIXES", "read"]

DEFAULT_MAX_BYTES = 512 * 2**20
SUFFIXES = {".fit": "fit", ".tcx": "tcx", ".gpx": "gpx"}


def _format_from_suffix(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return SUFFIXES.get(suffixes[-1]) if suffixes else None


def read(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read a FIT, TCX or GPX file (optionally gzipped) into its running sessions.

    Parameters
    ----------
    path : the file
    max_bytes : larger files (on disk, or once decompressed) are refused before reading

    Returns a ReadResult: ``recordings`` (each ``records`` conforms to RECORD_COLUMNS, ``t_s``
    ascending from 0), ``skipped`` (non-running sessions, named) and ``warnings``.

    Raises UnreadableFileError (empty, too large, not a known format, corrupt before any data)
    or NoRunningError (readable, but no running activity in it).
    """
    path = Path(path)
    label = str(path)
    data = load_bytes(path, max_bytes)
    kind = sniff(data) or _format_from_suffix(path)
    if kind is None:
        what = "a text file" if looks_like_text(data) else "binary data"
        raise UnreadableFileError(label, f"not a FIT, TCX or GPX file (it looks like {what})")
    digest = content_hash(data)
    try:
        if kind == "fit":
            from softstep.readers.fit import read_fit

            return read_fit(data, label, digest)
        if kind == "tcx":
            from softstep.readers.tcx import read_tcx

            return read_tcx(data, label, digest)
        from softstep.readers.gpx import read_gpx

        return read_gpx(data, label, digest)
    except SoftstepError:
        raise
    except Exception as exc:  # noqa: BLE001 - a reader bug must still name the file, not trace
        raise UnreadableFileError(
            label, f"unexpected {type(exc).__name__} while reading it as {kind.upper()}: {exc}"
        ) from exc
