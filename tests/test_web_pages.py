"""The web pages (issue 6): the run page's plots and findings, the run list filters, and the
contact sheets / annotated clip of a video upload stored in run_media and served, on SQLite and
PostgreSQL (``any_db_url``)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette >= 1.x nags about httpx in its TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_store import any_db_url  # noqa: F401  (fixture: SQLite, plus PostgreSQL when set)

import softstep.pipeline
from softstep import sample_path
from softstep.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FIT_BYTES = sample_path().read_bytes()
VIDEO_DIR = Path("/work/shared/data/video_side_treadmill")
CLIP = VIDEO_DIR / "male_side.mp4"
POSE = VIDEO_DIR / "male_side.pose.json"


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
    assert "Why you land hard" in html or "Why you may land hard" in html
    assert 'class="finding"' in html or 'class="ok"' in html
    assert "confidence" in html or 'class="ok"' in html
    assert 'href="/plan?runner=me"' in html
    assert "<video" not in html  # a watch file has no media


def test_run_page_unknown_is_404(client):
    assert client.get("/runs/999").status_code == 404
    assert client.get("/runs/999/media/contacts-left.jpg").status_code == 404


def test_run_list_filters(client):
    run_id = _upload(client)
    all_runs = client.get("/runs")
    assert all_runs.status_code == 200 and f'href="/runs/{run_id}"' in all_runs.text
    assert 'id="run-filters"' in all_runs.text
    start = client.get(f"/api/runs/{run_id}").json()["start"][:10]  # YYYY-MM-DD
    kept = {"runner": "me", "since": start, "until": start, "source": "watch"}
    source = client.get(f"/api/runs/{run_id}").json()["source"]
    kept["source"] = source
    assert f'href="/runs/{run_id}"' in client.get("/runs", params=kept).text
    for dropped in ({"runner": "someone-else"}, {"source": "video"},
                    {"since": "2099-01-01"}, {"until": "2000-01-01"}):
        page = client.get("/runs", params=dropped)
        assert page.status_code == 200
        assert f'href="/runs/{run_id}"' not in page.text, dropped
        assert "No run matches" in page.text
    bad = client.get("/runs", params={"since": "01/03/2026"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text


@pytest.mark.skipif(not (CLIP.exists() and POSE.exists()), reason="real clip not present")
def test_video_upload_stores_and_serves_media(client, monkeypatch, tmp_path):
    """A real treadmill clip uploaded: the keypoints come from its .pose.json (the pose model
    is too slow for a test, so analyze_file reads the keypoint file for the clip); the contact
    sheets and the annotated clip are drawn from the uploaded mp4 before it is deleted."""
    real = softstep.pipeline.analyze_file
    pose_copy = shutil.copy(POSE, tmp_path / POSE.name)

    def from_keypoints(path, *args, **kwargs):
        if Path(path).suffix == ".mp4":
            analysis = real(pose_copy, *args, **kwargs)
            for run in analysis.runs:
                run.recording.path = str(path)
            return analysis
        return real(path, *args, **kwargs)

    monkeypatch.setattr(softstep.pipeline, "analyze_file", from_keypoints)
    run_id = _upload(client, CLIP.read_bytes(), "male_side.mp4")
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
