"""Errors a user can act on. Each message names the file (or input) and the problem.

The command line prints ``str(error)`` as one line and exits non-zero; it never shows a traceback
for these.
"""

from __future__ import annotations


class SoftstepError(Exception):
    """Base class: a problem with the user's input or setup, with a one-line message."""


class UnreadableFileError(SoftstepError):
    """The file cannot be read at all (wrong format, corrupt header, empty, too large)."""

    def __init__(self, path: str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"cannot read {self.path}: {problem}")


class NoRunningError(SoftstepError):
    """The file is readable but holds no running activity."""

    def __init__(self, path: str, found: list[str], sensor: str | None = None):
        self.path = str(path)
        self.found = found
        self.sensor = sensor  # the sensor of a several-sensor inertial file, else None
        what = ", ".join(found) if found else "no activity at all"
        super().__init__(f"no running activity in {self.path}: found {what}")


class StoreError(SoftstepError):
    """The database cannot be opened or written; nothing was changed."""
