"""Readers: bytes of a watch or sensor file -> ``ReadResult`` (one ``Recording`` per run).

``read(path)`` picks the format from the content first (a FIT header, a TCX or GPX root
element, a zip or Parquet signature) and from the suffix second (``.fit``, ``.tcx``, ``.gpx``,
each also ``.gz`` as Strava exports them; ``.csv``, ``.tsv``, ``.txt``, ``.zip``, ``.parquet``
for inertial sensor files, see ``readers.imu``); a text file that starts like a table of
numbers is read as an inertial sensor file too. Every problem a user can cause ends as
UnreadableFileError or NoRunningError with a one-line message naming the file; partly readable
files are salvaged with a warning.

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
from softstep.readers._common import (
    content_hash,
    file_content_hash,
    load_bytes,
    looks_like_text,
    sniff,
)

__all__ = ["DEFAULT_MAX_BYTES", "IMU_SUFFIXES", "SUFFIXES", "read"]

DEFAULT_MAX_BYTES = 512 * 2**20
SUFFIXES = {".fit": "fit", ".tcx": "tcx", ".gpx": "gpx", ".json": "pose"}
IMU_SUFFIXES = (".csv", ".tsv", ".txt", ".zip", ".parquet", ".pq")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
PARQUET_MAGIC = b"PAR1"


def _format_from_suffix(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    if suffixes[-1] in IMU_SUFFIXES:
        return "imu"
    from softstep.readers.audio import AUDIO_SUFFIXES

    if suffixes[-1] in AUDIO_SUFFIXES:
        return "audio"
    return SUFFIXES.get(suffixes[-1])


def _format(data: bytes, path: Path) -> str | None:
    """fit / tcx / gpx / forceplate / imu from the content, then the suffix; None when neither
    tells. A QTM force TSV (first line NO_OF_SAMPLES) or a CSV of time_s and fz_n is a force
    plate, checked before the inertial table sniffing."""
    kind = sniff(data)
    if kind is not None:
        return kind
    from softstep.readers.pose import is_pose_json

    if is_pose_json(data) or _format_from_suffix(path) == "pose":  # video keypoints (issue 5)
        return "pose"
    from softstep.readers.audio import audio_kind

    if audio_kind(data[:64]) is not None:  # sound / video containers, before any table sniffing
        return "audio"
    from softstep.readers.forceplate import is_force_csv, is_qtm_force_tsv

    if is_qtm_force_tsv(data) or is_force_csv(data):
        return "forceplate"
    if data[:4] in ZIP_MAGIC or data[:4] == PARQUET_MAGIC:
        return "imu"
    kind = _format_from_suffix(path)
    if kind is None:
        from softstep.readers.imu import looks_like_table

        kind = "imu" if looks_like_table(data) else None
    return kind


AUDIO_MAX_BYTES = 8 * 2**30  # sound is streamed: a file limit well above an hour of WAV


def _file_head(path: Path) -> bytes | None:
    """The first 64 bytes of a non-empty regular file, else None."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
        with open(path, "rb") as fh:
            return fh.read(64)
    except OSError:
        return None


def _read_audio_if_sound(path: Path, label: str, max_bytes: int) -> ReadResult | None:
    """Read ``path`` as sound (readers.audio) when its first bytes or its suffix say sound or
    video, else None. Sound is streamed, so the default byte limit becomes AUDIO_MAX_BYTES."""
    head = _file_head(path)
    if not head or head[:2] == b"\x1f\x8b" or _format(head, path) != "audio":
        return None
    from softstep.readers.audio import read_audio

    limit = AUDIO_MAX_BYTES if max_bytes == DEFAULT_MAX_BYTES else max_bytes
    try:
        # the hash is read in a thread while the sound is decoded
        return read_audio(path, label, lambda: file_content_hash(path), max_bytes=limit)
    except SoftstepError:
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder bug must still name the file
        raise UnreadableFileError(
            label, f"unexpected {type(exc).__name__} while reading it as sound: {exc}") from exc


def _read_video_if_video(path: Path, label: str, source: str | None) -> ReadResult | None:
    """Read ``path`` through the pose model (readers.video) when it is a video container with a
    video stream and ``source`` is not "audio", else None; ``source="video"`` on a file without
    a video stream is an error that says so."""
    if source == "audio":
        return None
    if source not in (None, "video"):
        raise UnreadableFileError(label, f"source must be 'audio' or 'video', not {source!r}")
    head = _file_head(path)
    if not head:
        return None
    from softstep.readers.video import VIDEO_SUFFIXES, has_video_stream, read_video

    # ISO media (mp4 / mov / 3gp) or Matroska / WebM, sniffed here: importing readers.audio
    # to ask it costs seconds that a video does not need
    container = head[4:8] == b"ftyp" or head[:4] == b"\x1a\x45\xdf\xa3"
    if not (container or path.suffix.lower() in VIDEO_SUFFIXES) or not has_video_stream(path):
        if source == "video":
            raise UnreadableFileError(label, "has no video stream to run pose on (sound only, "
                                      "or not a video); analyse its sound with --source audio")
        return None
    try:
        return read_video(path, label, file_content_hash(path))
    except SoftstepError:
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder / model bug must still name the file
        raise UnreadableFileError(
            label, f"unexpected {type(exc).__name__} while reading it as video: {exc}") from exc


