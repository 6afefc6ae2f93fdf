"""`GET /api/openapi.json`: an OpenAPI 3.1 description of every JSON answer the portal gives.

Hand-kept, beside the routes it describes, and written from CONTRACT.md: the parameters, the
answers' shapes and the error answers (400 ``{"errors": {parameter: message}}``, 404
``{"error": message}``). Only the lists that belong to a deployment (its taxonomies, services
and areas) are filled in from its content when the document is served, so a client (and
schemathesis, in tests/test_openapi.py) sees the slugs this portal really accepts. A route that
changes its answer must change this document in the same commit: the test fails otherwise.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pafinder.content import Content
from pafinder.events.models import ACCESS, FORMATS, KINDS
from pafinder.events.views import area_labels, service_labels
from pafinder.register.models import (
    ALL_OF,
    ANY_OF,
    EXTRA_FLAGS,
    FACETS,
    FLAGS,
    HOURS_BANDS,
    MAX_PER_PAGE,
    MAX_QUERY,
    WITHIN_MILES,
)
from pafinder.register.tables import DBS_LEVELS

JSON = "application/json"
# A listing's reference (PA-BCDF23 from imports and seeds, PABCDF23 from the register): letters,
# digits and hyphens, so a reference is always one path segment.
REF_PATTERN = "^[A-Za-z0-9-]{1,40}$"

LISTING_KEYS = (
    "ref",
    "display_name",
    "areas",
    "gender",
    "tasks",
    "client_groups",
    "age_groups",
    "languages",
    "availability",
    "qualifications",
    "dbs",
    "dbs_checked",
    "driving",
    "smoker",
    "experience_years",
    "about",
    "updated",
)
# The CONTRACT's keys of an /api/events entry; the answer carries a few more (below).
EVENT_KEYS = (
    "id",
    "title",
    "kind",
    "service",
    "starts",
    "ends",
    "online",
    "venue",
    "access",
    "capacity",
    "places_left",
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _strings(values: list[str] | None = None) -> dict[str, Any]:
    return {"type": "string", "enum": values} if values else {"type": "string"}


def _list_param(name: str, description: str, values: list[str]) -> dict[str, Any]:
    """A query parameter that may repeat (`area=a&area=b`)."""
    return {
        "name": name,
        "in": "query",
        "description": description,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": _strings(values)},
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _schemas(content: Content) -> dict[str, Any]:
    string_list = {"type": "array", "items": {"type": "string"}}
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    yes_count = {
        "type": "object",
        "properties": {"yes": {"type": "integer", "minimum": 0}},
        "required": ["yes"],
        "additionalProperties": False,
    }
    listing_properties: dict[str, Any] = {
        "ref": {"type": "string"},
        "display_name": {"type": "string", "description": "first name and last initial"},
        "gender": {"type": "string"},
        "dbs": {"type": "string", "enum": list(DBS_LEVELS)},
        "dbs_checked": {"type": "boolean"},
        "driving": {"type": "boolean"},
        "smoker": {"type": "boolean"},
        "experience_years": {"type": "integer", "minimum": 0},
        "about": {"type": "string"},
        "updated": {"type": "string", "format": "date"},
    }
    for key in ("areas", "tasks", "client_groups", "age_groups", "languages", "availability"):
        listing_properties[key] = string_list
    listing_properties["qualifications"] = string_list
    nullable_string = {"type": ["string", "null"]}
    nullable_count = {"type": ["integer", "null"], "minimum": 0}
    event: dict[str, Any] = {
        "type": "object",
        "description": "one upcoming date of an event (a repeating group has one per date)",
        "properties": {
            "id": {"type": "string", "description": "{event id}-{YYYYMMDD} of the date"},
            "title": {"type": "string"},
            "kind": {"type": "string", "enum": list(KINDS)},
            "service": {"type": "string"},
            "starts": {"type": "string", "format": "date-time"},
            "ends": {"type": "string", "format": "date-time"},
            "online": {"type": "boolean"},
            "venue": nullable_string,
            "access": {"type": "array", "items": {"type": "string", "enum": list(ACCESS)}},
            "capacity": nullable_count,
            "places_left": nullable_count,
            "event_id": {"type": "integer"},
            "format": {"type": "string", "enum": list(FORMATS)},
            "venue_name": nullable_string,
            "address": nullable_string,
            "postcode": nullable_string,
            "area": nullable_string,
            "audience": {"type": "string"},
            "cost": {"type": "string"},
            "booking_required": {"type": "boolean"},
            "url": {"type": "string"},
            "ics": {"type": "string"},
        },
        "required": list(EVENT_KEYS),
    }
    listing = {
        "type": "object",
        "description": "a published PA listing's public view: never contact details, "
        "last names, full postcodes or dates of birth",
        "properties": listing_properties,
        "required": list(LISTING_KEYS),
        "additionalProperties": False,
    }
    distance = {
        "type": ["number", "null"],
        "minimum": 0,
        "description": "with `postcode` only: miles between the postcode sectors' centroids, "
        "one decimal; null when the listing's own postcode is not known",
    }
    return {
        "Listing": listing,
        "SearchListing": {
            **listing,
            "properties": {**listing_properties, "distance_miles": distance},
        },
        "SearchResult": {
            "type": "object",
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "results": {"type": "array", "items": _ref("SearchListing")},
                "facets": {
                    "type": "object",
                    "properties": {
                        **{name: counts for name in FACETS},
                        **{flag: yes_count for flag in FLAGS},
                    },
                    "required": [*FACETS, *FLAGS],
                    "additionalProperties": False,
                },
            },
            "required": ["total", "page", "per_page", "results", "facets"],
            "additionalProperties": False,
        },
        "Errors": {
            "type": "object",
            "description": "a bad parameter: {parameter: message}",
            "properties": {
                "errors": {"type": "object", "additionalProperties": {"type": "string"}}
            },
            "required": ["errors"],
            "additionalProperties": False,
        },
        "NotFound": {
            "type": "object",
            "properties": {"error": {"type": "string"}},
            "required": ["error"],
            "additionalProperties": False,
        },
        "Service": {
            "type": "object",
            "properties": {
                "slug": _strings([s.slug for s in content.services]),
                "name": {"type": "string"},
                "respond_within_working_days": {"type": "integer", "minimum": 0},
            },
            "required": ["slug", "name", "respond_within_working_days"],
            "additionalProperties": False,
        },
        "Event": event,
    }


def _pas_parameters(content: Content) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        _query(
            "q",
            "free text over skills, experience, qualifications and about-me (stemmed)",
            {"type": "string", "maxLength": MAX_QUERY},
        )
    ]
    for name, taxonomy in ANY_OF.items():
        params.append(_list_param(name, "any of these", list(content.labels(taxonomy))))
    for name, taxonomy in ALL_OF.items():
        params.append(_list_param(name, "all of these", list(content.labels(taxonomy))))
    params.append(
        _list_param(
            "dbs", "at least this level (enhanced also matches enhanced_barred)", list(DBS_LEVELS)
        )
    )
    for flag in (*FLAGS, *EXTRA_FLAGS):
        params.append(_query(flag, "yes: only listings that do", _strings(["yes", "no"])))
    params.append(
        _query(
            "hours",
            "at least this many hours a week",
            {"type": "string", "enum": [str(b) for b in HOURS_BANDS]},
        )
    )
    params.append(
        _query(
            "postcode",
            "a full UK postcode or a district (SK11 6AB, SK11): results gain distance_miles "
            "and, without q, come nearest first",
            {"type": "string", "maxLength": 20},
        )
    )
    params.append(
        _query(
            "within",
            "miles from `postcode` (which it needs)",
            {"type": "string", "enum": [str(m) for m in WITHIN_MILES]},
        )
    )
    params.append(_query("page", "1-based", {"type": "integer", "minimum": 1, "maximum": 10**9}))
    params.append(
        _query(
            "per_page",
            "results a page (default 20)",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        )
    )
    return params


def _events_parameters(content: Content) -> list[dict[str, Any]]:
    date = {"type": "string", "format": "date"}
    return [
        _query("service", "a service's slug", _strings(list(service_labels(content)))),
        _query("kind", "a kind of event", _strings(list(KINDS))),
        _query("area", "an area's slug", _strings(list(area_labels(content)))),
        _query("format", "in person, online or by phone", _strings(list(FORMATS))),
        _query("from", "from this day (Europe/London), 2000 to 2100", date),
        _query("to", "to this day, included", date),
    ]


def openapi_document(content: Content) -> dict[str, Any]:
    bad = _answer("a bad parameter", _ref("Errors"))
    no_store = {"Cache-Control": {"schema": {"type": "string", "const": "no-store"}}}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": f"{content.site.name} API",
            "version": "1",
            "description": "The portal's JSON answers (CONTRACT.md). All are GET, need no "
            "sign-in and are rate limited only by the front. The Open Referral UK records "
            "under /api/oruk/ follow the profile's own schemas (the openapi_url its root "
            "answers).",
        },
        "paths": {
            "/api/pas": {
                "get": {
                    "operationId": "searchPAs",
                    "summary": "Search the published PA listings",
                    "description": "A parameter may repeat. Unknown parameters are ignored. "
                    "Ordered by relevance with q, otherwise most recently updated first.",
                    "parameters": _pas_parameters(content),
                    "responses": {
                        "200": {
                            **_answer("a page of results with facet counts", _ref("SearchResult")),
                            "headers": no_store,
                        },
                        "400": bad,
                    },
                }
            },
            "/api/pas/{ref}": {
                "get": {
                    "operationId": "getPA",
                    "summary": "One published listing",
                    "parameters": [
                        {
                            "name": "ref",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": REF_PATTERN},
                        }
                    ],
                    "responses": {
                        "200": {**_answer("the listing", _ref("Listing")), "headers": no_store},
                        "404": _answer("no published listing has this reference", _ref("NotFound")),
                    },
                }
            },
            "/api/services": {
                "get": {
                    "operationId": "listServices",
                    "summary": "The services people can be referred to",
                    "responses": {
                        "200": _answer("every service", {"type": "array", "items": _ref("Service")})
                    },
                }
            },
            "/api/events": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "Upcoming event dates",
                    "parameters": _events_parameters(content),
                    "responses": {
                        "200": _answer(
                            "upcoming dates, soonest first",
                            {"type": "array", "items": _ref("Event")},
                        ),
                        "400": bad,
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Whether the database and the search index can be reached",
                    "responses": {
                        "200": _answer(
                            "both reachable",
                            {
                                "type": "object",
                                "properties": {"status": {"const": "ok"}},
                                "required": ["status"],
                                "additionalProperties": False,
                            },
                        ),
                        "503": _answer(
                            "one or both not reachable",
                            {
                                "type": "object",
                                "properties": {
                                    "status": {"const": "error"},
                                    "database": {"type": "boolean"},
                                    "index": {"type": "boolean"},
                                },
                                "required": ["status", "database", "index"],
                                "additionalProperties": False,
                            },
                        ),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": _answer("OpenAPI 3.1", {"type": "object"})},
                }
            },
        },
        "components": {"schemas": _schemas(content)},
    }
    document["paths"].update(_feature_paths(content))
    return document


def _feature_paths(content: Content) -> dict[str, Any]:
    """Path items a feature keeps beside its own routes (the Open Referral UK feed's, the job
    adverts')."""
    from pafinder.jobs.find.openapi import paths as jobs_paths
    from pafinder.oruk.openapi import paths as oruk_paths

    return {**oruk_paths(), **jobs_paths(content)}


async def openapi_json(request: Request) -> Response:
    # Rebuilt on each request: small, and the content it reads is the app's own (no cache to
    # go stale when a deployment's taxonomies change and the app restarts).
    return JSONResponse(openapi_document(request.app.state.content))


routes = [Route("/api/openapi.json", openapi_json)]
