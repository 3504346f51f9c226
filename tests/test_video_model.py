"""Video files through the pose interface (issue 5, "Read and track"): PyAV frames with exact
timestamps and rotation, the MediaPipe BlazePose model, dispatch of .mp4 between picture and
sound, and bad input. Tests that run the model need it fetched once (`softstep models fetch`);
they skip with that reason when it is absent, except in CI (make test fetches it)."""

from __future__ import annotations

import json
import sys
import zipfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from softstep.errors import UnreadableFileError
from softstep.model import Runner
from softstep.pose.estimator import BLAZEPOSE_NAMES, KeypointFilePose
from softstep.pose.model import PoseModelUnavailable, model_path
from softstep.readers import read
from softstep.readers.pose import pose_columns
from softstep.readers.video import iter_frames, read_video
from softstep.steps.video import synthetic_samples

CLIP = ("video_side_treadmill", "male_side.mp4")


def write_clip(path: Path, frames: list[np.ndarray], times_s: list[float], *,
               rotation_deg: int = 0) -> Path:
    """Encode RGB ``frames`` at presentation times ``times_s`` (ms time base: a variable frame
    rate is kept) with an optional display-matrix rotation (counter-clockwise degrees)."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        if rotation_deg:
            stream.set_display_rotation(rotation_deg)
        for rgb, t in zip(frames, times_s, strict=True):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = int(round(t * 1000)), Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


class ReplayPose:
    """A stand-in estimator: synthetic running keypoints (steps.video.synthetic_samples), one
    row per call, recording the frame sizes and times it was given."""

    name = "replay"

    def __init__(self, samples):
        self.keypoint_names = tuple(c[: -len("_x_px")] for c in samples.columns
                                    if c.endswith("_x_px"))
        self._rows = np.stack([samples[[f"{n}_x_px", f"{n}_y_px", f"{n}_score"]].to_numpy()
                               for n in self.keypoint_names], axis=1)
        self.calls: list[tuple[tuple[int, ...], int]] = []
        self.closed = False

    def estimate(self, rgb, t_ms):
        self.calls.append((rgb.shape, t_ms))
        return self._rows[len(self.calls) - 1]

    def close(self):
        self.closed = True


def test_portrait_rotation_and_variable_frame_rate(tmp_path):
    # stored landscape 64 x 48 with a white block top-left; -90° (clockwise) shows it top-right
    base = np.zeros((48, 64, 3), np.uint8)
    base[:16, :16] = 255
    times = np.cumsum(np.r_[0.0, np.where(np.arange(39) % 3 == 0, 0.05, 0.025)])  # 20-40 fps
    clip = write_clip(tmp_path / "phone.mp4", [base] * 40, list(times), rotation_deg=-90)
    frames = list(iter_frames(clip))
    assert [f.t_s for f in frames] == pytest.approx(times, abs=0.0015)
    first = frames[0].rgb.astype(float).mean(axis=2)
    assert first.shape == (64, 48)  # portrait, as the phone shows it
    assert first[:16, -16:].mean() > 200 and first[:16, :16].mean() < 50


def test_video_path_gives_the_keypoint_table_with_exact_times(tmp_path):
    times = np.cumsum(np.r_[0.0, np.full(239, 1 / 30) + np.tile([0.004, -0.004], 120)[:239]])
    samples = synthetic_samples(times, cadence_spm=170.0, contact_s=0.25)
    clip = write_clip(tmp_path / "run.mov", [np.zeros((48, 64, 3), np.uint8)] * len(times),
                      list(times))
    pose = ReplayPose(samples)
    rec = read_video(clip, "run.mov", "h", estimator=pose).recordings[0]
    assert pose.closed and pose.calls[0][0] == (48, 64, 3)
    assert [t for _, t in pose.calls] == sorted({t for _, t in pose.calls})  # strictly rising ms
    assert list(rec.samples.columns) == pose_columns()
    assert rec.samples["t_s"].to_numpy() == pytest.approx(times, abs=0.0015)
    assert rec.source == "video" and rec.info["keypoint_source"] == "replay"
    from softstep.pipeline import analyze_recording

    run = analyze_recording(rec, Runner())
    assert run.summary.cadence_spm == pytest.approx(170.0, abs=1.5)


def test_keypoint_file_through_the_video_reader(shared_data):
    folder = shared_data / CLIP[0]
    pose = KeypointFilePose(folder / "male_side.pose.json")
    rec = read_video(folder / CLIP[1], "male_side.mp4", None, estimator=pose).recordings[0]
    from softstep.pipeline import analyze_recording

    run = analyze_recording(rec, Runner())
    assert run.summary.cadence_spm == pytest.approx(168.9, abs=1.0)
    assert rec.info["width_px"] == 720 and rec.info["height_px"] == 1280


def test_blazepose_agrees_with_the_keypoint_file(shared_data, pose_model):
    """The model on the first 45 frames (1.5 s) of male_side.mp4: a person in every frame, its
    near-side (left) heel and toe within a few % of the clip height of RTMPose-Halpe26's."""
    from softstep.pose.estimator import MediaPipePose

    folder = shared_data / CLIP[0]
    ref = KeypointFilePose(folder / "male_side.pose.json")
    names = list(ref.keypoint_names)
    model = MediaPipePose(pose_model)
    dist = []
    try:
        for frame in iter_frames(folder / CLIP[1]):
            if frame.index >= 45:
                break
            ours = model.estimate(frame.rgb, int(round(frame.t_s * 1000)))
            theirs = ref.estimate(None, 0)
            for a, b in (("left_heel", "l_heel"), ("left_foot_index", "l_big_toe"),
                         ("left_hip", "l_hip")):
                p, q = ours[BLAZEPOSE_NAMES.index(a)], theirs[names.index(b)]
                dist.append(np.hypot(p[0] - q[0], p[1] - q[1]))
    finally:
        model.close()
    assert np.all(np.isfinite(dist))  # a person in every frame
    assert np.median(dist) < 0.02 * 1280  # ~25 px of a 1280 px tall frame


