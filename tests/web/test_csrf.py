"""CSRF (issue 8, point 4) and the bodies it must answer without a 500 (point 7).

The token is HMAC(key, browser id | session binding): the cookie is only a random browser id,
a token from before sign-in or from another session is refused, and no header skips the check.
"""

from __future__ import annotations

import asyncio
import gzip
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pafinder.app import create_app
from pafinder.settings import ConfigError, Settings
from tests.conftest import STAFF_PASSWORD, PageClient, add_staff, make_settings, sign_in

FORM = "application/x-www-form-urlencoded"
SIGN_IN = "/staff/sign-in"


def token_in(html: str) -> str:
    match = re.search(r'name="csrftoken" value="([^"]+)"', html)
    assert match, "no csrftoken on the page"
    return match.group(1)


def signed_in_token(client: PageClient, email: str) -> str:
    assert sign_in(client, email).status_code == 303
    return token_in(client.get("/staff/").text)


@pytest.fixture
def raw(settings: Settings) -> Iterator[TestClient]:
    """A client that shows a 500 as a 500 instead of raising, as a browser would see it."""
    with TestClient(
        create_app(settings), base_url="http://127.0.0.1", raise_server_exceptions=False
    ) as c:
        yield c


def test_the_cookie_is_a_browser_id_not_the_token(client: PageClient) -> None:
    response = client.get(SIGN_IN)
    cookie = client.cookies["csrftoken"]
    token = token_in(response.text)
    assert cookie != token and len(cookie) >= 43
    assert "HttpOnly" in response.headers["set-cookie"]
    assert "Cookie" in response.headers["vary"]
    # Sending the cookie's value back as the token (what asgi-csrf accepted) is refused.
    data = {"email": "a@example.org", "password": "x", "csrftoken": cookie}
    assert client.post(SIGN_IN, data=data).status_code == 403


def test_no_header_skips_the_check(client: PageClient) -> None:
    client.get(SIGN_IN)
    for headers in ({"authorization": "Bearer anything"}, {"x-csrftoken": "x"}):
        response = client.post(SIGN_IN, data={"email": "a@example.org"}, headers=headers)
        assert response.status_code == 403, headers


def test_tokens_rotate_at_sign_in_and_a_token_from_before_is_refused(
    client: PageClient, settings: Settings
) -> None:
    email = add_staff(settings)
    before = client.csrf(SIGN_IN)
    after = signed_in_token(client, email)
    assert before != after
    response = client.post("/staff/sign-out", data={"csrftoken": before}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/staff/", follow_redirects=False).status_code == 200, "still signed in"
    response = client.post("/staff/sign-out", data={"csrftoken": after}, follow_redirects=False)
    assert response.status_code == 303


def test_a_token_from_another_session_on_the_same_browser_id_is_refused(
    client: PageClient, settings: Settings
) -> None:
    """Even with the browser id copied across (a planted cookie), the session binding differs,
    so one signed-in session's token does not work for another."""
    first, second = add_staff(settings), add_staff(settings, "other@example.org")
    token = signed_in_token(client, first)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as other:
        other.cookies.set("csrftoken", client.cookies["csrftoken"])
        signed_in_token(other, second)
        response = other.post("/staff/sign-out", data={"csrftoken": token}, follow_redirects=False)
        assert response.status_code == 403


def test_a_non_ascii_token_or_cookie_is_refused_not_a_500(raw: TestClient) -> None:
    raw.get(SIGN_IN)
    response = raw.post(SIGN_IN, data={"email": "a@example.org", "csrftoken": "tökén"})
    assert response.status_code == 403
    raw.cookies.clear()
    response = raw.post(
        SIGN_IN,
        content=b"csrftoken=x",
        headers={b"content-type": FORM.encode(), b"cookie": b"csrftoken=\xc3\xa9t\xe9"},
    )
    assert response.status_code == 403
    # The next form page replaces the bad cookie with a good one.
    response = raw.get(SIGN_IN, headers={b"cookie": b"csrftoken=\xc3\xa9"})
    assert re.match(r"csrftoken=[A-Za-z0-9_-]{43};", response.headers["set-cookie"])


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"content-type": "multipart/form-data; boundary=x"}, b"--x\r\n\r\n--x--\r\n"),
        ({"content-type": "multipart/form-data"}, b"csrftoken=x"),
        ({"content-type": "application/json"}, b'{"csrftoken": "x"}'),
    ],
)
def test_bodies_other_than_an_urlencoded_form_get_415(
    raw: TestClient, headers: dict[str, str], body: bytes
) -> None:
    raw.get(SIGN_IN)
    response = raw.post(SIGN_IN, content=body, headers=headers)
    assert response.status_code == 415
    assert "Your form could not be sent" in response.text


