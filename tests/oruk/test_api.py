"""The feed's query parameters, paging, CORS and hostile requests (issue 15, point 2)."""

from __future__ import annotations

from typing import Any

import pytest

from pafinder.oruk.ids import oruk_id
from pafinder.oruk.query import MAX_PER_PAGE
from pafinder.oruk.taxonomies import term_id
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.oruk.validate import assert_valid_page

Portal = tuple[Settings, PageClient]


def get(client: PageClient, path: str, status: int = 200, kind: str = "services") -> Any:
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:300])
    assert response.headers["access-control-allow-origin"] == "*"
    data = response.json()
    if status == 200 and "contents" in data:
        assert_valid_page(data, kind)
    return data


def names(client: PageClient, query: str, kind: str = "services") -> set[str]:
    data = get(client, f"/api/oruk/{kind}?per_page={MAX_PER_PAGE}&{query}", kind=kind)
    if kind == "service_at_locations":
        return {s["service"]["name"] for s in data["contents"]}
    return {s["name"] for s in data["contents"]}


def test_paging_edge_cases(portal: Portal) -> None:
    client = portal[1]
    total = get(client, "/api/oruk/services")["total_items"]
    assert total == 9  # five services, four events

    one = get(client, "/api/oruk/services?per_page=1")
    assert (one["size"], one["total_pages"], one["first_page"], one["last_page"]) == (
        1,
        total,
        True,
        False,
    )
    last = get(client, f"/api/oruk/services?per_page=1&page={total}")
    assert last["size"] == 1 and last["last_page"] and not last["first_page"]
    # Each page holds a different service, and together they are all of them.
    ids = {
        get(client, f"/api/oruk/services?per_page=1&page={n}")["contents"][0]["id"]
        for n in range(1, total + 1)
    }
    assert len(ids) == total

    most = get(client, f"/api/oruk/services?per_page={MAX_PER_PAGE}")
    assert most["size"] == total and most["total_pages"] == 1 and most["last_page"]

    past = get(client, "/api/oruk/services?page=50")
    assert past["contents"] == [] and past["empty"] and past["size"] == 0
    assert past["total_items"] == total and past["page_number"] == 50 and past["last_page"]

    empty = get(client, "/api/oruk/services?text=nothing-matches-this")
    assert empty["total_items"] == 0 and empty["empty"] and empty["contents"] == []
    assert empty["first_page"] and empty["last_page"] and empty["total_pages"] == 1

    for bad in ("per_page=0", f"per_page={MAX_PER_PAGE + 1}", "page=0", "page=-1", "page=1.5"):
        assert get(client, f"/api/oruk/services?{bad}", 400)["errors"]
    terms = get(client, "/api/oruk/taxonomy_terms?per_page=2&page=2", kind="taxonomy_terms")
    assert terms["size"] == 2 and terms["page_number"] == 2
    assert get(client, "/api/oruk/taxonomies?page=999", kind="taxonomies")["empty"]


def test_filters(portal: Portal) -> None:
    client = portal[1]
    assert names(client, "text=CREWE workshop") == {"Crewe workshop"}
    assert names(client, "search=recovery") == {
        "Online recovery course",
        "Peer support and recovery service",
    }
    course = term_id("event_kinds", "course")
    assert names(client, f"taxonomy_term_id={course}") == {"Online recovery course"}
    bsl = term_id("accessibility", "bsl")
    assert names(client, f"taxonomy_term_id={bsl}") == {"Crewe workshop"}
    kinds = oruk_id("taxonomy", "event_kinds")
    assert len(names(client, f"taxonomy_id={kinds}")) == 4
    assert names(client, f"taxonomy_term_id={oruk_id('term', 'x', 'y')}") == set()

    weekly = get(client, "/api/oruk/services?text=Tuesday carers")["contents"][0]
    day = get(client, f"/api/oruk/services/{weekly['id']}")["schedules"][0]["byday"]
    assert "Tuesday carers group" in names(client, f"day={day}")
    assert "Tuesday carers group" in names(client, f"day={day.lower()}")
    assert names(client, "start_time=18:00") >= {"Tuesday carers group"}
    assert "Tuesday carers group" not in names(client, "start_time=18:30")
    assert "Tuesday carers group" in names(client, "end_time=19:30:00")
    assert "Tuesday carers group" not in names(client, "end_time=19:00")
    # Ages as the profile words them: minimum age at least, maximum age at most.
    assert names(client, "minimum_age=17") >= {"Carers support service"}
    assert names(client, "maximum_age=18") == {"Mentoring for young people in care"}
    assert names(client, "maximum_age=25") == {
        "Mentoring for young people in care",
        "Supported housing for young people",
    }
    # A postcode: the services whose area covers it (events name no districts, so they stay);
    # with a proximity, the places within that many metres of its sector's centre.
    crewe = names(client, "postcode=CW1 2DH")
    assert "Direct payment support service" in crewe and "Carers support service" not in crewe
    assert "Crewe workshop" in crewe
    assert names(client, "postcode=CW1 2DH&proximity=3000") == {"Crewe workshop"}
    assert names(client, "postcode=cw12dh&proximity=3000", "service_at_locations") == {
        "Crewe workshop"
    }
    assert names(client, "postcode=DE1 1ZZ&proximity=500") == {"Tuesday carers group"}
    assert names(client, "postcode=SK11&proximity=1000") == set()
    # The same filters choose services at locations.
    assert names(client, f"taxonomy_term_id={bsl}", "service_at_locations") == {"Crewe workshop"}


