"""All SQL for staff management of the register: the paged, filtered list of every listing,
taking a listing down, internal notes (the pa_notes table) and a listing's history.

History is read from the audit log (every change to a listing already writes a row there in the
change's own transaction, with who and when) rather than kept twice in a table of its own; notes
need their text kept, which the audit log must never hold, so they have a table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
)

from pafinder import outbox
from pafinder.db import metadata, utcnow
from pafinder.register import index, lifecycle_mail, lifecycle_store
from pafinder.register.tables import pas
from pafinder.settings import Settings
from pafinder.staff import store as staff_store

PAGE_SIZE = 50
MAX_REASON = 2000
MAX_NOTE = 5000
HISTORY_LIMIT = 500
# Looking at a record is not a change to it: the audit page lists those.
NOT_HISTORY = ("pa.viewed",)

# Staff-only notes on a listing: never shown to the PA, in their data download or in public.
# Deleted with the listing when the PA erases it (ON DELETE CASCADE).
pa_notes = Table(
    "pa_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pa_id", Integer, ForeignKey("pas.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("author_id", Integer, ForeignKey("staff.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("body", Text, nullable=False),
)


class NotPublished(Exception):
    """Only a published listing can be taken down (it may have changed since the page loaded)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


# --- The register -------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    state: str = ""
    q: str = ""
    page: int = 1

    def query(self, page: int | None = None) -> dict[str, str]:
        """The GET parameters that give this view (for the pagination links)."""
        params = {"state": self.state, "q": self.q}
        number = self.page if page is None else page
        if number > 1:
            params["page"] = str(number)
        return {k: v for k, v in params.items() if v}


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


def _state_clause(state: str) -> ColumnElement[bool] | None:
    if state == "published":
        return and_(pas.c.status == "published", pas.c.paused.is_(False))
    if state == "paused":
        return and_(pas.c.status == "published", pas.c.paused.is_(True))
    return pas.c.status == state if state else None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_clause(q: str) -> ColumnElement[bool]:
    """A reference, or part of a name or an email address, case-insensitively (portable SQL:
    lower() and LIKE with an escape character, no ILIKE)."""
    pattern = _like(q.lower())
    full_name = func.lower(pas.c.first_name + " " + pas.c.last_name)
    return or_(
        pas.c.ref == q.upper(),
        full_name.like(pattern, escape="\\"),
        func.lower(pas.c.email).like(pattern, escape="\\"),
    )


def listings(engine: Engine, filters: Filters) -> Page:
    """Every listing matching the filters, most recently changed first, a page at a time."""
    clauses = [c for c in (_state_clause(filters.state),) if c is not None]
    if filters.q:
        clauses.append(_search_clause(filters.q))
    with engine.connect() as conn:
        total = int(
            conn.execute(select(func.count()).select_from(pas).where(*clauses)).scalar_one()
        )
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(filters.page, 1), pages)
        rows = conn.execute(
            select(pas)
            .where(*clauses)
            .order_by(pas.c.updated_at.desc(), pas.c.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        found = [lifecycle_store.decode(r) for r in rows]
    return Page(found, total, page, pages)


# --- Taking a listing down ----------------------------------------------------------------


def take_down(engine: Engine, settings: Settings, ref: str, staff_id: int, reason: str) -> None:
    """Unpublish at once with a reason, and email the reason to the PA in the same transaction
    (the outbox), so the listing is never down without the PA being told, nor told without it
    being down. Raises NotPublished when it is not published (for example, posted twice)."""
    with engine.begin() as conn:
        row = conn.execute(select(pas).where(pas.c.ref == ref)).first()
        if row is None:
            raise lifecycle_store.NotFound(ref)
        if row.status != "published":
            raise NotPublished(str(row.status))
        conn.execute(
            pas.update()
            .where(pas.c.id == row.id, pas.c.status == "published")
            .values(status="taken_down", rejection_reason=reason, updated_at=utcnow())
        )
        message = lifecycle_mail.taken_down(settings, row.email, row.first_name, ref, reason)
        queued = outbox.queue(conn, message, "PA listing taken down")
        # The reason may name the person, so it stays on the listing, not in the log.
        staff_store.record(conn, f"staff:{staff_id}", "pa.taken_down", "pa", ref)
    # Out of the text index and the cached filters at once; the profile page reads the
    # database, so it answers 'not found' from the commit on.
    index.refresh_pa(engine, settings, int(row.id))
    outbox.deliver(engine, settings, [queued])


# --- Notes --------------------------------------------------------------------------------


def add_note(engine: Engine, ref: str, staff_id: int, body: str) -> None:
    with engine.begin() as conn:
        pa_id = conn.execute(select(pas.c.id).where(pas.c.ref == ref)).scalar()
        if pa_id is None:
            raise lifecycle_store.NotFound(ref)
        result = conn.execute(
            pa_notes.insert().values(
                pa_id=pa_id, author_id=staff_id, created_at=utcnow(), body=body
            )
        )
        note_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        # The text may hold personal data: the log says only that a note was added.
        staff_store.record(conn, f"staff:{staff_id}", "pa.note_added", "pa", ref, {"note": note_id})


def notes(engine: Engine, pa_id: int) -> list[dict[str, Any]]:
    """Newest first, with the author's email (empty when the account has gone)."""
    staff = staff_store.staff
    query = (
        select(pa_notes.c.id, pa_notes.c.created_at, pa_notes.c.body, staff.c.email)
        .select_from(pa_notes.outerjoin(staff, staff.c.id == pa_notes.c.author_id))
        .where(pa_notes.c.pa_id == pa_id)
        .order_by(pa_notes.c.created_at.desc(), pa_notes.c.id.desc())
    )
    with engine.connect() as conn:
        return [
            {"id": r.id, "at": r.created_at, "body": r.body, "author": r.email or ""}
            for r in conn.execute(query)
        ]


# --- History ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    at: datetime
    action: str
    actor: str
    detail: dict[str, Any]


def history(engine: Engine, listing: dict[str, Any]) -> list[Entry]:
    """Every change to the listing, newest first, from the audit log. A listing made without an
    audit row of its creation (an import) starts with its creation time."""
    log = staff_store.audit_log
    query = (
        select(log.c.at, log.c.action, log.c.actor, log.c.detail)
        .where(
            log.c.subject_type == "pa",
            log.c.subject_id == listing["ref"],
            log.c.action.not_in(NOT_HISTORY),
        )
        .order_by(log.c.at.desc(), log.c.id.desc())
        .limit(HISTORY_LIMIT)
    )
    with engine.connect() as conn:
        entries = [Entry(r.at, r.action, r.actor, _detail(r.detail)) for r in conn.execute(query)]
    if len(entries) < HISTORY_LIMIT and not any(e.action == "pa.registered" for e in entries):
        entries.append(Entry(listing["created_at"], "pa.created", "", {}))
    return entries


def _detail(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def staff_emails(engine: Engine, actors: set[str]) -> dict[str, str]:
    """'staff:12' -> that member's email, for the actors named in a history."""
    ids = {
        int(a[6:]) for a in actors if a.startswith("staff:") and a[6:].isascii() and a[6:].isdigit()
    }
    if not ids:
        return {}
    staff = staff_store.staff
    with engine.connect() as conn:
        rows = conn.execute(select(staff.c.id, staff.c.email).where(staff.c.id.in_(ids)))
        return {f"staff:{r.id}": r.email for r in rows}
