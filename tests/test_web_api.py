"""The web app (softstep.web) through fastapi's TestClient, on SQLite and PostgreSQL:
uploads are analysed and stored once, runs come back as ``softstep analyze --json`` gives
them, bad and oversized files are refused with nothing stored, and the pages render."""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():  # starlette >= 1.x nags about httpx in its TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_store import any_db_url  # noqa: F401  (fixture: SQLite, plus PostgreSQL when set)

from softstep import Runner, sample_path
from softstep.pipeline import analyze_file, run_to_json
from softstep.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FIT_BYTES = sample_path().read_bytes()


@pytest.fixture(scope="module")
def direct() -> dict:
    """The sample run analysed directly (no store), as ``analyze --json`` prints it."""
    return run_to_json(analyze_file(sample_path(), Runner("me")).runs[0])


@pytest.fixture
def client(any_db_url):  # noqa: F811
    with TestClient(create_app(any_db_url)) as opened:
        yield opened


def upload(client: TestClient, data: bytes = FIT_BYTES, name: str = "fenix2-run.fit"):
    return client.post("/api/runs", files={"file": (name, data, "application/octet-stream")})


def test_upload_then_get_matches_direct_analysis(client, direct):
    response = upload(client)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["ids"] == [body["id"]] and body["duplicate"] is False
    assert response.headers["location"] == f"/api/runs/{body['id']}"

    run = client.get(f"/api/runs/{body['id']}").json()
    assert run["id"] == body["id"]
    assert set(run) == set(direct)
    for key in ("sport", "source", "device", "start", "session_index", "placement"):
        assert run[key] == direct[key], key
    assert len(run["steps"]) == len(direct["steps"])
    assert len(run["segments"]) == len(direct["segments"]) > 5
    assert run["summary"].keys() == direct["summary"].keys()
    for key, value in direct["summary"].items():
        assert run["summary"][key] == (pytest.approx(value) if isinstance(value, float)
                                       else value), key
    assert run["summary"]["cadence_spm"] > 150
    assert [f["code"] for f in run["findings"]] == [f["code"] for f in direct["findings"]]
    assert "records" not in run
    with_records = client.get(f"/api/runs/{body['id']}", params={"records": True}).json()
    assert len(with_records["records"]) > 1000


def test_uploaded_steps_come_back_as_analysed(client, shared_data):
    """A file with one step per landing (the treadmill clip's keypoints): the stored steps are
    the directly analysed ones, landing by landing."""
    path = shared_data / "video_side_treadmill" / "male_side.pose.json"
    direct_steps = run_to_json(analyze_file(path, Runner("me")).runs[0])["steps"]
    body = upload(client, path.read_bytes(), path.name).json()
    steps = client.get(f"/api/runs/{body['id']}").json()["steps"]
    assert len(steps) == len(direct_steps) >= 20
    assert [s["t_s"] for s in steps] == pytest.approx([s["t_s"] for s in direct_steps])
    assert [s["side"] for s in steps] == [s["side"] for s in direct_steps]


def test_same_file_twice_is_one_run(client):
    first = upload(client).json()
    again = upload(client, name="renamed.fit")
    assert again.status_code == 200
    assert again.json()["ids"] == first["ids"] and again.json()["duplicate"] is True
    listed = client.get("/api/runs").json()
    assert [r["id"] for r in listed] == first["ids"]
    assert listed[0]["file_name"] == "fenix2-run.fit" and listed[0]["source"] == "fit"


def test_a_stored_file_is_not_analysed_again(client, monkeypatch):
    first = upload(client).json()

    def must_not_run(*_args, **_kwargs):
        raise AssertionError("a file already stored was analysed again")

    monkeypatch.setattr("softstep.pipeline.analyze_file", must_not_run)
    again = upload(client, name="again.fit")
    assert again.status_code == 200 and again.json()["ids"] == first["ids"]


def test_database_failure_is_503_and_says_nothing_was_stored(client, monkeypatch):
    from softstep.errors import StoreError

    def locked(*_args, **_kwargs):
        raise StoreError("cannot write database softstep.db: database is locked")

    monkeypatch.setattr(client.app.state.store, "import_analysis", locked)
    response = upload(client)
    assert response.status_code == 503
    assert "database is locked" in response.json()["detail"]
    assert "nothing was changed" in response.json()["detail"]
    monkeypatch.undo()
    assert client.get("/api/runs").json() == []


