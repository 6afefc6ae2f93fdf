"""What the public pages, the feed and the API show of events: upcoming occurrences, filters,
labels and places left. Shared by the static renderer (publish.py) and the dynamic routes, so a
filtered page from the database and the pre-rendered page are the same template and data."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pafinder.content import Content
from pafinder.events.ical import location
from pafinder.events.models import ACCESS, DERBY_AREAS, FORMATS, KINDS, parse_date_parts
from pafinder.events.recurrence import LONDON, Event, Occurrence, occurrences
from pafinder.web.params import DAY_RANGE_MESSAGE, MAX_DAY, MIN_DAY, DayOutOfRange, parse_day

# The listing shows three months; the API, the per-date .ics files and event pages six.
LISTING_DAYS = 92
HORIZON_DAYS = 183
MAX_RANGE_DAYS = 366
# The select filters, each named as the Event attribute it compares.
CHOICE_FILTERS = ("service", "kind", "area", "format")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
# Typed date parts are shown back as typed, but a stranger's megabyte is not.
PART_LIMIT = 20
PARTS = ("day", "month", "year")


def now_utc() -> datetime:
    return datetime.now(UTC)


def area_labels(content: Content) -> dict[str, str]:
    """Cheshire East towns from the areas taxonomy, then Derby's areas (events-local list)."""
    labels = {slug: f"{label} (Cheshire East)" for slug, label in content.labels("areas").items()}
    labels.update({slug: f"{label} (Derby)" for slug, label in DERBY_AREAS.items()})
    return labels


def service_labels(content: Content) -> dict[str, str]:
    return {s.slug: s.name for s in content.services}


@dataclass(frozen=True)
class Filters:
    service: str = ""
    kind: str = ""
    area: str = ""
    format: str = ""
    date_from: date | None = None
    date_to: date | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # The page: the first day of a month (None: the month of the first matching date).
    month: date | None = None
    # The GOV.UK date inputs' day, month and year, as typed (or from an ISO from/to).
    from_parts: tuple[str, str, str] = ("", "", "")
    to_parts: tuple[str, str, str] = ("", "", "")

    @property
    def any(self) -> bool:
        return bool(
            self.service or self.kind or self.area or self.format or self.date_from or self.date_to
        )


def parse_filters(params: Any, content: Content) -> Filters:
    """Query parameters -> Filters; unknown values are reported, never silently widened."""
    errors: dict[str, str] = {}

    def choice(name: str, allowed: Iterable[str], message: str) -> str:
        value = str(params.get(name, "") or "").strip()
        if value and value not in set(allowed):
            errors[name] = message
            return ""
        return value

    parts: dict[str, tuple[str, str, str]] = {}

    def day(name: str) -> date | None:
        """The ISO parameter (links, old bookmarks) or else the GOV.UK date input's parts."""
        value = str(params.get(name, "") or "").strip()
        typed = tuple(str(params.get(f"{name}-{p}", "") or "").strip()[:PART_LIMIT] for p in PARTS)
        parts[name] = (typed[0], typed[1], typed[2])
        if not value:
            joined = parse_date_parts(
                {f"{name}-{p}": v for p, v in zip(PARTS, typed, strict=True)}, name
            )
            if joined == "invalid":
                errors[name] = "Enter a real date between 2000 and 2100, for example 17 11 2026"
                return None
            value = joined
            if not value:
                return None
        try:
            # Bounded (2000 to 2100), so the window's date arithmetic cannot overflow.
            found = parse_day(value)
        except DayOutOfRange:
            errors[name] = DAY_RANGE_MESSAGE
            return None
        except ValueError:
            errors[name] = "Enter a real date, for example 2026-11-17"
            return None
        parts[name] = (str(found.day), str(found.month), str(found.year))
        return found

    service = choice("service", service_labels(content), "Select a service from the list")
    kind = choice("kind", KINDS, "Select a kind of event from the list")
    area = choice("area", area_labels(content), "Select an area from the list")
    fmt = choice("format", FORMATS, "Select in person, online or by phone")
    date_from, date_to = day("from"), day("to")
    if date_from and date_to and date_to < date_from:
        errors["to"] = "The end date must be the same as or after the start date"
    return Filters(
        service=service,
        kind=kind,
        area=area,
        format=fmt,
        date_from=date_from,
        date_to=date_to,
        errors=errors,
        month=parse_month(params.get("month")),
        from_parts=parts["from"],
        to_parts=parts["to"],
    )


def parse_month(raw: object) -> date | None:
    """'YYYY-MM' -> its first day. Anything else is None: the page falls back to the month of
    the first matching date, so a mangled link still shows events (a month is not a filter)."""
    match = _MONTH.fullmatch(raw) if isinstance(raw, str) else None
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (MIN_DAY.year <= year <= MAX_DAY.year and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def query(filters: Filters, **extra: str) -> dict[str, str]:
    """The filters as canonical query parameters (ISO dates), for links that keep them."""
    values = {name: getattr(filters, name) for name in CHOICE_FILTERS}
    values["from"] = filters.date_from.isoformat() if filters.date_from else ""
    values["to"] = filters.date_to.isoformat() if filters.date_to else ""
    values.update(extra)
    return {k: v for k, v in values.items() if v}


def window(
    filters: Filters, now: datetime, default_days: int = LISTING_DAYS
) -> tuple[datetime, datetime]:
    """(after, before) in UTC for the filters' date range, never before now."""
    start = now
    if filters.date_from:
        start = max(now, datetime.combine(filters.date_from, datetime.min.time(), LONDON))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time(), LONDON)
    else:
        end = start + timedelta(days=default_days)
    end = min(end, now + timedelta(days=MAX_RANGE_DAYS))
    return start.astimezone(UTC), end.astimezone(UTC)


