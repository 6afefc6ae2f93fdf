"""The profile's own examples validate with our helper, and a broken copy of each does not:
proof that the validator used on our feed really checks something."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.oruk.validate import errors, page_errors

LOCAL = Path(__file__).resolve().parent / "examples"
ONES = {
    "service_full.json": "service.json",
    "service_at_location_full.json": "service_at_location.json",
    "taxonomy.json": "taxonomy.json",
    "taxonomy_term.json": "taxonomy_term.json",
}
PAGES = {
    "service_list.json": "service_list.json",
    "service_at_location_list.json": "service_at_location_list.json",
    "taxonomy_list.json": "taxonomy.json",
    "taxonomy_term_list.json": "taxonomy_term.json",
}


def example(name: str) -> Any:
    return json.loads((LOCAL / name).read_text())


@pytest.mark.parametrize("name", sorted(ONES))
def test_each_example_record_validates(name: str) -> None:
    assert errors(example(name), ONES[name]) == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_example_page_validates(name: str) -> None:
    assert page_errors(example(name), PAGES[name]) == []


@pytest.mark.parametrize("name", sorted(ONES))
def test_a_broken_example_is_refused(name: str) -> None:
    data = example(name)
    broken = copy.deepcopy(data)
    del broken["id"]
    assert errors(broken, ONES[name])
    wrong = copy.deepcopy(data)
    wrong["id"] = "not-a-uuid"
    assert any("uuid" in e for e in errors(wrong, ONES[name]))


def test_a_broken_nested_record_and_page_are_refused() -> None:
    service = example("service_full.json")
    service["schedules"][0]["freq"] = "FORTNIGHTLY"
    service["service_at_locations"][0]["location"]["addresses"][0].pop("postal_code")
    found = errors(service, "service.json")
    assert any("FORTNIGHTLY" in e for e in found) and any("postal_code" in e for e in found)
    listing = example("service_list.json")
    del listing["total_pages"]
    listing["contents"][0]["status"] = "open"
    found = page_errors(listing, "service_list.json")
    assert any("total_pages" in e for e in found) and any("open" in e for e in found)
