"""All SQL for complaints, compliments and comments. Nothing else touches this table.

One row per item: what the person sent (details and optional contact details) and what staff
recorded about it (theme, action taken, outcome, the dates acknowledged and responded, open or
closed). Every change is written with an audit row in the same transaction, behind an
optimistic version check, so two staff never overwrite each other and a form sent twice
changes nothing the second time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.exc import IntegrityError

from pafinder.db import metadata
from pafinder.periods import utc_bounds
from pafinder.staff import store as staff_store

GENERAL = "general"
PAGE_SIZE = 50
# The same alphabet as referral references: no 0/O, 1/I/L or U, so a reference read out on the
# phone is not misheard.
REF_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"

complaints = Table(
    "complaints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(16), nullable=False, unique=True),
    Column("form_key", String(64), nullable=False, unique=True),
    Column("kind", String(20), nullable=False, index=True),
    Column("service", String(100), nullable=False, index=True),
    Column("received_at", DateTime, nullable=False, index=True),
    Column("details", Text, nullable=False),
    Column("name", String(100), nullable=False, server_default=""),
    Column("email", String(254), nullable=False, server_default=""),
    Column("phone", String(20), nullable=False, server_default=""),
    # What staff record (empty until they do).
    Column("status", String(10), nullable=False, server_default="open"),
    Column("theme", String(40), nullable=False, server_default=""),
    Column("action_taken", Text, nullable=False, server_default=""),
    Column("outcome", String(40), nullable=False, server_default=""),
    Column("acknowledged_on", Date, nullable=True),
    Column("responded_on", Date, nullable=True),
    Column("version", Integer, nullable=False, server_default="1"),
)

# What staff may change, in the order the audit row names them.
RECORDED = ("theme", "action_taken", "outcome", "acknowledged_on", "responded_on", "status")


@dataclass(frozen=True)
class Submission:
    kind: str
    service: str
    details: str
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Complaint:
    ref: str
    kind: str
    service: str
    received_at: datetime
    details: str
    name: str
    email: str
    phone: str
    status: str
    theme: str
    action_taken: str
    outcome: str
    acknowledged_on: date | None
    responded_on: date | None
    version: int


class Stale(Exception):
    """The item changed since the page was shown."""


def new_ref() -> str:
    chars = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"C-{chars[:4]}-{chars[4:]}"


def _complaint(row: Any) -> Complaint:
    return Complaint(**{name: getattr(row, name) for name in Complaint.__dataclass_fields__})


def create(
    engine: Engine,
    sub: Submission,
    form_key: str,
    received_at: datetime,
    on_created: Callable[[Connection, Complaint], object] | None = None,
) -> tuple[str, bool]:
    """Record one item in one transaction: (reference, created). ``on_created`` runs inside it
    (to queue the emails). The same form key again returns the first reference, writing nothing."""
    try:
        with engine.begin() as conn:
            existing = conn.execute(
                select(complaints.c.ref).where(complaints.c.form_key == form_key)
            ).scalar()
            if existing:
                return str(existing), False
            ref = new_ref()
            while conn.execute(select(complaints.c.id).where(complaints.c.ref == ref)).first():
                ref = new_ref()
            conn.execute(
                complaints.insert().values(
                    ref=ref,
                    form_key=form_key,
                    kind=sub.kind,
                    service=sub.service,
                    received_at=received_at,
                    details=sub.details,
                    name=sub.name,
                    email=sub.email,
                    phone=sub.phone,
                )
            )
            # No personal data in the audit detail: it outlives the record.
            staff_store.record(
                conn,
                "public",
                "complaint.received",
                "complaint",
                ref,
                {"kind": sub.kind, "service": sub.service},
            )
            if on_created is not None:
                row = conn.execute(select(complaints).where(complaints.c.ref == ref)).one()
                on_created(conn, _complaint(row))
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
            select(complaints.c.ref).where(complaints.c.form_key == form_key)
        ).scalar()
    return str(found) if found else None


def get(engine: Engine, ref: str) -> Complaint | None:
    with engine.connect() as conn:
        row = conn.execute(select(complaints).where(complaints.c.ref == ref[:16])).first()
    return _complaint(row) if row else None


def record_view(engine: Engine, who: str, ref: str) -> None:
    with engine.begin() as conn:
        staff_store.record(conn, who, "complaint.viewed", "complaint", ref)


def update(engine: Engine, ref: str, version: int, who: str, values: dict[str, Any]) -> list[str]:
    """Write the recorded fields that differ, with one audit row naming them (never their
    words). Returns the names changed ([] when nothing did: no write, no audit row).
    Raises Stale when the item is no longer at ``version``."""
    with engine.begin() as conn:
        row = conn.execute(select(complaints).where(complaints.c.ref == ref)).first()
        if row is None or row.version != version:
            raise Stale(ref)
        changed = [
            name for name in RECORDED if name in values and values[name] != row._mapping[name]
        ]
        if not changed:
            return []
        result = conn.execute(
            complaints.update()
            .where(complaints.c.ref == ref, complaints.c.version == version)
            .values(**{name: values[name] for name in changed}, version=version + 1)
        )
        if result.rowcount != 1:
            raise Stale(ref)
        detail: dict[str, Any] = {"changed": changed}
        for name in ("status", "theme", "outcome"):  # plain codes, not personal data
            if name in changed:
                detail[name] = values[name]
        staff_store.record(conn, who, "complaint.updated", "complaint", ref, detail)
    return changed


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    service: str = ""
    status: str = ""  # "", "open" or "closed"
    page: int = 1

    def query(self, page: int | None = None) -> dict[str, str]:
        params = {"kind": self.kind, "service": self.service, "status": self.status}
        if page is not None and page > 1:
            params["page"] = str(page)
        return {k: v for k, v in params.items() if v}


@dataclass(frozen=True)
class Page:
    rows: list[Complaint]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


def _visible(visible: Collection[str] | None) -> ColumnElement[bool]:
    """General items belong to no one service, so everyone sees them."""
    if visible is None:
        return true()
    return or_(complaints.c.service == GENERAL, complaints.c.service.in_(list(visible)))


def list_page(engine: Engine, filters: Filters, visible: Collection[str] | None) -> Page:
    """Newest first, PAGE_SIZE a page; a page past the end shows the last page."""
    where = [_visible(visible)]
    if filters.kind:
        where.append(complaints.c.kind == filters.kind)
    if filters.service:
        where.append(complaints.c.service == filters.service)
    if filters.status:
        where.append(complaints.c.status == filters.status)
    with engine.connect() as conn:
        total = int(
            conn.execute(select(func.count()).select_from(complaints).where(*where)).scalar() or 0
        )
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(filters.page, pages)
        rows = conn.execute(
            select(complaints)
            .where(*where)
            .order_by(complaints.c.received_at.desc(), complaints.c.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
    return Page([_complaint(r) for r in rows], total, page, pages)


def counts(engine: Engine, service_slug: str, start: date, end: date) -> dict[str, int]:
    """Complaints and compliments received for the service on the London days start..end
    (both included), for the quarterly returns (CONTRACT "Quarterly returns")."""
    after, before = utc_bounds(start, end)
    query = (
        select(complaints.c.kind, func.count())
        .where(
            and_(
                complaints.c.service == service_slug,
                complaints.c.received_at >= after,
                complaints.c.received_at < before,
                complaints.c.kind.in_(["complaint", "compliment"]),
            )
        )
        .group_by(complaints.c.kind)
    )
    with engine.connect() as conn:
        found = {str(kind): int(n) for kind, n in conn.execute(query)}
    return {f"complaints.{kind}": found.get(kind, 0) for kind in ("complaint", "compliment")}
