"""Multi-user mode on SQLite and PostgreSQL: sign-in, sessions (expiry, logout, password
change), CSRF, coach shares, and no user reading, changing or deleting another user's run
through any route.

Cast: ``ana`` (an athlete, owns one run with a media item), ``cora`` (ana shares with her: a
coach), ``ben`` (a stranger). Every refusal is checked together with "nothing changed".
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

with warnings.catch_warnings():  # starlette >= 1.x nags about httpx in its TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_store import any_db_url  # noqa: F401  (fixture: SQLite, plus PostgreSQL when set)

from softstep import sample_path
from softstep.store.schema import files, runs, shares, users, web_sessions
from softstep.web import create_app
from softstep.web.access import SESSION_COOKIE

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FIT_BYTES = sample_path().read_bytes()
PASSWORD = "password-123"
MEDIA_NAME = "contacts-left.jpg"
MEDIA_BYTES = b"\xff\xd8\xff\xe0 a contact sheet of ana \xff\xd9"
ORIGIN = "http://testserver"  # the TestClient's own origin
# at least these routes name a run (run_routes finds them all, these must be among them)
EXPECTED_RUN_ROUTES = {("GET", "/api/runs/{run_id}"), ("PATCH", "/api/runs/{run_id}"),
                       ("DELETE", "/api/runs/{run_id}"), ("GET", "/runs/{run_id}"),
                       ("POST", "/runs/{run_id}/delete"), ("POST", "/runs/{run_id}/labels"),
                       ("GET", "/runs/{run_id}/media/{name}")}


# -- helpers --------------------------------------------------------------------------------------
def login_token(page: str) -> str:
    """The pre-session token of a sign-in form page."""
    return re.search(r'name="login_token" value="([^"]+)"', page).group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD):
    """GET the sign-in form (for its login token), then POST it; the response of the POST."""
    token = login_token(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password,
                                       "login_token": token}, follow_redirects=False)


def csrf(client: TestClient) -> str:
    """The CSRF token of the client's session, from a page's ``<meta name="csrf-token">``."""
    page = client.get("/account")
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def upload(client: TestClient, data: bytes = FIT_BYTES, name: str = "r.fit"):
    return client.post("/api/runs", files={"file": (name, data, "application/octet-stream")},
                       headers={"X-CSRF-Token": csrf(client)})


def count(app, table: sa.Table, *where: sa.ColumnElement) -> int:
    with app.state.store._engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)
                            ).scalar_one()


@dataclass
class World:
    """The app and one signed-in client per user; ``run_id``: ana's run (with a media item)."""

    app: object
    ana: TestClient
    ben: TestClient
    cora: TestClient
    run_id: int

    def client(self) -> TestClient:
        """A new client without a session (no lifespan: the store stays open)."""
        return TestClient(self.app)

    def snapshot(self) -> tuple:
        """Everything of ana's run as ana sees it: its JSON, its media, her run list."""
        run = self.ana.get(f"/api/runs/{self.run_id}")
        media = self.ana.get(f"/runs/{self.run_id}/media/{MEDIA_NAME}")
        assert run.status_code == 200 and media.status_code == 200
        listed = [row["id"] for row in self.ana.get("/api/runs").json()]
        return run.json(), media.content, listed

    def paths(self, run_id: int | None = None) -> dict[str, str]:
        rid = self.run_id if run_id is None else run_id
        return {"page": f"/runs/{rid}", "api": f"/api/runs/{rid}",
                "media": f"/runs/{rid}/media/{MEDIA_NAME}"}


@pytest.fixture
def world(any_db_url) -> Iterator[World]:  # noqa: F811
    app = create_app(any_db_url, multi_user=True)
    for name in ("ana", "ben", "cora"):
        app.state.accounts.create_user(name, PASSWORD)
    app.state.accounts.share("ana", "cora")
    with TestClient(app) as ana:  # this one runs the lifespan (closes the store at the end)
        ben, cora = TestClient(app), TestClient(app)
        for client, name in ((ana, "ana"), (ben, "ben"), (cora, "cora")):
            assert sign_in(client, name).status_code == 303
        up = upload(ana)
        assert up.status_code == 201, up.text
        run_id = up.json()["id"]
        app.state.store.put_media(run_id, MEDIA_NAME, "image/jpeg", MEDIA_BYTES)
        yield World(app, ana, ben, cora, run_id)
        ben.close()
        cora.close()


