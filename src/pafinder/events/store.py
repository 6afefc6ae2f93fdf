"""All SQL for events and their date changes (bookings live in bookings.py).

Every change is audited with pafinder.staff.store.record in the same transaction.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from pafinder.db import utcnow
from pafinder.events.models import EventInput
from pafinder.events.recurrence import DateChange, Event, to_utc_naive
from pafinder.events.tables import event_exceptions, events
from pafinder.staff.store import record


def event_values(data: EventInput) -> dict[str, Any]:
    """EventInput -> column values (Europe/London date + times stored as UTC)."""
    starts = to_utc_naive(datetime.combine(data.start_date, data.start_time))
    ends = to_utc_naive(datetime.combine(data.start_date, data.end_time))
    in_person = data.format == "in-person"
    repeats = data.repeat != "none"
    return {
        "title": data.title,
        "kind": data.kind,
        "service": data.service,
        "audience": data.audience,
        "description": data.description,
        "starts_at": starts,
        "ends_at": ends,
        "repeat": data.repeat,
        "repeat_until": data.repeat_until if repeats else None,
        "repeat_count": data.repeat_count if repeats else None,
        "format": data.format,
        "venue_name": data.venue_name if in_person else "",
        "address": data.address if in_person else "",
        "postcode": data.postcode if in_person else "",
        "area": data.area,
        "access": json.dumps(data.access if in_person else []),
        "transport_notes": data.transport_notes if in_person else "",
        "joining_details": "" if in_person else data.joining_details,
        "cost": data.cost,
        "cost_text": data.cost_text if data.cost == "contribution" else "",
        "capacity": data.capacity,
        "booking_required": data.booking_required,
    }


def _event(row: Any, changes: list[DateChange]) -> Event:
    return Event(
        id=row.id,
        status=row.status,
        title=row.title,
        kind=row.kind,
        service=row.service,
        audience=row.audience,
        description=row.description,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        repeat=row.repeat,
        repeat_until=row.repeat_until,
        repeat_count=row.repeat_count,
        format=row.format,
        venue_name=row.venue_name,
        address=row.address,
        postcode=row.postcode,
        area=row.area,
        access=tuple(json.loads(row.access or "[]")),
        transport_notes=row.transport_notes,
        joining_details=row.joining_details,
        cost=row.cost,
        cost_text=row.cost_text,
        capacity=row.capacity,
        booking_required=bool(row.booking_required),
        created_at=row.created_at,
        updated_at=row.updated_at,
        changes=tuple(changes),
    )


def _changes(conn: Connection, event_ids: list[int]) -> dict[int, list[DateChange]]:
    found: dict[int, list[DateChange]] = {i: [] for i in event_ids}
    if not event_ids:
        return found
    rows = conn.execute(
        select(event_exceptions)
        .where(event_exceptions.c.event_id.in_(event_ids))
        .order_by(event_exceptions.c.original_date)
    )
    for r in rows:
        found[r.event_id].append(
            DateChange(r.original_date, r.action, r.starts_at, r.ends_at, r.reason)
        )
    return found


def load_events(
    conn: Connection, status: str | None = None, ids: list[int] | None = None
) -> list[Event]:
    query = select(events).order_by(events.c.starts_at, events.c.id)
    if status:
        query = query.where(events.c.status == status)
    if ids is not None:
        query = query.where(events.c.id.in_(ids))
    rows = list(conn.execute(query))
    changes = _changes(conn, [r.id for r in rows])
    return [_event(r, changes[r.id]) for r in rows]


def all_events(engine: Engine, status: str | None = None) -> list[Event]:
    with engine.connect() as conn:
        return load_events(conn, status)


def get_event(conn_or_engine: Connection | Engine, event_id: int) -> Event | None:
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            return get_event(conn, event_id)
    found = load_events(conn_or_engine, ids=[event_id])
    return found[0] if found else None


def count_events(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(list(conn.execute(select(events.c.id))))


def create_event(
    engine: Engine, data: EventInput, actor: str, copied_from: int | None = None
) -> int:
    now = utcnow()
    with engine.begin() as conn:
        result = conn.execute(
            events.insert().values(
                status="published", created_at=now, updated_at=now, **event_values(data)
            )
        )
        event_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        detail: dict[str, Any] = {"kind": data.kind, "service": data.service}
        if copied_from:
            detail["copied_from"] = copied_from
        record(conn, actor, "event.created", "event", str(event_id), detail)
    return event_id


def update_event(engine: Engine, event_id: int, data: EventInput, actor: str) -> None:
    with engine.begin() as conn:
        values = event_values(data)
        conn.execute(
            events.update().where(events.c.id == event_id).values(updated_at=utcnow(), **values)
        )
        record(conn, actor, "event.updated", "event", str(event_id), {"fields": sorted(values)})


def set_status(engine: Engine, event_id: int, status: str, actor: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            events.update()
            .where(events.c.id == event_id)
            .values(status=status, updated_at=utcnow())
        )
        action = "event.cancelled" if status == "cancelled" else "event.restored"
        record(conn, actor, action, "event", str(event_id))


def change_date(
    engine: Engine,
    event_id: int,
    original: date,
    action: str,
    actor: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    reason: str = "",
) -> None:
    """Cancel or move one date of a series (replacing any earlier change to that date)."""
    with engine.begin() as conn:
        conn.execute(
            event_exceptions.delete().where(
                (event_exceptions.c.event_id == event_id)
                & (event_exceptions.c.original_date == original)
            )
        )
        conn.execute(
            event_exceptions.insert().values(
                event_id=event_id,
                original_date=original,
                action=action,
                starts_at=starts_at,
                ends_at=ends_at,
                reason=reason,
                created_at=utcnow(),
            )
        )
        # updated_at drives the calendar's DTSTAMP/SEQUENCE, so subscribers pick the change up.
        conn.execute(events.update().where(events.c.id == event_id).values(updated_at=utcnow()))
        record(
            conn,
            actor,
            f"event.date_{action}",
            "event",
            str(event_id),
            {"date": original.isoformat()},
        )


def restore_date(engine: Engine, event_id: int, original: date, actor: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            event_exceptions.delete().where(
                (event_exceptions.c.event_id == event_id)
                & (event_exceptions.c.original_date == original)
            )
        )
        conn.execute(events.update().where(events.c.id == event_id).values(updated_at=utcnow()))
        record(
            conn,
            actor,
            "event.date_restored",
            "event",
            str(event_id),
            {"date": original.isoformat()},
        )


def form_values(event: Event) -> dict[str, Any]:
    """An event as the staff form's fields (kebab-case), for editing and copying."""
    start, end = event.local_start, event.local_end
    values: dict[str, Any] = {
        "title": event.title,
        "kind": event.kind,
        "service": event.service,
        "audience": event.audience,
        "description": event.description,
        "start-date-day": str(start.day),
        "start-date-month": str(start.month),
        "start-date-year": str(start.year),
        "start-time": f"{start:%H:%M}",
        "end-time": f"{end:%H:%M}",
        "repeat": event.repeat,
        "repeat-count": str(event.repeat_count or ""),
        "format": event.format,
        "venue-name": event.venue_name,
        "address": event.address,
        "postcode": event.postcode,
        "area": event.area,
        "access": list(event.access),
        "transport-notes": event.transport_notes,
        "joining-details": event.joining_details,
        "cost": event.cost,
        "cost-text": event.cost_text,
        "capacity": str(event.capacity or ""),
        "booking-required": "yes" if event.booking_required else "no",
    }
    if event.repeat_until:
        values.update(
            {
                "repeat-until-day": str(event.repeat_until.day),
                "repeat-until-month": str(event.repeat_until.month),
                "repeat-until-year": str(event.repeat_until.year),
            }
        )
    return values
