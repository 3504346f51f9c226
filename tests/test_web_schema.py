"""schemathesis against the web app's OpenAPI schema (/openapi.json), on SQLite and PostgreSQL:
every API operation, with the default checks (no server error, status codes, content types
and response bodies as declared). The store holds one real uploaded run so that
GET /api/runs/{id} has something to return."""

from __future__ import annotations

import warnings

import pytest
import schemathesis
from schemathesis.checks import positive_data_acceptance
from hypothesis import HealthCheck, given, settings

with warnings.catch_warnings():  # starlette >= 1.x nags about httpx in its TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_store import any_db_url  # noqa: F401  (fixture: SQLite, plus PostgreSQL when set)

from softstep import sample_path
from softstep.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MAX_EXAMPLES = 25


@pytest.fixture
def seeded_app(any_db_url):  # noqa: F811
    """The app over a fresh store holding one uploaded run (the sample FIT file)."""
    app = create_app(any_db_url)
    with TestClient(app) as client:
        response = client.post("/api/runs", files={
            "file": ("fenix2-run.fit", sample_path().read_bytes(), "application/octet-stream")})
        assert response.status_code == 201, response.text
        yield app


def check_operation(operation) -> None:
    """Up to MAX_EXAMPLES generated requests (the same ones every run) to ``operation``, each
    validated with schemathesis's default checks."""

    # a generated upload is schema-valid bytes but not a recording: 422 (declared) is the
    # right answer there, so "valid data is accepted" does not apply to POST /api/runs
    excluded = [positive_data_acceptance] if operation.path == "/api/runs" else []

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case) -> None:
        case.call_and_validate(excluded_checks=excluded)

    call()


def test_every_api_operation_conforms_to_its_schema(seeded_app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", seeded_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.method.upper() for op in operations} >= {"GET", "POST"}
    for operation in operations:
        check_operation(operation)
