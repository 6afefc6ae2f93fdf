"""Published events and groups as ORUK services: a schedule in RFC 5545 terms (freq, interval,
byday, dtstart, valid_from/valid_to, opens_at/closes_at in Europe/London wall-clock time), the
venue as a location with its address and accessibility, the cost, and the booking link.

Only what the public event page shows is used: joining details (sent only to people who booked)
and booking counts never reach the feed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pafinder import geo
from pafinder.content import Content
from pafinder.events.ical import location as venue_text
from pafinder.events.models import ACCESS, FORMATS
from pafinder.events.recurrence import Event, describe_repeat, occurrences, series_starts
from pafinder.oruk.ids import oruk_id
from pafinder.oruk.services import contact, eligibility, last_modified, organisation, public_email
from pafinder.oruk.taxonomies import (
    ACCESSIBILITY,
    ATTENDING,
    EVENT_AREAS,
    EVENT_KINDS,
    SERVICES,
    Terms,
)

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
RULES = {  # our repeat -> (FREQ, INTERVAL)
    "weekly": ("WEEKLY", 1),
    "fortnightly": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
    "bimonthly": ("MONTHLY", 2),
}


def live(event: Event, now: datetime) -> bool:
    """In the feed: published, with at least one date still to come (or under way)."""
    return event.status == "published" and bool(occurrences(event, now))


def event_service_id(event: Event) -> str:
    return oruk_id("event", event.id)


def _last_day(event: Event) -> date:
    last = event.local_start.date()
    for start in series_starts(event):
        last = start.date()
    return last


def schedule(event: Event, sid: str, sal_id: str | None, link: str) -> dict[str, Any]:
    start, end = event.local_start, event.local_end
    found: dict[str, Any] = {
        "id": oruk_id("schedule", "event", event.id),
        "service_id": sid,
        "dtstart": start.date().isoformat(),
        "valid_from": start.date().isoformat(),
        "opens_at": start.strftime("%H:%M:%S"),
        "closes_at": end.strftime("%H:%M:%S"),
        # HSDS 3.0's timezone: the UTC offset (hours) of the first date. Times are always
        # Europe/London wall-clock, so a summer date is an hour ahead of UTC (see notes).
        "timezone": int((start.utcoffset() or (start - start)).total_seconds() // 3600),
        "schedule_link": link,
        "attending_type": FORMATS.get(event.format, event.format),
        "description": describe_repeat(event) or f"Once, on {start:%A} {start.day} {start:%B %Y}",
    }
    if sal_id:
        found["service_at_location_id"] = sal_id
    # An open-ended series has no valid_to (MAX_EXPANSION is ours, not the group's end).
    if event.repeat_until or event.repeat_count or not event.repeats:
        found["valid_to"] = (event.repeat_until or _last_day(event)).isoformat()
    rule = RULES.get(event.repeat)
    if rule:
        found["freq"], found["interval"] = rule
        day = DAYS[start.weekday()]
        found["byday"] = day if rule[0] == "WEEKLY" else f"{event.nth_weekday}{day}"
        if event.repeat_count and not event.repeat_until:
            found["count"] = event.repeat_count
    notes = ["Times are UK time (Europe/London)."]
    cancelled = [c.original_date for c in event.changes if c.action == "cancelled"]
    moved = [c.original_date for c in event.changes if c.action == "moved"]
    if cancelled:
        notes.append("Not on " + ", ".join(f"{d.day} {d:%B %Y}" for d in cancelled) + ".")
    if moved:
        notes.append(
            "Moved: " + ", ".join(f"{d.day} {d:%B %Y}" for d in moved) + " (see the event page)."
        )
    found["notes"] = " ".join(notes)
    return found


def _address(event: Event, area_name: str, location_id: str) -> dict[str, Any]:
    lines = [ln.strip() for ln in event.address.replace(",", "\n").splitlines() if ln.strip()]
    lines = [
        ln for ln in lines if ln.replace(" ", "").upper() != event.postcode.replace(" ", "").upper()
    ]
    first = lines[0] if lines else event.venue_name
    city = lines[-1] if len(lines) > 1 else (area_name or first)
    return {
        "id": oruk_id("address", "event", event.id),
        "location_id": location_id,
        "attention": event.venue_name,
        "address_1": first,
        "city": city,
        "state_province": area_name or city,
        "postal_code": event.postcode,
        "country": "GB",
        "address_type": "physical",
    }


def _location(event: Event, terms: Terms, area_name: str) -> dict[str, Any] | None:
    location_id = oruk_id("location", "event", event.id)
    if event.format == "in-person":
        found: dict[str, Any] = {
            "id": location_id,
            "location_type": "physical",
            "name": event.venue_name or venue_text(event),
            "description": venue_text(event),
            "addresses": [_address(event, area_name, location_id)],
            "accessibility": [
                {
                    "id": oruk_id("accessibility", "event", event.id, slug),
                    "location_id": location_id,
                    "description": ACCESS[slug],
                    "accessibility": slug,
                    "attributes": [
                        terms.attribute(
                            oruk_id("accessibility", "event", event.id, slug),
                            "accessibility",
                            ACCESSIBILITY,
                            slug,
                        )
                    ],
                }
                for slug in event.access
                if slug in ACCESS
            ],
        }
        if event.transport_notes:
            found["description"] += f". {event.transport_notes}"
        # The postcode sector's centroid (pafinder.geo): what distance is measured from.
        place = geo.table().place(event.postcode) if event.postcode else None
        if place is not None:
            found["latitude"] = round(place.point.lat, 5)
            found["longitude"] = round(place.point.long, 5)
        return found
    if event.format == "online":
        return {
            "id": location_id,
            "location_type": "virtual",
            "name": "Online",
            "description": "Online: the joining details are sent to people who book.",
        }
    return None  # by phone: no place at all


def event_service(event: Event, content: Content, terms: Terms, base_url: str) -> dict[str, Any]:
    sid = event_service_id(event)
    owner = content.service(event.service)
    link = f"{base_url}/events/{event.id}/"
    area_name = str(((owner.raw.get("referral") or {}).get("area_name") if owner else "") or "")
    place = _location(event, terms, area_name)
    sal_id = oruk_id("service_at_location", "event", event.id) if place else None
    description = "\n\n".join(p for p in (event.audience, event.description) if p)
    free = event.cost == "free"
    found: dict[str, Any] = {
        "id": sid,
        "organization_id": oruk_id("organization", content.site.organisation),
        "name": event.title,
        "description": description,
        "url": link,
        "email": public_email(content, owner),
        "status": "active",
        "fees": "Free" if free else (event.cost_text or "A suggested contribution"),
        **eligibility(owner),
        "last_modified": last_modified(event.updated_at),
        "schedules": [schedule(event, sid, sal_id, link)],
        "service_areas": [],
        "service_at_locations": [],
        "languages": [],
        "organization": organisation(content, base_url),
        "funding": [],
        "cost_options": [
            {
                "id": oruk_id("cost_option", "event", event.id),
                "service_id": sid,
                "option": "Free" if free else "A suggested contribution",
                "amount_description": "Free"
                if free
                else (event.cost_text or "A suggested contribution"),
                **({"amount": 0} if free else {}),
            }
        ],
        "contacts": [
            contact(
                content,
                owner,
                sid,
                owner.name if owner else content.site.organisation,
                "Bookings and questions",
            )
        ],
        "attributes": [
            terms.attribute(sid, "service", taxonomy, slug)
            for taxonomy, slug in (
                (EVENT_KINDS, event.kind),
                (SERVICES, event.service),
                (EVENT_AREAS, event.area),
                (ATTENDING, event.format),
            )
            if terms.has(taxonomy, slug)
        ],
    }
    if event.booking_required:
        found["description"] += f"\n\nBooking is needed: book at {link}"
    if event.area and terms.has(EVENT_AREAS, event.area):
        found["service_areas"].append(
            {
                "id": oruk_id("service_area", "event", event.id),
                "service_id": sid,
                "name": terms.by_name[EVENT_AREAS].terms[event.area],
                "extent_type": "text",
            }
        )
    if place and sal_id:
        found["service_at_locations"].append(
            {"id": sal_id, "service_id": sid, "location_id": place["id"], "location": place}
        )
    return found
