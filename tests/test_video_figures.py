"""Show a side-view video analysis (issue 5): the annotated video and the contact sheets, on a
small synthetic clip (PyAV-encoded, with a variable frame rate and a phone's rotation) and on
the real treadmill clip."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from softstep.cli import _clip_for, app
from softstep.errors import UnreadableFileError
from softstep.model import Runner
from softstep.pipeline import analyze_file
from softstep.readers.pose import POSE_JOINTS
from softstep.report.html import write_html
from softstep.report.video_figures import (
    FAR_RGB,
    NEAR_RGB,
    keypoint_rows,
    nearest_frames,
    probe_video,
    render_video_figures,
    write_test_clip,
)
from softstep.steps.video import detect_video, synthetic_samples

FPS = 30.0
N = 75  # 2.5 s: eight to nine contacts
POSE_SIZE = (720, 1280)  # synthetic_samples draws on a 720 x 1280 picture


def _times(n: int = N) -> np.ndarray:
    """Frame times with a phone's jitter (variable frame rate): 30 fps +- 4 ms."""
    return np.arange(n) / FPS + 0.004 * np.sin(np.arange(n) * 1.7)


def _decode(path: Path) -> tuple[np.ndarray, list[np.ndarray]]:
    with av.open(str(path)) as c:
        frames = list(c.decode(c.streams.video[0]))
        return np.array([f.time for f in frames]), [f.to_ndarray(format="rgb24") for f in frames]


