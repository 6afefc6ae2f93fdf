"""The outside of the app: health, services API, 404, security headers, cookies, CSRF, settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pafinder.app import create_app
from pafinder.settings import ConfigError, Settings
from tests.conftest import PageClient


def test_healthz_reports_ok_when_database_and_index_are_reachable(client: PageClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_fails_when_the_index_is_gone(client: PageClient, settings: Settings) -> None:
    # One rename takes the whole folder away at once: the node's sync thread may be writing the
    # PA index into it at this moment, and a tree removal would race with its new files.
    settings.index_dir.rename(settings.index_dir.with_name("index-gone"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["index"] is False


def test_services_api_lists_each_service(client: PageClient) -> None:
    assert client.get("/api/services").json() == [
        {"slug": "peer-support", "name": "Peer support", "respond_within_working_days": 3}
    ]


def test_unknown_url_gives_the_404_page_with_a_search_box(client: PageClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert re.search(r'<form action="/search" method="get"', response.text)


@pytest.mark.parametrize(
    "path", ["/", "/help/paying-a-pa/", "/search?q=pay", "/staff/sign-in", "/nope"]
)
def test_security_headers_on_every_response(client: PageClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_csp_hash_matches_the_inline_script_in_pages(client: PageClient) -> None:
    import base64
    import hashlib

    html = client.get("/").text
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in client.get("/").headers["content-security-policy"]


def test_public_pages_set_no_cookie(client: PageClient, settings: Settings) -> None:
    pages = [p for p in settings.site_dir.rglob("index.html")]
    assert pages
    for page in pages:
        path = "/" + page.parent.relative_to(settings.site_dir).as_posix() + "/"
        response = client.get(path.replace("/./", "/"))
        assert response.status_code == 200
        assert "set-cookie" not in response.headers, path
    assert "set-cookie" not in client.get("/search?q=holiday").headers


def test_a_form_page_sets_only_the_csrf_cookie(client: PageClient) -> None:
    cookies = client.get("/staff/sign-in").headers.get_list("set-cookie")
    assert len(cookies) == 1 and cookies[0].startswith("csrftoken=")


def test_post_without_csrf_token_is_refused(settings: Settings) -> None:
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as fresh:
        # No cookies at all: asgi-csrf would let this through unless every path is protected.
        response = fresh.post("/staff/sign-in", data={"email": "a@example.org", "password": "x"})
        assert response.status_code == 403
        assert "Your form could not be sent" in response.text


def test_post_with_a_stale_csrf_token_is_refused(client: PageClient) -> None:
    client.get("/staff/sign-in")
    response = client.post(
        "/staff/sign-in", data={"email": "a@example.org", "password": "x", "csrftoken": "stale"}
    )
    assert response.status_code == 403


def test_production_refuses_a_missing_or_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PAFINDER_SECRET_KEY"):
        Settings.from_env({"PAFINDER_ENV": "production", "PAFINDER_SECRET_KEY": "x" * 31})
    with pytest.raises(ConfigError, match="PAFINDER_SECRET_KEY"):
        Settings.from_env({"PAFINDER_ENV": "production"})
    ok = Settings.from_env(
        {
            "PAFINDER_ENV": "production",
            "PAFINDER_SECRET_KEY": "x" * 40,
            # production needs a data key too (tests/dataprotection/test_encryption.py)
            "PAFINDER_DATA_KEY": "kuNEu-RpopfmJo3297szwS2wFDba1O7pLR2zg2itQvE=",
        }
    )
    assert ok.production


def test_settings_defaults_follow_the_contract() -> None:
    s = Settings.from_env({})
    assert s.data_dir == Path("./var")
    assert s.database_url == "sqlite:///var/pafinder.db"
    assert (s.content_dir, s.site_dir, s.index_dir) == (
        Path("./content"),
        Path("./site"),
        Path("./search_index"),
    )
    assert s.smtp_url is None and s.base_url == "http://127.0.0.1:8000"
    custom = Settings.from_env({"PAFINDER_DATA_DIR": "/srv/pa"})
    assert custom.database_url == "sqlite:////srv/pa/pafinder.db"


def test_every_setting_is_documented() -> None:
    root = Path(__file__).resolve().parent.parent
    source = (root / "src" / "pafinder" / "settings.py").read_text()
    names = set(re.findall(r'get\("(?:PAFINDER_)?([A-Z_]+)"', source))
    assert {"DATA_DIR", "SECRET_KEY", "SMTP_URL"} <= names
    docs = (root / "README.md").read_text()
    missing = sorted(n for n in names if f"PAFINDER_{n}" not in docs)
    assert not missing, f"document these settings in README.md: {missing}"
