"""Precomputed 2-D keypoints of a side-view running video -> a Recording of source "video".

The pose interface (issue 5) accepts a keypoint file instead of running a pose model, so the
analysis can be tested without one. The layout read here is the ``gaitlab.pose/v1`` JSON that
RTMPose-Halpe26 extractors write (../shared/data/video_side_treadmill/male_side.pose.json)::

    {"schema": "gaitlab.pose/v1", "source": "rtmpose-halpe26", "view": "side-left",
     "fps": 30.0, "width": 720, "height": 1280,
     "keypoint_names": ["nose", ..., "l_heel", "r_heel", "l_big_toe", ...],
     "frames": [[[x, y, score], ...one per keypoint...], ...one per frame...],
     "timestamps": [0.0, 0.0333, ...]}

Names may be ``l_`` / ``r_`` or ``left_`` / ``right_`` prefixed (MediaPipe writes
``left_foot_index`` for the big toe). A frame without a person may be ``[]`` or ``null`` and a
missing keypoint ``null``: their values are NaN with score 0.

``samples`` is a tidy table, one row per frame: ``t_s`` (the file's timestamps when given, so a
variable frame rate is kept, else frame / fps) and, for each joint of POSE_JOINTS and each side,
``{l|r}_{joint}_x_px``, ``_y_px`` (image pixels, x to the right, y down) and ``_score`` (0-1).
``info`` holds ``fps``, ``frames``, ``width_px``, ``height_px``, ``keypoint_source``,
``view_declared`` and the limits of the method: ``frame_ms`` (one frame: contact and flight
times are no better than this) and ``angle_uncertainty_deg`` (±5-8°, SCIENCE.md §4).

>>> import json
>>> names = [f"{s}_{j}" for s in "lr" for j in ("hip", "knee", "ankle", "heel", "big_toe")]
>>> person = [[300.0, 870.0 + k, 0.9] for k in range(len(names))]
>>> doc = {"fps": 30, "width": 720, "height": 1280, "keypoint_names": names,
...        "frames": [person] * 11 + [[]]}
>>> rec = read_pose(json.dumps(doc).encode(), "clip.pose.json", "h").recordings[0]
>>> rec.source, rec.sample_rate_hz, rec.samples["l_heel_y_px"].tolist()[-2:]
('video', 30.0, [873.0, nan])
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from softstep.errors import UnreadableFileError
from softstep.model import ReadResult, Recording, empty_records

__all__ = ["POSE_JOINTS", "POSE_SIDES", "is_pose_json", "keypoint_recording", "pose_columns",
           "read_pose"]

POSE_JOINTS = ("shoulder", "hip", "knee", "ankle", "heel", "big_toe", "small_toe")
POSE_SIDES = ("l", "r")
# other names of a joint in other keypoint sets (MediaPipe BlazePose: foot_index = big toe)
ALIASES = {"big_toe": ("big_toe", "foot_index", "toe"), "small_toe": ("small_toe",)}
PREFIXES = {"l": ("l_", "left_"), "r": ("r_", "right_")}
REQUIRED = ("hip", "knee", "ankle", "heel", "big_toe")  # what contact detection cannot do without
ANGLE_UNCERTAINTY_DEG = (5.0, 8.0)  # pose vs marker-based joint angles, SCIENCE.md §4
MIN_FRAMES = 10


def pose_columns() -> list[str]:
    """The ``samples`` columns of a pose recording, ``t_s`` first.

    >>> pose_columns()[:4]
    ['t_s', 'l_shoulder_x_px', 'l_shoulder_y_px', 'l_shoulder_score']
    """
    return ["t_s"] + [f"{s}_{j}_{q}" for s in POSE_SIDES for j in POSE_JOINTS
                      for q in ("x_px", "y_px", "score")]


def is_pose_json(data: bytes) -> bool:
    """True when ``data`` starts like a JSON object that names ``keypoint_names``.

    >>> is_pose_json(b'{"fps": 30, "keypoint_names": ["nose"]}'), is_pose_json(b'{"a": 1}')
    (True, False)
    """
    head = data[:8192].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b'"keypoint_names"' in head


def _index_of(names: list[str], side: str, joint: str) -> int | None:
    """Position of ``side``'s ``joint`` in ``names`` (any alias / prefix), else None."""
    lookup = {str(n).lower(): i for i, n in enumerate(names)}
    for alias in ALIASES.get(joint, (joint,)):
        for prefix in PREFIXES[side]:
            if prefix + alias in lookup:
                return lookup[prefix + alias]
    return None


def _frames_array(frames: list, n_names: int, label: str) -> np.ndarray:
    """frames x keypoints x (x, y, score) floats; NaN (score 0) for a missing person / point."""
    out = np.full((len(frames), n_names, 3), np.nan)
    out[:, :, 2] = 0.0
    for i, frame in enumerate(frames):  # per frame, not per sample: a clip has a few thousand
        if not frame:
            continue
        if not isinstance(frame, list) or len(frame) != n_names:
            raise UnreadableFileError(
                label, f"frame {i} has {len(frame) if isinstance(frame, list) else 'no'} "
                f"keypoints, keypoint_names lists {n_names}; re-export the keypoint file")
        for k, point in enumerate(frame):
            if point is None:
                continue
            if not isinstance(point, list) or len(point) < 2:
                raise UnreadableFileError(
                    label, f"frame {i}, keypoint {k} is not [x, y, score]; re-export the "
                    "keypoint file")
            out[i, k, : min(3, len(point))] = point[:3]
            if len(point) < 3:
                out[i, k, 2] = 1.0
    return out