def all_routes(routes: list) -> Iterator[object]:
    """Every route, routers included with ``include_router`` unfolded (FastAPI >= 0.16x keeps
    them as one ``_IncludedRouter`` entry each in ``app.routes``)."""
    for route in routes:
        if hasattr(route, "effective_route_contexts"):
            yield from route.effective_route_contexts()
        else:
            yield route


def run_routes(app) -> list[tuple[str, str]]:
    """(method, path template) of every route of the app that names a ``{run_id}``."""
    found = {(method, route.path) for route in all_routes(app.routes)
             if "{run_id}" in (getattr(route, "path", None) or "")
             for method in (getattr(route, "methods", None) or ())}
    return sorted(found)


# -- passwords and anonymous requests -------------------------------------------------------------
def test_passwords_are_stored_as_argon2id_and_wrong_ones_refused(world):
    with world.app.state.store._engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalars().all()
    assert len(stored) == 3 and all(h.startswith("$argon2id$") for h in stored)
    assert PASSWORD not in "".join(stored)
    with world.app.state.store._engine.connect() as conn:
        stored_tokens = conn.execute(sa.select(web_sessions.c.token_sha256)).scalars().all()
    assert world.ana.cookies.get(SESSION_COOKIE) not in stored_tokens  # only its sha256
    anon = world.client()
    signed_in = sign_in(anon, "ana")
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    anon = world.client()
    assert sign_in(anon, "ana", "wrong-password").status_code == 401
    assert sign_in(anon, "nobody", PASSWORD).status_code == 401
    assert anon.get("/api/runs").status_code == 401


