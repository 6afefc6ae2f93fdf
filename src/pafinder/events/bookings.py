"""All SQL for bookings, the waiting list, the carers training limit, attendance and reminders.

Capacity is safe under concurrency because the count and the insert happen in ONE transaction
that first locks the event's row (``_lock_event``). On SQLite every write transaction already
starts with BEGIN IMMEDIATE (pafinder.db), so FOR UPDATE is left out and a second booking waits
for the first to commit; on PostgreSQL (READ COMMITTED) the count alone would not see an
uncommitted insert, so without the row lock eight simultaneous bookings for one place booked 6-9.

A repeat booking (the same email or phone on the same date) hands back the booking on record
with outcome "already"; the caller must never show it to whoever asked, only email its link to
the address on record (see public_routes.book).

Waiting list: when a booked place is freed, the first person waiting (in the order they joined)
is booked AUTOMATICALLY and emailed (with their own cancel link). We chose auto-booking over an
offer to accept: nobody has to watch their inbox for a deadline, no expiry job is needed, and a
person who no longer wants the place frees it again with one click.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select

from pafinder.db import utcnow
from pafinder.events.models import CARERS_TRAINING_LIMIT, BookingInput, person_key
from pafinder.events.recurrence import Event, Occurrence
from pafinder.events.tables import event_bookings, events
from pafinder.staff.store import record

ACTIVE = ("booked", "waiting")
ATTENDANCE = {"attended": "Attended", "did-not-attend": "Did not attend", "cancelled": "Cancelled"}


@dataclass(frozen=True)
class Booking:
    id: int
    event_id: int
    occurrence_date: date
    status: str
    name: str
    email: str
    phone: str
    access_needs: str
    staff_override: bool
    created_at: datetime
    reminder_sent_at: datetime | None
    attendance: str | None


@dataclass(frozen=True)
class BookingResult:
    outcome: str  # booked | waiting | already | over-limit
    booking: Booking | None = None
    sessions_this_year: int = 0
    # over-limit only: the email given, when a booking on record has it (so telling it about the
    # limit tells the person on record, never someone who only typed their phone number).
    email_on_record: str = ""


def _booking(row: Any) -> Booking:
    return Booking(
        id=row.id,
        event_id=row.event_id,
        occurrence_date=row.occurrence_date,
        status=row.status,
        name=row.name,
        email=row.email,
        phone=row.phone,
        access_needs=row.access_needs,
        staff_override=bool(row.staff_override),
        created_at=row.created_at,
        reminder_sent_at=row.reminder_sent_at,
        attendance=row.attendance,
    )


def phone_key(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return "0" + digits[2:] if digits.startswith("44") else digits


def is_carers_training(event: Event) -> bool:
    """The carers specification (section 4.2) allows a carer up to 3 training sessions a year."""
    return event.service == "carers" and event.kind == "training"


def training_year(day: date) -> tuple[date, date]:
    """The council's year, 1 April to 31 March, that ``day`` falls in (returns run that way)."""
    start_year = day.year if day.month >= 4 else day.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def _same_person(email: str, phone: str) -> Any:
    """Bookings by the same person: the same email, or the same phone number."""
    return _any_of({email.lower()} if email else set(), {phone_key(phone)} - {""})


def _any_of(emails: set[str], phones: set[str]) -> Any:
    tests = []
    if emails:
        tests.append(func.lower(event_bookings.c.email).in_(sorted(emails)))
    if phones:
        tests.append(event_bookings.c.phone_key.in_(sorted(phones)))
    return or_(*tests) if tests else event_bookings.c.id.is_(None)