def test_a_multipart_form_with_a_good_token_gets_415(raw: TestClient) -> None:
    """What crashed asgi-csrf 0.11 against python-multipart 0.0.34 (FileClass)."""
    token = token_in(raw.get(SIGN_IN).text)
    response = raw.post(
        SIGN_IN, data={"csrftoken": token, "email": "a@example.org"}, files={"f": ("a", b"x")}
    )
    assert response.status_code == 415


@pytest.mark.parametrize("body", [b"csrftoken=\xff\xfe&email=a", b"csrftoken=%ff%fe&email=a"])
def test_a_body_that_is_not_utf8_gets_400(raw: TestClient, body: bytes) -> None:
    raw.get(SIGN_IN)
    response = raw.post(SIGN_IN, content=body, headers={"content-type": FORM})
    assert response.status_code == 400
    assert "Your form could not be read" in response.text


def test_a_gzip_body_gets_415(raw: TestClient) -> None:
    token = token_in(raw.get(SIGN_IN).text)
    body = gzip.compress(f"csrftoken={token}&email=a".encode())
    headers = {"content-type": FORM, "content-encoding": "gzip"}
    assert raw.post(SIGN_IN, content=body, headers=headers).status_code == 415


def test_a_body_over_the_default_limit_gets_413(raw: TestClient, settings: Settings) -> None:
    assert settings.max_body_bytes == 1_000_000
    token = token_in(raw.get(SIGN_IN).text)
    body = f"csrftoken={token}&email=".encode() + b"x" * 1_000_000
    response = raw.post(SIGN_IN, content=body, headers={"content-type": FORM})
    assert response.status_code == 413
    assert "Your form is too big to send" in response.text
    # Streamed with no Content-Length (chunked): counted as it arrives, refused all the same.
    chunks = iter([body[:600_000], body[600_000:]])
    response = raw.post(SIGN_IN, content=chunks, headers={"content-type": FORM})
    assert response.status_code == 413


def test_a_body_at_the_limit_is_read_whole(tmp_path: Path) -> None:
    """Under the limit nothing is dropped (asgi-csrf lost the first megabyte of larger ones)."""
    settings = make_settings(tmp_path, max_body_bytes="5000")
    from tests.conftest import prepare

    prepare(settings)
    email = add_staff(settings)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        token = client.csrf(SIGN_IN)
        body = f"csrftoken={token}&next=/staff/&email={email}&password={STAFF_PASSWORD}&pad="
        body += "x" * (5000 - len(body))
        response = client.post(
            SIGN_IN, content=body.encode(), headers={"content-type": FORM}, follow_redirects=False
        )
        assert response.status_code == 303, "every field arrived"
        response = client.post(
            SIGN_IN, content=body.encode() + b"x", headers={"content-type": FORM}
        )
        assert response.status_code == 413


def test_content_length_over_the_limit_is_refused_before_reading(settings: Settings) -> None:
    app = create_app(settings)
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        raise AssertionError("the body was read")

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": SIGN_IN,
        "raw_path": SIGN_IN.encode(),
        "query_string": b"",
        "headers": [(b"content-type", FORM.encode()), (b"content-length", b"99999999999")],
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        "root_path": "",
        "http_version": "1.1",
        "asgi": {"version": "3.0"},
    }
    # In a thread of its own: in a worker that has run a browser test, Playwright's sync API
    # keeps an event loop running in this thread, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app.build_middleware_stack()(scope, receive, send)).result()
    assert sent[0]["status"] == 413


def test_max_body_bytes_must_be_a_whole_number_above_zero(tmp_path: Path) -> None:
    for bad in ("0", "-5", "lots", "1e6"):
        with pytest.raises(ConfigError, match="PAFINDER_MAX_BODY_BYTES"):
            Settings.from_env({"PAFINDER_MAX_BODY_BYTES": bad})
    assert Settings.from_env({"PAFINDER_MAX_BODY_BYTES": "2000"}).max_body_bytes == 2000


def test_the_route_reads_exactly_the_fields_that_were_checked(client: PageClient) -> None:
    """Raw UTF-8 (what curl -d sends) is handed on re-encoded, so the route sees 'zoë', not
    the latin-1 reading 'zoÃ«'."""
    token = client.csrf(SIGN_IN)
    body = f"csrftoken={token}&email=zoë@example.org&password=x&next=/staff/".encode()
    response = client.post(SIGN_IN, content=body, headers={"content-type": FORM})
    assert response.status_code not in (403, 500)
    assert 'value="zoë@example.org"' in response.text
