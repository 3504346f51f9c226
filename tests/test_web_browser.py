"""The web app in headless Chromium: drag-and-drop upload to drawn plots, the metronome
download, phone layouts without sideways scrolling, and screenshots of every main page.

One real uvicorn server (temporary SQLite database) and one browser serve the whole module.
Screenshots land in test-artifacts/screenshots/NAME-{laptop,phone}.png for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from softstep import sample_path

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 over a fresh SQLite database, in a thread."""
    from softstep.web.app import create_app
    from softstep.web.loopback import serve_on_loopback

    db_path = tmp_path_factory.mktemp("browser") / "softstep.db"
    with serve_on_loopback(create_app(f"sqlite:///{db_path}")) as url:
        yield url


@pytest.fixture
def page(chromium, base_url):  # noqa: ANN001
    """A fresh laptop-sized page that records script errors and any request off the server."""
    context = chromium.new_context(viewport=LAPTOP, accept_downloads=True)
    new = context.new_page()
    new.errors = []
    new.foreign = []
    new.on("pageerror", lambda exc: new.errors.append(str(exc)))
    new.on("request", lambda req: None if req.url.startswith((base_url, "data:", "blob:",
                                                              "about:"))
           else new.foreign.append(req.url))
    yield new
    context.close()


def _screenshot(page, name: str) -> None:  # noqa: ANN001
    """Save NAME-laptop.png and NAME-phone.png of the page as it is now."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size_name, size in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let plotly and the layout follow the resize
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size_name}.png"), full_page=True)
    page.set_viewport_size(LAPTOP)


def _overflow_px(page) -> int:  # noqa: ANN001
    """How far the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _upload(page, base_url: str, files: list) -> None:  # noqa: ANN001
    page.goto(f"{base_url}/upload")
    page.set_input_files("#file", files)


def test_upload_by_the_page_then_the_run_draws_its_plots(page, base_url):
    broken = {"name": "broken.fit", "mimeType": "application/octet-stream",
              "buffer": sample_path().read_bytes()[:14] + b"\x00" * 200}
    run = {"name": sample_path().name, "mimeType": "application/octet-stream",
           "buffer": sample_path().read_bytes()}
    _upload(page, base_url, [run, broken])
    result = page.locator("#upload-result")
    link = result.locator("a.run-link")
    link.first.wait_for(timeout=WAIT_MS)
    error = result.locator(".error")
    error.first.wait_for(timeout=WAIT_MS)
    assert "422" in error.first.inner_text() and "broken.fit" in error.first.inner_text()
    assert error.first.evaluate("e => getComputedStyle(e).color") == "rgb(176, 0, 32)"
    assert link.count() == 1
    _screenshot(page, "upload")

    href = link.first.get_attribute("href")
    assert href.startswith("/runs/")
    link.first.click()
    page.wait_for_url(f"{base_url}{href}")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    plots = page.locator(".js-plotly-plot")
    assert plots.count() > 0
    assert plots.first.locator("svg .scatterlayer .trace").count() > 0
    _screenshot(page, "run")

    page.goto(f"{base_url}/runs")
    assert page.locator(f'a[href="{href}"]').count() > 0
    _screenshot(page, "runs")
    assert page.errors == [] and page.foreign == []


def test_same_file_again_shows_it_is_already_stored(page, base_url):
    for _ in range(2):  # the second upload, whatever the tests before it uploaded
        _upload(page, base_url, [str(sample_path())])
        page.locator("#upload-result a.run-link").first.wait_for(timeout=WAIT_MS)
    assert "Already uploaded" in page.locator("#upload-result").inner_text()


def test_upload_form_works_without_javascript(chromium, base_url):
    context = chromium.new_context(viewport=LAPTOP, java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(f"{base_url}/upload")
        plain.set_input_files("#file", str(sample_path()))
        plain.click("button[type=submit]")
        plain.wait_for_url(f"{base_url}/runs/*")
        assert plain.locator("h1").count() > 0
    finally:
        context.close()


def test_shared_running_file_uploads(page, base_url, shared_data):
    path = shared_data / "fit" / "developer-types-sample.fit"  # Stryd running dynamics
    _upload(page, base_url, [str(path)])
    page.locator("#upload-result a.run-link").first.wait_for(timeout=WAIT_MS)
    assert page.locator("#upload-result .error").count() == 0


def test_metronome_download_is_a_wav(page, base_url):
    page.goto(f"{base_url}/plan")
    link = page.locator("a#metronome-download[download]")
    assert link.count() == 1, "the plan page has no a#metronome-download[download]"
    with page.expect_download(timeout=WAIT_MS) as info:
        link.click()
    path = info.value.path()
    data = Path(path).read_bytes()
    assert len(data) > 44 and data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    _screenshot(page, "plan")


NAV_HREFS = ("/runs", "/upload", "/plan", "/progress", "/profile")


def _assert_nav(page, path: str) -> None:  # noqa: ANN001
    for target in NAV_HREFS:
        assert page.locator(f'nav a[href="{target}"]').count() >= 1, f"{path}: no {target} link"


@pytest.mark.parametrize("path", NAV_HREFS)
def test_page_fits_a_phone_and_has_the_nav(page, base_url, path):
    page.set_viewport_size(PHONE)
    response = page.goto(f"{base_url}{path}")
    assert response is not None and response.status == 200, f"{path}: {response.status}"
    _assert_nav(page, path)
    assert _overflow_px(page) <= 1, f"{path} scrolls sideways on a 390-px phone"
    if path in ("/progress", "/profile"):
        _screenshot(page, path.strip("/"))
    assert page.errors == [] and page.foreign == []


def test_run_page_fits_a_phone(page, base_url):
    _upload(page, base_url, [str(sample_path())])
    link = page.locator("#upload-result a.run-link").first
    link.wait_for(timeout=WAIT_MS)
    page.set_viewport_size(PHONE)
    link.click()
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    assert _overflow_px(page) <= 1, "the run page scrolls sideways on a 390-px phone"
    _assert_nav(page, "the run page")
