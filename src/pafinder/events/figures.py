"""The events figures a quarterly return needs, by kind of event: how many dates the service
ran (a date of a published event, cancelled dates left out, a moved date counted once on its
original day) and who came, from the attendance staff marked.

Both are read once for the widest period a return asks about and counted per period in
Python, so the period and the year to date cost one read each, not one per kind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine

from pafinder.events import bookings
from pafinder.events.bookings import Attendance, summarise
from pafinder.events.recurrence import LONDON, occurrences
from pafinder.events.store import all_events

__all__ = [
    "Attendance",
    "SessionDate",
    "attendance_rows",
    "session_dates",
    "sessions_by_kind",
    "summarise",
]


@dataclass(frozen=True)
class SessionDate:
    event_id: int
    kind: str
    day: date  # the original date
    cancelled: bool  # the whole event was cancelled (it may still have run before that)


def session_dates(engine: Engine, service: str, start: date, end: date) -> list[SessionDate]:
    """Every date of the service's events whose original date is in start..end, cancelled
    dates left out; a cancelled event's dates are kept, marked, for the caller to count the
    ones people came to (they ran before it was cancelled)."""
    # The window is widened by a year each side so a date moved out of the period still counts
    # on its original day, then narrowed to original days.
    after = datetime.combine(start - timedelta(days=366), time(), tzinfo=LONDON)
    before = datetime.combine(end + timedelta(days=367), time(), tzinfo=LONDON)
    found = []
    for event in all_events(engine):
        if event.service != service:
            continue
        for occurrence in occurrences(event, after, before):
            if start <= occurrence.original_date <= end:
                found.append(
                    SessionDate(
                        event.id, event.kind, occurrence.original_date, event.status == "cancelled"
                    )
                )
    return found


def sessions_by_kind(
    dates: list[SessionDate], attendance: list[Attendance], start: date, end: date
) -> Counter[str]:
    """Sessions held in start..end by kind: every date of a live event, and the dates of a
    cancelled one that someone was marked as attending."""
    came = {(r.event_id, r.occurrence_date) for r in attendance if r.attendance == "attended"}
    return Counter(
        d.kind
        for d in dates
        if start <= d.day <= end and (not d.cancelled or (d.event_id, d.day) in came)
    )


def attendance_rows(engine: Engine, service: str, start: date, end: date) -> list[Attendance]:
    return bookings.attendance_rows(engine, start, end, service=service)
