"""Run a benchmark step in a fresh Python process, so its peak memory is its own.

``code`` is a program that takes ``mode`` and ``path`` as its arguments and prints one JSON
object as its last line (time, peak memory from VmHWM in /proc/self/status, counts).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run_child(code: str, mode: str, path: Path) -> dict:
    """The JSON the child printed last; exits with its stderr tail when it failed."""
    out = subprocess.run(
        [sys.executable, "-c", code, mode, str(path)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{mode} on {path.name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