def upcoming(
    events: Iterable[Event], after: datetime, before: datetime, filters: Filters | None = None
) -> list[Occurrence]:
    found: list[Occurrence] = []
    f = filters or Filters()
    for event in events:
        if event.status != "published":
            continue
        if f.service and event.service != f.service:
            continue
        if f.kind and event.kind != f.kind:
            continue
        if f.area and event.area != f.area:
            continue
        if f.format and event.format != f.format:
            continue
        found.extend(occurrences(event, after, before))
    return sorted(found, key=lambda o: (o.starts, o.event.title, o.event.id))


def places_left(occ: Occurrence, counts: Counter[tuple[int, date]]) -> int | None:
    """None when people do not book (just come along) or there is no limit."""
    event = occ.event
    if not event.booking_required or event.capacity is None:
        return None
    return max(0, event.capacity - counts[(event.id, occ.original_date)])


def place_text(event: Event, areas: dict[str, str]) -> str:
    if event.format == "online":
        return "Online"
    if event.format == "phone":
        return "By phone"
    parts = [event.venue_name, event.postcode]
    return ", ".join(p for p in parts if p)


def row(occ: Occurrence, counts: Counter[tuple[int, date]], content: Content) -> dict[str, Any]:
    """One occurrence as the listing and event page show it."""
    event = occ.event
    left = places_left(occ, counts)
    areas = area_labels(content)
    return {
        "id": occ.id,
        "event": event,
        "starts": occ.starts,
        "ends": occ.ends,
        "moved": occ.moved,
        "day": occ.starts.date(),
        "kind": KINDS.get(event.kind, event.kind),
        "service": service_labels(content).get(event.service, event.service),
        "format": FORMATS.get(event.format, event.format),
        "place": place_text(event, areas),
        "area": areas.get(event.area, ""),
        "access": [ACCESS[a] for a in event.access if a in ACCESS],
        "cost": "Free" if event.cost == "free" else event.cost_text,
        "places_left": left,
        "full": left == 0,
        "bookable": event.booking_required,
    }


def api_entry(
    occ: Occurrence, counts: Counter[tuple[int, date]], content: Content, base_url: str
) -> dict[str, Any]:
    """CONTRACT: id, title, kind, service, starts, ends, online, venue, access, capacity,
    places_left (+ extra keys). One entry per upcoming OCCURRENCE; ``id`` is
    '{event id}-{YYYYMMDD}' (the original date) and /events/{id}.ics is that date's calendar."""
    event = occ.event
    in_person = event.format == "in-person"
    return {
        "id": occ.id,
        "title": event.title,
        "kind": event.kind,
        "service": event.service,
        "starts": occ.starts.isoformat(),
        "ends": occ.ends.isoformat(),
        "online": event.format == "online",
        "venue": location(event) if in_person else None,
        "access": list(event.access),
        "capacity": event.capacity if event.booking_required else None,
        "places_left": places_left(occ, counts),
        "event_id": event.id,
        "format": event.format,
        "venue_name": event.venue_name if in_person else None,
        "address": event.address if in_person else None,
        "postcode": event.postcode if in_person else None,
        "area": event.area or None,
        "audience": event.audience,
        "cost": "free" if event.cost == "free" else event.cost_text,
        "booking_required": event.booking_required,
        "url": f"{base_url}/events/{event.id}/",
        "ics": f"{base_url}/events/{occ.id}.ics",
    }


def group_by_day(rows: list[dict[str, Any]]) -> list[tuple[date, list[dict[str, Any]]]]:
    days: dict[date, list[dict[str, Any]]] = {}
    for r in rows:
        days.setdefault(r["day"], []).append(r)
    return list(days.items())


def filter_options(
    content: Content, filters: Filters, counts: dict[str, Counter[str]] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """govukSelect items for the filter form, with the current choice selected. With
    ``counts`` (see listing.filter_counts) each option says how many dates choosing it gives;
    the blank option's count is under the key ''."""

    def items(name: str, labels: dict[str, str], everything: str) -> list[dict[str, Any]]:
        current = getattr(filters, name)
        counted = counts.get(name) if counts is not None else None

        def text(label: str, slug: str) -> str:
            return label if counted is None else f"{label} ({counted[slug]})"

        return [{"value": "", "text": text(everything, ""), "selected": not current}] + [
            {"value": slug, "text": text(label, slug), "selected": slug == current}
            for slug, label in labels.items()
        ]

    return {
        "service": items("service", service_labels(content), "Any service"),
        "kind": items("kind", KINDS, "Any kind"),
        "area": items("area", area_labels(content), "Anywhere"),
        "format": items("format", FORMATS, "In person, online or by phone"),
    }
