"""Data protection for event bookings (issue 12): subject access, erasure, retention.

Erasure anonymises: the returns count sessions, attendances, unique attendees and did-not-attends
from the booking rows, so a row keeps its event, date, status and attendance and loses the name,
email, phone and access needs. Its person key becomes one random token shared by the person's
bookings, so they still count as one attendee and nothing leads back to them.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update

from pafinder.events.bookings import phone_key
from pafinder.events.tables import event_bookings, events
from pafinder.subject import Subject, plain


def _theirs(subject: Subject) -> Any:
    tests = [subject.email_is(event_bookings.c.email)]
    if key := phone_key(subject.phone):
        tests.append(event_bookings.c.phone_key == key)
    return or_(*tests)


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    query = (
        select(event_bookings, events.c.title.label("event_title"))
        .join(events, events.c.id == event_bookings.c.event_id)
        .where(_theirs(subject))
        .order_by(event_bookings.c.id)
    )
    return {"event_bookings": [plain(r) for r in conn.execute(query)]}


def erase(conn: Connection, subject: Subject) -> dict[str, int]:
    token = "erased:" + secrets.token_hex(12)
    done = conn.execute(
        update(event_bookings)
        .where(_theirs(subject))
        .values(name="", email="", phone="", access_needs="", person_key=token, phone_key="")
    ).rowcount
    return {"event_bookings": int(done)}


def purge(conn: Connection, days: int, today: date) -> int:
    """Delete bookings for dates more than ``days`` ago."""
    cutoff = today - timedelta(days=days)
    result = conn.execute(delete(event_bookings).where(event_bookings.c.occurrence_date < cutoff))
    return int(result.rowcount)