def test_bad_parameters_are_a_json_400(portal: Portal) -> None:
    client = portal[1]
    for query, field in [
        ("day=Funday", "day"),
        ("start_time=25:00", "start_time"),
        ("end_time=noon", "end_time"),
        ("minimum_age=-1", "minimum_age"),
        ("maximum_age=eighteen", "maximum_age"),
        ("taxonomy_term_id=not-an-id", "taxonomy_term_id"),
        ("postcode=ZZ99 9ZZ", "postcode"),
        ("postcode=<script>", "postcode"),
        ("proximity=1000", "proximity"),
        ("postcode=CW1 2DH&proximity=-5", "proximity"),
        ("postcode=CW1 2DH&proximity=far", "proximity"),
        ("page=1&page=2", "page"),
        ("text=" + "a" * 300, "text"),
    ]:
        data = get(client, f"/api/oruk/services?{query}", 400)
        assert field in data["errors"], query
    assert get(client, "/api/oruk/service_at_locations?day=XX", 400)["errors"]


def test_cors_on_static_files_and_dynamic_answers(portal: Portal) -> None:
    client = portal[1]
    for path in (
        "/api/oruk/services.json",  # the SiteFiles mount, as nginx would send it
        "/api/oruk/index.json",
        "/api/oruk/services",  # pre-rendered, sent by the route
        "/api/oruk/services?page=1",  # from the database
        "/api/oruk/services?day=nope",  # 400
        f"/api/oruk/services/{oruk_id('event', 999999)}",  # 404
        "/api/oruk/services/not-a-uuid",
    ):
        response = client.get(path)
        assert response.status_code < 500
        assert response.headers["access-control-allow-origin"] == "*", path
    gz = client.get("/api/oruk/services", headers={"accept-encoding": "gzip"})
    assert gz.headers["access-control-allow-origin"] == "*"
    # Other files of site/ are not open to other origins.
    assert "access-control-allow-origin" not in client.get("/").headers


def test_nginx_sends_the_header_on_the_feed_files() -> None:
    from pafinder.nodes.nginx import render

    config = render([], [])
    block = config.split('location ~ "^/api/oruk/" {', 1)[1].split("}", 1)[0]
    assert 'add_header Access-Control-Allow-Origin "*" always;' in block
    assert "try_files $uri @nodes;" in block


HOSTILE = [
    "x" * 30_000,  # near the longest query the HTTP client will send
    "<script>alert(1)</script>",
    "😀🙂",
    "١٢",  # Arabic-Indic digits
    "\uff11",  # a full-width digit one
    "1e9",
    "99999999999999999999",
    "-0",
    "0x10",
    " 1 ",
    "%00",
    "\u202e",
    "../../etc/passwd",
    "null",
    "[]",
]


@pytest.mark.parametrize(
    "name",
    [
        "text",
        "search",
        "page",
        "per_page",
        "taxonomy_term_id",
        "taxonomy_id",
        "day",
        "start_time",
        "end_time",
        "minimum_age",
        "maximum_age",
        "postcode",
    ],
)
def test_no_500_for_hostile_parameters(portal: Portal, name: str) -> None:
    client = portal[1]
    for kind in ("services", "service_at_locations", "taxonomy_terms"):
        for value in HOSTILE:
            response = client.get(f"/api/oruk/{kind}", params={name: value})
            assert response.status_code in (200, 400), (kind, name, value[:20])
            assert response.headers["access-control-allow-origin"] == "*"
            response.json()
        repeated = client.get(f"/api/oruk/{kind}", params=[(name, "1"), (name, "2")])
        assert repeated.status_code in (200, 400)


def test_no_500_for_hostile_ids(portal: Portal) -> None:
    client = portal[1]
    for kind in ("services", "service_at_locations", "taxonomies", "taxonomy_terms"):
        for value in ("x" * 5000, "%3Cscript%3E", "😀", "a..b", oruk_id("x").upper()):
            response = client.get(f"/api/oruk/{kind}/{value}")
            assert response.status_code == 404, (kind, value[:20])
            assert response.headers["access-control-allow-origin"] == "*"


def test_the_openapi_fragment_describes_every_feed_route() -> None:
    """pafinder.oruk.openapi.paths() in the portal's /api/openapi.json: valid OpenAPI 3.1 and
    every /api/oruk route described."""
    from openapi_spec_validator import validate

    from pafinder.content import load_content
    from pafinder.oruk.openapi import paths
    from pafinder.oruk.routes import routes
    from pafinder.web.openapi import openapi_document
    from tests.conftest import REAL_CONTENT

    document = openapi_document(load_content(REAL_CONTENT))
    document["paths"].update(paths())
    validate(document)
    assert {r.path for r in routes} == {p for p in document["paths"] if p.startswith("/api/oruk")}
