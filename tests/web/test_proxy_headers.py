"""X-Forwarded-For is believed only from PAFINDER_TRUSTED_PROXIES: the app served by real uvicorn
with the options `pafinder serve` passes, a spoofed header from an untrusted peer is limited by
the peer's real address."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from pafinder.app import create_app
from pafinder.cli import proxy_options
from pafinder.register.manage_routes import LINK_RATE_IP
from pafinder.settings import ConfigError, Settings
from tests.conftest import free_port, make_settings, prepare

PAGE = "/become-a-pa/manage"


@contextmanager
def served(app: Starlette, settings: Settings) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        **proxy_options(settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def ask_for_link(url: str, forwarded_for: str) -> int:
    with httpx.Client(base_url=url) as client:
        page = client.get(PAGE)
        token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        response = client.post(
            PAGE,
            data={"email": "nobody@example.org", "csrftoken": token.group(1)},
            headers={"X-Forwarded-For": forwarded_for},
        )
        return response.status_code


def fill(app: Starlette, address: str) -> None:
    """Use up the per-address limit for ``address`` (the limit the page itself applies)."""
    limiter = app.state.limiter
    while limiter.hit(LINK_RATE_IP, "pa-manage-ip", address):
        pass


def _settings(tmp_path: Path, **env: str) -> Settings:
    settings = make_settings(tmp_path, **env)
    prepare(settings)
    return settings


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_limited_by_its_real_address(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    assert proxy_options(settings) == {"proxy_headers": False, "forwarded_allow_ips": []}
    app = create_app(settings)
    fill(app, "127.0.0.1")
    with served(app, settings) as url:
        # A fresh made-up address each time would otherwise be a fresh limit.
        assert ask_for_link(url, "203.0.113.9") == 429
        assert ask_for_link(url, "198.51.100.20") == 429


def test_a_trusted_proxy_passes_on_the_real_client_address(tmp_path: Path) -> None:
    settings = _settings(tmp_path, trusted_proxies="10.0.0.0/8, 127.0.0.1")
    assert proxy_options(settings) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.0/8", "127.0.0.1"],
    }
    app = create_app(settings)
    fill(app, "127.0.0.1")  # the proxy itself: its own address must not be what is counted
    fill(app, "203.0.113.9")
    with served(app, settings) as url:
        assert ask_for_link(url, "198.51.100.20") == 200
        assert ask_for_link(url, "203.0.113.9") == 429


def test_trusted_proxies_must_be_addresses() -> None:
    with pytest.raises(ConfigError, match="PAFINDER_TRUSTED_PROXIES"):
        Settings.from_env({"PAFINDER_TRUSTED_PROXIES": "proxy.example.org"})
    assert Settings.from_env({"PAFINDER_TRUSTED_PROXIES": " *, ::1 ,"}).trusted_proxies == (
        "*",
        "::1",
    )