def test_corrupt_file_is_422_and_nothing_stored(client):
    response = upload(client, FIT_BYTES[:14] + b"\x00" * 200, name="../broken.fit")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "broken.fit" in detail and "\n" not in detail
    assert "softstep-upload-" not in detail  # names the upload, not the temporary copy
    assert client.get("/api/runs").json() == []


def test_too_large_is_413_and_nothing_stored(any_db_url):  # noqa: F811
    with TestClient(create_app(any_db_url, max_upload_bytes=10_000)) as small:
        response = upload(small)  # 122 kB > 10 kB + form overhead: refused by its length
        assert response.status_code == 413
        assert "larger than" in response.json()["detail"]
        assert small.get("/api/runs").json() == []


def test_too_large_counted_while_copying(any_db_url):  # noqa: F811
    # over the limit but under limit + form overhead: the declared length passes, the copy stops
    with TestClient(create_app(any_db_url, max_upload_bytes=len(FIT_BYTES) - 1)) as small:
        response = upload(small)
        assert response.status_code == 413
        assert small.get("/api/runs").json() == []


def test_body_without_length_is_cut_off_at_the_limit(tmp_path):
    """A chunked upload declares no length: it is counted as it streams and refused once past
    the limit, not spooled to disk whole (real uvicorn: the server stops reading the body)."""
    import httpx

    from softstep.web.loopback import serve_on_loopback

    sent_mib = 0

    def body():
        nonlocal sent_mib
        yield (b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.fit"\r\n'
               b"Content-Type: application/octet-stream\r\n\r\n")
        for _ in range(200):
            sent_mib += 1
            yield bytes(1024 * 1024)
        yield b"\r\n--b--\r\n"

    app = create_app(f"sqlite:///{tmp_path / 'softstep.db'}", max_upload_bytes=1024 * 1024)
    with serve_on_loopback(app) as base_url:
        response = httpx.post(f"{base_url}/api/runs", content=body(), timeout=30,
                              headers={"content-type": "multipart/form-data; boundary=b",
                                       "origin": base_url})
        assert response.status_code == 413
        assert "larger than the 1 MiB" in response.json()["detail"]
        assert sent_mib < 100, f"the server read {sent_mib} MiB of a 1 MiB-limited upload"
        assert httpx.get(f"{base_url}/api/runs").json() == []


def test_an_in_memory_database_is_one_database_for_every_server_thread():
    import httpx

    from softstep.web.loopback import serve_on_loopback

    with serve_on_loopback(create_app("sqlite://")) as base_url:
        up = httpx.post(f"{base_url}/api/runs", headers={"origin": base_url}, timeout=60,
                        files={"file": ("fenix2-run.fit", FIT_BYTES)})
        assert up.status_code == 201, up.text
        assert [r["id"] for r in httpx.get(f"{base_url}/api/runs").json()] == up.json()["ids"]


def test_unknown_run_is_404(client):
    assert client.get("/api/runs/999").status_code == 404
    assert client.get("/runs/999").status_code == 404


def test_pages_show_the_run_with_its_figures(client):
    run_id = upload(client).json()["id"]
    listing = client.get("/runs")
    assert listing.status_code == 200 and "text/html" in listing.headers["content-type"]
    assert f'href="/runs/{run_id}"' in listing.text and "fenix2-run.fit" in listing.text

    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200 and page.text.startswith("<!DOCTYPE html>")
    assert page.text.count("Plotly.newPlot") >= 2  # the report's figures
    assert '<script src="/static/plotly.min.js">' in page.text
    assert len(page.text) < 2_000_000  # plotly.js is served once, not inlined

    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert "javascript" in js.headers["content-type"]

    form = client.get("/upload")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text


def test_upload_form_redirects_to_the_run(client):
    response = client.post("/upload", files={"file": ("run.fit", FIT_BYTES)},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/runs/{client.get('/api/runs').json()[0]['id']}"
    bad = client.post("/upload", files={"file": ("bad.gpx", b"<gpx")})
    assert bad.status_code == 422 and "bad.gpx" in bad.text


def test_upload_form_takes_several_files(client):
    response = client.post("/upload", files=[("file", ("a.fit", FIT_BYTES)),
                                             ("file", ("bad.gpx", b"<gpx"))],
                           follow_redirects=False)
    assert response.status_code == 422 and "bad.gpx" in response.text
    assert len(client.get("/api/runs").json()) == 1  # the good file before it is stored


def test_openapi_lists_the_routes(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/runs"]) == {"get", "post"}
    assert set(paths["/api/runs"]["post"]["responses"]) >= {"200", "201", "413", "422"}
    assert "get" in paths["/api/runs/{run_id}"]
    assert "/runs" not in paths  # pages stay out of the API schema