def carers_training_count(conn: Connection, email: str, phone: str, day: date) -> int:
    """Carers training sessions this carer has (or is waiting for) in the training year. A
    carer who booked once by email and phone, then by phone only, is still one carer: the
    emails and phones of their other bookings count as theirs too."""
    start, end = training_year(day)
    linked = conn.execute(
        select(event_bookings.c.email, event_bookings.c.phone_key).where(_same_person(email, phone))
    ).all()
    emails = {email.lower()} - {""} | {r.email.lower() for r in linked if r.email}
    phones = {phone_key(phone)} - {""} | {r.phone_key for r in linked if r.phone_key}
    query = (
        select(func.count())
        .select_from(event_bookings.join(events, events.c.id == event_bookings.c.event_id))
        .where(
            events.c.service == "carers",
            events.c.kind == "training",
            event_bookings.c.status.in_(ACTIVE),
            event_bookings.c.occurrence_date.between(start, end),
            or_(
                event_bookings.c.attendance.is_(None),
                event_bookings.c.attendance != "cancelled",
            ),
            _any_of(emails, phones),
        )
    )
    return int(conn.execute(query).scalar_one())


def _lock_event(conn: Connection, event_id: int) -> None:
    """Serialise every change to one event's places: a row lock held until the transaction ends
    (PostgreSQL SELECT ... FOR UPDATE; SQLite's compiler drops the clause, and BEGIN IMMEDIATE
    has already taken the database's write lock)."""
    conn.execute(select(events.c.id).where(events.c.id == event_id).with_for_update())


def _email_on_record(conn: Connection, email: str) -> bool:
    if not email:
        return False
    found = conn.execute(
        select(event_bookings.c.id)
        .where(func.lower(event_bookings.c.email) == email.lower())
        .limit(1)
    ).first()
    return found is not None


def booked_count(conn: Connection, event_id: int, day: date) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                event_bookings.c.event_id == event_id,
                event_bookings.c.occurrence_date == day,
                event_bookings.c.status == "booked",
            )
        ).scalar_one()
    )


