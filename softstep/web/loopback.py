"""A real uvicorn server on 127.0.0.1 in a background thread, for benchmarks and tests that
must exercise the server as a browser would (real sockets, uvicorn's worker threads).

>>> import httpx, tempfile
>>> from softstep.web import create_app
>>> app = create_app(f"sqlite:///{tempfile.mkdtemp()}/softstep.db")
>>> with serve_on_loopback(app) as base_url:
...     httpx.get(f"{base_url}/api/runs").json()
[]
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_on_loopback(app: FastAPI, *, start_timeout_s: float = 20.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 while the block runs; yields its base URL.

    RuntimeError when the server has not started within ``start_timeout_s``.
    """
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port} within "
                                   f"{start_timeout_s:.0f} s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
