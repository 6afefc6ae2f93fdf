"""GET /api/jobs as an OpenAPI 3.1 path item, for the portal's /api/openapi.json
(pafinder.web.openapi adds ``paths(content)``). Self-contained, so the jobs feature keeps its
description beside its route; the slugs are the deployment's own."""

from __future__ import annotations

from typing import Any

from pafinder.content import Content
from pafinder.jobs.find.search import ALL_OF, ANY_OF, HOURS_BANDS, MAX_PER_PAGE, WITHIN_MILES
from pafinder.jobs.public import KEYS
from pafinder.register.tables import DBS_LEVELS

JSON = "application/json"


def _list_param(name: str, description: str, values: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": {"type": "string", "enum": values}},
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


def job_schema() -> dict[str, Any]:
    strings = {"type": "array", "items": {"type": "string"}}
    properties: dict[str, Any] = {
        "ref": {"type": "string"},
        "title": {"type": "string"},
        "areas": strings,
        "tasks": strings,
        "availability": strings,
        "hours_per_week": {"type": "integer", "minimum": 0},
        "pay_per_hour": {
            "type": "string",
            "pattern": "^[0-9]+\\.[0-9]{2}$",
            "description": 'pounds an hour, two decimals ("13.50")',
        },
        "gender_requirement": {"type": "string", "enum": ["", "man", "woman"]},
        "dbs": {"type": "string", "enum": list(DBS_LEVELS)},
        "driving": {"type": "boolean"},
        "starts": {"type": "string", "format": "date"},
        "closes": {"type": "string", "format": "date"},
        "summary": {"type": "string"},
        "distance_miles": {
            "type": ["number", "null"],
            "minimum": 0,
            "description": "with `postcode` only: miles between postcode-sector centroids, one "
            "decimal; null when the advert's own district is not known",
        },
    }
    return {
        "type": "object",
        "description": "an open advert's public view: never the employer's name, address, "
        "email, phone or full postcode",
        "properties": properties,
        "required": list(KEYS),
        "additionalProperties": False,
    }


def parameters(content: Content) -> list[dict[str, Any]]:
    params = [
        _list_param(name, "any of these", list(content.labels(tax))) for name, tax in ANY_OF.items()
    ]
    params += [
        _list_param(name, "all of these", list(content.labels(tax))) for name, tax in ALL_OF.items()
    ]
    params.append(_list_param("hours", "hours a week, any of these bands", list(HOURS_BANDS)))
    params.append(
        _query(
            "postcode",
            "a full UK postcode or a district (SK11 6AB, SK11): results gain distance_miles and "
            "come nearest first",
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
            "adverts a page (default 20)",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        )
    )
    return params


def paths(content: Content) -> dict[str, Any]:
    errors = {
        "type": "object",
        "description": "a bad parameter: {parameter: message}",
        "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
        "required": ["errors"],
        "additionalProperties": False,
    }
    no_store = {"Cache-Control": {"schema": {"type": "string", "const": "no-store"}}}
    return {
        "/api/jobs": {
            "get": {
                "operationId": "listJobs",
                "summary": "The open job adverts (published, closing date not passed)",
                "description": "A parameter may repeat. Unknown parameters are ignored. Most "
                "recently published first; nearest first with `postcode`.",
                "parameters": parameters(content),
                "responses": {
                    "200": {
                        "description": "a page of open adverts",
                        "content": {JSON: {"schema": {"type": "array", "items": job_schema()}}},
                        "headers": no_store,
                    },
                    "400": {
                        "description": "a bad parameter",
                        "content": {JSON: {"schema": errors}},
                    },
                },
            }
        }
    }
