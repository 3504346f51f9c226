"""A phone video (MP4, MOV, ...) through a pose estimator -> a Recording of source "video".

Frames are decoded with PyAV one at a time (memory stays flat on long clips) with their exact
presentation times (``frame.time``), so a variable frame rate is kept: ``t_s`` is those times
from the first frame, and ``fps`` in ``info`` is the nominal rate (frames / span) that the
frame-limit warning uses. A portrait phone clip stored landscape with a display-matrix rotation
(``frame.rotation``, degrees counter-clockwise) is turned upright before pose, so keypoints are
in the pixels of the picture as it is shown. The keypoints go through readers.pose's
``keypoint_recording``: the same tidy ``pose_columns()`` table as a keypoint file, so
steps.video runs unchanged.

>>> upright(np.arange(6, dtype=np.uint8).reshape(2, 3, 1), 90)[..., 0].tolist()
[[2, 5], [1, 4], [0, 3]]
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from softstep.errors import UnreadableFileError
from softstep.model import ReadResult
from softstep.readers._common import prefetch

__all__ = ["VIDEO_SUFFIXES", "VideoFrame", "drop_collapsed", "has_video_stream", "iter_frames",
           "prefetch", "read_video", "second_person_share", "upright"]

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".3gp", ".webm", ".mkv", ".avi")
PROGRESS_MIN_FRAMES = 300  # a bar for clips longer than ~10 s at 30 fps
# A far-leg keypoint this close (x foot length) to the near leg's same keypoint is the pose
# model's near/far confusion (``drop_collapsed``); running has no double support, so two heels
# (toes, ankles) do not share a spot. On male_side.mp4 BlazePose puts the far heel on the near
# one in 4 % of the frames; dropping them turns 32 contacts (cadence 180) into the 30 of the
# keypoint file (cadence 169.5 vs 168.9 measured). 0.25 leaves two of those collapses in.
COLLAPSE_FRACTION = 0.3
COLLAPSE_JOINTS = ("heel", "big_toe", "ankle")
# Two people (``second_person_share``): a second skeleton at least this tall (x the tallest)
# is another person near the runner, not a far passer-by; in this share of the frames checked
# the clip is refused (the tracker may follow either and switch between them).
SECOND_PERSON_MIN_SIZE = 0.5
TWO_PEOPLE_MIN_SHARE = 0.25
# Frames decoded ahead in a second thread while the pose model runs (``prefetch``): BlazePose
# runs on one core (28 ms CPU = 28 ms wall per 720p frame here), decoding to RGB takes 7 ms, so
# on 2 cores they overlap: 24 -> 28 fps on male_side at load 2 (35 fps possible on idle cores).
# 4 frames of 720p RGB are 11 MB.
PREFETCH_FRAMES = 4


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame: index, presentation time (s from the stream start), upright RGB."""

    index: int
    t_s: float
    rgb: np.ndarray


def upright(rgb: np.ndarray, rotation_deg: float) -> np.ndarray:
    """``rgb`` turned as its display matrix says: ``rotation_deg`` counter-clockwise (PyAV's
    ``frame.rotation``; -90 / 270 is the usual portrait phone clip)."""
    k = int(round(rotation_deg / 90.0)) % 4
    return np.rot90(rgb, k) if k else rgb


def _open(path: Path, label: str):
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(label, f"not a readable video ({exc}); is the file complete?") \
            from None
    if not container.streams.video:
        what = "sound only" if container.streams.audio else "no streams"
        container.close()
        raise UnreadableFileError(label, f"has no video stream ({what}); analyse its sound with "
                                  "--source audio")
    return container


def has_video_stream(path: str | Path) -> bool:
    """True when PyAV opens ``path`` and finds a video stream (the header only is read); a
    cover picture (an attached still image) does not count.

    >>> has_video_stream("no/such/file.mp4")
    False
    """
    import av

    try:
        with av.open(str(path)) as container:
            cover = av.stream.Disposition.attached_pic
            return any(not (s.disposition & cover) for s in container.streams.video)
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return False


