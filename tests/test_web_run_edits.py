"""The run page's own forms (issue 6): its owner labels the run (surface, shoes, notes) and
deletes it from the page, without JavaScript, on SQLite and PostgreSQL (``any_db_url``).

Cast as in test_web_access: ``ana`` owns the run, ``cora`` is her coach (reads, never changes),
``ben`` a stranger (gets 404). Every refusal is checked together with "nothing changed".
"""

from __future__ import annotations

import html as html_lib
import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():  # starlette >= 1.x nags about httpx in its TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_store import any_db_url  # noqa: F401  (fixture: SQLite, plus PostgreSQL when set)
from test_web_access import FIT_BYTES, World, csrf, world  # noqa: F401  (world: fixture)
from test_web_browser import PHONE, SCREENSHOTS, _overflow_px

from softstep.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SURFACES = ("road", "track", "trail", "treadmill", "grass", "other")


class Cast(World):
    """test_web_access's World, with the run's labels at hand."""

    def labels(self) -> dict | None:
        """The run's labels as its owner reads them from the API (None: no labels)."""
        r = self.ana.get(f"/api/runs/{self.run_id}")
        assert r.status_code == 200, r.text
        return r.json()["info"].get("labels")

    def post_labels(self, client: TestClient, run_id: int | None = None, **fields: str):
        """POST the labels form as the page sends it (fields plus the client's own token)."""
        rid = self.run_id if run_id is None else run_id
        return client.post(f"/runs/{rid}/labels", data={**fields, "csrf_token": csrf(client)},
                           follow_redirects=False)


@pytest.fixture
def cast(world: World) -> Cast:  # noqa: F811  (world: the fixture imported above)
    return Cast(world.app, world.ana, world.ben, world.cora, world.run_id)


def form(page: str, action: str) -> str | None:
    """The HTML of the page's POST form to ``action``, None when the page has none."""
    found = re.search(r'<form method="post" action="%s".*?</form>' % re.escape(action), page,
                      flags=re.DOTALL)
    return found.group(0) if found else None


def chips(page: str) -> list[str]:
    """The label chips of the run page ("surface: road"), unescaped."""
    return [html_lib.unescape(c) for c in re.findall(r'<span class="label">(.*?)</span>', page,
                                                      flags=re.DOTALL)]


# -- the owner ------------------------------------------------------------------------------------
def test_the_owner_sets_labels_through_the_page_form(cast):
    page = cast.ana.get(f"/runs/{cast.run_id}").text
    labels_form = form(page, f"/runs/{cast.run_id}/labels")
    assert labels_form is not None, "the owner's run page has no labels form"
    token = csrf(cast.ana)
    assert f'<input type="hidden" name="csrf_token" value="{token}">' in labels_form
    options = re.findall(r'<option value="([^"]+)"', labels_form)
    assert options == ["none", *SURFACES]
    assert 'name="shoes"' in labels_form and 'maxlength="200"' in labels_form
    assert "<textarea" in labels_form and 'maxlength="2000"' in labels_form
    assert cast.labels() is None and chips(page) == []

    notes = "windy & <b>cold</b>\r\nsecond line"
    r = cast.post_labels(cast.ana, surface="trail", shoes=" Speedgoat 5 ", notes=notes)
    assert r.status_code == 303 and r.headers["location"] == f"/runs/{cast.run_id}"
    stored = {"surface": "trail", "shoes": "Speedgoat 5",
              "notes": "windy & <b>cold</b>\nsecond line"}
    assert cast.labels() == stored

    page = cast.ana.get(f"/runs/{cast.run_id}").text
    assert chips(page) == ["surface: trail", "shoes: Speedgoat 5",
                           "notes: windy & <b>cold</b>\nsecond line"]
    assert "<b>cold</b>" not in page  # the runner's text is escaped, never markup
    labels_form = form(page, f"/runs/{cast.run_id}/labels")
    assert '<option value="trail" selected>' in labels_form  # prefilled with what is stored
    assert 'value="Speedgoat 5"' in labels_form
    assert "windy &amp; &lt;b&gt;cold&lt;/b&gt;\nsecond line</textarea>" in labels_form
    assert cast.cora.get(f"/api/runs/{cast.run_id}").json()["info"]["labels"] == stored


