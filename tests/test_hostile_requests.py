"""Never a 500 (issue 8, point 7): walk the route table and send every route hostile requests.

Odd ids and dates in every path parameter, odd query strings on every GET, and on every POST:
bodies the middleware must refuse (multipart, no boundary, not UTF-8, gzip, too big, a non-ASCII
token, a header that used to skip the check) and, with a good token and a signed-in admin, form
fields holding odd ids and dates. Any 500 fails, and the failure lists every one found.
"""

from __future__ import annotations

import gzip
import json
import re
import select
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from starlette.routing import Route
from starlette.testclient import TestClient

from pafinder.app import all_routes, create_app
from pafinder.db import make_engine, migrate
from pafinder.events import store as events_store
from pafinder.events.views import now_utc, upcoming
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, STAFF_PASSWORD, add_staff, make_settings, prepare

LIMIT = 20_000  # a small PAFINDER_MAX_BODY_BYTES keeps the too-big bodies quick to send
FORM = "application/x-www-form-urlencoded"
# Values a stranger can put where an id, a date, a slug or a token is expected.
ODD = [
    "²",
    "\u0661\u0662",  # Arabic-Indic 12: int() reads it, isdigit() says yes
    "-1",
    "0",
    "99999999999999999999",
    "0x1f",
    "1e3",
    "+1",
    "0000-01-01",
    "9999-12-31",
    "1-99991231",
    "1-00000101",
    "%C3%A9",
    "%00",
    "a\x00b",  # PostgreSQL refuses NUL in text: it must never reach the database
    "x" * 300,
]
ODD_DATES = ["0000-01-01", "9999-12-31", "10000-01-01", "2026-02-30", "²", "-1", "99999999"]
QUERY_NAMES = [
    "q",
    "page",
    "per_page",
    "from",
    "to",
    "date",
    "day",
    "service",
    "kind",
    "area",
    "format",
    "status",
    "priority",
    "assigned",
    "overdue",
    "next",
    "ref",
    "by",
    "experience_years",
    "postcode",
    "distance",
]
# Form fields the routes parse as ids, numbers or date parts.
ODD_FIELDS: list[dict[str, str]] = [
    # PostgreSQL refuses NUL in text: a NUL answer must be refused before any route reads it.
    {"email": "a\x00@example.org", "first_name": "Ada\x00", "reason": "\x00", "title": "\x00"},
    {
        "booking-²": "attended",
        "booking-99999999999999999999": "attended",
        "booking--1": "attended",
        "copied-from": "²",
        "capacity": "²",
        "repeat-count": "99999999999999999999",
        "date": "1-99991231",
        "page": "²",
    },
    {
        "start-date-day": "31",
        "start-date-month": "12",
        "start-date-year": "9999",
        "repeat-until-day": "1",
        "repeat-until-month": "1",
        "repeat-until-year": "0",
        "new-date-day": "31",
        "new-date-month": "12",
        "new-date-year": "9999",
        "date": "99999999999-20261201",
    },
    {
        "start-date-day": "²",
        "start-date-month": "\u0661",
        "start-date-year": "+2026",
        "new-date-day": "99999999999999999999",
        "new-date-month": "1",
        "new-date-year": "2026",
        "capacity": "99999999999999999999",
        "date": "²-20261201",
    },
]
NO_VALID_TOKEN_POSTS = {"/staff/sign-out", "/become-a-pa/manage/sign-out"}


