"""`softstep users` and `softstep serve`: accounts made on the command line, and a server that
refuses to open single-user mode (no sign-in) to the network. SQLite and PostgreSQL."""

from __future__ import annotations

import re
import warnings

import pytest
import sqlalchemy as sa
import uvicorn
from typer.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_store import any_db_url  # noqa: F401  (fixture: SQLite, plus PostgreSQL when set)
from test_web_access import sign_in

from softstep import sample_path
from softstep.cli import app
from softstep.store import Store
from softstep.store.accounts import MIN_PASSWORD_CHARS, AccountError, Accounts
from softstep.store.schema import files, runners
from softstep.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
cli = CliRunner()
PASSWORD = "password-123"


def users(db: str, *args: str, stdin: str | None = None):
    return cli.invoke(app, ["users", *args, "--db", db], input=stdin)


def add(db: str, name: str, password: str = PASSWORD):
    return users(db, "add", name, "--password-stdin", stdin=password + "\n")


def table_row(output: str, name: str) -> list[str]:
    """The cells of the `users list` row that starts with user ``name``."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row for {name} in:\n{output}")


def accounts_of(db: str) -> tuple[Store, Accounts]:
    store = Store(db)
    return store, Accounts(store)


@pytest.fixture
def served(monkeypatch):
    """Replaces uvicorn.run: records what `softstep serve` would have served."""
    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda web_app, **kw: calls.append({"app": web_app,
                                                                             **kw}))
    yield calls
    for call in calls:
        call["app"].state.store.close()


def test_add_list_share_unshare(any_db_url):  # noqa: F811
    for name in ("ana", "cora"):
        result = add(any_db_url, name)
        assert result.exit_code == 0, result.output
        assert f"added user {name}" in result.stdout
    analyzed = cli.invoke(app, ["analyze", str(sample_path()), "--runner", "ana",
                                "--db", any_db_url])
    assert analyzed.exit_code == 0, analyzed.output

    shared = users(any_db_url, "share", "ana", "cora")
    assert shared.exit_code == 0, shared.output
    assert "ana shares their runs with cora" in shared.stdout
    listed = users(any_db_url, "list")
    assert listed.exit_code == 0, listed.output
    assert table_row(listed.stdout, "ana") == ["ana", "ana", "1", "cora", "-"]
    assert table_row(listed.stdout, "cora") == ["cora", "cora", "0", "-", "ana"]

    store, accounts = accounts_of(any_db_url)
    with store:
        assert [u.name for u in accounts.athletes("cora")] == ["ana"]
        assert accounts.verify_password("ana", PASSWORD).runner == "ana"
        assert accounts.verify_password("ana", "wrong-password") is None

    unshared = users(any_db_url, "unshare", "ana", "cora")
    assert unshared.exit_code == 0 and "ana no longer shares" in unshared.stdout
    again = users(any_db_url, "unshare", "ana", "cora")
    assert again.exit_code == 0 and "ana was not sharing" in again.stdout
    assert table_row(users(any_db_url, "list").stdout, "cora") == ["cora", "cora", "0", "-", "-"]


def test_list_without_users_says_how_to_add_one(db_url):
    listed = users(db_url, "list")
    assert listed.exit_code == 0 and "softstep users add NAME" in listed.stdout


def test_duplicate_name_refused_and_password_kept(any_db_url):  # noqa: F811
    assert add(any_db_url, "ana").exit_code == 0
    again = add(any_db_url, "ana", "another-password")
    assert again.exit_code == 1
    assert "'ana' exists already" in again.stderr and "Traceback" not in again.output
    store, accounts = accounts_of(any_db_url)
    with store:
        assert [u.name for u in accounts.users()] == ["ana"]
        assert accounts.verify_password("ana", PASSWORD) is not None
        assert accounts.verify_password("ana", "another-password") is None


@pytest.mark.parametrize("password", ["", "short", "x" * (MIN_PASSWORD_CHARS - 1)])
def test_short_password_refused_and_nothing_stored(any_db_url, password):  # noqa: F811
    result = add(any_db_url, "ana", password)
    assert result.exit_code == 1, result.output
    assert f"at least {MIN_PASSWORD_CHARS} characters" in result.stderr
    store, accounts = accounts_of(any_db_url)
    with store:
        assert accounts.users() == []


def test_bad_name_refused(db_url):
    result = add(db_url, "ana maria")
    assert result.exit_code == 1 and "without spaces" in result.stderr


def test_hidden_prompt_asks_twice(db_url):
    mismatch_then_match = f"{PASSWORD}\nsomething-else\n{PASSWORD}\n{PASSWORD}\n"
    result = users(db_url, "add", "ana", stdin=mismatch_then_match)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output and PASSWORD not in result.output
    store, accounts = accounts_of(db_url)
    with store:
        assert accounts.verify_password("ana", PASSWORD) is not None


def test_unknown_names_are_clear_errors(any_db_url):  # noqa: F811
    assert add(any_db_url, "ana").exit_code == 0
    for args in (["share", "ana", "nobody"], ["share", "nobody", "ana"],
                 ["unshare", "ana", "nobody"]):
        result = users(any_db_url, *args)
        assert result.exit_code == 1, (args, result.output)
        assert "no user 'nobody'" in result.stderr and "Traceback" not in result.output
    itself = users(any_db_url, "share", "ana", "ana")
    assert itself.exit_code == 1 and "own runs" in itself.stderr
    missing = users(any_db_url, "passwd", "nobody", "--password-stdin", stdin=PASSWORD + "\n")
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.stderr


def test_passwd_resets_and_signs_out(any_db_url):  # noqa: F811
    assert add(any_db_url, "ana").exit_code == 0
    store, accounts = accounts_of(any_db_url)
    with store:
        session = accounts.create_session("ana")
        short = users(any_db_url, "passwd", "ana", "--password-stdin", stdin="short\n")
        assert short.exit_code == 1 and accounts.session(session.token) is not None
        reset = users(any_db_url, "passwd", "ana", "--password-stdin", stdin="new-password-9\n")
        assert reset.exit_code == 0, reset.output
        assert "sessions were ended" in reset.stdout
        assert accounts.session(session.token) is None
        assert accounts.verify_password("ana", "new-password-9") is not None
        assert accounts.verify_password("ana", PASSWORD) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_serve_refuses_network_host_in_single_user_mode(db_url, served, host):
    result = cli.invoke(app, ["serve", "--host", host, "--db", db_url])
    assert result.exit_code == 2, result.output
    assert "--multi-user" in result.stderr and "no sign-in" in result.stderr
    assert served == []


def test_serve_single_user_on_loopback(any_db_url, served):  # noqa: F811
    for host in ("127.0.0.1", "localhost", "::1"):
        result = cli.invoke(app, ["serve", "--host", host, "--port", "8123", "--db", any_db_url])
        assert result.exit_code == 0, result.output
        assert "single-user" in result.stderr and ":8123/runs" in result.stderr
        assert "/docs" not in result.stderr and "/openapi.json" in result.stderr
    assert [c["host"] for c in served] == ["127.0.0.1", "localhost", "::1"]
    assert all(c["port"] == 8123 and c["app"].state.multi_user is False for c in served)


def test_serve_multi_user_needs_a_user_then_serves_the_network(any_db_url, served):  # noqa: F811
    refused = cli.invoke(app, ["serve", "--host", "0.0.0.0", "--multi-user", "--db", any_db_url])
    assert refused.exit_code == 1, refused.output
    assert "softstep users add NAME" in refused.stderr and served == []

    assert add(any_db_url, "coach").exit_code == 0
    result = cli.invoke(app, ["serve", "--host", "0.0.0.0", "--multi-user",
                              "--max-upload-mb", "5", "--db", any_db_url])
    assert result.exit_code == 0, result.output
    assert "multi-user" in result.stderr and "http://127.0.0.1:8000/login" in result.stderr
    (call,) = served
    assert call["host"] == "0.0.0.0" and call["port"] == 8000
    assert call["app"].state.multi_user is True
    assert call["app"].state.limit.max_bytes == 5 * 1024 * 1024


def test_user_added_by_cli_signs_in_to_the_app(any_db_url):  # noqa: F811
    assert add(any_db_url, "ana").exit_code == 0
    with TestClient(create_app(any_db_url, multi_user=True)) as client:
        assert sign_in(client, "ana", "wrong-password").status_code == 401
        assert client.get("/api/runs").status_code == 401
        signed_in = sign_in(client, "ana", PASSWORD)
        assert signed_in.status_code == 303, signed_in.text
        assert client.get("/api/runs").status_code == 200


def analyze_for(db: str, runner: str) -> list[int]:
    """Imports the sample file for ``runner``; the ids of its stored runs."""
    analyzed = cli.invoke(app, ["analyze", str(sample_path()), "--runner", runner, "--db", db])
    assert analyzed.exit_code == 0, analyzed.output
    with Store(db) as store:
        return [row.id for row in store.runs(runner)]


def file_rows(db: str, runner: str) -> int:
    """How many file rows runner ``runner`` has (with or without runs)."""
    with Store(db) as store, store._read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(files)
                            .join(runners, runners.c.id == files.c.runner_id)
                            .where(runners.c.name == runner)).scalar_one()


def test_remove_keeps_runs_ends_sessions_and_shares(any_db_url):  # noqa: F811
    for name in ("ana", "cora", "dan"):
        assert add(any_db_url, name).exit_code == 0
    run_ids = analyze_for(any_db_url, "ana")
    assert run_ids
    assert users(any_db_url, "share", "ana", "cora").exit_code == 0
    assert users(any_db_url, "share", "dan", "ana").exit_code == 0
    with TestClient(create_app(any_db_url, multi_user=True)) as client:
        assert sign_in(client, "ana", PASSWORD).status_code == 303
        assert client.get("/api/runs").status_code == 200

        removed = users(any_db_url, "remove", "ana", "--yes")
        assert removed.exit_code == 0, removed.output
        assert (f"removed user ana; their {len(run_ids)} runs stay under runner ana"
                in removed.stdout)
        assert client.get("/api/runs").status_code == 401  # the old session cookie is refused
        assert sign_in(client, "ana", PASSWORD).status_code == 401

    listed = users(any_db_url, "list").stdout
    assert "ana" not in listed
    assert table_row(listed, "cora") == ["cora", "cora", "0", "-", "-"]
    assert table_row(listed, "dan") == ["dan", "dan", "0", "-", "-"]
    with Store(any_db_url) as store:
        assert [row.id for row in store.runs("ana")] == run_ids
    assert file_rows(any_db_url, "ana") == 1


def test_remove_delete_runs_removes_runs_and_file_rows(any_db_url):  # noqa: F811
    for name in ("ana", "cora"):
        assert add(any_db_url, name).exit_code == 0
    run_ids = analyze_for(any_db_url, "ana")
    cora_runs = analyze_for(any_db_url, "cora")
    removed = users(any_db_url, "remove", "ana", "--delete-runs", "--yes")
    assert removed.exit_code == 0, removed.output
    assert f"removed user ana and deleted their {len(run_ids)} runs" in removed.stdout
    with Store(any_db_url) as store:
        assert store.runs("ana") == []
        assert [row.id for row in store.runs("cora")] == cora_runs
    assert file_rows(any_db_url, "ana") == 0 and file_rows(any_db_url, "cora") == 1
    store, accounts = accounts_of(any_db_url)
    with store:
        assert [u.name for u in accounts.users()] == ["cora"]


def test_remove_unknown_user_or_declined_changes_nothing(any_db_url):  # noqa: F811
    assert add(any_db_url, "ana").exit_code == 0
    run_ids = analyze_for(any_db_url, "ana")
    missing = users(any_db_url, "remove", "nobody", "--yes")
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.stderr
    assert "Traceback" not in missing.output

    declined = users(any_db_url, "remove", "ana", "--delete-runs", stdin="n\n")
    assert declined.exit_code == 1, declined.output
    assert f"delete the {len(run_ids)} runs of runner ana?" in declined.output
    assert "nothing was removed" in declined.stderr
    store, accounts = accounts_of(any_db_url)
    with store:
        assert accounts.verify_password("ana", PASSWORD) is not None
        assert [row.id for row in store.runs("ana")] == run_ids

    confirmed = users(any_db_url, "remove", "ana", stdin="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    store, accounts = accounts_of(any_db_url)
    with store, pytest.raises(AccountError, match="no user 'ana'"):
        accounts.remove_user("ana")
