"""Uploaded files: copied to a temporary file (size-limited), analysed, stored, removed.

The temporary file keeps the uploaded name so the readers recognise the format by its suffix;
every message and stored path names the uploaded file, never the temporary one.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from softstep.errors import SoftstepError
from softstep.store import Store

if TYPE_CHECKING:
    from softstep.model import FileAnalysis

CHUNK_BYTES = 1024 * 1024
# Striped locks by (runner, content hash): concurrent uploads of one file in this process are
# analysed once (two different files share a stripe rarely, and then merely take turns).
_SAME_FILE_LOCKS = tuple(threading.Lock() for _ in range(64))


@dataclass(frozen=True)
class UploadLimit:
    """The largest accepted upload, bytes."""

    max_bytes: int


class TooLargeError(SoftstepError):
    """The upload is larger than the server accepts (HTTP 413)."""

    def __init__(self, name: str, max_bytes: int):
        super().__init__(
            f"{name} is larger than the {max_bytes / 1024**2:.0f} MiB this server accepts; "
            "trim the recording or start the server with a larger --max-upload-mb")


class BodySizeLimit:
    """ASGI middleware: 413 for a request body over ``max_bytes``, counted as it streams in.

    A declared Content-Length over the limit is refused before any byte is read; a body sent
    without one (chunked) is cut off as soon as it passes the limit, so it is never spooled to
    disk whole. The message names the upload limit, ``shown_bytes``.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, shown_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.shown_bytes = shown_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        over = started = False

        async def counting_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    over = True
                    raise TooLargeError("the upload", self.shown_bytes)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:  # the app's own answer to the cut-off body (400 or 413) is replaced
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except TooLargeError:
            if not over:
                raise
        if over and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": str(TooLargeError("the upload", self.shown_bytes))})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body.encode()})


@dataclass
class Stored:
    """What one upload became: the run ids (in the file's order) and whether it was there."""

    ids: list[int]
    duplicate: bool
    warnings: list[str] = field(default_factory=list)


def safe_name(name: str | None) -> str:
    """The uploaded file name without folders or odd characters (suffixes kept).

    >>> safe_name("../../My Run (1).fit.gz")
    'My_Run_1_.fit.gz'
    """
    base = Path((name or "").replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "upload"
    return cleaned[-120:]


def copy_limited(source: BinaryIO, target: Path, max_bytes: int, name: str) -> int:
    """Copy ``source`` to ``target`` in 1 MiB chunks; TooLargeError past ``max_bytes``.
    Returns the bytes written."""
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK_BYTES):
            written += len(chunk)
            if written > max_bytes:
                raise TooLargeError(name, max_bytes)
            out.write(chunk)
    return written


def ingest(store: Store, source: BinaryIO, name: str | None, *, max_bytes: int,
           runner: str = "me") -> Stored:
    """Analyse the uploaded ``source`` and store its runs for ``runner``.

    The same file uploaded again is not stored twice (the store dedups by content hash): its
    existing ids come back with ``duplicate=True``. Raises TooLargeError, or the reader's
    SoftstepError (naming the uploaded file) with nothing stored.
    """
    from softstep.readers._common import file_content_hash

    shown = safe_name(name)
    folder = Path(tempfile.mkdtemp(prefix="softstep-upload-"))
    try:
        path = folder / shown
        size = copy_limited(source, path, max_bytes, shown)
        # the readers hash the same bytes (a .gz's are hashed unzipped, so those miss here and
        # are found after the analysis): a file stored before is not analysed again, and
        # uploads of one file at the same time wait for the first instead of analysing it too
        digest = file_content_hash(path)
        with _SAME_FILE_LOCKS[hash((runner, digest)) % len(_SAME_FILE_LOCKS)]:
            known = store.stored_file_runs(runner, digest)
            if known is not None:
                return Stored(known, duplicate=True)
            return _analyse_and_store(store, path, shown, size, runner)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _analyse_and_store(store: Store, path: Path, shown: str, size: int, runner: str) -> Stored:
    from softstep.pipeline import analyze_file

    try:
        analysis = analyze_file(
            path, store.runner(runner),
            loudness_history=store.audio_history(runner),
            video_history=store.video_history(runner),
        )
    except SoftstepError as exc:
        raise _renamed(exc, path, shown) from None
    if not analysis.runs:
        raise SoftstepError(f"no running activity in {shown}")
    analysis.path = shown
    for run in analysis.runs:
        run.recording.path = shown
    result = store.import_analysis(analysis, runner=runner, file_name=shown, file_size=size)
    warnings = list(analysis.warnings)
    if not result.duplicate:
        warnings += store_video_media(store, analysis, result.run_ids, path, shown)
    return Stored(result.run_ids, result.duplicate, warnings)


SIDE_NAMES = {"L": "left", "R": "right", "L?": "left-unsure", "R?": "right-unsure"}
CLIP_NAME = "annotated.mp4"


def store_video_media(store: Store, analysis: FileAnalysis, run_ids: list[int], clip: Path,
                      shown: str) -> list[str]:
    """Draw the contact sheets (JPEG, ``contacts-<side>.jpg``) and the annotated clip
    (``annotated.mp4``) of each video run of ``analysis`` from the uploaded ``clip`` and store
    them in the run's media. Only a video file can be drawn (a keypoint ``.pose.json`` upload
    has no pictures). Returns warnings; a failure to draw never loses the stored run."""
    from softstep.readers.video import VIDEO_SUFFIXES
    from softstep.report.video_figures import render_video_figures

    warnings: list[str] = []
    if clip.suffix.lower() not in VIDEO_SUFFIXES:
        return warnings
    for run, run_id in zip(analysis.runs, run_ids, strict=True):
        if run.recording.source != "video":
            continue
        info = run.recording.info
        out_video = clip.with_name(f"{run_id}.{CLIP_NAME}")
        try:
            figs = render_video_figures(
                clip, run.recording.samples, run.steps, out_video=out_video,
                near_side=info.get("near_side"),
                pose_size=(info.get("width_px"), info.get("height_px")))
            for side, data in figs.sheets.items():
                store.put_media(run_id, f"contacts-{SIDE_NAMES.get(side, 'unknown')}.jpg",
                                "image/jpeg", data)
            if figs.video_path is not None and Path(figs.video_path).exists():
                store.put_media(run_id, CLIP_NAME, "video/mp4",
                                Path(figs.video_path).read_bytes())
        except Exception as exc:  # noqa: BLE001 - the run is stored; the pictures are extra
            message = str(exc).replace(str(clip), shown)
            warnings.append(f"run {run_id}: the contact sheets and annotated clip of {shown} "
                            f"could not be drawn ({message}); the analysis is stored")
    return warnings


def _renamed(exc: SoftstepError, path: Path, shown: str) -> SoftstepError:
    """``exc`` with its message naming the uploaded file instead of the temporary copy."""
    message = str(exc).replace(str(path), shown).replace(str(path.parent) + "/", "")
    return SoftstepError(message)