def iter_frames(path: str | Path, label: str | None = None) -> Iterator[VideoFrame]:
    """Decode the first video stream of ``path`` frame by frame (threaded decoder), upright.
    Raises UnreadableFileError naming the file when it is no video or breaks before any frame;
    a clip that breaks later stops there (what was decoded is kept)."""
    import av

    path = Path(path)
    label = label or str(path)
    container = _open(path, label)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        index = 0
        t0 = None
        try:
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                t0 = frame.time if t0 is None else t0
                rgb = upright(frame.to_ndarray(format="rgb24"), frame.rotation or 0)
                yield VideoFrame(index, float(frame.time), rgb)
                index += 1
        except av.FFmpegError as exc:
            if index == 0:
                raise UnreadableFileError(label, f"the video cannot be decoded ({exc})") from None
        if index == 0:
            raise UnreadableFileError(label, "the video stream has no frames")
    finally:
        container.close()


def drop_collapsed(arr: np.ndarray, names: list[str],
                   fraction: float = COLLAPSE_FRACTION) -> tuple[np.ndarray, float]:
    """frames x keypoints x (x, y, score) with each far-leg foot keypoint (heel, big toe,
    ankle) that lies within ``fraction`` x the foot length of the other leg's same keypoint set
    to NaN (score 0): of the pair, the one the model scored lower (the hidden far leg). Returns
    the new array and the share of frames where it happened. The far leg is then "not seen"
    in those frames, and steps.video bridges short gaps or leaves that side unnamed.

    >>> names = ["l_heel", "r_heel", "l_big_toe", "r_big_toe"]
    >>> f = np.array([[[100, 500, .9], [300, 400, .6], [180, 500, .9], [380, 400, .6]],
    ...               [[100, 500, .9], [105, 502, .6], [180, 500, .9], [380, 400, .6]]], float)
    >>> out, share = drop_collapsed(f, names)
    >>> out[:, 1, 2].tolist(), share
    ([0.6, 0.0], 0.5)
    """
    from softstep.readers.pose import _index_of

    arr = arr.copy()
    idx = {(s, j): _index_of(names, s, j)
           for s in "lr" for j in ("heel", "big_toe", *COLLAPSE_JOINTS)}
    feet = [np.hypot(arr[:, idx[s, "heel"], 0] - arr[:, idx[s, "big_toe"], 0],
                     arr[:, idx[s, "heel"], 1] - arr[:, idx[s, "big_toe"], 1]) for s in "lr"
            if idx[s, "heel"] is not None and idx[s, "big_toe"] is not None]
    with warnings.catch_warnings():  # no foot seen at all: NaN, handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        foot_px = np.nanmedian(np.concatenate(feet)) if feet else np.nan
    if not np.isfinite(foot_px) or foot_px <= 0:
        return arr, 0.0
    hit_any = np.zeros(len(arr), bool)
    for joint in COLLAPSE_JOINTS:
        li, ri = idx["l", joint], idx["r", joint]
        if li is None or ri is None:
            continue
        left, right = arr[:, li].copy(), arr[:, ri].copy()
        dist = np.hypot(left[:, 0] - right[:, 0], left[:, 1] - right[:, 1])
        hit = np.nan_to_num(dist, nan=np.inf) < fraction * foot_px
        far_is_r = right[:, 2] <= left[:, 2]
        for k, mask in ((ri, hit & far_is_r), (li, hit & ~far_is_r)):
            arr[mask, k, :2] = np.nan
            arr[mask, k, 2] = 0.0
        hit_any |= hit
    return arr, float(hit_any.mean())