def test_every_run_route_refuses_anonymous_requests(world):
    before = world.snapshot()
    anon = world.client()
    tried = run_routes(world.app)
    assert EXPECTED_RUN_ROUTES <= set(tried)
    for method, template in tried:
        path = template.replace("{run_id}", str(world.run_id)).replace("{name}", MEDIA_NAME)
        r = anon.request(method, path, json={"notes": "x"}, follow_redirects=False)
        if method == "GET" and not path.startswith("/api/"):
            assert r.status_code == 303, (method, path, r.status_code)
            assert r.headers["location"].startswith("/login?next=%2Fruns%2F")
        else:
            assert r.status_code == 401, (method, path, r.status_code)
        assert MEDIA_BYTES not in r.content
    assert world.snapshot() == before


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "evil.example"])
def test_sign_in_never_sends_the_browser_off_site(world, target):
    client = world.client()
    page = client.get("/login", params={"next": target}).text
    token = login_token(page)
    r = client.post("/login", data={"name": "ana", "password": PASSWORD, "login_token": token,
                                    "next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/runs"


def test_sign_in_goes_back_to_the_page_asked_for(world):
    client = world.client()
    first = client.get(f"/runs/{world.run_id}", follow_redirects=False)
    next_path = re.search(r"next=([^&]+)", first.headers["location"]).group(1)
    page = client.get(first.headers["location"]).text
    token = login_token(page)
    assert re.search(r'name="next" value="/runs/%d"' % world.run_id, page), next_path
    r = client.post("/login", data={"name": "ana", "password": PASSWORD, "login_token": token,
                                    "next": f"/runs/{world.run_id}"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/runs/{world.run_id}"


# -- another user, through every route ------------------------------------------------------------
def test_every_run_route_refuses_another_user_and_changes_nothing(world):
    """ben, signed in with his own valid CSRF token, tries every method of every route that
    names a run on ana's run: always 404, the same answer as for a run that does not exist
    (ids do not leak), never a 2xx or 5xx, and ana's run is exactly as before."""
    before = world.snapshot()
    token = csrf(world.ben)
    tried = run_routes(world.app)
    assert EXPECTED_RUN_ROUTES <= set(tried)
    missing_id = world.run_id + 1000
    for method, template in tried:
        answers = {}
        for rid in (world.run_id, missing_id):
            path = template.replace("{run_id}", str(rid)).replace("{name}", MEDIA_NAME)
            r = world.ben.request(method, path, json={"notes": "ben was here"},
                                  headers={"X-CSRF-Token": token, "Origin": ORIGIN},
                                  follow_redirects=False)
            assert not 200 <= r.status_code < 300, (method, path, r.status_code)
            assert r.status_code < 500, (method, path, r.status_code, r.text[:300])
            assert MEDIA_BYTES not in r.content and "r.fit" not in r.text
            answers[rid] = r.status_code
        assert answers[world.run_id] == answers[missing_id] == 404, (method, template, answers)
    after = world.snapshot()
    assert after == before
    assert "ben was here" not in str(after[0]["info"])


def test_another_user_never_lists_or_gets_the_run(world):
    assert world.ben.get("/api/runs").json() == []
    assert world.ben.get("/api/runs?runner=ana").json() == []
    page = world.ben.get("/runs?runner=ana")
    assert page.status_code == 200 and f"/runs/{world.run_id}" not in page.text
    assert f"/runs/{world.run_id}" not in world.ben.get("/runs").text
    # the run page of ana's run by its owner links her run, so the check above can fail
    assert f"/runs/{world.run_id}" in world.ana.get("/runs").text


def test_the_same_file_by_another_user_is_their_own_new_run(world):
    """Deduplication is per runner: ben uploading ana's file gets a new run of his, never a
    'duplicate' answer that hands him ana's run id."""
    up = upload(world.ben)
    assert up.status_code == 201, up.text
    assert up.json()["duplicate"] is False and up.json()["id"] != world.run_id
    assert world.ben.get(f"/api/runs/{up.json()['id']}").status_code == 200
    assert world.ben.get(f"/api/runs/{world.run_id}").status_code == 404
    again = upload(world.ana)
    assert again.status_code == 200 and again.json()["ids"] == [world.run_id]


# -- runner-taking routes -------------------------------------------------------------------------
RUNNER_ROUTES = ("/plan", "/progress", "/api/progress", "/profile")


def test_runner_routes_refuse_another_users_runner(world):
    world.app.state.store.set_profile("ana", height_cm=171.5, mass_kg=58.5)
    for path in RUNNER_ROUTES:
        assert world.ana.get(f"{path}?runner=ana").status_code == 200, path
        r = world.ben.get(f"{path}?runner=ana")
        assert r.status_code == 404, (path, r.status_code)
        assert r.status_code == world.ben.get(f"{path}?runner=nobody").status_code  # no leak
        assert f"/runs/{world.run_id}" not in r.text
    assert world.ben.get("/api/runs?runner=ana").json() == []
    assert f"/runs/{world.run_id}" not in world.ben.get("/runs?runner=ana").text
    own = world.ben.get("/profile")
    assert own.status_code == 200 and "171.5" not in own.text and "58.5" not in own.text
    assert "171.5" in world.ana.get("/profile").text


def test_a_coach_uses_runner_routes_with_a_shared_athletes_name(world):
    for path in RUNNER_ROUTES:
        r = world.cora.get(f"{path}?runner=ana")
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    assert world.cora.get("/api/progress?runner=ana").json()["runner"] == "ana"
    plan = world.cora.get("/plan?runner=ana").text
    assert world.ana.get("/plan").status_code == 200 and "metronome-download" in plan
    listed = world.cora.get("/api/runs?runner=ana").json()
    assert [row["id"] for row in listed] == [world.run_id]
    assert f"/runs/{world.run_id}" in world.cora.get("/runs?runner=ana").text
    for path in RUNNER_ROUTES:  # not ben's: he shares nothing with cora
        assert world.cora.get(f"{path}?runner=ben").status_code == 404, path


def test_a_coach_reads_a_shared_athletes_profile_but_has_no_form(world):
    world.app.state.store.set_profile("ana", height_cm=171.5, mass_kg=58.5)
    page = world.cora.get("/profile?runner=ana").text
    assert 'id="profile-readonly"' in page and "171.5 cm" in page and "58.5 kg" in page
    assert 'action="/profile"' not in page
    assert 'action="/profile"' in world.ana.get("/profile?runner=ana").text
    assert 'href="/profile?runner=ana"' in world.cora.get("/account").text


# -- coach: reads, never changes; unshare ends it -------------------------------------------------
def test_a_coach_reads_the_athletes_run_but_cannot_change_it(world):
    before = world.snapshot()
    paths = world.paths()
    page = world.cora.get(paths["page"])
    assert page.status_code == 200 and world.app.state.plotly_url in page.text
    assert world.cora.get(paths["api"]).json() == before[0]
    media = world.cora.get(paths["media"])
    assert media.status_code == 200 and media.content == MEDIA_BYTES
    headers = {"X-CSRF-Token": csrf(world.cora), "Origin": ORIGIN}
    assert world.cora.patch(paths["api"], json={"notes": "cora"}, headers=headers
                            ).status_code == 403
    assert world.cora.delete(paths["api"], headers=headers).status_code == 403
    assert world.cora.post(f"{paths['page']}/delete", headers=headers,
                           follow_redirects=False).status_code == 403
    assert world.snapshot() == before


def test_after_unshare_the_coach_gets_404(world):
    paths = world.paths()
    assert world.cora.get(paths["api"]).status_code == 200
    r = world.ana.post("/account/unshare", data={"coach": "cora", "csrf_token": csrf(world.ana)})
    assert r.status_code == 200 and "no longer reads your runs" in r.text
    assert count(world.app, shares) == 0
    for path in paths.values():
        assert world.cora.get(path).status_code == 404, path
    assert world.cora.get("/api/runs").json() == []
    for path in RUNNER_ROUTES:
        assert world.cora.get(f"{path}?runner=ana").status_code == 404, path
    assert world.ana.get(paths["api"]).status_code == 200  # still there for its owner


# -- the owner: labels, delete, upload again ------------------------------------------------------
def test_the_owner_labels_a_run(world):
    headers = {"X-CSRF-Token": csrf(world.ana), "Origin": ORIGIN}
    api = world.paths()["api"]
    r = world.ana.patch(api, json={"surface": "track", "shoes": "Flats 2"}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["info"]["labels"] == {"surface": "track", "shoes": "Flats 2"}
    r = world.ana.patch(api, json={"shoes": None, "notes": "windy"}, headers=headers)
    assert r.json()["info"]["labels"] == {"surface": "track", "notes": "windy"}
    assert world.ana.get(api).json()["info"]["labels"] == {"surface": "track", "notes": "windy"}
    assert world.cora.get(api).json()["info"]["labels"]["notes"] == "windy"
    bad = world.ana.patch(api, json={"surface": "moon"}, headers=headers)
    assert bad.status_code == 422
    assert world.ana.patch(api, json={"owner": "ben"}, headers=headers).status_code == 422
    assert world.ana.get(api).json()["info"]["labels"] == {"surface": "track", "notes": "windy"}


def test_the_owner_deletes_a_run_with_its_file_and_can_upload_it_again(world):
    app, rid = world.app, world.run_id
    headers = {"X-CSRF-Token": csrf(world.ana), "Origin": ORIGIN}
    assert count(app, files) == 1 and count(app, runs) == 1
    r = world.ana.delete(f"/api/runs/{rid}", headers=headers)
    assert r.status_code == 204, r.text
    for path in world.paths().values():
        assert world.ana.get(path).status_code == 404, path
        assert world.cora.get(path).status_code == 404, path
    assert count(app, runs) == 0 and count(app, files) == 0  # no run of the file left
    assert app.state.store.media(rid) == []
    assert world.ana.delete(f"/api/runs/{rid}", headers=headers).status_code == 404

    again = upload(world.ana)
    assert again.status_code == 201, again.text  # a new run, not "duplicate" of a deleted one
    new_id = again.json()["id"]
    assert again.json()["duplicate"] is False
    assert count(app, runs) == 1 and count(app, files) == 1
    assert world.ana.get(f"/api/runs/{new_id}").status_code == 200
    assert app.state.store.media(new_id) == []  # nothing of the deleted run came back

    # the page's delete button: POST with the form's token, back to the list
    page_token = {"csrf_token": csrf(world.ana)}
    r = world.ana.post(f"/runs/{new_id}/delete", data=page_token, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/runs"
    assert count(app, runs) == 0 and count(app, files) == 0


# -- CSRF -----------------------------------------------------------------------------------------
def test_unsafe_requests_without_token_or_from_another_origin_are_refused(world):
    app, rid = world.app, world.run_id
    before = world.snapshot()
    token, ben_token = csrf(world.ana), csrf(world.ben)
    refused = [{}, {"X-CSRF-Token": "not-the-token"}, {"X-CSRF-Token": ben_token},
               {"X-CSRF-Token": token, "Origin": "https://evil.example"},
               {"X-CSRF-Token": token, "Origin": "null"},
               {"X-CSRF-Token": token, "Referer": "https://evil.example/page"},
               {"X-CSRF-Token": token, "Origin": "http://testserver:8080"}]
    for headers in refused:
        attempts = {
            "patch": world.ana.patch(f"/api/runs/{rid}", json={"notes": "csrf"},
                                     headers=headers),
            "delete": world.ana.delete(f"/api/runs/{rid}", headers=headers),
            "delete form": world.ana.post(f"/runs/{rid}/delete", headers=headers,
                                          follow_redirects=False),
            "upload": world.ana.post("/api/runs", headers=headers, files={
                "file": ("other.fit", FIT_BYTES + b"\0", "application/octet-stream")}),
            "share": world.ana.post("/account/share", data={"coach": "ben"}, headers=headers),
            "password": world.ana.post("/account/password", headers=headers, data={
                "old_password": PASSWORD, "new_password": "taken-over-1"}),
            "profile": world.ana.post("/profile", headers=headers,
                                      data={"height_cm": "150", "mass_kg": "50"}),
            "logout": world.ana.post("/logout", headers=headers, follow_redirects=False),
        }
        for what, r in attempts.items():
            assert r.status_code == 403, (what, headers, r.status_code)
        assert world.snapshot() == before, headers
        assert count(app, runs) == 1 and count(app, shares) == 1
        assert app.state.accounts.verify_password("ana", PASSWORD) is not None
        assert app.state.store.runner("ana").height_cm is None
        assert world.ana.get("/api/runs").status_code == 200  # still signed in
    # the same changes with the token from this site's pages go through: the checks can fail
    ok = {"X-CSRF-Token": token, "Origin": ORIGIN}
    assert world.ana.post("/account/share", data={"coach": "ben"}, headers=ok
                          ).status_code == 200
    assert count(app, shares) == 2
    assert world.ana.post("/profile", data={"height_cm": "150", "mass_kg": "50",
                                            "csrf_token": token}).status_code == 200
    assert app.state.store.runner("ana").height_cm == 150
    assert world.ana.patch(f"/api/runs/{rid}", json={"notes": "ok"}, headers=ok
                           ).status_code == 200


def test_a_form_token_in_the_body_is_accepted(world):
    """Forms send the token as field ``csrf_token`` (no header)."""
    r = world.ana.post("/account/share", data={"coach": "ben", "csrf_token": csrf(world.ana)})
    assert r.status_code == 200 and count(world.app, shares) == 2


# -- sessions: expiry, logout, password change ----------------------------------------------------
def _expire_sessions(app, name: str, when: datetime) -> int:
    user_id = app.state.accounts.user(name).id
    with app.state.store._engine.begin() as conn:
        return conn.execute(web_sessions.update().where(web_sessions.c.user_id == user_id)
                            .values(expires_at=when)).rowcount


def test_an_expired_session_is_refused(world):
    app, rid = world.app, world.run_id
    token = csrf(world.ana)
    assert world.ana.get("/api/runs").status_code == 200
    assert _expire_sessions(app, "ana", datetime.now(UTC) - timedelta(seconds=1)) == 1
    assert world.ana.get("/api/runs").status_code == 401
    assert world.ana.get(f"/api/runs/{rid}").status_code == 401
    page = world.ana.get(f"/runs/{rid}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=%2Fruns%2F{rid}"
    r = world.ana.delete(f"/api/runs/{rid}", headers={"X-CSRF-Token": token})
    assert r.status_code == 401 and count(app, runs) == 1
    assert world.ben.get("/api/runs").status_code == 200  # other users' sessions live on


def test_a_session_just_before_expiry_still_works(world):
    assert _expire_sessions(world.app, "ana", datetime.now(UTC) + timedelta(minutes=5)) == 1
    assert world.ana.get("/api/runs").status_code == 200


def test_logout_ends_the_session(world):
    old_cookie = world.ana.cookies.get(SESSION_COOKIE)
    assert old_cookie
    r = world.ana.post("/logout", data={"csrf_token": csrf(world.ana)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    stale = world.client()
    stale.cookies.set(SESSION_COOKIE, old_cookie)
    assert stale.get("/api/runs").status_code == 401
    assert stale.get("/runs", follow_redirects=False).status_code == 303
    user_id = world.app.state.accounts.user("ana").id
    assert count(world.app, web_sessions, web_sessions.c.user_id == user_id) == 0


def test_signing_in_again_while_signed_in(world):
    """A browser with a live session that opens /login and signs in (as the same or another
    user) gets a new session; the login form carries its own token, not the session's."""
    page = world.ben.get("/login").text
    token = login_token(page)
    form = {"name": "ana", "password": PASSWORD, "login_token": token}
    foreign = world.ben.post("/login", data=form, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    tokenless = world.ben.post("/login", data={**form, "login_token": "guess"})
    assert tokenless.status_code == 403
    assert world.ben.get("/api/runs").json() == []  # still ben
    r = sign_in(world.ben, "ana")
    assert r.status_code == 303, (r.status_code, r.text[:300])
    assert [row["id"] for row in world.ben.get("/api/runs").json()] == [world.run_id]


def test_changing_the_password_ends_the_other_sessions(world):
    app = world.app
    other = world.client()  # ana on a second browser
    assert sign_in(other, "ana").status_code == 303
    assert other.get("/api/runs").status_code == 200
    token = csrf(world.ana)
    wrong = world.ana.post("/account/password", data={
        "old_password": "not-my-password", "new_password": "new-password-456",
        "csrf_token": token})
    assert wrong.status_code == 400 and other.get("/api/runs").status_code == 200
    short = world.ana.post("/account/password", data={
        "old_password": PASSWORD, "new_password": "short", "csrf_token": token})
    assert short.status_code == 400 and other.get("/api/runs").status_code == 200
    r = world.ana.post("/account/password", data={
        "old_password": PASSWORD, "new_password": "new-password-456", "csrf_token": token})
    assert r.status_code == 200 and "Password changed." in r.text
    assert world.ana.get("/api/runs").status_code == 200  # this browser stays signed in
    assert other.get("/api/runs").status_code == 401
    assert world.ben.get("/api/runs").status_code == 200  # other users are not touched
    assert app.state.accounts.verify_password("ana", PASSWORD) is None
    assert sign_in(world.client(), "ana", PASSWORD).status_code == 401
    assert sign_in(world.client(), "ana", "new-password-456").status_code == 303


# -- single-user mode -----------------------------------------------------------------------------
def test_account_page_in_single_user_mode_explains_how_to_get_accounts(any_db_url):  # noqa: F811
    with TestClient(create_app(any_db_url)) as client:
        page = client.get("/account")
        assert page.status_code == 200
        assert "single-user mode" in page.text
        assert "softstep serve --multi-user" in page.text
        assert "softstep users add" in page.text
        assert 'href="/runs"' in page.text  # the site's nav: it is a normal page
        for path in ("/account/password", "/account/share", "/account/unshare"):
            r = client.post(path, data={"coach": "x", "old_password": "a" * 8,
                                        "new_password": "b" * 8})
            assert r.status_code == 404 and "single-user mode" in r.text, path
        assert client.get("/api/runs").status_code == 200  # no sign-in needed