def _pose_json(samples, path: Path) -> Path:
    """The synthetic pose table written as a keypoint file (readers.pose layout)."""
    names = [f"{s}_{j}" for s in "lr" for j in POSE_JOINTS]
    cols = [[f"{n}_x_px", f"{n}_y_px", f"{n}_score"] for n in names]
    frames = [[[float(row[c]) for c in trio] for trio in cols] for _, row in samples.iterrows()]
    path.write_text(json.dumps({"fps": FPS, "width": POSE_SIZE[0], "height": POSE_SIZE[1],
                                "keypoint_names": names, "frames": frames,
                                "timestamps": samples["t_s"].tolist()}))
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A 360 x 640 clip (half the keypoints' picture: they are scaled) with its keypoints at
    the clip's own jittered frame times, the steps, and the rendered figures."""
    folder = tmp_path_factory.mktemp("clip")
    t = _times()
    clip = write_test_clip(folder / "run.mp4", t, 360, 640)
    samples = synthetic_samples(t)
    steps = detect_video(samples, FPS, leg_length_m=0.9)
    figs = render_video_figures(clip, samples, steps, out_video=folder / "run.annotated.mp4",
                                pose_size=POSE_SIZE)
    return {"folder": folder, "clip": clip, "samples": samples, "steps": steps, "figs": figs}


def test_annotated_video_keeps_the_frames_and_timestamps(synthetic):
    src_t, _ = _decode(synthetic["clip"])
    out_t, pictures = _decode(synthetic["figs"].video_path)
    assert len(out_t) == len(src_t) == N == synthetic["figs"].frames
    np.testing.assert_allclose(out_t, src_t, atol=1e-4)  # the jitter is kept, not resampled
    assert np.ptp(np.diff(out_t)) > 0.005
    assert pictures[0].shape == (640, 360, 3)


def test_contact_frames_are_the_nearest_to_each_initial_contact(synthetic):
    src_t, _ = _decode(synthetic["clip"])
    ic = synthetic["steps"]["t_s"].to_numpy()
    expected = np.abs(src_t[None, :] - ic[:, None]).argmin(axis=1)
    assert synthetic["figs"].contact_frames == expected.tolist()
    assert nearest_frames([0.0, 0.033, 0.07], [0.06, 0.02]).tolist() == [2, 1]


def test_frames_are_matched_to_keypoints_by_time_not_index():
    # a keypoint stream that starts one frame late: frame 0 has none, frame k has row k-1
    rows = keypoint_rows(np.arange(5) / 30, (np.arange(4) + 1) / 30)
    assert rows.tolist() == [-1, 0, 1, 2, 3]


def _colour_at(picture: np.ndarray, x: float, y: float) -> np.ndarray:
    """Median colour of the 3 x 3 pixels around (x, y): H.264 blurs single pixels."""
    xi, yi = round(x), round(y)
    return np.median(picture[yi - 1: yi + 2, xi - 1: xi + 2].reshape(-1, 3), axis=0)


def _looks(colour: np.ndarray) -> str:
    """Which drawn colour a pixel is nearest: "near" leg, "far" leg or the grey "background"."""
    refs = {"near": NEAR_RGB, "far": FAR_RGB, "background": (90, 90, 90)}
    return min(refs, key=lambda name: np.abs(colour - refs[name]).sum())


def test_skeleton_is_drawn_where_the_keypoints_are(synthetic):
    _, pictures = _decode(synthetic["figs"].video_path)
    samples = synthetic["samples"]
    for k in (5, 20, 40, 60):  # facing left: the near leg (drawn last, orange) is the left
        row = samples.iloc[k]
        for joint in ("hip", "knee"):
            got = _colour_at(pictures[k], row[f"l_{joint}_x_px"] / 2, row[f"l_{joint}_y_px"] / 2)
            assert _looks(got) == "near", (k, joint, got)
    # and nothing orange far from the body (top-right corner of the picture)
    assert _looks(_colour_at(pictures[30], 340, 60)) == "background"


def test_contact_sheet_has_one_tile_per_contact_of_each_side(synthetic):
    steps, figs = synthetic["steps"], synthetic["figs"]
    counts = steps["side"].value_counts().to_dict()
    assert figs.sheet_contacts == counts and set(figs.sheets) == {"L", "R"}
    for side, data in figs.sheets.items():
        sheet = Image.open(io.BytesIO(data))
        assert sheet.format == "JPEG"
        assert sheet.width == min(4, counts[side]) * 360


def test_portrait_phone_clip_is_turned_upright(tmp_path: Path):
    """Stored landscape (640 x 360) with a display matrix, shown portrait: keypoints of the
    upright picture must land on the drawing."""
    t = np.arange(45) / FPS
    clip = write_test_clip(tmp_path / "phone.mp4", t, 640, 360, rotation_deg=-90)
    probe = probe_video(clip)
    assert probe.rotation_deg == 270 and probe.size == (360, 640)
    samples = synthetic_samples(t)
    steps = detect_video(samples, FPS)
    figs = render_video_figures(clip, samples, steps, out_video=tmp_path / "out.mp4",
                                pose_size=POSE_SIZE)
    _, pictures = _decode(figs.video_path)
    assert pictures[0].shape == (640, 360, 3)
    row = samples.iloc[10]
    got = _colour_at(pictures[10], row["l_knee_x_px"] / 2, row["l_knee_y_px"] / 2)
    assert _looks(got) == "near", got


def test_missing_corrupt_and_audio_only_files_say_so(tmp_path: Path):
    with pytest.raises(UnreadableFileError, match="no such file"):
        probe_video(tmp_path / "nope.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    with pytest.raises(UnreadableFileError, match="bad.mp4") as info:
        probe_video(bad)
    assert "\n" not in str(info.value)
    sound = tmp_path / "sound.mp4"
    with av.open(str(sound), "w") as out:
        stream = out.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 16000, 0, Fraction(1, 16000)
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    with pytest.raises(UnreadableFileError, match="no video stream"):
        probe_video(sound)


def test_html_of_a_video_run_embeds_the_sheets_and_links_the_video(tmp_path: Path, db_url: str):
    t = _times(105)  # 3.5 s: enough contacts (8) for the pipeline to call it a run
    pose = _pose_json(synthetic_samples(t), tmp_path / "run.pose.json")
    clip = write_test_clip(tmp_path / "run.mp4", t, 360, 640)
    page = write_html(analyze_file(pose, Runner()), tmp_path / "report.html", video=clip)
    html = page.read_text()
    assert html.count('src="data:image/jpeg;base64,') == 2
    assert 'href="report.annotated.mp4"' in html and (tmp_path / "report.annotated.mp4").is_file()
    assert "±5–8°" in html
    # the command line finds run.mp4 next to run.pose.json by itself
    bad = tmp_path / "x.mov"
    assert _clip_for(pose, None) == clip and _clip_for(pose, bad) == bad
    assert _clip_for(clip, None) == clip and _clip_for(tmp_path / "other.pose.json", None) is None
    # a corrupt --video gives one error line, and the report without the figures
    bad.write_bytes(b"not a video at all" * 100)
    result = CliRunner().invoke(app, ["analyze", str(pose), "--html", str(tmp_path / "d.html"),
                                      "--video", str(bad), "--no-store", "--db", db_url])
    assert result.exit_code == 1
    assert "error: cannot read" in result.output and "x.mov" in result.output
    assert "data:image/jpeg" not in (tmp_path / "d.html").read_text()
    assert not (tmp_path / "d.annotated.mp4").exists()


def test_real_clip_contact_sheets(shared_data: Path):
    folder = shared_data / "video_side_treadmill"
    run = analyze_file(folder / "male_side.pose.json", Runner(height_cm=178.0)).runs[0]
    figs = render_video_figures(folder / "male_side.mp4", run.recording.samples, run.steps,
                                pose_size=(720, 1280))
    assert figs.frames == 360 and figs.size == (720, 1280) and figs.rotation_deg == 0
    assert figs.video_path is None and not figs.notes  # every frame has its keypoints
    side = run.steps["side"].fillna("?")
    assert sum(figs.sheet_contacts.values()) == len(run.steps)
    assert figs.sheet_contacts.get("L") == int((side == "L").sum())
    ic_frames = np.round(run.steps["t_s"].to_numpy() * 30).astype(int)
    assert figs.contact_frames == ic_frames.tolist()


def test_long_clip_sheet_shows_evenly_spread_contacts(synthetic, monkeypatch):
    monkeypatch.setattr("softstep.report.video_figures.MAX_TILES", 3)
    figs = render_video_figures(synthetic["clip"], synthetic["samples"], synthetic["steps"],
                                pose_size=POSE_SIZE)
    assert figs.video_path is None and figs.sheet_contacts == {"L": 3, "R": 3}
    assert Image.open(io.BytesIO(figs.sheets["L"])).width == 3 * 360


def test_keypoints_of_another_picture_size_are_flagged(synthetic):
    # the keypoints were measured on 720 x 1280; drawn unscaled on the 360 x 640 clip, most fall
    # off the picture: the figures say so instead of silently drawing beside the body
    figs = render_video_figures(synthetic["clip"], synthetic["samples"], synthetic["steps"])
    assert any("outside its 360x640 picture" in note for note in figs.notes)
    assert not synthetic["figs"].notes