def test_none_or_an_empty_field_removes_that_label(cast):
    assert cast.post_labels(cast.ana, surface="road", shoes="Pegasus", notes="easy"
                            ).status_code == 303
    assert cast.labels() == {"surface": "road", "shoes": "Pegasus", "notes": "easy"}
    assert cast.post_labels(cast.ana, surface="none", shoes="Pegasus", notes="  "
                            ).status_code == 303
    assert cast.labels() == {"shoes": "Pegasus"}
    page = cast.ana.get(f"/runs/{cast.run_id}").text
    assert chips(page) == ["shoes: Pegasus"]
    assert '<option value="none" selected>' in form(page, f"/runs/{cast.run_id}/labels")
    assert cast.post_labels(cast.ana, surface="none", shoes="", notes="").status_code == 303
    assert cast.labels() is None  # no label left: no labels at all
    assert chips(cast.ana.get(f"/runs/{cast.run_id}").text) == []


def test_the_form_sets_all_three_labels_a_field_left_out_is_removed(cast):
    """The page's form always sends every field; partial changes are the PATCH API's."""
    assert cast.post_labels(cast.ana, surface="track", shoes="Flats").status_code == 303
    assert cast.labels() == {"surface": "track", "shoes": "Flats"}
    assert cast.post_labels(cast.ana, notes="intervals").status_code == 303
    assert cast.labels() == {"notes": "intervals"}


@pytest.mark.parametrize(("fields", "field"), [
    ({"surface": "moon"}, "surface"),
    ({"surface": "Road"}, "surface"),
    ({"shoes": "x" * 201}, "shoes"),
    ({"notes": "n" * 2001}, "notes"),
])
def test_a_refused_value_answers_422_with_the_message_and_changes_nothing(cast, fields, field):
    before = {"surface": "grass", "shoes": "Flats", "notes": "hills"}
    assert cast.post_labels(cast.ana, **before).status_code == 303
    r = cast.post_labels(cast.ana, **{**before, **fields})
    assert r.status_code == 422, r.status_code
    text = html_lib.unescape(r.text)
    assert f"Labels not saved: {field}:" in text and "Nothing was changed" in text
    labels_form = form(r.text, f"/runs/{cast.run_id}/labels")
    assert labels_form is not None  # the form again, to correct the value
    assert cast.labels() == before
    assert chips(cast.ana.get(f"/runs/{cast.run_id}").text) == [
        "surface: grass", "shoes: Flats", "notes: hills"]


def test_the_labels_form_needs_the_csrf_token(cast):
    r = cast.ana.post(f"/runs/{cast.run_id}/labels", data={"surface": "road"},
                      follow_redirects=False)
    assert r.status_code == 403
    r = cast.ana.post(f"/runs/{cast.run_id}/labels",
                      data={"surface": "road", "csrf_token": csrf(cast.ben)},
                      follow_redirects=False)
    assert r.status_code == 403
    assert cast.labels() is None


# -- coach and stranger ---------------------------------------------------------------------------
def test_a_coach_sees_no_forms_and_cannot_label(cast):
    assert cast.post_labels(cast.ana, surface="road").status_code == 303
    page = cast.cora.get(f"/runs/{cast.run_id}")
    assert page.status_code == 200 and chips(page.text) == ["surface: road"]
    assert form(page.text, f"/runs/{cast.run_id}/labels") is None
    assert form(page.text, f"/runs/{cast.run_id}/delete") is None
    assert 'id="labels"' not in page.text and "Delete this run" not in page.text
    r = cast.post_labels(cast.cora, surface="track", notes="cora was here")
    assert r.status_code == 403
    assert cast.labels() == {"surface": "road"}


def test_another_user_gets_404_and_changes_nothing(cast):
    assert cast.post_labels(cast.ana, surface="road").status_code == 303
    r = cast.post_labels(cast.ben, surface="track", notes="ben was here")
    assert r.status_code == 404
    missing = cast.post_labels(cast.ben, run_id=cast.run_id + 1000, surface="track")
    assert missing.status_code == 404  # the same answer as a run that does not exist
    assert cast.labels() == {"surface": "road"}
    assert "ben was here" not in cast.ana.get(f"/runs/{cast.run_id}").text


