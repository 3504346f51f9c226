"""The softstep web app: a JSON API (its OpenAPI schema at ``/openapi.json``) and pages over the run store.

Single user, meant for localhost (``softstep serve``); no login yet.

>>> from softstep.web import create_app
>>> app = create_app("sqlite://")
>>> sorted(app.openapi()["paths"])
['/api/progress', '/api/runs', '/api/runs/{run_id}']
"""

from __future__ import annotations

from softstep.web.app import DEFAULT_MAX_UPLOAD_BYTES, create_app

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "create_app"]
