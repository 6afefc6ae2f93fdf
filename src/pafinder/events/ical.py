"""iCalendar (RFC 5545) output: the feed of every upcoming event, one series, one occurrence.

A repeating event is ONE VEVENT with an RRULE; a cancelled date is an EXDATE; a moved date is
an override VEVENT alone (same UID, RECURRENCE-ID = the original start) at the new time. Never an
EXDATE as well: RFC 5545 lets EXDATE win, so recurring-ical-events and ical.js dropped moved
dates. A one-date file carries the series' UID and, in a series, the date's RECURRENCE-ID, so a
person who adds one date and later subscribes to the feed sees it once, not twice. Times carry
TZID=Europe/London with a VTIMEZONE, so calendar apps keep a 6pm group at 6pm across the clock
change. DTSTAMP is the event's last change, so building twice gives identical files. Joining
details are added only to the copy emailed to a person who booked.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard
from icalendar import Event as VEvent

from pafinder.events.models import ACCESS, KINDS
from pafinder.events.recurrence import LONDON, Event, Occurrence, series_starts

PRODID = "-//pafinder//events//EN"


def london_timezone() -> Timezone:
    """Europe/London's rules (since 1996), compact and valid without an end year."""
    tz = Timezone()
    tz.add("tzid", "Europe/London")
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("dtstart", datetime(1981, 3, 29, 1, 0))
    summer.add("tzoffsetfrom", timedelta(hours=0))
    summer.add("tzoffsetto", timedelta(hours=1))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("dtstart", datetime(1996, 10, 27, 2, 0))
    winter.add("tzoffsetfrom", timedelta(hours=1))
    winter.add("tzoffsetto", timedelta(hours=0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def new_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")
    cal.add_component(london_timezone())
    return cal


def _host(base_url: str) -> str:
    return urlsplit(base_url).hostname or "localhost"


def series_uid(event: Event, base_url: str) -> str:
    return f"event-{event.id}@{_host(base_url)}"


def location(event: Event) -> str:
    if event.format == "online":
        return "Online"
    if event.format == "phone":
        return "By phone"
    return ", ".join(
        p for p in (event.venue_name, event.address.replace("\n", ", "), event.postcode) if p
    )


def description(event: Event, base_url: str, joining: str | None = None) -> str:
    lines = [event.description, "", f"Who it is for: {event.audience}"]
    lines.append("Cost: free" if event.cost == "free" else f"Cost: {event.cost_text}")
    if event.access:
        lines.append("Access: " + ", ".join(ACCESS[a] for a in event.access if a in ACCESS))
    if event.transport_notes:
        lines.append(f"Getting there: {event.transport_notes}")
    if joining:
        lines.append(("Joining link: " if event.format == "online" else "How to join: ") + joining)
    lines.append(f"Details and booking: {base_url}/events/{event.id}/")
    return "\n".join(lines)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _base_vevent(event: Event, base_url: str, uid: str, joining: str | None) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", uid)
    vevent.add("dtstamp", _utc(event.updated_at))
    vevent.add("created", _utc(event.created_at))
    vevent.add("last-modified", _utc(event.updated_at))
    vevent.add("summary", event.title)
    vevent.add("description", description(event, base_url, joining))
    vevent.add("location", location(event))
    vevent.add("url", f"{base_url}/events/{event.id}/")
    vevent.add("categories", [KINDS.get(event.kind, event.kind)])
    vevent.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    return vevent


def _rrule(event: Event) -> dict[str, object]:
    rule: dict[str, object]
    if event.repeat in ("weekly", "fortnightly"):
        rule = {"freq": "weekly", "interval": 1 if event.repeat == "weekly" else 2}
    else:
        weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[event.local_start.weekday()]
        rule = {
            "freq": "monthly",
            "interval": 1 if event.repeat == "monthly" else 2,
            "byday": f"{event.nth_weekday}{weekday}",
        }
    if event.repeat_until:
        # With a TZID start, UNTIL must be in UTC: the end of the last day in London.
        last = datetime.combine(event.repeat_until, datetime.max.time()).replace(
            microsecond=0, tzinfo=LONDON
        )
        rule["until"] = last.astimezone(UTC)
    elif event.repeat_count:
        rule["count"] = event.repeat_count
    return rule


def series_components(event: Event, base_url: str) -> list[VEvent]:
    """The master VEVENT (with RRULE/EXDATE for a series) and one override per moved date."""
    uid = series_uid(event, base_url)
    master = _base_vevent(event, base_url, uid, None)
    master.add("dtstart", event.local_start)
    master.add("dtend", event.local_end)
    components = [master]
    if not event.repeats:
        return components
    master.add("rrule", _rrule(event))
    series = {start.date(): start for start in series_starts(event)}
    excluded = []
    for change in event.changes:
        original = series.get(change.original_date)
        if original is None:
            continue
        if change.action == "cancelled":
            excluded.append(original.replace(tzinfo=LONDON))
        elif change.starts_at and change.ends_at:
            override = _base_vevent(event, base_url, uid, None)
            override.add("recurrence-id", original.replace(tzinfo=LONDON))
            override.add("dtstart", _utc(change.starts_at).astimezone(LONDON))
            override.add("dtend", _utc(change.ends_at).astimezone(LONDON))
            components.append(override)
    if excluded:
        master.add("exdate", sorted(excluded))
    return components


def feed(events: Iterable[Event], base_url: str, name: str) -> bytes:
    cal = new_calendar(name)
    for event in events:
        for component in series_components(event, base_url):
            cal.add_component(component)
    return bytes(cal.to_ical())


def occurrence_calendar(occ: Occurrence, base_url: str, joining: str | None = None) -> bytes:
    """One date, for 'add to calendar' and the booking email (``joining`` only in the email)."""
    event = occ.event
    cal = new_calendar(event.title)
    vevent = _base_vevent(event, base_url, series_uid(event, base_url), joining)
    if event.repeats:
        # The date's identity in the series is its original start, even when it has moved.
        original = datetime.combine(occ.original_date, event.local_start.time(), LONDON)
        vevent.add("recurrence-id", original)
    vevent.add("dtstart", occ.starts)
    vevent.add("dtend", occ.ends)
    cal.add_component(vevent)
    return bytes(cal.to_ical())
