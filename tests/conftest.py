"""Shared fixtures.

Real recordings live in ../shared/data (beside the repository). A user's clone may not have them:
then the tests that need them skip with a reason. In CI (CI=true) they must be there, and a
missing folder fails the run instead of silently skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _shared_data_dir() -> Path:
    env = os.environ.get("SOFTSTEP_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; skips (or fails in CI) when it is absent."""
    path = _shared_data_dir()
    if not path.is_dir():
        message = (
            f"real recordings not found at {path}; set SOFTSTEP_SHARED_DATA to the shared/data "
            "folder to run these tests"
        )
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must have them)")
        pytest.skip(message)
    return path


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite database for one test."""
    return f"sqlite:///{tmp_path / 'softstep.db'}"
