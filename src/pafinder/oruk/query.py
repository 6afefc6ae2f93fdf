"""The UK profile's query parameters: parsed strictly (a bad value is a 400 with a message,
never a 500 and never silently ignored), then applied to the feed's services, then paged."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from starlette.datastructures import QueryParams

from pafinder import geo

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 100_000
MAX_TEXT = 200
DAYS = {
    "MO": "MO", "MON": "MO", "MONDAY": "MO",
    "TU": "TU", "TUE": "TU", "TUESDAY": "TU",
    "WE": "WE", "WED": "WE", "WEDNESDAY": "WE",
    "TH": "TH", "THU": "TH", "THURSDAY": "TH",
    "FR": "FR", "FRI": "FR", "FRIDAY": "FR",
    "SA": "SA", "SAT": "SA", "SATURDAY": "SA",
    "SU": "SU", "SUN": "SU", "SUNDAY": "SU",
}  # fmt: skip
_INT = re.compile(r"[0-9]{1,9}")  # ASCII digits only
_AGE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,2})?")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_PROXIMITY = 1_000_000  # metres: a postcode anywhere in Great Britain is within this
METRES_PER_MILE = 1609.344
_METRES = re.compile(r"[0-9]{1,7}(?:\.[0-9]{1,3})?")
SERVICE_FILTERS = (
    "text",
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "day",
    "start_time",
    "end_time",
    "minimum_age",
    "maximum_age",
)


@dataclass(frozen=True)
class Query:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    words: tuple[str, ...] = ()
    term_id: str = ""
    taxonomy_id: str = ""
    day: str = ""
    start_time: time | None = None
    end_time: time | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    origin: geo.Place | None = None  # the postcode's sector centroid
    proximity: float | None = None  # metres from the origin
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        return bool(
            self.words
            or self.term_id
            or self.taxonomy_id
            or self.day
            or self.start_time
            or self.end_time
            or self.minimum_age is not None
            or self.maximum_age is not None
            or self.origin is not None
        )


def _one(params: QueryParams, name: str, errors: dict[str, str]) -> str:
    values = params.getlist(name)
    if len(values) > 1:
        errors[name] = f"Give {name} once"
        return ""
    return values[0].strip() if values else ""


def parse(params: QueryParams, filters: bool = True) -> Query:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def integer(name: str, low: int, high: int, default: int) -> int:
        raw = _one(params, name, errors)
        if not raw:
            return default
        if not _INT.fullmatch(raw) or not low <= int(raw) <= high:
            errors[name] = f"{name} must be a whole number from {low} to {high}"
            return default
        return int(raw)

    def clock(name: str) -> time | None:
        raw = _one(params, name, errors)
        if not raw:
            return None
        match = _TIME.fullmatch(raw)
        if not match or int(match[1]) > 23 or int(match[2]) > 59 or int(match[3] or 0) > 59:
            errors[name] = f"{name} must be a time such as 09:30 or 09:30:00"
            return None
        return time(int(match[1]), int(match[2]), int(match[3] or 0))

    def age(name: str) -> float | None:
        raw = _one(params, name, errors)
        if not raw:
            return None
        if not _AGE.fullmatch(raw):
            errors[name] = f"{name} must be an age in years, such as 18"
            return None
        return float(raw)

    def uuid(name: str) -> str:
        raw = _one(params, name, errors).lower()
        if raw and not _UUID.fullmatch(raw):
            errors[name] = f"{name} must be an id from this feed"
            return ""
        return raw

    page = integer("page", 1, MAX_PAGE, 1)
    per_page = integer("per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE)
    if filters:
        text = " ".join(
            v for v in (_one(params, "text", errors), _one(params, "search", errors)) if v
        )
        if len(text) > MAX_TEXT:
            errors["text"] = f"text must be {MAX_TEXT} characters or fewer"
            text = ""
        values["words"] = tuple(text.casefold().split())
        values["term_id"] = uuid("taxonomy_term_id")
        values["taxonomy_id"] = uuid("taxonomy_id")
        day = _one(params, "day", errors)
        if day and day.upper() not in DAYS:
            errors["day"] = "day must be a day of the week, such as MO or Monday"
        values["day"] = DAYS.get(day.upper(), "") if day else ""
        values["start_time"], values["end_time"] = clock("start_time"), clock("end_time")
        values["minimum_age"], values["maximum_age"] = age("minimum_age"), age("maximum_age")
        values["origin"], values["proximity"] = _place(params, errors)
    return Query(page=page, per_page=per_page, errors=errors, **values)


def _place(params: QueryParams, errors: dict[str, str]) -> tuple[geo.Place | None, float | None]:
    """postcode (a full postcode or a district) and proximity (metres from its centroid)."""
    postcode = _one(params, "postcode", errors)[:20]
    raw = _one(params, "proximity", errors)
    origin = geo.table().place(postcode) if postcode else None
    if postcode and origin is None:
        errors["postcode"] = (
            "postcode must be a postcode or district in Great Britain, like DE1 1ZZ"
        )
    proximity = None
    if raw:
        if not _METRES.fullmatch(raw) or not 0 < float(raw) <= MAX_PROXIMITY:
            errors["proximity"] = f"proximity must be a distance in metres up to {MAX_PROXIMITY}"
        elif not postcode:
            errors["proximity"] = "Give a postcode to measure the proximity from"
        else:
            proximity = float(raw)
    return origin, proximity


def _near(service: dict[str, Any], query: Query) -> bool:
    """A place of the service within ``proximity`` metres (services with no place have no
    distance, so they are left out)."""
    if query.origin is None or query.proximity is None:
        return True
    for sal in service["service_at_locations"]:
        place = sal["location"]
        if "latitude" in place and "longitude" in place:
            point = geo.Point(place["latitude"], place["longitude"])
            if geo.miles(query.origin.point, point) * METRES_PER_MILE <= query.proximity:
                return True
    return False


def _times(service: dict[str, Any], name: str) -> list[time]:
    return [time.fromisoformat(s[name]) for s in service["schedules"] if s.get(name)]


def _days(service: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for s in service["schedules"]:
        for part in str(s.get("byday") or "").split(","):
            if part:
                found.add(part[-2:])
    return found


def _term_ids(service: dict[str, Any]) -> list[dict[str, Any]]:
    terms = [a["taxonomy_term"] for a in service["attributes"]]
    for sal in service["service_at_locations"]:
        for access in sal["location"].get("accessibility", []):
            terms += [a["taxonomy_term"] for a in access.get("attributes", [])]
    return terms


def matches(service: dict[str, Any], query: Query, districts: frozenset[str] = frozenset()) -> bool:
    """The profile's filters (docs/oruk.md says how each is read). ``districts``: the postcode
    districts the service covers, if it says."""
    if query.origin is not None:
        district = query.origin.code.split(" ")[0]
        if districts and district not in districts:
            return False
        if not _near(service, query):
            return False
    if query.words:
        text = f"{service['name']} {service.get('description', '')}".casefold()
        if not all(w in text for w in query.words):
            return False
    terms = _term_ids(service)
    if query.term_id and query.term_id not in {t["id"] for t in terms}:
        return False
    if query.taxonomy_id and query.taxonomy_id not in {t.get("taxonomy_id") for t in terms}:
        return False
    if query.day and query.day not in _days(service):
        return False
    if query.start_time and not any(t >= query.start_time for t in _times(service, "opens_at")):
        return False
    if query.end_time and not any(t <= query.end_time for t in _times(service, "closes_at")):
        return False
    # "A minimum age of at least" the value; a service without one starts at 0.
    if query.minimum_age is not None and service.get("minimum_age", 0) < query.minimum_age:
        return False
    # "A maximum age equal to or below" the value; a service without one has no upper limit.
    return query.maximum_age is None or service.get("maximum_age", math.inf) <= query.maximum_age


def page(items: list[Any], query: Query) -> dict[str, Any]:
    """The profile's Page: a page past the end is empty (not an error), like an empty result."""
    total = len(items)
    pages = max(1, math.ceil(total / query.per_page))
    start = (query.page - 1) * query.per_page
    contents = items[start : start + query.per_page]
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": query.page,
        "size": len(contents),
        "first_page": query.page == 1,
        "last_page": query.page >= pages,
        "empty": not contents,
        "contents": contents,
    }
