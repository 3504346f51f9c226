"""Pose estimators: one interface, frames in, keypoints (pixels + score) out.

``PoseEstimator`` is what readers.video drives: ``keypoint_names`` (side-prefixed names that
readers.pose maps to its joints) and ``estimate(rgb, t_ms)`` -> keypoints x (x_px, y_px, score)
for one upright RGB frame, NaN (score 0) where no person is found. Two implementations:

- ``MediaPipePose``: BlazePose GHUM 3D "full" through mediapipe's Tasks ``PoseLandmarker`` in
  VIDEO running mode (it tracks the person between frames; timestamps in whole ms, strictly
  increasing). Needs the ``video`` extra and the model from ``softstep models fetch``.
- ``KeypointFilePose``: the frames of a precomputed keypoint file (readers.pose layout, e.g.
  RTMPose-Halpe26 ``male_side.pose.json``) replayed in order, so the video path can be run and
  tested without the model.

BlazePose's 33 landmarks map to our joints by name: ``left_heel`` -> l_heel,
``left_foot_index`` (the tip of the big toe) -> l_big_toe; its per-landmark ``visibility``
(the probability the point is in view and not hidden) is the score, so the far leg hidden
behind the near one scores low.

>>> len(BLAZEPOSE_NAMES), BLAZEPOSE_NAMES[29], BLAZEPOSE_NAMES[31]
(33, 'left_heel', 'left_foot_index')
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Protocol

import numpy as np

from softstep.errors import UnreadableFileError
from softstep.pose.model import VIDEO_EXTRA, PoseModelUnavailable, require_model

__all__ = ["BLAZEPOSE_NAMES", "KeypointFilePose", "MediaPipePose", "PoseEstimator"]

BLAZEPOSE_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)


# frames: look for a second person once a second at 30 fps; one look (detector + two landmark
# passes, still-image mode) costs 50 ms of CPU, so +1.7 ms on the 28 ms of a tracked frame
CROWD_EVERY = 30


class PoseEstimator(Protocol):
    """Frames -> keypoints. ``estimate`` gets one upright RGB frame (height x width x 3 uint8)
    and its time in ms (strictly increasing) and returns ``len(keypoint_names)`` x 3:
    x_px, y_px (of that frame, x right, y down) and score 0-1; NaN x/y where nothing was
    found. ``close`` frees the model. An estimator that can see several people also keeps
    ``people``: per checked frame, persons x keypoints x 3 (readers.video.second_person_share)."""

    name: str
    keypoint_names: tuple[str, ...]

    def estimate(self, rgb: np.ndarray, t_ms: int) -> np.ndarray: ...

    def close(self) -> None: ...


@contextlib.contextmanager
def _native_log_captured():
    """Send what native code writes to stderr (file descriptor 2) to a temporary file while
    the block runs; Python's own sys.stderr is untouched."""
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (embedded): nothing to hide
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class MediaPipePose:
    """BlazePose through mediapipe's PoseLandmarker (VIDEO mode, one person tracked; every
    ``crowd_every``-th frame also an IMAGE-mode search for up to two people, kept in
    ``people``).

    ``model``: the ``.task`` file (default ``pose.model.model_path()``). Inference runs on one
    CPU core (the Tasks API sets no thread count; measured CPU = wall time per frame), which
    leaves the second of 2 cores to decoding (readers.video.prefetch). Raises
    PoseModelUnavailable with the command to run when mediapipe or the model is missing.
    """

    name = "mediapipe-blazepose-full"
    keypoint_names = BLAZEPOSE_NAMES

    def __init__(self, model: Path | None = None, *, min_detection: float = 0.5,
                 min_tracking: float = 0.5, crowd_every: int | None = None):
        path = require_model(model)
        try:
            import mediapipe as mp
            from mediapipe.tasks.python import BaseOptions, vision
        except ImportError:
            raise PoseModelUnavailable(
                f"video analysis needs the pose model runtime: {VIDEO_EXTRA} (mediapipe), "
                "then `softstep models fetch`; or give a keypoint file (.pose.json)") from None
        self._mp = mp
        self._first = True
        self._crowd_every = max(1, int(CROWD_EVERY if crowd_every is None else crowd_every))
        self._frame = 0
        self.people: list[np.ndarray] = []  # per checked frame: persons x 33 x (x, y, score)
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO, num_poses=1,
            min_pose_detection_confidence=min_detection,
            min_pose_presence_confidence=min_detection,
            min_tracking_confidence=min_tracking)
        try:
            with _native_log_captured():  # ~45 lines of LiteRT INFO / sparsity notes per load
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
                # every crowd_every-th frame, a still-image landmarker that may find two
                # people (the tracker above follows one; readers.video refuses a crowd)
                options.running_mode, options.num_poses = vision.RunningMode.IMAGE, 2
                self._crowd = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise PoseModelUnavailable(f"the pose model {path} does not load ({exc}); delete it "
                                       "and run `softstep models fetch`") from None

    def estimate(self, rgb: np.ndarray, t_ms: int) -> np.ndarray:
        height, width = rgb.shape[:2]
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB,
                               data=np.ascontiguousarray(rgb))
        if self._first:  # the runtime's first inference logs "Logging before InitGoogle()"
            self._first = False
            with _native_log_captured():
                result = self._landmarker.detect_for_video(image, int(t_ms))
        else:
            result = self._landmarker.detect_for_video(image, int(t_ms))
        if self._frame % self._crowd_every == 0:
            self.people.append(self._poses(self._crowd.detect(image), width, height))
        self._frame += 1
        poses = self._poses(result, width, height)
        if len(poses):
            return poses[0]
        out = np.full((len(BLAZEPOSE_NAMES), 3), np.nan)
        out[:, 2] = 0.0
        return out

    @staticmethod
    def _poses(result, width: int, height: int) -> np.ndarray:
        """persons x 33 x (x_px, y_px, visibility) of a PoseLandmarker result."""
        return np.array([[(m.x * width, m.y * height,
                           m.visibility if m.visibility is not None else 1.0) for m in marks]
                         for marks in result.pose_landmarks or []], float).reshape(-1, 33, 3)

    def close(self) -> None:
        with _native_log_captured():
            self._landmarker.close()
            self._crowd.close()


class KeypointFilePose:
    """The frames of a keypoint file (readers.pose layout) replayed one per video frame.

    >>> import json, tempfile
    >>> doc = {"fps": 30, "keypoint_names": ["l_heel"], "frames": [[[10, 20, 0.9]], []]}
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
    ...     json.dump(doc, fh)
    >>> pose = KeypointFilePose(fh.name)
    >>> pose.estimate(None, 0).tolist(), float(pose.estimate(None, 33)[0, 2])
    ([[10.0, 20.0, 0.9]], 0.0)
    """

    name = "keypoint-file"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            doc = json.loads(self.path.read_text("utf-8-sig"))
            self.keypoint_names = tuple(doc["keypoint_names"])
            frames = doc["frames"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UnreadableFileError(str(path), f"not a keypoint file ({exc})") from None
        from softstep.readers.pose import _frames_array

        self._frames = _frames_array(frames, len(self.keypoint_names), str(path))
        self._next = 0

    def estimate(self, rgb: np.ndarray | None, t_ms: int) -> np.ndarray:
        if self._next >= len(self._frames):  # the video is longer than the file
            out = np.full((len(self.keypoint_names), 3), np.nan)
            out[:, 2] = 0.0
            return out
        self._next += 1
        return self._frames[self._next - 1].copy()

    def close(self) -> None:
        self._frames = self._frames[:0]