def _noise_clip(path: Path, n: int = 30) -> Path:
    rng = np.random.default_rng(5)
    frames = [rng.integers(0, 255, (240, 320, 3), dtype=np.uint8) for _ in range(n)]
    return write_clip(path, frames, list(np.arange(n) / 30.0))


def test_a_clip_with_no_person_is_a_clear_error_and_nothing_is_stored(tmp_path, pose_model,
                                                                      db_url):
    from typer.testing import CliRunner

    from softstep.cli import app
    from softstep.store import Store

    clip = _noise_clip(tmp_path / "noise.mp4", 12)
    result = CliRunner().invoke(app, ["analyze", str(clip), "--db", db_url])
    assert result.exit_code == 1
    assert "noise.mp4" in result.output and "no person found in any of its 12 frames" in \
        result.output
    store = Store(db_url)
    try:
        assert store.runs() == []
    finally:
        store.close()


def test_corrupt_and_audio_only_files_say_what_they_are(tmp_path):
    good = _noise_clip(tmp_path / "good.mp4", 12).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good[: len(good) // 3])
    with pytest.raises(UnreadableFileError, match=r"cut\.mp4") as info:
        read(cut, source="video")
    assert "\n" not in str(info.value)
    sound = tmp_path / "voice.mp4"
    with av.open(str(sound), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        for i in range(0, 16000, 1024):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                               layout="mono")
            frame.rate, frame.pts = 16000, i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    with pytest.raises(UnreadableFileError, match=r"voice\.mp4: has no video stream.*--source "
                       "audio"):
        read(sound, source="video")
    assert read(sound).recordings[0].source == "audio"  # by default: its sound is analysed


def test_missing_model_or_extra_says_what_to_run(tmp_path, monkeypatch):
    clip = _noise_clip(tmp_path / "clip.mp4", 12)
    monkeypatch.setenv("SOFTSTEP_MODEL_DIR", str(tmp_path / "models"))
    with pytest.raises(PoseModelUnavailable, match="softstep models fetch"):
        read(clip)
    (tmp_path / "models").mkdir()
    with zipfile.ZipFile(model_path(), "w") as fake:
        fake.writestr("pose_detector.tflite", b"")
    monkeypatch.setitem(sys.modules, "mediapipe", None)  # the video extra not installed
    with pytest.raises(PoseModelUnavailable, match=r"pip install 'softstep\[video\]'"):
        read(clip)


def test_keypoint_file_estimator_replays_frames(tmp_path):
    doc = {"fps": 30, "keypoint_names": ["l_heel", "r_heel"],
           "frames": [[[1, 2, 0.5], [3, 4, 0.6]], []]}
    path = tmp_path / "k.pose.json"
    path.write_text(json.dumps(doc))
    pose = KeypointFilePose(path)
    assert pose.estimate(None, 0).tolist() == [[1, 2, 0.5], [3, 4, 0.6]]
    assert np.isnan(pose.estimate(None, 33)[:, 0]).all()
    assert np.isnan(pose.estimate(None, 66)[:, 0]).all()  # past the file's end


def _store_is_empty(db_url: str) -> bool:
    from softstep.store import Store

    store = Store(db_url)
    try:
        return store.runs() == []
    finally:
        store.close()


def test_second_person_share_counts_a_second_skeleton_of_similar_size():
    from softstep.readers.video import second_person_share

    runner = np.array([[[100, 100, 0.9], [110, 500, 0.9], [90, 900, 0.9]]], float)
    beside = runner + [400, 20, 0]  # a second runner next to the first
    far = runner * [1, 0.2, 1] + [600, 300, 0]  # a passer-by far behind: a fifth of the size
    hidden = beside * [1, 1, 0]  # a second skeleton with no keypoint in view
    frames = [np.concatenate([runner, beside]), np.concatenate([runner, far]), runner,
              np.concatenate([runner, hidden])]
    assert second_person_share(frames) == 0.25
    assert second_person_share([]) == 0.0


def test_a_clip_with_two_people_is_refused_and_nothing_is_stored(tmp_path, shared_data,
                                                                 pose_model, db_url,
                                                                 monkeypatch):
    """The runner of male_side.mp4 twice, side by side (the copy mirrored), 12 frames at half
    size: BlazePose's still-image search finds both, the clip is refused."""
    from typer.testing import CliRunner

    from softstep.cli import app
    from softstep.pose import estimator

    frames = []
    for frame in iter_frames(shared_data.joinpath(*CLIP)):
        if frame.index >= 12:
            break
        small = frame.rgb[::2, ::2]
        frames.append(np.hstack([small, small[:, ::-1]]))
    clip = write_clip(tmp_path / "two.mp4", frames, list(np.arange(12) / 30.0))
    monkeypatch.setattr(estimator, "CROWD_EVERY", 3)  # 4 frames checked of 12
    result = CliRunner().invoke(app, ["analyze", str(clip), "--db", db_url])
    assert result.exit_code == 1
    assert "two.mp4" in result.output and "two people in view" in result.output
    assert _store_is_empty(db_url)


def _front_view(samples, width_px: float = 60.0, leak: float = 0.1):
    """A side-view pose table seen from the front: each side's keypoints sit ``width_px`` left
    or right of the centre line, and only ``leak`` of the fore-aft motion shows (perspective)."""
    out = samples.copy()
    for side, sign in (("l", 1.0), ("r", -1.0)):
        for col in [c for c in out.columns if c.startswith(f"{side}_") and c.endswith("_x_px")]:
            out[col] = 360.0 + sign * width_px + leak * (out[col] - 360.0)
    return out


def test_front_view_is_detected_from_the_keypoints(shared_data):
    from softstep.steps.video import detect_view

    side = synthetic_samples(np.arange(300) / 30.0)
    assert detect_view(side)["view"] == "side"
    assert detect_view(_front_view(side))["view"] == "front"
    assert detect_view(_front_view(side, leak=0.5))["view"] == "front"  # feet never pass
    real = read(shared_data / "video_side_treadmill" / "male_side.pose.json").recordings[0]
    view = detect_view(real.samples)
    assert view["view"] == "side" and view["fore_aft_leg"] > 0.6 and view["feet_passing"] > 0.4


def test_a_front_view_keypoint_file_is_refused_and_nothing_is_stored(tmp_path, db_url):
    from typer.testing import CliRunner

    from softstep.cli import app

    samples = _front_view(synthetic_samples(np.arange(300) / 30.0))
    names = [c[: -len("_x_px")] for c in samples.columns if c.endswith("_x_px")]
    frames = np.stack([samples[[f"{n}_x_px", f"{n}_y_px", f"{n}_score"]].to_numpy()
                       for n in names], axis=1)
    path = tmp_path / "front.pose.json"
    path.write_text(json.dumps({"fps": 30, "keypoint_names": names,
                                "frames": frames.round(2).tolist()}))
    result = CliRunner().invoke(app, ["analyze", str(path), "--db", db_url])
    assert result.exit_code == 1, result.output
    assert "front.pose.json" in result.output and "film from the side" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert _store_is_empty(db_url)


def test_prefetch_passes_errors_on_and_stops_the_decoder_when_left_early():
    from softstep.readers.video import prefetch

    def broken():
        yield 1
        raise UnreadableFileError("clip.mp4", "the video cannot be decoded")

    with pytest.raises(UnreadableFileError, match="clip.mp4"):
        list(prefetch(broken()))
    closed = []

    def endless():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.append(True)

    frames = prefetch(endless(), depth=2)
    assert [next(frames) for _ in range(3)] == [0, 1, 2]
    frames.close()  # the consumer stops: the producer thread ends and closes its source
    assert closed == [True]
