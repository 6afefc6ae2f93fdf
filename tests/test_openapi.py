"""/api/openapi.json (issue 12, point 7): a valid OpenAPI 3.1 description of every JSON answer,
true to CONTRACT.md, and schemathesis run against it over real HTTP (uvicorn on a socket, the
sample deployment with its demo data): no 500, and every answer matches the description in its
status code, content type, headers and body.

Bounded and repeatable: 30 examples an operation, derandomized, no example database, so a run
takes seconds and the same inputs are tried each time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis import checks as st_checks
from schemathesis.core.failures import FailureGroup

from pafinder.db import make_engine, migrate
from pafinder.register.models import PublicListing
from tests.conftest import REAL_CONTENT, make_settings, prepare
from tests.live import live_server

# CONTRACT.md "PA search API": each `listing` is the public view with exactly these keys (the
# CONTRACT lives outside the repository, so its words are copied here).
CONTRACT_LISTING_KEYS = (
    *("ref", "display_name", "areas", "gender", "tasks", "client_groups", "age_groups"),
    *("languages", "availability", "qualifications", "dbs", "dbs_checked", "driving"),
    *("smoker", "experience_years", "about", "updated"),
)
EXAMPLES = 30
# What "matches the description" means: the answer's status is one described, its content type
# the described one, its headers and body valid against their schemas, and never a 5xx.
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_headers_conformance,
    st_checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from pafinder.cli import seed_demo_if_empty

    settings = make_settings(tmp_path_factory.mktemp("openapi"), REAL_CONTENT)
    migrate(make_engine(settings.database_url))
    seed_demo_if_empty(settings)  # PA listings, events and services to find
    prepare(settings)
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="module")
def document(api: str) -> dict[str, Any]:
    response = httpx.get(api + "/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    validate(document)  # openapi-spec-validator: raises on anything invalid


def test_the_document_describes_every_json_route(document: dict[str, Any]) -> None:
    """Every route that answers JSON is described (a new one must be added to the document)."""
    from pafinder.app import all_routes

    json_routes = {
        r.path  # type: ignore[attr-defined]
        for r in all_routes()
        if getattr(r, "path", "").startswith("/api/") or getattr(r, "path", "") == "/healthz"
    }
    assert json_routes <= set(document["paths"]), json_routes - set(document["paths"])


def test_the_document_keeps_the_contract(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    # The listing: exactly the CONTRACT's keys, which are exactly the public model's fields.
    keys = CONTRACT_LISTING_KEYS
    assert set(schemas["Listing"]["required"]) == set(keys) == set(PublicListing.model_fields)
    assert schemas["Listing"]["additionalProperties"] is False
    # The search answer and its facets.
    result = schemas["SearchResult"]
    assert result["required"] == ["total", "page", "per_page", "results", "facets"]
    facets = set(result["properties"]["facets"]["required"])
    assert facets == {
        "area", "gender", "task", "client_group", "age_group", "language", "availability",
        "dbs", "dbs_checked", "driving", "non_smoker",
    }  # fmt: skip
    # Every CONTRACT query parameter of /api/pas, each repeatable filter as an array.
    params = {p["name"]: p for p in document["paths"]["/api/pas"]["get"]["parameters"]}
    for name in ("q", "area", "gender", "task", "client_group", "age_group", "language",
                 "availability", "dbs", "dbs_checked", "driving", "non_smoker", "page",
                 "per_page"):  # fmt: skip
        assert name in params, name
    for name in ("area", "gender", "task", "client_group", "age_group", "language"):
        assert params[name]["schema"]["type"] == "array"
    assert params["per_page"]["schema"]["maximum"] == 100
    assert params["dbs"]["schema"]["items"]["enum"] == [
        "none", "basic", "standard", "enhanced", "enhanced_barred",
    ]  # fmt: skip
    # The error answers.
    pas = document["paths"]["/api/pas"]["get"]["responses"]
    assert pas["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Errors"
    }
    assert "404" in document["paths"]["/api/pas/{ref}"]["get"]["responses"]
    # Services and events.
    assert set(schemas["Service"]["required"]) == {"slug", "name", "respond_within_working_days"}
    assert set(schemas["Event"]["required"]) == {
        "id", "title", "kind", "service", "starts", "ends", "online", "venue", "access",
        "capacity", "places_left",
    }  # fmt: skip


def _run(api: str, mode: schemathesis.GenerationMode, checks: list[Any]) -> Counter[str]:
    """Every operation, EXAMPLES examples each; the statuses seen, as 'GET /path 200'."""
    schema = schemathesis.openapi.from_url(api + "/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every operation but the document itself (schemathesis leaves out the schema's own URL).
    assert {o.path for o in operations} == set(schema.raw_schema["paths"]) - {"/api/openapi.json"}
    failures: list[str] = []
    seen: Counter[str] = Counter()
    for operation in operations:
        if mode is schemathesis.GenerationMode.NEGATIVE and not operation.definition.raw.get(
            "parameters"
        ):
            continue  # nothing to send that the description forbids

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: schemathesis.Case) -> None:
            response = case.call(base_url=api)
            seen[f"{operation.label} {response.status_code}"] += 1
            try:
                case.validate_response(response, checks=checks)
            except FailureGroup as exc:  # every failing example is listed, not just the first
                failures.append(f"{operation.label}: {response.request.url}\n{exc}")

        try:
            call()
        except Unsatisfiable:
            # Negative mode on an operation whose parameters take any string: nothing it sends
            # can be outside the description, so there is nothing to try.
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
    assert not failures, "\n\n".join(failures[:10])
    return seen


def test_schemathesis_finds_no_500_and_no_answer_off_the_description(api: str) -> None:
    seen = _run(api, schemathesis.GenerationMode.POSITIVE, CHECKS)
    # It really searched (the generated values are the deployment's own slugs) and looked up.
    assert seen["GET /api/pas 200"] > EXAMPLES / 2, seen
    assert seen["GET /api/pas/{ref} 404"] and seen["GET /api/events 200"], seen


def test_schemathesis_with_values_the_description_forbids(api: str) -> None:
    """Negative mode: values outside the description (wrong types, unknown slugs). The API may
    refuse them or, where a parameter is only ignored, answer; it must never fail or answer
    off the description."""
    seen = _run(api, schemathesis.GenerationMode.NEGATIVE, CHECKS)
    assert seen["GET /api/pas 400"] and seen["GET /api/events 400"], seen


def test_a_real_listing_and_a_real_search_match_the_description(api: str) -> None:
    """Random refs only find 404s: the real ones of the demo data, through the description."""
    schema = schemathesis.openapi.from_url(api + "/api/openapi.json")
    search = schema["/api/pas"]["GET"]
    one = schema["/api/pas/{ref}"]["GET"]
    case = search.Case(query={"per_page": 5, "dbs": ["basic"]})
    response = case.call(base_url=api)
    case.validate_response(response, checks=CHECKS)
    results = response.json()["results"]
    assert results, "the demo data has listings"
    for listing in results:
        case = one.Case(path_parameters={"ref": listing["ref"]})
        answer = case.call(base_url=api)
        assert answer.status_code == 200
        case.validate_response(answer, checks=CHECKS)
    events = schema["/api/events"]["GET"]
    for query in ({}, {"format": "online"}):
        case = events.Case(query=query)
        answer = case.call(base_url=api)
        case.validate_response(answer, checks=CHECKS)
        assert answer.status_code == 200
