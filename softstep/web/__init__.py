"""The softstep web app: a JSON API (its OpenAPI schema at ``/openapi.json``) and pages over the
run store.

Single-user on localhost by default (``softstep serve``, no login); multi-user with accounts,
sessions and coach shares for a coach's server (``softstep serve --multi-user``, access.py).

>>> from softstep.web import create_app
>>> app = create_app("sqlite://")
>>> sorted(app.openapi()["paths"])
['/api/progress', '/api/runs', '/api/runs/{run_id}']
"""

from __future__ import annotations

from softstep.web.app import DEFAULT_MAX_UPLOAD_BYTES, create_app

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "create_app"]
