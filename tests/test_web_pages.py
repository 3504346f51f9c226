"""The web pages (issue 6): the run page's plots and findings, the run list filters, and the
contact sheets / annotated clip of a video upload stored in run_media and served, on SQLite and
PostgreSQL (``any_db_url``)."""

from __future__ import annotations

import re
import warnings

import pytest

with warnings.catch_warnings():  # starlette >= 1.x nags about httpx in its TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_store import any_db_url  # noqa: F401  (fixture: SQLite, plus PostgreSQL when set)

from softstep import sample_path
from softstep.cli import app as cli_app
from softstep.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FIT_BYTES = sample_path().read_bytes()
CLIP = ("video_side_treadmill", "male_side.mp4")
NAV_HREFS = ("/runs", "/upload", "/plan", "/progress", "/profile")


@pytest.fixture
def client(any_db_url):  # noqa: F811
    with TestClient(create_app(any_db_url)) as opened:
        yield opened


def _upload(client: TestClient, data: bytes = FIT_BYTES, name: str = "fenix2-run.fit") -> int:
    response = client.post("/api/runs", files={"file": (name, data, "application/octet-stream")})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_run_page_has_speed_plots_findings_and_plan_link(client):
    run_id = _upload(client)
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    html = page.text
    assert html.count('class="plotly-graph-div"') >= 2  # over time, against speed
    assert '"type":"scattergl"' in html  # each record vs speed, drawn with WebGL
    assert "mean per km" in html and '"responsive": true' in html
    # the sample run's finding: bouncing (vertical ratio 9.5 %), with its confidence
    assert "Why you may land hard" in html and "You bounce up and down a lot" in html
    assert 'class="finding"' in html and "confidence" in html
    assert 'href="/plan?runner=me"' in html
    assert "<video" not in html  # a watch file has no media


def _nav_hrefs(html: str) -> list[str]:
    """The link targets inside the page's <nav> elements."""
    navs = re.findall(r"<nav\b.*?</nav>", html, flags=re.DOTALL)
    return [href for nav in navs for href in re.findall(r'href="([^"]+)"', nav)]


def test_run_page_has_the_site_nav_and_keeps_labels_and_plan_link(client):
    run_id = _upload(client)
    labelled = client.patch(f"/api/runs/{run_id}", json={"surface": "road", "shoes": "Pegasus"})
    assert labelled.status_code == 200, labelled.text
    html = client.get(f"/runs/{run_id}").text
    assert html.count("<html") == 1 and html.count("<body") == 1  # one page, not two glued
    assert set(NAV_HREFS) <= set(_nav_hrefs(html))
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    assert 'action="/logout"' not in html  # single-user mode: nobody to sign out
    assert '<span class="label">surface: road</span>' in html
    assert '<span class="label">shoes: Pegasus</span>' in html
    assert 'class="plan-link" href="/plan?runner=me"' in html
    assert '<script src="/static/plotly.min.js"></script>' in html
    assert html.index("<header") < html.index('<section class="run"') < html.index("</main>")
    assert len(html) < 2_000_000  # plotly.js is served, not inlined


def test_run_page_in_multi_user_mode_shows_the_user_and_logout(any_db_url):  # noqa: F811
    from test_web_access import csrf, sign_in

    app = create_app(any_db_url, multi_user=True)
    app.state.accounts.create_user("ana", "password-123")
    with TestClient(app) as ana:
        assert sign_in(ana, "ana").status_code == 303
        token = csrf(ana)
        up = ana.post("/api/runs", files={"file": ("r.fit", FIT_BYTES)},
                      headers={"X-CSRF-Token": token})
        assert up.status_code == 201, up.text
        html = ana.get(f"/runs/{up.json()['id']}").text
    assert set(NAV_HREFS) <= set(_nav_hrefs(html))
    assert f'<meta name="csrf-token" content="{token}">' in html
    logout = re.search(r'<form method="post" action="/logout">.*?</form>', html, re.DOTALL)
    assert logout and f'name="csrf_token" value="{token}"' in logout.group(0)
    assert 'href="/account"' in html and ">ana</a>" in html


def test_analyze_html_report_stays_standalone_without_the_site_nav(tmp_path):
    from typer.testing import CliRunner

    page = tmp_path / "report.html"
    result = CliRunner().invoke(cli_app, ["analyze", str(sample_path()), "--db",
                                          f"sqlite:///{tmp_path / 'db.sqlite'}", "--html",
                                          str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "<nav" not in html and "<header" not in html and "csrf-token" not in html
    assert "/logout" not in html and 'href="/runs"' not in html and "plan-link" not in html
    assert "<script src=" not in html and len(html) > 3_000_000  # plotly.js inlined
    assert "<h1>Why you land the way you do</h1>" in html and '<section class="run"' in html


def test_run_page_unknown_is_404(client):
    assert client.get("/runs/999").status_code == 404
    assert client.get("/runs/999/media/contacts-left.jpg").status_code == 404


def test_run_list_filters(client):
    run_id = _upload(client)
    all_runs = client.get("/runs")
    assert all_runs.status_code == 200 and f'href="/runs/{run_id}"' in all_runs.text
    assert 'id="run-filters"' in all_runs.text
    stored = client.get(f"/api/runs/{run_id}").json()
    start = stored["start"][:10]  # YYYY-MM-DD
    kept = {"runner": "me", "since": start, "until": start, "source": stored["source"]}
    assert f'href="/runs/{run_id}"' in client.get("/runs", params=kept).text
    for dropped in ({"runner": "someone-else"}, {"source": "video"},
                    {"since": "2099-01-01"}, {"until": "2000-01-01"}):
        page = client.get("/runs", params=dropped)
        assert page.status_code == 200
        assert f'href="/runs/{run_id}"' not in page.text, dropped
        assert "No run matches" in page.text
    bad = client.get("/runs", params={"since": "01/03/2026"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text


def test_video_upload_stores_and_serves_media(client, shared_data, pose_model):
    """A real treadmill clip uploaded and analysed by the pose model; the contact sheets and
    the annotated clip are drawn from the uploaded mp4 before it is deleted."""
    clip_bytes = shared_data.joinpath(*CLIP).read_bytes()
    run_id = _upload(client, clip_bytes, "male_side.mp4")
    store = client.app.state.store
    media = {name: (media_type, size) for name, media_type, size in store.media(run_id)}
    sheets = [n for n in media if n.startswith("contacts-")]
    assert sheets and all(media[n][0] == "image/jpeg" and media[n][1] > 1000 for n in sheets)
    assert media["annotated.mp4"][0] == "video/mp4"

    page = client.get(f"/runs/{run_id}").text
    assert f'src="/runs/{run_id}/media/{sheets[0]}"' in page
    assert "<video controls" in page and f"/runs/{run_id}/media/annotated.mp4" in page
    image = client.get(f"/runs/{run_id}/media/{sheets[0]}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:2] == b"\xff\xd8" and "max-age" in image.headers["cache-control"]
    clip = client.get(f"/runs/{run_id}/media/annotated.mp4")
    assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"
    assert clip.content[4:8] == b"ftyp"
    assert client.get(f"/runs/{run_id}/media/nothing.png").status_code == 404