def booked_counts(engine: Engine) -> Counter[tuple[int, date]]:
    """Places taken per (event id, original date), for publishing places left."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(event_bookings.c.event_id, event_bookings.c.occurrence_date, func.count())
            .where(event_bookings.c.status == "booked")
            .group_by(event_bookings.c.event_id, event_bookings.c.occurrence_date)
        )
        return Counter({(r[0], r[1]): int(r[2]) for r in rows})


def book(
    engine: Engine,
    occ: Occurrence,
    data: BookingInput,
    actor: str = "public",
    override: bool = False,
) -> BookingResult:
    """Book a place, or a place on the waiting list when the occurrence is full."""
    event = occ.event
    key = person_key(data.email, data.phone)
    with engine.begin() as conn:
        _lock_event(conn, event.id)
        existing = conn.execute(
            select(event_bookings).where(
                event_bookings.c.event_id == event.id,
                event_bookings.c.occurrence_date == occ.original_date,
                event_bookings.c.status.in_(ACTIVE),
                _same_person(data.email, data.phone),
            )
        ).first()
        if existing is not None:
            # A double submit, or booking twice: keep the one place they already have. Recorded
            # so staff can see a repeat request for someone who gave only a phone number.
            record(
                conn,
                actor,
                "booking.repeat_request",
                "event",
                str(event.id),
                {"booking": existing.id, "date": occ.original_date.isoformat()},
            )
            return BookingResult("already", _booking(existing))
        sessions = 0
        if is_carers_training(event):
            sessions = carers_training_count(conn, data.email, data.phone, occ.original_date)
            if sessions >= CARERS_TRAINING_LIMIT and not override:
                on_record = data.email if _email_on_record(conn, data.email) else ""
                return BookingResult("over-limit", None, sessions, on_record)
        full = (
            event.capacity is not None
            and booked_count(conn, event.id, occ.original_date) >= event.capacity
        )
        status = "waiting" if full else "booked"
        now = utcnow()
        result = conn.execute(
            event_bookings.insert().values(
                event_id=event.id,
                occurrence_date=occ.original_date,
                status=status,
                name=data.name,
                email=data.email,
                phone=data.phone,
                access_needs=data.access_needs,
                person_key=key,
                phone_key=phone_key(data.phone),
                staff_override=override,
                created_by=actor,
                created_at=now,
                booked_at=None if full else now,
            )
        )
        booking_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        record(
            conn,
            actor,
            f"booking.{status}",
            "event",
            str(event.id),
            {"booking": booking_id, "date": occ.original_date.isoformat(), "override": override},
        )
        row = conn.execute(select(event_bookings).where(event_bookings.c.id == booking_id)).one()
    return BookingResult(status, _booking(row), sessions)


def get_booking(engine: Engine, booking_id: int) -> Booking | None:
    with engine.connect() as conn:
        row = conn.execute(select(event_bookings).where(event_bookings.c.id == booking_id)).first()
    return _booking(row) if row else None


def cancel_booking(
    engine: Engine, booking_id: int, actor: str, capacity: int | None
) -> tuple[Booking | None, Booking | None]:
    """Cancel a booking or waiting-list place; a freed place goes to the first person waiting.
    Returns (the cancelled booking or None if it was not active, the person now booked)."""
    now = utcnow()
    with engine.begin() as conn:
        row = conn.execute(select(event_bookings).where(event_bookings.c.id == booking_id)).first()
        if row is None or row.status not in ACTIVE:
            return None, None
        _lock_event(conn, row.event_id)
        # Read again under the lock: a simultaneous cancel of the same booking may have won.
        row = conn.execute(select(event_bookings).where(event_bookings.c.id == booking_id)).one()
        if row.status not in ACTIVE:
            return None, None
        conn.execute(
            event_bookings.update()
            .where(event_bookings.c.id == booking_id)
            .values(status="cancelled", cancelled_at=now)
        )
        record(
            conn,
            actor,
            "booking.cancelled",
            "event",
            str(row.event_id),
            {"booking": booking_id, "date": row.occurrence_date.isoformat()},
        )
        promoted = _fill_places(conn, row.event_id, row.occurrence_date, capacity, actor)
        cancelled = _booking(
            conn.execute(select(event_bookings).where(event_bookings.c.id == booking_id)).one()
        )
    return cancelled, (promoted[0] if promoted else None)


def fill_places(
    engine: Engine, event_id: int, day: date, capacity: int | None, actor: str
) -> list[Booking]:
    """Book people from the waiting list while there are places (after capacity grows)."""
    with engine.begin() as conn:
        _lock_event(conn, event_id)
        return _fill_places(conn, event_id, day, capacity, actor)


def _fill_places(
    conn: Connection, event_id: int, day: date, capacity: int | None, actor: str
) -> list[Booking]:
    promoted: list[Booking] = []
    while capacity is None or booked_count(conn, event_id, day) < capacity:
        nxt = conn.execute(
            select(event_bookings)
            .where(
                event_bookings.c.event_id == event_id,
                event_bookings.c.occurrence_date == day,
                event_bookings.c.status == "waiting",
            )
            .order_by(event_bookings.c.id)
            .limit(1)
        ).first()
        if nxt is None:
            break
        conn.execute(
            event_bookings.update()
            .where(event_bookings.c.id == nxt.id)
            .values(status="booked", booked_at=utcnow())
        )
        record(
            conn,
            actor,
            "booking.offered_place",
            "event",
            str(event_id),
            {"booking": nxt.id, "date": day.isoformat()},
        )
        promoted.append(
            _booking(
                conn.execute(select(event_bookings).where(event_bookings.c.id == nxt.id)).one()
            )
        )
    return promoted


def waiting_dates(engine: Engine, event_id: int) -> list[date]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(event_bookings.c.occurrence_date)
            .distinct()
            .where(event_bookings.c.event_id == event_id, event_bookings.c.status == "waiting")
        )
        return [r[0] for r in rows]


def occurrence_bookings(engine: Engine, event_id: int, day: date) -> list[Booking]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(event_bookings)
            .where(event_bookings.c.event_id == event_id, event_bookings.c.occurrence_date == day)
            .order_by(event_bookings.c.id)
        )
        return [_booking(r) for r in rows]


def active_bookings(engine: Engine, event_id: int, day: date | None = None) -> list[Booking]:
    with engine.connect() as conn:
        query = select(event_bookings).where(
            event_bookings.c.event_id == event_id, event_bookings.c.status.in_(ACTIVE)
        )
        if day is not None:
            query = query.where(event_bookings.c.occurrence_date == day)
        return [_booking(r) for r in conn.execute(query.order_by(event_bookings.c.id))]


def set_attendance(
    engine: Engine, event_id: int, day: date, marks: dict[int, str], actor: str
) -> int:
    """Record attended / did-not-attend / cancelled for bookings of one occurrence."""
    changed = 0
    with engine.begin() as conn:
        for booking_id, mark in sorted(marks.items()):
            if mark not in ATTENDANCE:
                continue
            result = conn.execute(
                event_bookings.update()
                .where(
                    event_bookings.c.id == booking_id,
                    event_bookings.c.event_id == event_id,
                    event_bookings.c.occurrence_date == day,
                    event_bookings.c.status == "booked",
                    or_(event_bookings.c.attendance.is_(None), event_bookings.c.attendance != mark),
                )
                .values(attendance=mark, attendance_at=utcnow())
            )
            changed += result.rowcount
        record(
            conn,
            actor,
            "event.attendance_marked",
            "event",
            str(event_id),
            {"date": day.isoformat(), "changed": changed},
        )
    return changed


@dataclass(frozen=True)
class Attendance:
    """One booked place as the returns count it."""

    event_id: int
    kind: str
    occurrence_date: date
    person_key: str
    attendance: str


def attendance_rows(
    engine: Engine, start: date, end: date, service: str | None = None
) -> list[Attendance]:
    """Booked places on occurrences whose original date is in [start, end]."""
    conditions = [
        event_bookings.c.occurrence_date.between(start, end),
        event_bookings.c.status == "booked",
    ]
    if service:
        conditions.append(events.c.service == service)
    joined = event_bookings.join(events, events.c.id == event_bookings.c.event_id)
    query = (
        select(
            event_bookings.c.event_id,
            events.c.kind,
            event_bookings.c.occurrence_date,
            event_bookings.c.person_key,
            event_bookings.c.attendance,
        )
        .select_from(joined)
        .where(and_(*conditions))
    )
    with engine.connect() as conn:
        return [Attendance(*row) for row in conn.execute(query)]


def summarise(rows: Iterable[Attendance], kinds: Collection[str] = ()) -> dict[str, int]:
    """sessions_held (occurrences with at least one person marked attended), attendances
    (total), unique_attendees (distinct people by email or phone), did_not_attend, cancelled
    (people who told us they could not come, as marked by staff); over ``kinds`` only when
    given."""
    chosen = [r for r in rows if not kinds or r.kind in kinds]
    attended = [r for r in chosen if r.attendance == "attended"]
    return {
        "sessions_held": len({(r.event_id, r.occurrence_date) for r in attended}),
        "attendances": len(attended),
        "unique_attendees": len({r.person_key for r in attended}),
        "did_not_attend": sum(1 for r in chosen if r.attendance == "did-not-attend"),
        "cancelled": sum(1 for r in chosen if r.attendance == "cancelled"),
    }


def attendance_summary(
    engine: Engine,
    start: date,
    end: date,
    service: str | None = None,
    kinds: Collection[str] = (),
) -> dict[str, int]:
    """Figures for the returns over occurrences whose original date is in [start, end]
    (``summarise`` says which)."""
    return summarise(attendance_rows(engine, start, end, service), kinds)


def reminder_candidates(engine: Engine, since: date) -> list[Booking]:
    """Booked places not yet reminded, for original dates from ``since`` (the caller checks
    each occurrence's real start time, moved dates included)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(event_bookings)
            .where(
                event_bookings.c.status == "booked",
                event_bookings.c.reminder_sent_at.is_(None),
                event_bookings.c.occurrence_date >= since,
            )
            .order_by(event_bookings.c.id)
        )
        return [_booking(r) for r in rows]


def claim_reminder(engine: Engine, booking_id: int) -> bool:
    """Mark the reminder as sent before sending, so two runs never both send it."""
    with engine.begin() as conn:
        result = conn.execute(
            event_bookings.update()
            .where(event_bookings.c.id == booking_id, event_bookings.c.reminder_sent_at.is_(None))
            .values(reminder_sent_at=utcnow())
        )
        return result.rowcount == 1
