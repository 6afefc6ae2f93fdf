"""The events figures a quarterly return needs, by kind of event: how many dates the service
ran (a date of a published event, cancelled dates left out, a moved date counted once on its
original day) and who came, from the attendance staff marked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine

from pafinder.events import bookings
from pafinder.events.recurrence import LONDON, occurrences
from pafinder.events.store import all_events


def sessions_by_kind(engine: Engine, service: str, start: date, end: date) -> Counter[str]:
    """Dates of the service's published events with their original day in start..end."""
    # The window is widened by a year each side so a date moved out of the period still counts
    # on its original day, then narrowed to original days.
    after = datetime.combine(start - timedelta(days=366), time(), tzinfo=LONDON)
    before = datetime.combine(end + timedelta(days=367), time(), tzinfo=LONDON)
    found: Counter[str] = Counter()
    for event in all_events(engine, status="published"):
        if event.service != service:
            continue
        for occurrence in occurrences(event, after, before):
            if start <= occurrence.original_date <= end:
                found[event.kind] += 1
    return found


def attendance(
    engine: Engine, service: str, start: date, end: date, kinds: Collection[str] = ()
) -> dict[str, int]:
    """Who came to the service's events of these kinds (all kinds when none are given):
    sessions_held, attendances, unique_attendees (one person counts once however many kinds
    they came to), did_not_attend, cancelled."""
    return bookings.attendance_summary(engine, start, end, service=service, kinds=kinds)
