"""The coaching pages through fastapi's TestClient, on SQLite and PostgreSQL: this week's plan,
the metronome download (a WAV whose clicks are 60/spm s apart), progress at matched speed and
the runner profile form."""

from __future__ import annotations

import io
import re
import warnings
import wave
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

with warnings.catch_warnings():  # starlette >= 1.x nags about httpx in its TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_store import any_db_url  # noqa: F401  (fixture: SQLite, plus PostgreSQL when set)

from softstep import sample_path
from softstep.web import create_app
from softstep.web.coaching import click_wav_chunks, week_index

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FIT_BYTES = sample_path().read_bytes()
REAL_FIT = ("fit", "developer-types-sample.fit")


@pytest.fixture
def client(any_db_url):  # noqa: F811
    with TestClient(create_app(any_db_url)) as opened:
        yield opened


def upload(client: TestClient, data: bytes = FIT_BYTES, name: str = "fenix2-run.fit") -> int:
    response = client.post("/api/runs", files={"file": (name, data, "application/octet-stream")})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def onsets_s(wav_bytes: bytes) -> tuple[np.ndarray, int]:
    """Click onsets (s) of a mono 16-bit WAV: samples that are loud after >= 0.1 s of silence."""
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        rate = wav.getframerate()
        x = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    loud = np.flatnonzero(np.abs(x) > 1000)
    starts = loud[np.r_[True, np.diff(loud) > 0.1 * rate]]
    return starts / rate, len(x)


def test_plan_without_runs_points_to_upload(client):
    page = client.get("/plan")
    assert page.status_code == 200
    assert 'href="/upload"' in page.text and "metronome-download" not in page.text


def test_plan_page_shows_this_week_and_a_metronome_link(client):
    run_id = upload(client)
    page = client.get("/plan")
    assert page.status_code == 200
    assert f'href="/runs/{run_id}"' in page.text
    # the sample run is from 2015: whole weeks since then clip to the plan's last week
    weeks = re.search(r"This week: week (\d+) of (\d+)", page.text)
    assert weeks and weeks.group(1) == weeks.group(2)
    link = re.search(r'<a id="metronome-download" download href="([^"]+)"', page.text)
    assert link, "the metronome link must carry the download attribute"
    target = re.search(r'id="cadence-target">(\d+)<', page.text).group(1)
    assert link.group(1) == f"/plan/metronome.wav?spm={target}&amp;minutes=30"
    assert page.text.count("<details") >= 1  # the other weeks, folded
    assert "<audio" in page.text
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200


def test_week_index_counts_whole_weeks_and_clips():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert week_index(start, start + timedelta(days=6, hours=23), 8) == 0
    assert week_index(start, start + timedelta(days=7), 8) == 1
    assert week_index(start, start + timedelta(days=400), 8) == 7
    assert week_index(start, start - timedelta(days=3), 8) == 0
    assert week_index(start.replace(tzinfo=None), start + timedelta(days=15), 2) == 1


def test_plan_of_a_runner_the_viewer_may_not_read_is_404(client):
    from softstep.web.access import Viewer, current_viewer

    client.app.dependency_overrides[current_viewer] = lambda: Viewer(
        user="ana", runner="ana", readable=frozenset({"ana"}), csrf_token="t")
    try:
        assert client.get("/plan", params={"runner": "ben"}).status_code == 404
        assert client.get("/progress", params={"runner": "ben"}).status_code == 404
        assert client.get("/api/progress", params={"runner": "ben"}).status_code == 404
        assert client.get("/plan").status_code == 200
    finally:
        client.app.dependency_overrides.clear()


@pytest.mark.parametrize("spm", [150, 172.5, 180])
def test_metronome_wav_clicks_at_the_requested_spm(client, spm):
    response = client.get("/plan/metronome.wav", params={"spm": spm, "minutes": 0.25})
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    assert "attachment" in response.headers["content-disposition"]
    assert int(response.headers["content-length"]) == len(response.content)
    onsets, n_samples = onsets_s(response.content)
    assert n_samples == 15 * 22050
    gaps = np.diff(onsets)
    assert np.allclose(gaps, 60 / spm, atol=1.5 / 22050)
    assert len(onsets) == int(np.ceil(15 * spm / 60))