def second_person_share(people: list[np.ndarray], min_size: float = SECOND_PERSON_MIN_SIZE,
                        min_score: float = 0.5) -> float:
    """Share of the checked frames with a second person in view. ``people``: per frame, persons
    x keypoints x (x_px, y_px, score); a person's size is the height of the box around its
    keypoints scored at least ``min_score``; a second person counts when its size is at least
    ``min_size`` x the largest one's. 0.0 for no frames.

    >>> one = np.array([[[0, 0, .9], [0, 400, .9]]], float)
    >>> two = np.concatenate([one, one + [300, 50, 0]])
    >>> second_person_share([one, two, two, one])
    0.5
    """
    if not people:
        return 0.0
    seen = []
    for poses in people:
        if len(poses) < 2:
            seen.append(False)
            continue
        y = np.where(poses[:, :, 2] >= min_score, poses[:, :, 1], np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            size = np.nan_to_num(np.nanmax(y, axis=1) - np.nanmin(y, axis=1))
        size = np.sort(size)[::-1]
        seen.append(bool(size[0] > 0 and size[1] >= min_size * size[0]))
    return float(np.mean(seen))


def _frame_count(path: Path) -> int:
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            if stream.frames:
                return int(stream.frames)
            if stream.duration and stream.average_rate:
                return int(float(stream.duration * stream.time_base) * float(stream.average_rate))
    except (av.FFmpegError, OSError, IndexError):
        pass
    return 0


def read_video(path: str | Path, label: str, digest: str | None, *,
               estimator=None, progress: Callable[[int, int], None] | None = None) -> ReadResult:
    """Run ``estimator`` (a pose.estimator.PoseEstimator; default MediaPipePose) on every frame
    of the video at ``path`` -> one "video" Recording (readers.pose table). ``progress(done,
    total)`` is called every 30 frames (default: a rich bar on a terminal for clips over
    PROGRESS_MIN_FRAMES frames), and with done = -1 at the end.

    Raises UnreadableFileError naming the file: no video stream, corrupt, no frames, fewer
    than 10 frames, two people in view (``second_person_share``), or no person's feet in any
    frame; PoseModelUnavailable when mediapipe or
    the model file is missing (the message says what to install / run).
    """
    from softstep.readers.pose import MIN_FRAMES, keypoint_recording

    path = Path(path)
    container = _open(path, label)  # fail on a non-video before loading any model
    stream = container.streams.video[0]
    nominal_fps = float(stream.average_rate) if stream.average_rate else None
    container.close()
    if estimator is None:
        from softstep.pose.estimator import MediaPipePose

        estimator = MediaPipePose()
    total = _frame_count(path)
    if progress is None and total >= PROGRESS_MIN_FRAMES:
        from softstep.readers.imu_stream import _terminal_progress

        progress = _terminal_progress(total, label)
    points, stamps = [], []
    width = height = None
    started = time.perf_counter()
    try:
        last_ms = -1
        for frame in prefetch(iter_frames(path, label), depth=PREFETCH_FRAMES):
            height, width = frame.rgb.shape[:2]
            t_ms = max(int(round(frame.t_s * 1000.0)), last_ms + 1)  # strictly increasing
            last_ms = t_ms
            points.append(estimator.estimate(frame.rgb, t_ms))
            stamps.append(frame.t_s)
            if progress is not None and frame.index % 30 == 0:
                progress(frame.index, max(total, frame.index + 1))
    finally:
        estimator.close()
        if progress is not None:
            progress(-1, total)
    elapsed_s = time.perf_counter() - started
    crowd = second_person_share(list(getattr(estimator, "people", None) or []))
    if crowd >= TWO_PEOPLE_MIN_SHARE:
        raise UnreadableFileError(label, f"two people in view ({crowd:.0%} of the frames "
                                  "checked); the pose model would follow either: film the "
                                  "runner alone, or crop the clip to the runner")
    if len(stamps) < MIN_FRAMES:
        raise UnreadableFileError(label, f"only {len(stamps)} frame(s); at least {MIN_FRAMES} "
                                  "are needed")
    arr, collapsed = drop_collapsed(np.stack(points), list(estimator.keypoint_names))
    t_s = np.asarray(stamps) - stamps[0]
    seen = np.isfinite(arr[:, :, 0]).any(axis=1)
    if not seen.any():
        raise UnreadableFileError(label, f"no person found in any of its {len(stamps)} frames; "
                                  "film the runner from the side, whole body in view")
    span = float(t_s[-1]) if t_s[-1] > 0 else None
    fps = (len(t_s) - 1) / span if span else (nominal_fps or 30.0)
    steps = np.diff(t_s)
    meta = {
        "width_px": width, "height_px": height,
        "keypoint_source": getattr(estimator, "name", type(estimator).__name__),
        "view_declared": None,
        "frames_with_person": int(seen.sum()),
        "far_foot_collapsed_pct": round(100.0 * collapsed, 1),
        "variable_frame_rate": bool(steps.size and np.ptp(steps) > 0.25 * np.median(steps)),
        "pose_fps": round(len(t_s) / elapsed_s, 1) if elapsed_s > 0 else None,
    }
    result = keypoint_recording(list(estimator.keypoint_names), arr, t_s, fps, meta, label,
                                digest)
    missing = 1.0 - seen.mean()
    if missing > 0.2:
        note = (f"{label}: no person in {missing:.0%} of the frames; only the frames with the "
                "runner in view were analysed")
        result.warnings.append(note)
        result.recordings[0].warnings.append(note)
    return result
