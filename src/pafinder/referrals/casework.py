"""All SQL for case work on a referral: status, priority, assignee and notes, each written with a
timeline row and an audit row in one transaction, behind an optimistic version check.

Every form on the record page carries the referral's ``version`` as it was shown. A change
applies only while the version is still that one and moves it on, so a second person's change
made in the meantime, or the same form sent twice, changes nothing (``Stale``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    select,
)

from pafinder import crypto
from pafinder.db import metadata, utcnow
from pafinder.referrals.store import referrals
from pafinder.staff import store as staff_store

NOTE_LIMIT = 5000
SIGNPOSTED_LIMIT = 500

referral_changes = Table(
    "referral_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "referral_id",
        Integer,
        ForeignKey("referrals.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("at", DateTime, nullable=False),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=True),
    # status, priority, assign or note; from/to hold statuses, priorities or staff ids.
    Column("what", String(20), nullable=False),
    Column("from_value", String(40), nullable=False, server_default=""),
    Column("to_value", String(40), nullable=False, server_default=""),
    Column("reason", String(40), nullable=False, server_default=""),
    Column("signposted_to", String(500), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
)
Index("ix_referral_changes_referral_id", referral_changes.c.referral_id, referral_changes.c.id)


class Stale(Exception):
    """The referral changed since the page was shown (or there is no such referral)."""


@dataclass(frozen=True)
class Change:
    """One change to a referral: ``values`` for the referral row, the rest for the timeline."""

    what: str
    to_value: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    signposted_to: str = ""
    note: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    who: str
    what: str
    from_value: str
    to_value: str
    reason: str
    signposted_to: str
    note: str


def _from_value(row: Any, what: str) -> str:
    if what == "status":
        return str(row.status)
    if what == "priority":
        return str(row.priority)
    if what == "assign":
        return "" if row.assigned_to is None else str(row.assigned_to)
    return ""


# Runs inside a status change's transaction with (connection, referral id, new status): the
# checks that start from that status are scheduled with it (pafinder.referrals.checks.schedule).
OnStatus = Callable[[Connection, int, str], object]


def apply(
    engine: Engine,
    ref: str,
    version: int,
    staff_id: int,
    change: Change,
    on_status: OnStatus | None = None,
) -> None:
    """Record ``change`` if the referral is still at ``version``; raises Stale otherwise."""
    with engine.begin() as conn:
        row = conn.execute(select(referrals).where(referrals.c.ref == ref)).first()
        if row is None or row.version != version:
            raise Stale(ref)
        now = utcnow()
        values = dict(change.values)
        # First contact is the first change out of `received` (which nothing returns to).
        if change.what == "status" and row.first_contact_at is None:
            values["first_contact_at"] = now
        # The version in the WHERE clause is what makes this safe on PostgreSQL too, where two
        # transactions can both have read the old version.
        updated = conn.execute(
            referrals.update()
            .where(referrals.c.id == row.id, referrals.c.version == version)
            .values(**values, version=version + 1)
        )
        if updated.rowcount != 1:
            raise Stale(ref)
        from_value = _from_value(row, change.what)
        conn.execute(
            referral_changes.insert().values(
                referral_id=row.id,
                at=now,
                staff_id=staff_id,
                what=change.what,
                from_value=from_value,
                to_value=change.to_value,
                reason=change.reason,
                signposted_to=change.signposted_to,
                # May hold health and safeguarding details: encrypted at rest.
                note=crypto.encrypt(engine, change.note),
            )
        )
        _audit(conn, staff_id, ref, change, from_value)
        if change.what == "status" and on_status is not None:
            on_status(conn, row.id, change.to_value)


def _audit(conn: Connection, staff_id: int, ref: str, change: Change, from_value: str) -> None:
    # Values and reasons only: the note and the signposting text may hold personal details,
    # and the audit log outlives the record.
    detail: dict[str, Any] = {"from": from_value, "to": change.to_value}
    if change.reason:
        detail["reason"] = change.reason
    if change.what == "note" or change.note:
        detail["note_length"] = len(change.note)
    staff_store.record(
        conn, f"staff:{staff_id}", f"referral.{change.what}", "referral", ref, detail
    )


def timeline(engine: Engine, ref: str) -> list[TimelineEntry]:
    """Every change to the referral, newest first, naming staff by email."""
    query = (
        select(referral_changes, staff_store.staff.c.email)
        .join(referrals, referrals.c.id == referral_changes.c.referral_id)
        .outerjoin(staff_store.staff, staff_store.staff.c.id == referral_changes.c.staff_id)
        .where(referrals.c.ref == ref)
        .order_by(referral_changes.c.id.desc())
    )
    with engine.connect() as conn:
        return [
            TimelineEntry(
                at=r.at,
                who=r.email or "Unknown",
                what=r.what,
                from_value=r.from_value,
                to_value=r.to_value,
                reason=r.reason,
                signposted_to=r.signposted_to,
                note=crypto.decrypt(engine, r.note),
            )
            for r in conn.execute(query)
        ]


def staff_emails(engine: Engine, active_only: bool = False) -> dict[int, str]:
    """{staff id: email} for naming assignees (read-only; accounts are staff/store.py's)."""
    query = select(staff_store.staff.c.id, staff_store.staff.c.email).order_by(
        staff_store.staff.c.email
    )
    if active_only:
        query = query.where(staff_store.staff.c.disabled_at.is_(None))
    with engine.connect() as conn:
        return {int(i): str(e) for i, e in conn.execute(query)}
