"""All SQL for checks on referrals (issue 9, point 3): the service YAML's ``checks:`` become
tasks with due dates when a referral first reaches a status.

Other modules read what is due through ``next_due`` (the queue) and ``for_referral`` (the
record page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)

from pafinder import crypto
from pafinder.content import Service
from pafinder.db import metadata, utcnow
from pafinder.referrals.casework import OnStatus, referral_changes
from pafinder.referrals.models import CheckConfig, service_checks
from pafinder.referrals.store import referrals
from pafinder.staff import store as staff_store
from pafinder.workdays import london_date

LABEL_LIMIT = 200

referral_checks = Table(
    "referral_checks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "referral_id",
        Integer,
        ForeignKey("referrals.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # The check's id in the service YAML; a repeating check has one row per occurrence (seq).
    Column("check_id", String(60), nullable=False),
    Column("seq", Integer, nullable=False, server_default="1"),
    # Kept on the row so a record still reads well after the YAML changes.
    Column("label", String(LABEL_LIMIT), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("done_at", DateTime, nullable=True),
    Column("done_by", Integer, ForeignKey("staff.id"), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    # The latest reschedule: the date it was due before, and why it moved.
    Column("rescheduled_from", Date, nullable=True),
    Column("reschedule_reason", Text, nullable=False, server_default=""),
    Column("rescheduled_by", Integer, ForeignKey("staff.id"), nullable=True),
    UniqueConstraint("referral_id", "check_id", "seq", name="uq_referral_checks_occurrence"),
)
Index("ix_referral_checks_due", referral_checks.c.done_at, referral_checks.c.due_on)
Index("ix_referral_checks_referral_id", referral_checks.c.referral_id)


@dataclass(frozen=True)
class CheckDue:
    label: str
    due_on: date


def next_due(engine: Engine, referral_ids: list[int]) -> dict[int, CheckDue]:
    """Each referral's earliest open (not done) check, by referral id; none: not in the dict."""
    if not referral_ids:
        return {}
    query = (
        select(referral_checks.c.referral_id, referral_checks.c.label, referral_checks.c.due_on)
        .where(
            referral_checks.c.referral_id.in_(referral_ids),
            referral_checks.c.done_at.is_(None),
        )
        .order_by(referral_checks.c.due_on, referral_checks.c.id)
    )
    found: dict[int, CheckDue] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            found.setdefault(int(row.referral_id), CheckDue(str(row.label), row.due_on))
    return found


@dataclass(frozen=True)
class CheckView:
    """One check as the record page shows it."""

    id: int
    check_id: str
    seq: int
    label: str
    due_on: date
    done_at: datetime | None
    done_by: str
    note: str
    rescheduled_from: date | None
    reschedule_reason: str
    rescheduled_by: str

    def state(self, today: date) -> str:
        """done, overdue, due (today) or upcoming."""
        if self.done_at is not None:
            return "done"
        if self.due_on < today:
            return "overdue"
        return "due" if self.due_on == today else "upcoming"


class NoSuchCheck(Exception):
    """No check with that id on that referral."""


def schedule(
    conn: Connection,
    referral_id: int,
    status: str,
    checks: Sequence[CheckConfig],
    on: date | None = None,
) -> int:
    """Give the referral, now at ``status``, the checks that start from it, due ``after_days``
    calendar days after ``on`` (today in London). Runs in the status change's transaction.

    Only the first time: a check that was ever scheduled on this referral is not scheduled
    again when the referral comes back to that status (active, waiting, active). Returns how
    many were scheduled."""
    wanted = [c for c in checks if c.from_ == status]
    if not wanted:
        return 0
    start = on or london_date(utcnow())
    existing = set(
        conn.execute(
            select(referral_checks.c.check_id).where(referral_checks.c.referral_id == referral_id)
        ).scalars()
    )
    now = utcnow()
    added = 0
    for check in wanted:
        if check.id in existing:
            continue
        conn.execute(
            referral_checks.insert().values(
                referral_id=referral_id,
                check_id=check.id,
                seq=1,
                label=check.label[:LABEL_LIMIT],
                due_on=start + timedelta(days=check.after_days),
                created_at=now,
            )
        )
        added += 1
    return added


def _referral_id(conn: Connection, ref: str) -> int | None:
    found = conn.execute(select(referrals.c.id).where(referrals.c.ref == ref)).scalar()
    return None if found is None else int(found)


def for_referral(engine: Engine, ref: str) -> list[CheckView]:
    """The referral's checks, open ones first (soonest due first), then those done."""
    done_by = staff_store.staff.alias("done_by_staff")
    moved_by = staff_store.staff.alias("moved_by_staff")
    query = (
        select(
            referral_checks,
            done_by.c.email.label("done_email"),
            moved_by.c.email.label("moved_email"),
        )
        .join(referrals, referrals.c.id == referral_checks.c.referral_id)
        .outerjoin(done_by, done_by.c.id == referral_checks.c.done_by)
        .outerjoin(moved_by, moved_by.c.id == referral_checks.c.rescheduled_by)
        .where(referrals.c.ref == ref)
        .order_by(
            referral_checks.c.done_at.is_not(None),
            referral_checks.c.due_on,
            referral_checks.c.id,
        )
    )
    with engine.connect() as conn:
        return [
            CheckView(
                id=int(r.id),
                check_id=str(r.check_id),
                seq=int(r.seq),
                label=str(r.label),
                due_on=r.due_on,
                done_at=r.done_at,
                done_by=str(r.done_email or ("Unknown" if r.done_at else "")),
                note=crypto.decrypt(engine, r.note),
                rescheduled_from=r.rescheduled_from,
                reschedule_reason=crypto.decrypt(engine, r.reschedule_reason),
                rescheduled_by=str(r.moved_email or ""),
            )
            for r in conn.execute(query)
        ]