def test_metronome_streams_in_chunks():
    chunks = click_wav_chunks(180, 1.0)
    sizes = [len(c) for c in chunks]
    assert sizes[0] == 44 and max(sizes) == 2 * 22050 * 10 and sum(sizes) == 44 + 2 * 22050 * 60


@pytest.mark.parametrize("query, message", [
    ({"spm": 20}, "spm must be between 60 and 240"),
    ({"spm": 300, "minutes": 10}, "spm must be between 60 and 240"),
    ({"spm": 170, "minutes": 0}, "minutes must be more than 0"),
    ({"spm": 170, "minutes": 500}, "at most 180"),
    ({"spm": "fast"}, "number"),
])
def test_bad_metronome_requests_are_422_with_a_message(client, query, message):
    response = client.get("/plan/metronome.wav", params=query)
    assert response.status_code == 422
    assert message in response.text


def test_progress_with_runs_from_two_weeks(client, shared_data):
    upload(client)
    upload(client, shared_data.joinpath(*REAL_FIT).read_bytes(), "developer-types-sample.fit")
    data = client.get("/api/progress").json()
    assert data["runner"] == "me" and data["speed_matched"] is True
    assert [w["week"] for w in data["weeks"]] == ["2015-W33", "2017-W03"]
    cadence = next(m for m in data["metrics"] if m["metric"] == "cadence_spm")
    assert len(cadence["points"]) == 2 and cadence["points"][0]["minutes"] > 1
    # 164 -> 152 spm at the same speed, weekly intervals about ±2 spm: a real change
    assert cadence["beyond_uncertainty"] is True and cadence["change"] < -8
    assert "m/s" in cadence["sentence"]

    page = client.get("/progress")
    assert page.status_code == 200
    assert "2015-W33" in page.text and "2017-W03" in page.text
    assert 'id="plot-cadence_spm"' in page.text and "/static/plotly.min.js" in page.text
    assert cadence["sentence"] in page.text.replace("&#39;", "'")


def test_progress_without_runs_is_friendly(client):
    assert client.get("/api/progress").json()["weeks"] == []
    assert 'href="/upload"' in client.get("/progress").text


def test_progress_is_documented_in_openapi(client):
    schema = client.get("/openapi.json").json()
    get = schema["paths"]["/api/progress"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ProgressOut")
    assert "/plan/metronome.wav" not in schema["paths"]


def test_profile_saves_and_validates(client):
    token = client.app.state.csrf_token
    form = client.get("/profile")
    assert form.status_code == 200
    assert f'name="csrf_token" value="{token}"' in form.text

    saved = client.post("/profile", data={"height_cm": "172", "mass_kg": "64.5",
                                          "csrf_token": token})
    assert saved.status_code == 200 and 'id="profile-saved"' in saved.text
    store = client.app.state.store
    assert (store.runner("me").height_cm, store.runner("me").mass_kg) == (172.0, 64.5)
    assert 'value="172.0"' in client.get("/profile").text

    for height, mass, message in (("abc", "60", "height must be a number from 100 to 230 cm"),
                                  ("172", "400", "mass must be a number from 25 to 200 kg"),
                                  ("90", "60", "height"), ("nan", "60", "height")):
        bad = client.post("/profile", data={"height_cm": height, "mass_kg": mass,
                                            "csrf_token": token})
        assert bad.status_code == 422 and message in bad.text
    assert store.runner("me").height_cm == 172.0  # unchanged by the refused forms

    assert client.post("/profile", data={"height_cm": "180", "mass_kg": "70",
                                         "csrf_token": "wrong"}).status_code == 403
    cleared = client.post("/profile", data={"height_cm": "", "mass_kg": "70",
                                            "csrf_token": token})
    assert cleared.status_code == 200 and store.runner("me").height_cm is None
