"""A real uvicorn server (h11, a real socket) for the tests that must see what a client sees over
HTTP: what the server itself answers before the app (long request lines, broken framing), and
schemathesis, which calls the portal as any API client would."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from pafinder.app import create_app
from pafinder.settings import Settings
from tests.conftest import free_port


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """Serve create_app(settings) on a free port until the block ends; yields the base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the live server did not start"
            time.sleep(0.1)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
