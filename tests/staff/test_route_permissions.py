"""A meta-test over the route table: every /staff/ route other than sign-in refuses anonymous
requests, and carries @staff_required so the rule cannot be forgotten; every route that reaches
referrals refuses a member who does not work on the referral's service."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Route

from pafinder.app import all_routes, create_app
from pafinder.db import make_engine
from pafinder.referrals import store as referral_store
from pafinder.staff import store as staff_store
from tests.complaints.helpers import make_item
from tests.conftest import PageClient, add_staff, sign_in
from tests.referrals.helpers import hidden, make_referral, portal

PUBLIC_STAFF_PATHS = {"/staff/sign-in"}


def staff_routes() -> list[Route]:
    routes = [r for r in all_routes() if isinstance(r, Route) and r.path.startswith("/staff")]
    assert routes, "expected staff routes"
    return routes


def test_every_staff_route_is_guarded() -> None:
    unguarded = [
        r.path
        for r in staff_routes()
        if r.path not in PUBLIC_STAFF_PATHS and not hasattr(r.endpoint, "required_role")
    ]
    assert not unguarded, f"add @staff_required() to: {unguarded}"


def test_every_staff_route_refuses_anonymous_requests(client: PageClient) -> None:
    for route in staff_routes():
        if route.path in PUBLIC_STAFF_PATHS:
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            if method == "GET":
                response = client.get(path, follow_redirects=False)
            else:
                token = client.csrf("/staff/sign-in")
                response = client.request(
                    method, path, data={"csrftoken": token}, follow_redirects=False
                )
            assert response.status_code in (303, 401, 403), f"{method} {path}"
            if response.status_code == 303:
                assert response.headers["location"].startswith("/staff/sign-in")


def test_urls_are_kebab_case() -> None:
    for route in all_routes():
        path = getattr(route, "path", "")
        static = re.sub(r"\{[^}]+\}", "", path)
        if static.startswith("/api/oruk/"):
            # The Open Referral UK profile fixes these names (service_at_locations, taxonomy_terms).
            static = static.replace("_", "-")
        assert re.fullmatch(r"[a-z0-9/.\-]*", static), f"{path} should be lower-case kebab-case"


# --- Service: every route that reaches referrals refuses another service's (issue 9) -----------

# Routes that take the service from the query string rather than from a referral in the path.
SERVICE_IN_QUERY = {"/staff/referrals", "/staff/exports/referrals.csv", "/staff/complaints"}
# Routes whose records belong to no one service (PA listings, events' own staff pages, the
# staff area itself and accounts), so any signed-in member may use them. A new /staff/ route
# must be placed here or be refused by the checks below: the test fails until it is.
NOT_SERVICE_SCOPED_PREFIXES = (
    "/staff/sign-out",
    "/staff/audit",
    "/staff/accounts",
    "/staff/pas",
    "/staff/events",
    "/staff/newsletter",  # one list for the whole portal: counts and a download, no service
    "/staff/jobs",  # employers' job adverts belong to no one service
    "/staff/feedback",  # the list of the member's own services; /staff/feedback/{slug} is scoped
    "/staff/reports",  # the same for returns; /staff/reports/{slug} (and .csv, .xlsx) is scoped
    "/staff/data-protection",  # admin only: a person's records across the whole portal
    "/staff/format-requests",  # requests for accessible formats belong to no one service
)
# A path parameter naming a service: the route must refuse another service's slug.
SERVICE_PARAMS = ("{slug}", "{service}")


def _service_scoped(route: Route) -> str:
    """'path' (a referral reference in the path), 'slug' (a service in the path), 'query' or ''
    (not scoped)."""
    if route.path.startswith("/staff/referrals/{ref}"):
        return "path"
    if route.path.startswith("/staff/complaints/{ref}"):
        return "complaint"  # a complaint's reference in the path
    if any(param in route.path for param in SERVICE_PARAMS):
        return "slug"
    if route.path in SERVICE_IN_QUERY:
        return "query"
    return ""


def test_every_staff_route_is_service_scoped_or_says_why_not() -> None:
    unplaced = [
        r.path
        for r in staff_routes()
        if r.path not in PUBLIC_STAFF_PATHS
        and r.path != "/staff/"
        and not _service_scoped(r)
        and not r.path.startswith(NOT_SERVICE_SCOPED_PREFIXES)
    ]
    assert not unplaced, f"scope these by service or list them as not scoped: {unplaced}"


def test_every_service_scoped_route_refuses_another_services_records(tmp_path: Path) -> None:
    """A member who works on carers only asks every service-scoped route, with every method,
    for a mentoring referral (or ?service=mentoring): each answers 403 and writes an
    `access.refused` row, and the mentoring referral is untouched."""
    settings = portal(tmp_path)
    add_staff(settings, "carers@example.org", services=("carers",))
    own, other = make_referral(settings), make_referral(settings, slug="mentoring")
    other_complaint = make_item(settings, service="mentoring")
    engine = make_engine(settings.database_url)
    asked = 0
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        sign_in(client, "carers@example.org")
        token = hidden(client.get(f"/staff/referrals/{own}").text, "csrftoken")
        for route in staff_routes():
            scope = _service_scoped(route)
            if not scope:
                continue
            path = route.path.replace("{ref}", other_complaint if scope == "complaint" else other)
            for param in SERVICE_PARAMS:
                path = path.replace(param, "mentoring")
            path = re.sub(r"\{[^}]+\}", "1", path)
            if scope == "query":
                path += "?service=mentoring"
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                data = {"csrftoken": token, "version": "1"} if method != "GET" else None
                response = client.request(method, path, data=data, follow_redirects=False)
                assert response.status_code == 403, f"{method} {path}"
                asked += 1
    refused = [e for e in staff_store.recent_audit(engine, 1000) if e["action"] == "access.refused"]
    assert len(refused) == asked >= 7
    untouched = referral_store.get(engine, other)
    assert untouched is not None and untouched.version == 1 and untouched.status == "received"
