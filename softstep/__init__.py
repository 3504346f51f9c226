"""softstep: why a runner lands hard, a plan that fixes it, and a check that it worked.

>>> import softstep
>>> result = softstep.analyze(softstep.sample_path())
>>> result.runs[0].findings[0].title
'You bounce up and down a lot'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from softstep.errors import NoRunningError, SoftstepError, UnreadableFileError
from softstep.model import FileAnalysis, Runner

__version__ = "0.1.0"
__all__ = [
    "FileAnalysis",
    "NoRunningError",
    "Runner",
    "SoftstepError",
    "UnreadableFileError",
    "analyze",
    "sample_path",
]


def sample_path() -> Path:
    """Path of the bundled sample run (a real 47-minute Garmin fenix2 run, MIT licence)."""
    return Path(str(files("softstep") / "data" / "sample" / "fenix2-run.fit"))


def analyze(path: str | Path, runner: Runner | None = None) -> FileAnalysis:
    """Read one file and analyse every running session in it (no database involved).

    Raises UnreadableFileError or NoRunningError with a one-line message naming the file.
    """
    from softstep.pipeline import analyze_file

    return analyze_file(Path(path), runner or Runner())