# -- delete ---------------------------------------------------------------------------------------
def test_the_owner_deletes_the_run_from_its_page(cast):
    page = cast.ana.get(f"/runs/{cast.run_id}").text
    delete_form = form(page, f"/runs/{cast.run_id}/delete")
    assert delete_form is not None, "the owner's run page has no delete form"
    assert f'name="csrf_token" value="{csrf(cast.ana)}"' in delete_form
    assert "confirm(" in delete_form and 'type="submit"' in delete_form
    r = cast.ana.post(f"/runs/{cast.run_id}/delete", data={"csrf_token": csrf(cast.ana)},
                      follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/runs"
    assert cast.ana.get(f"/api/runs/{cast.run_id}").status_code == 404
    assert cast.ana.get(f"/runs/{cast.run_id}").status_code == 404
    assert cast.ana.get("/api/runs").json() == []
    assert cast.post_labels(cast.ana, surface="road").status_code == 404


# -- single-user mode (the default on localhost) --------------------------------------------------
def test_single_user_mode_has_the_forms_and_they_work(any_db_url):  # noqa: F811
    with TestClient(create_app(any_db_url)) as client:
        up = client.post("/api/runs", files={"file": ("r.fit", FIT_BYTES)})
        assert up.status_code == 201, up.text
        rid = up.json()["id"]
        page = client.get(f"/runs/{rid}").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        for action in (f"/runs/{rid}/labels", f"/runs/{rid}/delete"):
            found = form(page, action)
            assert found and f'name="csrf_token" value="{token}"' in found, action
        r = client.post(f"/runs/{rid}/labels", data={"surface": "treadmill", "shoes": "",
                                                     "notes": "", "csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303
        assert client.get(f"/api/runs/{rid}").json()["info"]["labels"] == {
            "surface": "treadmill"}
        assert chips(client.get(f"/runs/{rid}").text) == ["surface: treadmill"]


# -- in headless Chromium: a 390-px phone, with and without JavaScript ----------------------------


@pytest.fixture
def served_run(tmp_path) -> Iterator[tuple[str, int]]:
    """A real uvicorn server on loopback (single-user, SQLite) with one uploaded run:
    (base URL, run id)."""
    import httpx

    from softstep.web.loopback import serve_on_loopback

    with serve_on_loopback(create_app(f"sqlite:///{tmp_path / 'softstep.db'}")) as url:
        up = httpx.post(f"{url}/api/runs", files={"file": ("r.fit", FIT_BYTES)}, timeout=120)
        assert up.status_code == 201, up.text
        yield url, up.json()["id"]


@pytest.mark.browser
def test_labels_form_works_on_a_phone_without_javascript(chromium, served_run):
    import httpx

    url, rid = served_run
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{url}/runs/{rid}")
        assert _overflow_px(page) <= 1, "the run page with its forms scrolls sideways"
        page.select_option("#label-surface", "trail")
        page.fill("#label-shoes", "Speedgoat 5")
        page.fill("#label-notes", "muddy\nsteep")
        page.click("form.labels-form button[type=submit]")
        page.wait_for_url(f"{url}/runs/{rid}")
        shown = page.locator("span.label").all_inner_texts()
        assert shown[:2] == ["surface: trail", "shoes: Speedgoat 5"], shown
        assert page.locator("#label-surface").input_value() == "trail"
        assert page.locator("#label-notes").input_value() == "muddy\nsteep"
    finally:
        context.close()
    assert httpx.get(f"{url}/api/runs/{rid}").json()["info"]["labels"] == {
        "surface": "trail", "shoes": "Speedgoat 5", "notes": "muddy\nsteep"}


@pytest.mark.browser
def test_delete_asks_first_and_fits_a_phone(chromium, served_run):
    import httpx

    url, rid = served_run
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{url}/runs/{rid}")
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        assert _overflow_px(page) <= 1, "the run page with its forms scrolls sideways"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#labels").screenshot(path=str(SCREENSHOTS / "run-edit-phone.png"))
        asked: list[str] = []

        def say_no(dialog) -> None:  # noqa: ANN001
            asked.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", say_no)
        page.click("form.delete-form button[type=submit]")
        page.wait_for_timeout(300)
        assert asked and "cannot be undone" in asked[0]
        assert page.url == f"{url}/runs/{rid}"
        assert httpx.get(f"{url}/api/runs/{rid}").status_code == 200  # "no" kept the run
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("form.delete-form button[type=submit]")
        page.wait_for_url(f"{url}/runs")
    finally:
        context.close()
    assert httpx.get(f"{url}/api/runs/{rid}").status_code == 404
    assert errors == []
