"""Show a side-view video analysis: an annotated video and one contact sheet per side.

Inputs are the clip itself (decoded with PyAV), the keypoint table of readers.pose (``t_s`` and
``{l|r}_{joint}_{x_px|y_px|score}``, image pixels of the upright picture) and the Steps table
of steps.video (``t_s`` = initial contact, ``to_s``, ``side``, ``strike_angle_deg``, ...).

- Frames are matched to keypoints by **timestamp**, not by index: frame time = (pts - first
  pts) x time base, keypoint time = ``t_s``; a frame with no keypoint row within half a frame
  gets no skeleton. A variable frame rate is therefore kept.
- Phone clips store portrait video as landscape pictures plus a display matrix; the picture is
  turned upright by ``frame.rotation`` (degrees counter-clockwise, as FFmpeg's autorotate does)
  before drawing, so keypoints of the upright picture land on the body.
- Keypoints scaled to another picture size (the keypoint file's ``width`` / ``height``) are
  scaled to the decoded picture.
- The **annotated video** (H.264 mp4) has the source's frames and timestamps: skeleton of the
  near leg (orange) and far leg (blue) drawn on the body, the frame nearest each initial
  contact (IC) marked by a banner and a red border, the strike angle, overstride and knee angle
  written next to the landing foot through its stance, and the last landing of each side kept
  at the top.
- The **contact sheet** of a side is a grid of the IC frames (cropped to the runner's legs),
  each captioned with time, side, strike angle and class, overstride, shank angle and knee
  flexion; its title states the ±5-8° of pose angles against marker capture (SCIENCE.md §4).

Example (a tiny synthetic clip):

>>> import tempfile, numpy as np
>>> from softstep.steps.video import detect_video, synthetic_samples
>>> folder = Path(tempfile.mkdtemp())
>>> clip = write_test_clip(folder / "clip.mp4", np.arange(90) / 30.0, 720, 1280)
>>> samples = synthetic_samples(np.arange(90) / 30.0)
>>> steps = detect_video(samples, 30.0, leg_length_m=0.9)
>>> figs = render_video_figures(clip, samples, steps, out_video=folder / "out.mp4")
>>> sorted(figs.sheets), figs.frames, len(figs.contact_frames) == len(steps)
(['L', 'R'], 90, True)
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from softstep.errors import UnreadableFileError

__all__ = [
    "VideoFigures",
    "VideoProbe",
    "contact_sheet",
    "draw_pose",
    "keypoint_rows",
    "nearest_frames",
    "probe_video",
    "render_video_figures",
    "upright",
    "write_test_clip",
]

NEAR_RGB = (255, 140, 0)  # the leg nearer the camera
FAR_RGB = (40, 160, 255)  # the far leg
TRUNK_RGB = (255, 255, 255)
CONTACT_RGB = (220, 30, 60)  # banner / border of a contact frame
MIN_SCORE = 0.3  # keypoints scored below this are not drawn (steps.video.MIN_SCORE)
LEG_BONES = (("hip", "knee"), ("knee", "ankle"), ("ankle", "heel"), ("heel", "big_toe"),
             ("ankle", "big_toe"))
TILE_PX = 360  # contact-sheet tile width
SHEET_COLUMNS = 4
# x264 speed: superfast takes 2/3 of veryfast's CPU for a 1.7x larger file (720x1280: ~3 MB per
# 10 s); the drawing is the point here, not the compression
X264_PRESET = "superfast"
MAX_TILES = 24  # a long clip's sheet shows this many contacts per side, evenly spread
SHEET_QUALITY = 85  # JPEG quality of a contact sheet
# SCIENCE.md §4 (written without "§": the picture font has no glyph for it)
ANGLE_NOTE = ("angles from a pose model carry ±5-8° against lab marker capture: trust the trend "
              "over many landings, not one frame")


@dataclass
class VideoProbe:
    """What a clip holds, found by demuxing (no decoding but the first frame).

    ``times_s``: each frame's time from the first frame, s, in display order; ``pts``: the
    matching presentation timestamps in ``time_base``; ``rotation_deg``: counter-clockwise turn
    that makes a picture upright; ``size``: (width, height) of the upright picture, px."""

    path: Path
    times_s: np.ndarray
    pts: np.ndarray
    time_base: Fraction
    rate: Fraction
    rotation_deg: int
    size: tuple[int, int]


@dataclass
class VideoFigures:
    """The result of render_video_figures: ``sheets`` maps a side ("L", "R", or "L?" / "R?"
    where the side is unsure) to JPEG bytes; ``contact_frames`` is the frame index nearest
    each step's IC (steps order); ``sheet_contacts`` the number of tiles of each sheet;
    ``video_path`` the annotated mp4 (None when not asked)."""

    video_path: Path | None
    sheets: dict[str, bytes]
    sheet_contacts: dict[str, int]
    contact_frames: list[int]
    frames: int
    rotation_deg: int
    size: tuple[int, int]
    notes: list[str] = field(default_factory=list)


# ==============================================================================================
# decoding
# ==============================================================================================
def _av_error(path: Path, exc: Exception) -> UnreadableFileError:
    reason = getattr(exc, "strerror", None) or str(exc)  # FFmpeg's reason, without the path
    return UnreadableFileError(str(path), f"not a readable video ({reason}); give the original "
                               "mp4 / mov clip")


def probe_video(path: str | Path) -> VideoProbe:
    """Frame times, rotation and upright size of a clip; UnreadableFileError naming the file
    when it is missing, corrupt, or holds no video stream (an audio-only mp4)."""
    import av

    path = Path(path)
    if not path.is_file():
        raise UnreadableFileError(str(path), "no such file; give the clip the keypoints came "
                                  "from with --video")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UnreadableFileError(str(path), "holds no video stream (audio only?); "
                                          "give the side-view clip")
            stream = container.streams.video[0]
            pts = [p.pts for p in container.demux(stream) if p.pts is not None and p.size]
            container.seek(0)
            first = next(container.decode(stream), None)
    except UnreadableFileError:
        raise
    except (av.FFmpegError, OSError, ValueError, StopIteration) as exc:
        raise _av_error(path, exc) from None
    if first is None or not pts:
        raise UnreadableFileError(str(path), "no video frame could be decoded; the file is "
                                  "empty or corrupt")
    pts_arr = np.sort(np.asarray(pts, dtype=np.int64))
    time_base = stream.time_base or Fraction(1, 90000)
    rotation = round(first.rotation or 0) % 360
    w, h = first.width, first.height
    size = (h, w) if rotation in (90, 270) else (w, h)
    times = (pts_arr - pts_arr[0]) * float(time_base)
    rate = stream.average_rate or Fraction(max(1, round((len(times) - 1) / max(times[-1], 1e-9))))
    return VideoProbe(path, times, pts_arr, time_base, rate, rotation, size)


def upright(image, rotation_deg: int):
    """The picture turned counter-clockwise by ``rotation_deg`` (a multiple of 90: the display
    matrix of a phone clip), as a player shows it.

    >>> from PIL import Image
    >>> upright(Image.new("RGB", (1280, 720)), 270).size
    (720, 1280)
    """
    from PIL import Image

    turn = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
            270: Image.Transpose.ROTATE_270}.get(int(rotation_deg) % 360)
    return image if turn is None else image.transpose(turn)


def keypoint_rows(frame_t_s, keypoint_t_s, tolerance_s: float | None = None) -> np.ndarray:
    """Index of the keypoint row nearest each frame time, -1 where none is within
    ``tolerance_s`` (default: half the median keypoint interval).

    >>> keypoint_rows([0.0, 0.034, 0.5], [0.0, 0.0333, 0.0667]).tolist()
    [0, 1, -1]
    """
    f = np.asarray(frame_t_s, float)
    k = np.asarray(keypoint_t_s, float)
    if not len(k):
        return np.full(len(f), -1)
    if tolerance_s is None:
        tolerance_s = 0.5 * float(np.median(np.diff(k))) if len(k) > 1 else np.inf
    j = np.clip(np.searchsorted(k, f), 1, max(1, len(k) - 1)) if len(k) > 1 else np.zeros(
        len(f), int)
    if len(k) > 1:
        j = np.where(np.abs(k[j - 1] - f) <= np.abs(k[j] - f), j - 1, j)
    return np.where(np.abs(k[j] - f) <= tolerance_s + 1e-9, j, -1)


def nearest_frames(frame_t_s, event_t_s) -> np.ndarray:
    """Index of the frame nearest each event time (e.g. each initial contact), s.

    >>> nearest_frames([0.0, 0.0333, 0.0667, 0.1], [0.04, 0.09, 5.0]).tolist()
    [1, 3, 3]
    """
    return keypoint_rows(event_t_s, frame_t_s, np.inf)


# ==============================================================================================
# drawing
# ==============================================================================================
@cache
def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow built without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _point(row: dict, side: str, joint: str, scale: tuple[float, float]):
    x, y, s = (row.get(f"{side}_{joint}_{q}", np.nan) for q in ("x_px", "y_px", "score"))
    if not (np.isfinite(x) and np.isfinite(y)) or not s >= MIN_SCORE:
        return None
    return (float(x) * scale[0], float(y) * scale[1])


def _mid(a, b):
    if a is None or b is None:
        return a or b
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _line_px(size: tuple[int, int]) -> int:
    return max(2, round(min(size) / 180))


def draw_pose(image, row: dict, near: str, scale=(1.0, 1.0)) -> None:
    """Draw one frame's skeleton on ``image`` (PIL, upright) in place: the far leg (blue)
    first, then the trunk (white: shoulders -> hips) and the near leg (orange) on top.
    ``row`` maps pose columns to values; ``near`` is "l" or "r"; ``scale`` multiplies x, y."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    width = _line_px(image.size)
    far = "r" if near == "l" else "l"
    pts = {(s, j): _point(row, s, j, scale) for s in "lr"
           for j in ("shoulder", "hip", "knee", "ankle", "heel", "big_toe")}
    hip = _mid(pts["l", "hip"], pts["r", "hip"])
    shoulder = _mid(pts["l", "shoulder"], pts["r", "shoulder"])
    for side, rgb in ((far, FAR_RGB), (None, TRUNK_RGB), (near, NEAR_RGB)):
        if side is None:
            if hip and shoulder:
                draw.line([shoulder, hip], fill=rgb, width=width)
            for a, b in ((pts["l", "hip"], pts["r", "hip"]),
                         (pts["l", "shoulder"], pts["r", "shoulder"])):
                if a and b:
                    draw.line([a, b], fill=rgb, width=max(1, width // 2))
            continue
        for a, b in LEG_BONES:
            pa, pb = pts[side, a], pts[side, b]
            if pa and pb:
                draw.line([pa, pb], fill=rgb, width=width)
        r = width * 1.2
        for joint in ("hip", "knee", "ankle", "heel", "big_toe"):
            p = pts[side, joint]
            if p:
                draw.ellipse([p[0] - r, p[1] - r, p[0] + r, p[1] + r], fill=rgb,
                             outline=(0, 0, 0))


def _fmt(value, spec: str, unit: str = "") -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{float(np.round(value)) + 0.0:{spec}}{unit}"  # no "-0°"


def contact_lines(step: pd.Series) -> list[str]:
    """The numbers written next to a landing foot, one short line each.

    >>> contact_lines(pd.Series({"strike_angle_deg": 12.3, "strike_class": "rearfoot",
    ...     "overstride_pct_leg": 18.2, "overstride_cm": 16.0, "knee_flexion_ic_deg": 11.0,
    ...     "shank_angle_deg": 7.5}))
    ['strike 12° rearfoot', 'overstride 18% leg (16 cm)', 'knee 11° · shank 8°']
    """
    cls = step.get("strike_class")
    cls = "" if cls is None or cls is pd.NA or (isinstance(cls, float) and np.isnan(cls)) else cls
    over = f"overstride {_fmt(step.get('overstride_pct_leg'), '.0f', '% leg')}"
    cm = step.get("overstride_cm")
    if cm is not None and np.isfinite(cm):
        over += f" ({cm:.0f} cm)"
    knee = (f"knee {_fmt(step.get('knee_flexion_ic_deg'), '.0f', '°')} · shank "
            f"{_fmt(step.get('shank_angle_deg'), '.0f', '°')}")
    return [f"strike {_fmt(step.get('strike_angle_deg'), '.0f', '°')} {cls}".rstrip(), over, knee]


@cache
def _text_patch(lines: tuple[str, ...], font_px: int, rgb: tuple, fill: tuple):
    """Lines of text on a filled box, as an RGBA picture (cached: the same numbers stay on
    screen for a whole stance, and drawing text is the slow part of a frame)."""
    from PIL import Image, ImageDraw

    font = _font(font_px)
    pad = max(3, font_px // 4)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    boxes = [probe.textbbox((0, 0), line, font=font) for line in lines]
    step = max(b[3] for b in boxes) + pad
    patch = Image.new("RGBA", (max(b[2] for b in boxes) + 2 * pad, step * len(lines) + pad), fill)
    draw = ImageDraw.Draw(patch)
    for k, line in enumerate(lines):
        draw.text((pad, pad + k * step), line, fill=rgb, font=font)
    return patch


def _text_box(image, xy, lines, font_px, rgb, anchor_left=True, *, fill=(0, 0, 0, 170),
              centre=False, margin=0) -> None:
    """Lines of text on a box pasted on ``image`` at ``xy`` (the box's left edge, its right
    edge when not ``anchor_left``, its middle when ``centre``), ``margin`` px inside."""
    patch = _text_patch(tuple(lines), int(font_px), tuple(rgb), tuple(fill))
    w, h = patch.size
    x = xy[0] - w / 2 if centre else xy[0] if anchor_left else xy[0] - w
    x = int(min(max(margin, x), image.size[0] - margin - w))
    y = int(min(max(margin, xy[1]), image.size[1] - margin - h))
    image.paste(patch, (x, y), patch)


def _overstride_marks(draw, row, foot, scale, width) -> None:
    """Vertical line down from the mid-hip to the heel's height and the horizontal distance to
    the heel: the overstride, drawn where it is measured."""
    hip = _mid(_point(row, "l", "hip", scale), _point(row, "r", "hip", scale))
    heel = _point(row, foot, "heel", scale)
    if hip and heel:
        draw.line([hip, (hip[0], heel[1])], fill=TRUNK_RGB, width=max(1, width // 2))
        draw.line([(hip[0], heel[1]), heel], fill=CONTACT_RGB, width=width)


# ==============================================================================================
# the figures
# ==============================================================================================
def _step_feet(steps: pd.DataFrame) -> list[str]:
    """The pose model's foot label ("l" / "r") of each step: steps.attrs["feet"] when it
    matches the table, else the ``side`` column."""
    feet = steps.attrs.get("feet")
    if isinstance(feet, list) and len(feet) == len(steps):
        return [str(f).lower() for f in feet]
    side = steps["side"] if "side" in steps else pd.Series([None] * len(steps))
    return ["" if s is None or s is pd.NA else str(s).lower() for s in side]


def _sheet_keys(steps: pd.DataFrame, feet: list[str]) -> list[str]:
    """Contact-sheet key of each step: its side ("L" / "R"), or the model's label and "?" where
    steps.video left the side unknown."""
    side = steps["side"] if "side" in steps else pd.Series([None] * len(steps))
    out = []
    for s, f in zip(side, feet, strict=True):
        known = s is not None and s is not pd.NA and str(s) in ("L", "R")
        out.append(str(s) if known else (f.upper() + "?" if f else "?"))
    return out


def _tiled_steps(keys: list[str], most: int) -> set[int]:
    """The steps that get a contact-sheet tile: all of a side's, or ``most`` of them evenly
    spread when it has more (a long clip's sheet stays readable and small).

    >>> sorted(_tiled_steps(["L", "R"] * 5, 3))
    [0, 1, 4, 5, 8, 9]
    """
    chosen = set()
    for key in set(keys):
        idx = np.flatnonzero(np.asarray(keys) == key)
        pick = np.unique(np.round(np.linspace(0, len(idx) - 1, most)).astype(int))
        chosen.update(idx[pick].tolist() if len(idx) > most else idx.tolist())
    return chosen


def _crop_box(row: dict, foot: str, scale, size, leg_px: float) -> tuple[int, int, int, int]:
    """A square around the legs at a landing: from above the hips to below the foot."""
    hip = _mid(_point(row, "l", "hip", scale), _point(row, "r", "hip", scale))
    heel = _point(row, foot, "heel", scale) or _point(row, foot, "ankle", scale)
    if hip is None or heel is None or not np.isfinite(leg_px) or leg_px <= 0:
        side = min(size)
        return ((size[0] - side) // 2, (size[1] - side) // 2, (size[0] + side) // 2,
                (size[1] + side) // 2)
    leg = leg_px * max(scale)
    top, bottom = hip[1] - 0.55 * leg, max(heel[1], hip[1] + 0.5 * leg) + 0.15 * leg
    side = min(int(bottom - top), *size)
    cx = (hip[0] + heel[0]) / 2
    x0 = int(min(max(0, cx - side / 2), size[0] - side))
    y0 = int(min(max(0, top), size[1] - side))
    return (x0, y0, x0 + side, y0 + side)


def contact_sheet(tiles: list, captions: list[list[str]], title: str) -> bytes:
    """A grid of ``tiles`` (PIL images, resized to TILE_PX wide) with their captions under
    them and ``title`` plus ANGLE_NOTE above, as JPEG bytes.

    >>> from PIL import Image
    >>> data = contact_sheet([Image.new("RGB", (100, 100))] * 5, [["a", "b"]] * 5, "Left")
    >>> Image.open(io.BytesIO(data)).size
    (1440, 880)
    """
    from PIL import Image, ImageDraw

    font, title_font = _font(15), _font(19)
    line_h = 20
    cap_h = line_h * max([len(c) for c in captions] + [1]) + 8
    tile_h = TILE_PX if not tiles else round(TILE_PX * tiles[0].height / tiles[0].width)
    cols = min(SHEET_COLUMNS, max(1, len(tiles)))
    rows = max(1, -(-len(tiles) // cols))
    head = 64
    sheet = Image.new("RGB", (cols * TILE_PX, head + rows * (tile_h + cap_h)), (250, 250, 250))
    draw = ImageDraw.Draw(sheet)
    draw.text((10, 8), title, fill=(20, 30, 45), font=title_font)
    draw.text((10, 36), ANGLE_NOTE, fill=(95, 107, 122), font=_font(13))
    for k, (tile, caption) in enumerate(zip(tiles, captions, strict=True)):
        x, y = (k % cols) * TILE_PX, head + (k // cols) * (tile_h + cap_h)
        sheet.paste(tile.resize((TILE_PX, tile_h)), (x, y))
        for n, line in enumerate(caption):
            draw.text((x + 8, y + tile_h + 4 + n * line_h), line,
                      fill=(20, 30, 45) if n else CONTACT_RGB, font=font)
        draw.rectangle([x, y, x + TILE_PX - 1, y + tile_h + cap_h - 1], outline=(200, 205, 212))
    buf = io.BytesIO()
    sheet.save(buf, format="JPEG", quality=SHEET_QUALITY, optimize=True)
    return buf.getvalue()


def _caption(step: pd.Series, key: str) -> list[str]:
    sides = {"L": "left", "R": "right", "L?": "left? (side unsure)", "R?": "right? (side unsure)"}
    return [f"{step['t_s']:.2f} s · {sides.get(key, 'side unknown')} foot lands"] + contact_lines(
        step)


def _encode(stream, container, frame) -> None:
    """Encode one frame (None: flush) and mux its packets."""
    for packet in stream.encode(frame):
        container.mux(packet)


def render_video_figures(
    video: str | Path,
    samples: pd.DataFrame,
    steps: pd.DataFrame,
    *,
    out_video: str | Path | None = None,
    near_side: str | None = None,
    pose_size: tuple[float | None, float | None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VideoFigures:
    """Decode ``video`` once; draw the keypoints of ``samples`` on every frame; write the
    annotated H.264 mp4 to ``out_video`` (atomically; skipped when None) and build one contact
    sheet per side from the frames nearest each IC of ``steps``.

    ``near_side``: "L" / "R", the leg nearer the camera (steps.attrs["near_side"] by default);
    ``pose_size``: (width, height) of the picture the keypoints were measured on, when it
    differs from the clip's (they are scaled); ``progress(done, total)`` is called per frame.
    Raises UnreadableFileError naming the clip when it cannot be decoded.
    """
    import av
    from PIL import Image, ImageDraw

    probe = probe_video(video)
    size = probe.size
    near = str(near_side or steps.attrs.get("near_side") or "L").lower()[:1]
    scale = (1.0, 1.0)
    if pose_size and pose_size[0] and pose_size[1]:
        scale = (size[0] / float(pose_size[0]), size[1] / float(pose_size[1]))
    notes = []
    t_kp = samples["t_s"].to_numpy(float)
    frame_row = keypoint_rows(probe.times_s, t_kp)
    if (frame_row < 0).mean() > 0.5:
        notes.append(f"{probe.path}: only {(frame_row >= 0).mean():.0%} of the frames have "
                     "keypoints at their time; is it the clip the keypoints came from?")
    xs = samples.filter(regex=r"_x_px$").to_numpy(float) * scale[0]
    ys = samples.filter(regex=r"_y_px$").to_numpy(float) * scale[1]
    with np.errstate(invalid="ignore"):
        outside = np.nanmean((xs < 0) | (xs > size[0]) | (ys < 0) | (ys > size[1]))
    if outside > 0.05:  # drawn off the body: another picture size, or the wrong rotation
        notes.append(f"{probe.path}: {outside:.0%} of the keypoints fall outside its "
                     f"{size[0]}x{size[1]} picture; were they measured on another size or "
                     "orientation of this clip?")
    ic_s = steps["t_s"].to_numpy(float)
    to_s = steps["to_s"].to_numpy(float) if "to_s" in steps else ic_s
    contact = nearest_frames(probe.times_s, ic_s) if len(steps) else np.zeros(0, int)
    to_frame = nearest_frames(probe.times_s, np.where(np.isfinite(to_s), to_s, ic_s)) if len(
        steps) else np.zeros(0, int)
    feet = _step_feet(steps)
    keys = _sheet_keys(steps, feet)
    tiled = _tiled_steps(keys, MAX_TILES)
    # per frame: the step in stance (latest IC at or before it whose TO frame is not passed)
    frame_idx = np.arange(len(probe.times_s))
    latest = np.searchsorted(contact, frame_idx, side="right") - 1 if len(steps) else np.full(
        len(frame_idx), -1)
    in_stance = (latest >= 0) & (frame_idx <= to_frame[np.maximum(latest, 0)]) if len(
        steps) else np.zeros(len(frame_idx), bool)
    ic_at = {int(f): k for k, f in enumerate(contact)}  # two ICs on one frame: the later wins
    columns = [c for c in samples.columns if c != "t_s"]
    values = samples[columns].to_numpy(float)
    leg_px = float(steps.attrs.get("leg_px") or np.nan)
    text_px = max(14, round(min(size) / 40))
    banner_px = max(16, round(min(size) / 30))
    width = _line_px(size)
    last_text = {}
    tiles: dict[str, list] = {}
    captions: dict[str, list[list[str]]] = {}

    out_path = Path(out_video) if out_video is not None else None
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp.mp4") if out_path else None
    try:
        with av.open(str(probe.path)) as src:
            stream = src.streams.video[0]
            stream.thread_type = "AUTO"
            dst = av.open(str(tmp), "w") if tmp else None
            pool, pending = ThreadPoolExecutor(max_workers=1), None
            try:
                if dst is not None:
                    enc = dst.add_stream("libx264", rate=probe.rate)
                    enc.width, enc.height = size
                    enc.pix_fmt = "yuv420p"
                    enc.time_base = probe.time_base
                    enc.codec_context.time_base = probe.time_base
                    enc.options = {"preset": X264_PRESET, "crf": "23"}
                    enc.thread_type = "AUTO"
                for i, frame in enumerate(src.decode(stream)):
                    if i >= len(probe.times_s):
                        break
                    if dst is None and i not in ic_at:  # a contact sheet needs IC frames only
                        continue
                    image = upright(Image.fromarray(frame.to_ndarray(format="rgb24")),
                                    probe.rotation_deg)
                    r = frame_row[i]
                    row = dict(zip(columns, values[r], strict=True)) if r >= 0 else {}
                    if row:
                        draw_pose(image, row, near, scale)
                    draw = ImageDraw.Draw(image, "RGBA")
                    border = 3 * width
                    if i in ic_at:
                        k = ic_at[i]
                        step = steps.iloc[k]
                        foot = feet[k] or near
                        last_text[foot] = (f"{keys[k]} {step['t_s']:.2f} s: "
                                           + " · ".join(contact_lines(step)))
                        if row:
                            _overstride_marks(draw, row, foot, scale, width)
                        if k in tiled:  # the tile: skeleton and overstride, no text on the body
                            tile = image.crop(_crop_box(row, foot, scale, size, leg_px))
                            tile = tile.resize((TILE_PX, round(TILE_PX * tile.height / tile.width)))
                            tiles.setdefault(keys[k], []).append(tile)
                            captions.setdefault(keys[k], []).append(_caption(step, keys[k]))
                        draw.rectangle([0, 0, size[0] - 1, size[1] - 1], outline=CONTACT_RGB,
                                       width=border)  # the flash: on the IC frame only
                    k = latest[i] if len(steps) else -1
                    if k >= 0 and in_stance[i]:  # the banner stays through the stance
                        _text_box(image, (size[0] // 2, border),
                                  [_caption(steps.iloc[k], keys[k])[0]], banner_px,
                                  (255, 255, 255), fill=CONTACT_RGB + (230,), centre=True,
                                  margin=border)
                    if k >= 0 and in_stance[i] and row:
                        foot = feet[k] or near
                        heel = _point(row, foot, "heel", scale)
                        toe = _point(row, foot, "big_toe", scale)
                        if heel:
                            forward = -1 if str(steps.attrs.get("facing", "left")) == "left" else 1
                            tip = toe or heel
                            anchor = (max(heel[0], tip[0]) + 2 * width if forward > 0
                                      else min(heel[0], tip[0]) - 2 * width,
                                      heel[1] - 4 * text_px)
                            _text_box(image, anchor, contact_lines(steps.iloc[k]), text_px,
                                      NEAR_RGB if foot == near else FAR_RGB,
                                      anchor_left=forward > 0, margin=border)
                    hud = [last_text[f] for f in ("l", "r") if f in last_text]
                    if hud:
                        _text_box(image, (0, size[1]), hud, text_px, (255, 255, 255),
                                  margin=border)
                    if dst is not None:
                        out = av.VideoFrame.from_image(image)
                        out.pts = int((probe.pts[i] if frame.pts is None else frame.pts)
                                      - probe.pts[0])
                        out.time_base = probe.time_base
                        if pending is not None:
                            pending.result()
                        # x264 works while the next frame is drawn (PyAV frees the GIL)
                        pending = pool.submit(_encode, enc, dst, out)
                    if progress is not None:
                        progress(i + 1, len(probe.times_s))
                if pending is not None:
                    pending.result()
                if dst is not None:
                    _encode(enc, dst, None)
            finally:
                pool.shutdown(wait=True)
                if dst is not None:
                    dst.close()
        if tmp is not None:
            os.replace(tmp, out_path)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise _av_error(probe.path, exc) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    order = sorted(tiles, key=lambda s: (s.rstrip("?"), s))
    names = {"L": "Left", "R": "Right"}
    sheets = {}
    for key in order:
        side = names.get(key.rstrip("?"), "Unknown")
        where = "near the camera" if key.rstrip("?").lower() == near else "far from the camera"
        unsure = ", side unsure" if key.endswith("?") else ""
        shown, total = len(tiles[key]), keys.count(key)
        count = f"{shown}" if shown == total else f"{shown} of {total} (evenly spread)"
        title = f"{side} foot ({where}{unsure}): {count} initial contacts, {probe.path.name}"
        sheets[key] = contact_sheet(tiles[key], captions[key], title)
    return VideoFigures(out_path, sheets, {k: len(tiles[k]) for k in order},
                        [int(c) for c in contact], len(probe.times_s),
                        probe.rotation_deg, size, notes)


# ==============================================================================================
# a synthetic clip, for examples and tests
# ==============================================================================================
def write_test_clip(path: str | Path, t_s, width: int, height: int, *, rotation_deg: int = 0,
                    time_base: Fraction = Fraction(1, 15360)) -> Path:
    """Write a small grey H.264 clip whose frames sit at ``t_s`` (seconds, so a variable frame
    rate can be made), stored ``width`` x ``height`` and shown turned counter-clockwise by
    ``rotation_deg`` (a display matrix, like a phone's portrait clip). Frame k carries a
    brightness ramp of k so frames can be told apart. Returns ``path``."""
    import av

    path = Path(path)
    t = np.asarray(t_s, float)
    rate = Fraction(round(1.0 / float(np.median(np.diff(t))))) if len(t) > 1 else Fraction(30)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        stream.options = {"preset": "ultrafast"}
        if rotation_deg:
            stream.set_display_rotation(rotation_deg)
        base = np.full((height, width, 3), 90, np.uint8)
        for k, tk in enumerate(t):
            pic = base.copy()
            pic[: height // 20, : (k * 7) % width] = 200
            frame = av.VideoFrame.from_ndarray(pic, format="rgb24")
            frame.pts = round(tk / float(time_base))
            frame.time_base = time_base
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
