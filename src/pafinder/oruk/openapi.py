"""The feed's routes as OpenAPI 3.1 path items, for the portal's /api/openapi.json
(pafinder.web.openapi adds ``paths()``). Self-contained: the records themselves follow the
Open Referral UK profile's schemas, which the root answer's ``openapi_url`` points to."""

from __future__ import annotations

from typing import Any

from pafinder.oruk.query import MAX_PAGE, MAX_PER_PAGE

JSON = "application/json"
CORS = {"Access-Control-Allow-Origin": {"schema": {"type": "string", "const": "*"}}}
RECORD = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
ERRORS = {
    "type": "object",
    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
    "required": ["errors"],
}
PAGE = {
    "type": "object",
    "properties": {
        "total_items": {"type": "integer"},
        "total_pages": {"type": "integer"},
        "page_number": {"type": "integer"},
        "size": {"type": "integer"},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
        "contents": {"type": "array", "items": RECORD},
    },
    "required": [
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    ],
}
TEXT = {"type": "string"}
FILTERS = [
    ("text", "Words that must all be in the name or description", TEXT),
    ("search", "The same as text (the profile's name for it)", TEXT),
    ("taxonomy_term_id", "Only services with this term (an id from /taxonomy_terms)", TEXT),
    ("taxonomy_id", "Only services with a term of this taxonomy", TEXT),
    ("day", "Only services with a session on this day: MO to SU, or its English name", TEXT),
    ("start_time", "Only sessions starting at or after this time (HH:MM or HH:MM:SS)", TEXT),
    ("end_time", "Only sessions ending at or before this time (HH:MM or HH:MM:SS)", TEXT),
    ("minimum_age", "Only services whose minimum age is at least this", {"type": "number"}),
    ("maximum_age", "Only services whose maximum age is at most this", {"type": "number"}),
    ("postcode", "Only services covering this postcode or district (GB)", TEXT),
    ("proximity", "With postcode: only places within this many metres of it", TEXT),
]


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "headers": CORS, "content": {JSON: {"schema": schema}}}


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


PAGING = [
    _param("page", "Page number", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    _param("per_page", "Items a page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
]


def _listing(name: str, filters: bool) -> dict[str, Any]:
    params = PAGING + ([_param(*f) for f in FILTERS] if filters else [])
    return {
        "get": {
            "operationId": f"oruk_list_{name}",
            "summary": f"Open Referral UK: a page of {name.replace('_', ' ')}",
            "parameters": params,
            "responses": {
                "200": _answer("a page (the profile's Page)", PAGE),
                "400": _answer("a bad parameter", ERRORS),
            },
        }
    }


def _one(name: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": f"oruk_get_{name}",
            "summary": f"Open Referral UK: one of the {name.replace('_', ' ')}",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": TEXT}],
            "responses": {
                "200": _answer("the record, fully nested", RECORD),
                "404": _answer("not in the feed", ERRORS),
            },
        }
    }


def _root(operation_id: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": "Open Referral UK: the HSDS version and profile of this feed",
            "responses": {
                "200": _answer(
                    "the profile's root answer",
                    {
                        "type": "object",
                        "properties": {
                            "version": TEXT,
                            "profile": TEXT,
                            "openapi_url": TEXT,
                        },
                        "required": ["version", "profile", "openapi_url"],
                    },
                )
            },
        }
    }


def paths() -> dict[str, Any]:
    found: dict[str, Any] = {
        "/api/oruk": _root("oruk_root"),
        "/api/oruk/": _root("oruk_root_slash"),
    }
    for name, filters in (
        ("services", True),
        ("service_at_locations", True),
        ("taxonomies", False),
        ("taxonomy_terms", False),
    ):
        found[f"/api/oruk/{name}"] = _listing(name, filters)
        found[f"/api/oruk/{name}/{{id}}"] = _one(name)
    return found
