"""Validate ORUK answers against the profile's own schemas (tests/oruk/schemas/, offline).

One helper for our answers and the profile's examples alike, so a validator that accepted
anything would be caught by the examples' check failing to fail (test_examples.py)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).resolve().parent / "schemas"
# The profile's openapi.json components.schemas.Page, with every key required (CONTRACT.md
# names them all).
PAGE = {
    "type": "object",
    "properties": {
        "total_items": {"type": "integer", "minimum": 0},
        "total_pages": {"type": "integer", "minimum": 0},
        "page_number": {"type": "integer", "minimum": 1},
        "size": {"type": "integer", "minimum": 0},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
        "contents": {"type": "array"},
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
# Which item schema each listing's contents follow (the profile's openapi.json).
LISTS = {
    "services": "service_list.json",
    "service_at_locations": "service_at_location_list.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}
ONES = {
    "services": "service.json",
    # openapi.json names compiled/service.json here; the record is a service_at_location.
    "service_at_locations": "service_at_location.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}


def _formats() -> FormatChecker:
    checker = FormatChecker()
    # jsonschema checks "uri" only with an optional package; an absolute URI is what we need.

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and (parts.netloc or parts.path)) and " " not in value

    return checker


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        resource = Resource.from_contents(json.loads(path.read_text()), DRAFT202012)
        resources.append((path.name, resource))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    schema = {"$ref": name}
    return Draft202012Validator(schema, registry=_registry(), format_checker=_formats())


def errors(data: Any, name: str) -> list[str]:
    """Every schema error, as 'path: message' (empty when it validates)."""
    found = validator(name).iter_errors(data)
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in found]


def page_errors(data: Any, item_schema: str) -> list[str]:
    found = [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in Draft202012Validator(PAGE).iter_errors(data)
    ]
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        for i, item in enumerate(data["contents"]):
            found += [f"contents/{i}/{e}" for e in errors(item, item_schema)]
    return found


def _phones(data: Any) -> list[str]:
    """Phones we add to contacts (HSDS 3.0; the profile leaves them out) follow phone.json."""
    found = []
    if isinstance(data, dict):
        for contact in data.get("contacts", []):
            for phone in contact.get("phones", []):
                found += [f"phone: {e}" for e in errors(phone, "phone.json")]
    return found


def assert_valid_page(data: Any, listing: str) -> None:
    problems = page_errors(data, LISTS[listing])
    assert not problems, problems[:10]


def assert_valid_one(data: Any, kind: str) -> None:
    problems = errors(data, ONES[kind]) + _phones(data)
    if kind == "service_at_locations" and isinstance(data, dict):
        problems += _phones(data.get("service"))
    assert not problems, problems[:10]
