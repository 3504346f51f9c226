"""The FastAPI application factory: one Store for the app's life, the API and page routers,
and plotly.min.js served from the installed plotly package (no CDN, pages stay small)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import plotly
from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse

from softstep import __version__
from softstep.errors import StoreError
from softstep.store import Store
from softstep.store.accounts import Accounts
from softstep.web import accounts, api, coaching, pages, run_edits
from softstep.web.access import csrf_guard
from softstep.web.uploads import BodySizeLimit, TooLargeError, UploadLimit

DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
FORM_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and headers around the file
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_URL = "/static/plotly.min.js"


def create_app(db_url: str | None = None, *, max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               runner: str = "me", multi_user: bool = False) -> FastAPI:
    """The web app over the store at ``db_url`` (None: $SOFTSTEP_DB, else the user's SQLite).

    Uploads larger than ``max_upload_bytes`` (default 200 MiB) get 413; uploads are stored for
    ``runner``; ``multi_user``: sign-in required, each user sees their own runs and those
    shared with them (access.py). Opens (and migrates) the database now: StoreError when it
    cannot.
    """
    store = Store(db_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="softstep",
        version=__version__,
        summary="Why do I land so hard? Upload running files, read the causes and a plan.",
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN: nothing may leave the
        # machine, so the API is documented by its schema at /openapi.json only
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(csrf_guard)],  # unsafe requests: same origin + CSRF token
    )
    app.state.store = store
    app.state.limit = UploadLimit(max_upload_bytes)
    app.state.runner = runner
    app.state.multi_user = multi_user
    app.state.accounts = Accounts(store)
    app.state.csrf_token = secrets.token_urlsafe(32)
    app.state.plotly_url = PLOTLY_URL

    @app.get(PLOTLY_URL, include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    app.add_middleware(BodySizeLimit, max_bytes=max_upload_bytes + FORM_OVERHEAD_BYTES,
                       shown_bytes=max_upload_bytes)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(coaching.router)
    app.include_router(accounts.router)
    app.include_router(run_edits.router)
    app.add_exception_handler(TooLargeError, api.too_large)
    app.add_exception_handler(StoreError, api.store_unavailable)
    return app