def read(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    acc_units: str | None = None,
    gyr_units: str | None = None,
    placement: str | None = None,
    sample_rate_hz: float | None = None,
    mass_kg: float | None = None,
    source: str | None = None,
) -> ReadResult:
    """Read a FIT, TCX or GPX file, an inertial sensor file or a force-plate file (QTM force
    TSV, with its sibling ``_f_N`` plates; CSV of time_s and fz_n) into its running sessions.
    Sound (WAV, FLAC, Ogg, MP3, M4A/AAC) and, with ``source="audio"``, the sound track of a
    video (MP4, MOV) are streamed into one "audio" recording of their envelope
    (``readers.audio``); for them the default ``max_bytes`` becomes AUDIO_MAX_BYTES. A video
    with a video stream goes through the pose model (``readers.video``) into one "video"
    recording of keypoints, like a keypoint file.

    Parameters
    ----------
    path : the file (any of them may be gzipped)
    max_bytes : larger files (on disk, once decompressed, or unpacked from a zip) are refused
        before reading, except inertial tables: those (and any over ``imu_stream.STREAM_ROWS``
        rows) are read and analysed in chunks (``readers.imu_stream``)
    acc_units, gyr_units : accelerometer units ("g" / "m/s2") and gyroscope units ("rad/s" /
        "deg/s") of an inertial file; detected from the data when None
    placement : where an inertial sensor was worn (one of model.PLACEMENTS); else the sensor or
        file name says, or None (the pipeline guesses it)
    sample_rate_hz : the rate of an inertial file whose time column is missing or useless
    mass_kg : the runner's mass, kg; a force-plate file scales force to body weights with it
        (else body weight is estimated from the force)
    source : for a video file (MP4, MOV, ...): "video" (the default when it has a video
        stream) runs the pose model on its frames (``readers.video``, needs the ``video``
        extra and ``softstep models fetch``); "audio" analyses its sound track instead

    The four before ``mass_kg`` only concern inertial files; ``mass_kg`` only force plates;
    ``source`` only sound / video files; the other formats ignore them.

    Returns a ReadResult: ``recordings`` (each ``records`` conforms to RECORD_COLUMNS, ``t_s``
    ascending from 0; inertial recordings have ``samples`` with IMU_COLUMNS instead and an
    empty ``records``), ``skipped`` (non-running sessions or unusable sensors, named) and
    ``warnings``.

    Raises UnreadableFileError (empty, too large, not a known format, corrupt before any data,
    a wrong option) or NoRunningError (readable, but no running activity in it).
    """
    path = Path(path)
    label = str(path)
    imu_options = {"acc_units": acc_units, "gyr_units": gyr_units, "placement": placement,
                   "sample_rate_hz": sample_rate_hz}
    if any(v is not None for v in imu_options.values()):
        from softstep.readers.imu import check_options

        check_options(label, **imu_options)
    video = _read_video_if_video(path, label, source)  # frames streamed through the pose model
    if video is not None:
        return video
    audio = _read_audio_if_sound(path, label, max_bytes)  # streamed: never loaded whole
    if audio is not None:
        return audio
    if _format_from_suffix(path) not in SUFFIXES.values():  # watch files are never streamed
        from softstep.readers.imu_stream import plan_stream, read_chunked

        stream = plan_stream(path, max_bytes)  # an inertial file too large to read at once
        if stream is not None:
            return read_chunked(stream, **imu_options)
    data = load_bytes(path, max_bytes)
    kind = _format(data, path)
    if kind is None:
        what = "a text file" if looks_like_text(data) else "binary data"
        raise UnreadableFileError(
            label, f"not a FIT, TCX, GPX or sensor data (CSV, Parquet, zip) file (it looks like "
            f"{what})"
        )
    digest = content_hash(data)
    try:
        if kind == "pose":
            from softstep.readers.pose import read_pose

            return read_pose(data, label, digest)
        if kind == "forceplate":
            from softstep.readers.forceplate import read_forceplate

            return read_forceplate(path, mass_kg=mass_kg, max_bytes=max_bytes)
        if kind == "imu":
            from softstep.readers.imu import read_imu

            return read_imu(data, label, digest, max_bytes=max_bytes, **imu_options)
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
