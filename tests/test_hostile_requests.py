"""Never a 500 (issue 8, point 7): walk the route table and send every route hostile requests.

Odd ids and dates in every path parameter, odd query strings on every GET, and on every POST:
bodies the middleware must refuse (multipart, no boundary, not UTF-8, gzip, too big, a non-ASCII
token, a header that used to skip the check) and, with a good token and a signed-in admin, form
fields holding odd ids and dates. Any 500 fails, and the failure lists every one found.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
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