def read_pose(data: bytes, label: str, digest: str) -> ReadResult:
    """A keypoint JSON (module docstring) as one Recording of source "video".

    Raises UnreadableFileError naming the file for anything that is not such a file: not JSON,
    no ``keypoint_names`` / ``frames``, no frame rate, frames of the wrong shape, a joint that
    contact detection needs (hip, knee, ankle, heel, big toe) missing, fewer than 10 frames.
    """
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFileError(label, f"not valid JSON ({exc}); expected a keypoint file "
                                  "like male_side.pose.json") from None
    if not isinstance(doc, dict) or "keypoint_names" not in doc or "frames" not in doc:
        raise UnreadableFileError(label, "a JSON file, but not a keypoint file (it needs "
                                  "keypoint_names and frames, like male_side.pose.json)")
    names, frames = doc["keypoint_names"], doc["frames"]
    if not isinstance(names, list) or not isinstance(frames, list):
        raise UnreadableFileError(label, "keypoint_names and frames must be lists")
    missing = [f"{s}_{j}" for j in REQUIRED for s in POSE_SIDES if _index_of(names, s, j) is None]
    if missing:
        raise UnreadableFileError(label, f"the keypoints lack {', '.join(missing)}; a foot "
                                  "model with heels and toes is needed (e.g. Halpe26)")
    if len(frames) < MIN_FRAMES:
        raise UnreadableFileError(label, f"only {len(frames)} frame(s) of keypoints; at least "
                                  f"{MIN_FRAMES} are needed")
    stamps = doc.get("timestamps")
    fps = doc.get("fps")
    if isinstance(stamps, list) and len(stamps) == len(frames):
        t_s = np.asarray(stamps, dtype=float)
        if not np.all(np.isfinite(t_s)) or np.any(np.diff(t_s) <= 0):
            raise UnreadableFileError(label, "timestamps are not strictly increasing numbers")
        t_s = t_s - t_s[0]
        measured = (len(t_s) - 1) / t_s[-1]
        fps = float(fps) if isinstance(fps, int | float) and fps > 0 else measured
    elif isinstance(fps, int | float) and math.isfinite(fps) and fps > 0:
        t_s = np.arange(len(frames)) / float(fps)
    else:
        raise UnreadableFileError(label, "no frame rate: the file has neither fps nor "
                                  "one timestamp per frame")
    meta = {"width_px": doc.get("width"), "height_px": doc.get("height"),
            "keypoint_source": doc.get("source") or doc.get("schema"),
            "view_declared": doc.get("view")}
    return keypoint_recording(names, _frames_array(frames, len(names), label), t_s, float(fps),
                              meta, label, digest)


def keypoint_recording(names: list[str], arr: np.ndarray, t_s: np.ndarray, fps: float,
                       meta: dict, label: str, digest: str | None) -> ReadResult:
    """frames x keypoints x (x_px, y_px, score) named by ``names`` (any prefix / alias of
    ``_index_of``) at times ``t_s`` (s from 0) -> the ReadResult of one "video" Recording with
    the tidy ``pose_columns()`` table; ``meta`` adds width_px, height_px, keypoint_source,
    view_declared (and anything else) to ``info``. Shared by the keypoint-file reader and the
    pose model (readers.video), so steps.video sees one table whatever made it."""
    table = {"t_s": t_s}
    for side in POSE_SIDES:
        for joint in POSE_JOINTS:
            k = _index_of(names, side, joint)
            point = arr[:, k] if k is not None else np.full((len(t_s), 3), np.nan)
            seen = np.isfinite(point[:, 0]) & np.isfinite(point[:, 1])
            table[f"{side}_{joint}_x_px"] = np.where(seen, point[:, 0], np.nan)
            table[f"{side}_{joint}_y_px"] = np.where(seen, point[:, 1], np.nan)
            table[f"{side}_{joint}_score"] = np.where(seen, np.nan_to_num(point[:, 2]), 0.0)
    samples = pd.DataFrame(table)[pose_columns()]
    if not np.isfinite(samples[["l_heel_x_px", "r_heel_x_px"]].to_numpy()).any():
        raise UnreadableFileError(label, "no frame has a person's feet in it")
    frame_ms = 1000.0 / float(fps)
    info = {
        "fps": float(fps),
        "frames": len(t_s),
        "width_px": None, "height_px": None, "keypoint_source": None, "view_declared": None,
        **meta,
        "frame_ms": round(frame_ms, 1),
        "angle_uncertainty_deg": list(ANGLE_UNCERTAINTY_DEG),
    }
    warnings = [
        f"{label}: at {float(fps):.0f} fps one frame is {frame_ms:.0f} ms, so contact and flight "
        f"times are good to about ±{frame_ms:.0f} ms; angles from pose carry ±5-8° "
        "(SCIENCE.md §4)"
    ]
    recording = Recording(
        source="video", sport="running", records=empty_records(0), path=label,
        content_hash=digest, samples=samples, sample_rate_hz=float(fps), warnings=warnings,
        info=info,
    )
    return ReadResult(label, [recording], warnings=list(warnings))
