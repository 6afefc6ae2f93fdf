"""A meta-test over the route table: every /staff/ route other than sign-in refuses anonymous
requests, and carries @staff_required so the rule cannot be forgotten."""

from __future__ import annotations

import re

from starlette.routing import Route

from pafinder.app import all_routes
from tests.conftest import PageClient

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
        assert re.fullmatch(r"[a-z0-9/.\-]*", static), f"{path} should be lower-case kebab-case"