@dataclass
class Portal:
    settings: Settings
    client: TestClient
    event_id: str
    day: str


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The real sample content and demo data (so events exist), in its own data dir so the
    POSTs here may change it, and a signed-in admin so staff routes run their parsing."""
    from pafinder.cli import seed_demo_if_empty

    base: Path = tmp_path_factory.mktemp("hostile")
    settings = make_settings(base, REAL_CONTENT, max_body_bytes=str(LIMIT))
    migrate(make_engine(settings.database_url))
    seed_demo_if_empty(settings)
    prepare(settings)
    email = add_staff(settings, "admin@example.org", "admin")
    engine = make_engine(settings.database_url)
    now = now_utc()
    occ = upcoming(events_store.all_events(engine, "published"), now, now + timedelta(days=92))[0]
    app = create_app(settings)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        token = token_of(client.get("/staff/sign-in").text)
        signed = client.post(
            "/staff/sign-in",
            data={"email": email, "password": STAFF_PASSWORD, "csrftoken": token, "next": "/"},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        yield Portal(settings, client, str(occ.event.id), occ.original_date.isoformat())


def token_of(html: str) -> str:
    match = re.search(r'name="csrftoken" value="([^"]+)"', html)
    assert match
    return match.group(1)


def routes() -> list[Route]:
    return [r for r in all_routes() if isinstance(r, Route)]


def paths_for(route: Route, portal: Portal) -> list[str]:
    """The route's path with odd values in each parameter; where a route takes an event id
    and a day, also a real event with odd days and odd events with a real day."""
    names = re.findall(r"{(\w+)}", route.path)
    if not names:
        return [route.path]

    def fill(values: dict[str, str]) -> str:
        path = route.path
        for name in names:
            # A client can only send a NUL in an address percent-encoded.
            value = values.get(name, ODD[0]).replace("\x00", "%00")
            path = path.replace("{" + name + "}", value)
        return path

    paths = [fill(dict.fromkeys(names, odd)) for odd in ODD]
    if "event_id" in names:
        paths += [fill({"event_id": portal.event_id, "day": odd}) for odd in ODD + ODD_DATES]
        paths += [fill({"event_id": odd, "day": portal.day}) for odd in ODD]
        paths.append(fill({"event_id": portal.event_id, "day": portal.day}))
    if "key" in names:
        paths += [fill({"key": f"{portal.event_id}-{odd}"}) for odd in ["99991231", "00000101"]]
        paths.append(fill({"key": portal.event_id}))
    return paths


def hostile_bodies(token: str) -> list[tuple[str, dict[str, Any], set[int]]]:
    """(what, request keyword arguments, the statuses allowed): none may reach the route."""
    good = f"csrftoken={token}&email=a%40example.org"
    return [
        ("multipart", {"data": {"csrftoken": token}, "files": {"f": ("a", b"x")}}, {415}),
        (
            "multipart without a boundary",
            {"content": good.encode(), "headers": {"content-type": "multipart/form-data"}},
            {415},
        ),
        (
            "not UTF-8",
            {"content": good.encode() + b"&x=\xff", "headers": {"content-type": FORM}},
            {400},
        ),
        (
            "percent-encoded, not UTF-8",
            {"content": good.encode() + b"&x=%C3", "headers": {"content-type": FORM}},
            {400},
        ),
        (
            "gzip",
            {
                "content": gzip.compress(good.encode()),
                "headers": {"content-type": FORM, "content-encoding": "gzip"},
            },
            {415},
        ),
        (
            "too big",
            {"content": good.encode() + b"&x=" + b"y" * LIMIT, "headers": {"content-type": FORM}},
            {413},
        ),
        (
            "too big, streamed",
            {
                "content": iter([good.encode(), b"&x=" + b"y" * LIMIT]),
                "headers": {"content-type": FORM},
            },
            {413},
        ),
        ("non-ASCII token", {"data": {"csrftoken": "tökén"}}, {403}),
        (
            "Authorization header, no token",
            {"data": {"email": "a"}, "headers": {"authorization": "Bearer x"}},
            {403},
        ),
    ]


def test_no_route_answers_a_hostile_request_with_a_500(portal: Portal) -> None:
    client = portal.client
    token = token_of(client.get("/staff/").text)
    odd_query = "&".join(f"{name}={value}" for name in QUERY_NAMES for value in ["²", "9999-12-31"])
    failures: list[str] = []
    sent = 0

    def check(method: str, path: str, what: str, allowed: set[int] | None, **kw: Any) -> None:
        nonlocal sent
        sent += 1
        response = client.request(method, path, follow_redirects=False, **kw)
        if response.status_code >= 500 or (allowed and response.status_code not in allowed):
            failures.append(f"{response.status_code} {method} {path} ({what})")

    for route in routes():
        methods = route.methods or set()
        paths = paths_for(route, portal)
        for path in paths:
            if "GET" in methods:
                check("GET", path, "odd path", None)
            if "POST" in methods and route.path not in NO_VALID_TOKEN_POSTS:
                check("POST", path, "odd path", None, data={"csrftoken": token})
        if "POST" in methods and route.path not in NO_VALID_TOKEN_POSTS:
            # Odd fields where the path is good (real event and day), so the form is parsed.
            for fields in ODD_FIELDS:
                data = {**fields, "csrftoken": token}
                check("POST", paths[-1], "odd fields", None, data=data)
        if "GET" in methods:
            for date in ODD_DATES:
                query = f"from={date}&to={date}&date={date}&day={date}"
                check("GET", paths_for(route, portal)[0] + "?" + query, "odd dates", None)
            check("GET", paths_for(route, portal)[-1] + "?" + odd_query, "odd query", None)
        if "POST" in methods:
            path = paths_for(route, portal)[-1]
            for what, kw, allowed in hostile_bodies(token):
                check("POST", path, what, allowed, **kw)
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures)
    assert sent > 1000
    # Still signed in: the odd requests above really did reach the staff routes' own code (and
    # none of the refused ones signed the admin out).
    assert client.get("/staff/", follow_redirects=False).status_code == 200


def test_the_reported_500s_are_plain_answers_now(portal: Portal) -> None:
    """The ones issue 8 lists, one by one."""
    client = portal.client
    response = client.get("/events?to=9999-12-31")
    assert response.status_code == 400 and "Enter a date between 2000 and 2100" in response.text
    response = client.get("/events?from=0000-01-01")
    assert response.status_code == 400 and "Enter a real date" in response.text
    assert client.get("/events/%C2%B2/book").status_code == 404
    assert client.get("/api/events?to=9999-12-31").status_code == 400
    assert (
        client.get(f"/staff/events/{portal.event_id}/occurrences/9999-12-31/attendance").status_code
        == 404
    )
    assert client.get("/staff/events/%C2%B2").status_code == 404


# --- Over real HTTP (issue 12, point 7) -----------------------------------------------------
# uvicorn and h11 on a real socket, with the default body limit: what a stranger's client gets,
# including what the server answers before the app (a request line too long, a raw NUL). Sent
# with raw sockets, since HTTP clients tidy paths (../) and refuse to send what is tested here.

CANARY = "CANARY-OUTSIDE-THE-SITE-FOLDER"
MB = 1_000_000


@dataclass
class Served:
    settings: Settings
    url: str
    port: int
    base: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from tests.live import live_server

    base: Path = tmp_path_factory.mktemp("served")
    settings = make_settings(base)  # the default PAFINDER_MAX_BODY_BYTES (1 MB)
    prepare(settings)
    # Files beside and above site/ that no address may reach.
    (base / "outside.txt").write_text(CANARY)
    # The data folder holds the SQLite file; on PostgreSQL nothing has made it yet.
    (base / "var").mkdir(exist_ok=True)
    (base / "site" / ".." / "var" / "outside.txt").write_text(CANARY)
    with live_server(settings) as url:
        yield Served(settings, url, int(url.rsplit(":", 1)[1]), base)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response: status, headers, body (by Content-Length, or to the close)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), f"no HTTP answer: {data[:200]!r}"
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = headers.get("content-length")
    try:
        while length is None or len(body) < int(length):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except (TimeoutError, ConnectionResetError):
        pass  # a server that refuses a request it has not read resets once it has answered
    return status, headers, body


def raw_request(
    served: Served, head: bytes, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(head + body)
        return _read_response(sock)


def get_line(target: bytes, *headers: bytes) -> bytes:
    extra = b"".join(h + b"\r\n" for h in headers)
    return (
        b"GET "
        + target
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + extra
        + b"Connection: close\r\n\r\n"
    )


def still_serving(served: Served) -> None:
    assert httpx.get(served.url + "/healthz", timeout=5).status_code == 200


def test_a_20_mb_body_is_refused_with_413_before_it_is_sent(served: Served) -> None:
    """Content-Length says 20 MB: the answer comes with none of the body sent."""
    for path in (b"/complaints", b"/refer/adult-mental-health", b"/api/pas", b"/no-such-page"):
        head = (
            b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 20000000\r\nConnection: close\r\n\r\n"
        )
        status, headers, body = raw_request(served, head)
        assert status == 413, (path, status, body[:200])
        assert headers["cache-control"] == "no-store"
    still_serving(served)


def test_a_20_mb_chunked_body_is_refused_once_it_passes_the_limit(served: Served) -> None:
    """No Content-Length: the bytes are counted as they come, and the 413 comes long before 20
    MB (the limit, 1 MB, plus what the sockets' buffers hold)."""
    head = (
        b"POST /complaints HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    piece = b"x" * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(head)
        try:
            while sent < 20 * MB:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
                sock.sendall(chunk)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # it stopped reading: the answer is waiting
        status, _headers, _body = _read_response(sock)
    assert status == 413
    assert sent < 10 * MB, f"{sent} bytes went in before the refusal"
    still_serving(served)


def test_malformed_multipart_is_a_plain_refusal(served: Served) -> None:
    """No form here is multipart, so every multipart body is refused (415) before anything
    parses it, with a good CSRF token and cookie too: bad, missing or endless boundaries and
    truncated bodies included. Never a 500, and the portal keeps serving."""
    with httpx.Client(base_url=served.url, timeout=10) as client:
        token = token_of(client.get("/complaints").text)
        part = (
            f'--x\r\nContent-Disposition: form-data; name="csrftoken"\r\n\r\n{token}\r\n'.encode()
        )
        cases = [
            ("multipart/form-data; boundary=x", part + b"--x--\r\n"),  # well formed
            ("multipart/form-data; boundary=x", part),  # truncated: no closing boundary
            ("multipart/form-data; boundary=x", part[:30]),  # truncated inside the headers
            ("multipart/form-data; boundary=y", part + b"--x--\r\n"),  # the wrong boundary
            ("multipart/form-data", part + b"--x--\r\n"),  # no boundary
            ("multipart/form-data; boundary=", part),  # an empty boundary
            ("multipart/form-data; boundary=" + "b" * 5000, part),  # an absurd one
            ('multipart/form-data; boundary="x', part),  # an unclosed quote
            ("multipart/form-data; boundary=x; boundary=z", part + b"--x--\r\n"),
            ("multipart/mixed; boundary=x", part + b"--x--\r\n"),
        ]
        for content_type, body in cases:
            response = client.post(
                "/complaints", content=body, headers={"content-type": content_type}
            )
            assert 400 <= response.status_code < 500, (content_type, response.status_code)
    with make_engine(served.settings.database_url).connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM complaints")).scalar() == 0
    still_serving(served)


LONG = 100_000


@pytest.mark.parametrize(
    "target",
    [
        b"/" + b"a" * LONG,  # reaches the app: a file name too long is page not found
        b"/help/" + b"a/" * (LONG // 2),
        b"/api/pas/" + b"P" * LONG,
        b"/api/pas?q=" + b"a" * LONG,
        b"/find-a-pa?" + b"area=x&" * (LONG // 7),
        b"/events?from=" + b"9" * LONG,
        b"/" + b"a" * (10 * LONG),  # 1 MB: h11 refuses it before the app
        b"/x?" + b"a=b&" * (LONG // 2),
    ],
    ids=lambda t: f"{t[:14].decode()}...{len(t)}",
)
def test_a_very_long_url_gets_a_clean_4xx(served: Served, target: bytes) -> None:
    status, _headers, _body = raw_request(served, get_line(target))
    assert 400 <= status < 500, status
    still_serving(served)


def test_a_very_long_site_search_searches_its_first_words_and_says_so(served: Served) -> None:
    """The one long URL that is not a 4xx, by design (tests/test_search.py): site search
    shortens the words to 200 characters, shows the results and says why."""
    status, _headers, body = raw_request(served, get_line(b"/search?q=" + b"%C3%A9" * (LONG // 6)))
    assert status == 200 and "200 characters or fewer" in body.decode()
    still_serving(served)


def test_nul_bytes_in_the_request_line_path_query_and_form(served: Served) -> None:
    # A raw NUL is not HTTP: the server refuses the request line itself.
    assert raw_request(served, get_line(b"/api/pas?q=a\x00b"))[0] == 400
    assert raw_request(served, get_line(b"/help\x00/"))[0] == 400
    # Percent-encoded, it reaches the app and is refused before any route.
    status, headers, body = raw_request(served, get_line(b"/help/%00/"))
    assert status == 404 and headers["content-type"].startswith("text/html")
    status, headers, body = raw_request(served, get_line(b"/api/pas?q=garden%00&area=x"))
    assert status == 400 and headers["content-type"] == "application/json"
    assert json.loads(body) == {"errors": {"q": "must not contain a NUL character (%00)"}}
    status, headers, body = raw_request(served, get_line(b"/api/pas/PA%00X"))
    assert status == 404 and json.loads(body) == {"error": "Page not found"}
    with httpx.Client(base_url=served.url, timeout=10) as client:
        token = token_of(client.get("/complaints").text)
        form = {"csrftoken": token, "kind": "complaint", "service": "general"}
        for nul in ({"details": "a\x00b"}, {"name\x00": "Ada"}):
            response = client.post("/complaints", data={**form, **nul})
            assert response.status_code == 400
    with make_engine(served.settings.database_url).connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM complaints")).scalar() == 0
    still_serving(served)


def _traversals(base: Path) -> list[bytes]:
    outside = str(base / "outside.txt").encode()
    var = str(base / "var" / "outside.txt").encode()
    names = [
        b"/assets/../outside.txt",
        b"/assets/../../outside.txt",
        b"/../outside.txt",
        b"/../var/outside.txt",
        b"/assets/%2e%2e/outside.txt",
        b"/assets/%2e%2e%2foutside.txt",
        b"/%2e%2e%2foutside.txt",
        b"/%2E%2E/%2E%2E/var/outside.txt",
        b"/assets/.%2e/outside.txt",
        b"/assets/%252e%252e%252foutside.txt",  # double-encoded
        b"/assets/..%252foutside.txt",
        b"/assets/..%2f..%2foutside.txt",
        b"/assets/..\\outside.txt",  # backslashes
        b"/assets/..%5c..%5coutside.txt",
        b"/..%5cvar%5coutside.txt",
        b"/assets/%c0%ae%c0%ae/outside.txt",  # overlong UTF-8 dots
        b"/about/..;/..;/outside.txt",
        b"/help/../../outside.txt",
        b"/help/%2e%2e/%2e%2e/outside.txt",
        b"/events/../../var/outside.txt",
        b"//etc/passwd",  # absolute paths
        b"/assets//etc/passwd",
        b"/assets/%2fetc%2fpasswd",
        b"/%2fetc%2fpasswd",
        b"/assets/../../../../../../../../etc/passwd",
        b"/" + outside,
        b"/assets/" + outside,
        b"/%2f" + outside.lstrip(b"/").replace(b"/", b"%2f"),
        b"/assets/%2f" + var.lstrip(b"/").replace(b"/", b"%2f"),
        b"/file:" + outside,
        b"/var/pafinder.db",
        b"/../var/pafinder.db",
    ]
    return names


def test_path_traversal_never_reaches_a_file_outside_site(served: Served) -> None:
    page = httpx.get(served.url + "/help/").text
    asset = re.search(r'href="(/assets/[^"]+\.css)"', page)
    assert asset, "the layout links its stylesheet"
    # The real files are served, so a refusal below is not just a broken static mount.
    assert raw_request(served, get_line(asset.group(1).encode()))[0] == 200
    failures = []
    for target in _traversals(served.base):
        status, _headers, body = raw_request(served, get_line(target))
        if status not in (400, 404) or CANARY.encode() in body or b"root:" in body:
            failures.append(f"{status} {target!r}")
    assert not failures, "\n".join(failures)
    still_serving(served)
