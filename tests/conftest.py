"""Shared fixtures.

Real recordings live in ../shared/data (beside the repository). A user's clone may not have them:
then the tests that need them skip with a reason. In CI (CI=true) they must be there, and a
missing folder fails the run instead of silently skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# STACK.md: Debian's chromium driven by Playwright with these flags; never `playwright install`.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _skip_or_fail(message: str) -> None:
    """Skip on a user's machine; fail in CI (CI=true), where everything must be installed."""
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must have it)")
    pytest.skip(message)


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
        _skip_or_fail(message)
    return path


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright (a ``playwright`` Browser), one a module."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        _skip_or_fail("Debian chromium is not installed (make test installs it: "
                      "apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("playwright is not installed (pip install playwright; never run "
                      "`playwright install`, the Debian chromium is used)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite database for one test."""
    return f"sqlite:///{tmp_path / 'softstep.db'}"


@pytest.fixture(scope="session")
def pose_model() -> Path:
    """The fetched BlazePose model; skips (fails in CI) when it is absent."""
    from softstep.pose.model import model_path

    path = model_path()
    try:
        import mediapipe  # noqa: F401
    except ImportError:
        path = None
    if path is None or not path.is_file():
        message = ("the pose model is not installed: pip install 'softstep[video]' and run "
                   "`softstep models fetch` to run these tests")
        _skip_or_fail(message + " (make test fetches it)")
    return path
