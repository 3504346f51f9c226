"""Multi-user mode: sign-in, CSRF, sharing, and no user reaching another user's runs."""

from __future__ import annotations

import re
import warnings

import pytest
import sqlalchemy as sa

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_store import any_db_url  # noqa: F401

from softstep import sample_path
from softstep.store.schema import users
from softstep.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
FIT_BYTES = sample_path().read_bytes()


def sign_in(client: TestClient, name: str, password: str = "password-123"):
    page = client.get("/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"name": name, "password": password,
                                       "login_token": token}, follow_redirects=False)


def csrf(client: TestClient) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/account").text).group(1)


@pytest.fixture
def app(any_db_url):  # noqa: F811
    app = create_app(any_db_url, multi_user=True)
    for name in ("ana", "ben", "cora"):
        app.state.accounts.create_user(name, "password-123")
    app.state.accounts.share("ana", "cora")
    with TestClient(app) as a, TestClient(app) as b:
        assert sign_in(a, "ana").status_code == 303 and sign_in(b, "ben").status_code == 303
        up = a.post("/api/runs", files={"file": ("r.fit", FIT_BYTES)},
                    headers={"X-CSRF-Token": csrf(a)})
        assert up.status_code == 201, up.text
        yield app, a, b, up.json()["id"]


def test_login_hash_csrf_and_isolation(app):
    app_, a, b, run_id = app
    with app_.state.store._engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in stored)
    with TestClient(app_) as anon:
        assert anon.get("/api/runs").status_code == 401
        assert anon.get("/runs", follow_redirects=False).status_code == 303
        assert sign_in(anon, "ana", "wrong-password").status_code == 401
    assert a.delete(f"/api/runs/{run_id}").status_code == 403  # no CSRF token
    assert a.delete(f"/api/runs/{run_id}", headers={"X-CSRF-Token": csrf(a),
                                                     "Origin": "https://evil.example"}
                    ).status_code == 403
    before = a.get(f"/api/runs/{run_id}").json()
    token_b = csrf(b)
    for route in app_.routes:
        if "{run_id}" not in getattr(route, "path", ""):
            continue
        path = route.path.replace("{run_id}", str(run_id)).replace("{name}", "x")
        for method in route.methods:
            r = b.request(method, path, headers={"X-CSRF-Token": token_b}, json={"notes": "x"})
            assert r.status_code in (401, 403, 404) or r.status_code >= 300 and method == "GET" \
                and r.status_code != 200, (method, path, r.status_code)
            assert not 200 <= r.status_code < 300, (method, path)
    assert a.get(f"/api/runs/{run_id}").json() == before
    assert b.get("/api/runs").json() == [] and b.get("/api/runs?runner=ana").json() == []
    assert "/runs/%d" % run_id not in b.get("/runs?runner=ana").text