def _open_row(conn: Connection, ref: str, row_id: int) -> Any:
    referral_id = _referral_id(conn, ref)
    if referral_id is None:
        raise NoSuchCheck(row_id)
    row = conn.execute(
        select(referral_checks).where(
            referral_checks.c.id == row_id, referral_checks.c.referral_id == referral_id
        )
    ).first()
    if row is None:
        raise NoSuchCheck(row_id)
    return row


def _timeline(conn: Connection, row: Any, staff_id: int, to_value: str, text: str) -> None:
    conn.execute(
        referral_changes.insert().values(
            referral_id=row.referral_id,
            at=utcnow(),
            staff_id=staff_id,
            what="check",
            from_value=str(row.check_id)[:40],
            to_value=to_value,
            # Timeline notes may hold health details: encrypted at rest (pafinder.crypto).
            note=crypto.encrypt(conn.engine, text),
        )
    )


def mark_done(
    engine: Engine,
    ref: str,
    row_id: int,
    staff_id: int,
    note: str,
    next_in_weeks: int | None = None,
    today: date | None = None,
) -> bool:
    """Mark the check done with an optional note, and for a repeating check schedule the next
    occurrence ``next_in_weeks`` weeks from today. Returns False, recording nothing, when it
    was already done (a double submit, or someone else got there first); raises NoSuchCheck."""
    with engine.begin() as conn:
        row = _open_row(conn, ref, row_id)
        if row.done_at is not None:
            return False
        now = utcnow()
        # done_at IS NULL in the WHERE clause: of two racing transactions only one marks it.
        updated = conn.execute(
            referral_checks.update()
            .where(referral_checks.c.id == row.id, referral_checks.c.done_at.is_(None))
            .values(done_at=now, done_by=staff_id, note=crypto.encrypt(conn.engine, note))
        )
        if updated.rowcount != 1:
            return False
        text = f"{row.label} done."
        detail: dict[str, Any] = {"check": row.check_id, "note_length": len(note)}
        if next_in_weeks:
            due = (today or london_date(now)) + timedelta(weeks=next_in_weeks)
            conn.execute(
                referral_checks.insert().values(
                    referral_id=row.referral_id,
                    check_id=row.check_id,
                    seq=int(row.seq) + 1,
                    label=row.label,
                    due_on=due,
                    created_at=now,
                )
            )
            text += f" Next one due {long_date(due)}."
            detail["next_due"] = due.isoformat()
        if note:
            text += f"\n{note}"
        _timeline(conn, row, staff_id, "done", text)
        # The note may hold personal details and the audit log outlives the record: its
        # length only.
        staff_store.record(
            conn, f"staff:{staff_id}", "referral.check_done", "referral", ref, detail
        )
    return True


def reschedule(
    engine: Engine, ref: str, row_id: int, staff_id: int, due_on: date, reason: str
) -> bool:
    """Move an open check to ``due_on`` with a reason. Returns False, recording nothing, when
    the check is done already or is already due that day (the same form sent twice)."""
    with engine.begin() as conn:
        row = _open_row(conn, ref, row_id)
        if row.done_at is not None or row.due_on == due_on:
            return False
        updated = conn.execute(
            referral_checks.update()
            .where(
                referral_checks.c.id == row.id,
                referral_checks.c.done_at.is_(None),
                referral_checks.c.due_on == row.due_on,
            )
            .values(
                due_on=due_on,
                rescheduled_from=row.due_on,
                reschedule_reason=crypto.encrypt(conn.engine, reason),
                rescheduled_by=staff_id,
            )
        )
        if updated.rowcount != 1:
            return False
        text = (
            f"{row.label} moved from {long_date(row.due_on)} to {long_date(due_on)}.\n"
            f"Reason: {reason}"
        )
        _timeline(conn, row, staff_id, "rescheduled", text)
        staff_store.record(
            conn,
            f"staff:{staff_id}",
            "referral.check_rescheduled",
            "referral",
            ref,
            {
                "check": row.check_id,
                "from": row.due_on.isoformat(),
                "to": due_on.isoformat(),
                "reason_length": len(reason),
            },
        )
    return True


def long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def on_status(service: Service | None) -> OnStatus | None:
    """The hook casework.apply runs in a status change's transaction to schedule the service's
    checks (None when the service has none)."""
    configured = service_checks(service) if service is not None else ()
    if not configured:
        return None

    def scheduled(conn: Connection, referral_id: int, status: str) -> int:
        return schedule(conn, referral_id, status, configured)

    return scheduled


def on_arrival(conn: Connection, ref: str, service: Service, received_on: date) -> int:
    """Schedule the checks that start from ``received`` on a new referral, in the transaction
    that records it (store.create's on_created)."""
    referral_id = _referral_id(conn, ref)
    if referral_id is None:
        return 0
    return schedule(conn, referral_id, "received", service_checks(service), received_on)


def configs(service: Service | None) -> dict[str, CheckConfig]:
    """{check id: its configuration} for the record page (repeat, suggested interval)."""
    return {c.id: c for c in service_checks(service)} if service is not None else {}
