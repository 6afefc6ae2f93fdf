"""All SQL for requests for information in another format. Nothing else touches this table.

One row per request: the format, what information, how to send it, and the contact details the
chosen way needs. Free text (the language or other format, what information, the postal
address and the staff note) is encrypted at rest with the referral feature's data key
(pafinder.crypto), as it may say something about the person's disability. Every change is
written with its audit row in the same transaction; the audit never carries personal data.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

from pafinder import crypto
from pafinder.db import metadata
from pafinder.staff import store as staff_store

REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on the phone
PAGE_SIZE = 50
# A done request is kept this long (to answer a follow-up), then deleted by `pafinder purge`.
RETAIN_DONE = timedelta(days=90)

format_requests = Table(
    "format_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(16), nullable=False, unique=True),
    Column("form_key", String(64), nullable=False, unique=True),
    Column("received_at", DateTime, nullable=False, index=True),
    Column("format", String(20), nullable=False),
    Column("format_detail", Text, nullable=False, server_default=""),  # encrypted
    Column("page", String(200), nullable=False, server_default=""),
    Column("information", Text, nullable=False, server_default=""),  # encrypted
    Column("delivery", String(10), nullable=False),
    Column("name", String(100), nullable=False),
    Column("email", String(254), nullable=False, server_default="", index=True),
    Column("phone", String(20), nullable=False, server_default=""),
    Column("address", Text, nullable=False, server_default=""),  # encrypted
    Column("status", String(10), nullable=False, server_default="open", index=True),
    Column("done_at", DateTime, nullable=True, index=True),
    Column("done_by", String(40), nullable=False, server_default=""),
    Column("done_note", Text, nullable=False, server_default=""),  # encrypted
)

ENCRYPTED = ("format_detail", "information", "address", "done_note")


@dataclass(frozen=True)
class Submission:
    format: str
    format_detail: str
    page: str
    information: str
    delivery: str
    name: str
    email: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class FormatRequest:
    ref: str
    received_at: datetime
    format: str
    format_detail: str
    page: str
    information: str
    delivery: str
    name: str
    email: str
    phone: str
    address: str
    status: str
    done_at: datetime | None
    done_by: str
    done_note: str


def new_ref() -> str:
    chars = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"F-{chars[:4]}-{chars[4:]}"


def _request(engine: Engine, row: Any) -> FormatRequest:
    values = {name: getattr(row, name) for name in FormatRequest.__dataclass_fields__}
    for name in ENCRYPTED:
        values[name] = crypto.decrypt(engine, values[name])
    return FormatRequest(**values)


def create(
    engine: Engine,
    sub: Submission,
    form_key: str,
    received_at: datetime,
    on_created: Callable[[Connection, str], object] | None = None,
) -> tuple[str, bool]:
    """Record one request in one transaction: (reference, created). ``on_created(conn, ref)``
    runs inside it (to queue the acknowledgement). The same form key again returns the first
    reference and writes nothing, so a double submit records once."""
    try:
        with engine.begin() as conn:
            existing = conn.execute(
                select(format_requests.c.ref).where(format_requests.c.form_key == form_key)
            ).scalar()
            if existing:
                return str(existing), False
            ref = new_ref()
            while conn.execute(
                select(format_requests.c.id).where(format_requests.c.ref == ref)
            ).first():
                ref = new_ref()
            conn.execute(
                format_requests.insert().values(
                    ref=ref,
                    form_key=form_key,
                    received_at=received_at,
                    format=sub.format,
                    format_detail=crypto.encrypt(engine, sub.format_detail),
                    page=sub.page,
                    information=crypto.encrypt(engine, sub.information),
                    delivery=sub.delivery,
                    name=sub.name,
                    email=sub.email,
                    phone=sub.phone,
                    address=crypto.encrypt(engine, sub.address),
                )
            )
            detail = {"format": sub.format, "delivery": sub.delivery}
            staff_store.record(
                conn, "public", "format_request.received", "format_request", ref, detail
            )
            if on_created is not None:
                on_created(conn, ref)
            return ref, True
    except IntegrityError:
        # Two sends of one form racing past the check (PostgreSQL): the other one won.
        found = find_by_form_key(engine, form_key)
        if found is None:
            raise
        return found, False


def find_by_form_key(engine: Engine, form_key: str) -> str | None:
    with engine.connect() as conn:
        found = conn.execute(
            select(format_requests.c.ref).where(format_requests.c.form_key == form_key)
        ).scalar()
    return str(found) if found else None


def view(engine: Engine, ref: str, who: str) -> FormatRequest | None:
    """One request, its viewing audited in the same transaction (it is personal data)."""
    with engine.begin() as conn:
        row = conn.execute(select(format_requests).where(format_requests.c.ref == ref[:16])).first()
        if row is None:
            return None
        staff_store.record(conn, who, "format_request.viewed", "format_request", row.ref)
    return _request(engine, row)


def mark_done(engine: Engine, ref: str, who: str, note: str, now: datetime) -> bool | None:
    """Mark an open request done with an optional note: True when done now, False when it was
    done already (a second click changes nothing), None when there is no such request."""
    with engine.begin() as conn:
        result = conn.execute(
            format_requests.update()
            .where(format_requests.c.ref == ref[:16], format_requests.c.status == "open")
            .values(status="done", done_at=now, done_by=who, done_note=crypto.encrypt(engine, note))
        )
        if result.rowcount != 1:
            found = conn.execute(
                select(format_requests.c.id).where(format_requests.c.ref == ref[:16])
            ).first()
            return False if found else None
        detail = {"note_length": len(note)}
        staff_store.record(conn, who, "format_request.done", "format_request", ref, detail)
    return True


@dataclass(frozen=True)
class Page:
    rows: list[FormatRequest]
    total: int
    page: int
    pages: int


def list_page(engine: Engine, status: str, page: int) -> Page:
    """Newest first, PAGE_SIZE a page; a page past the end shows the last page."""
    where = [format_requests.c.status == status] if status else []
    with engine.connect() as conn:
        total = int(
            conn.execute(select(func.count()).select_from(format_requests).where(*where)).scalar()
            or 0
        )
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        rows = conn.execute(
            select(format_requests)
            .where(*where)
            .order_by(format_requests.c.received_at.desc(), format_requests.c.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
    return Page([_request(engine, r) for r in rows], total, page, pages)


def purge(conn: Connection, now: datetime) -> int:
    """Delete requests done more than RETAIN_DONE ago (for `pafinder purge`)."""
    result = conn.execute(
        delete(format_requests).where(
            format_requests.c.status == "done", format_requests.c.done_at < now - RETAIN_DONE
        )
    )
    return int(result.rowcount)
