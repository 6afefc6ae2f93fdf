"""Unfinished form answers kept on the server, so they survive a refresh, the back button and a
validation error without JavaScript, and never sit in a cookie (they may hold personal data).

The draft id travels in the signed session cookie (or a signed hidden field); the row holds the
answers as JSON. ``submitted_ref`` makes a double submit idempotent: the second submission of a
draft finds the reference the first one committed. Drafts are deleted after DRAFT_TTL without
activity; a referral's (kind ``referral:...``) after REFERRAL_DRAFT_TTL, because a referral holds
health and safety details and may be typed on a shared computer (issue 11).

When a form is sent, ``claim_draft`` wipes the answers in the submission's own transaction: the
record (referral, listing) now holds them, encrypted where it must be, and a reason or an access
need must not also sit in clear here for a day. The row itself stays, holding only the draft id
and the reference, until DRAFT_TTL: that is what makes the second click of a double submit find
the first one's reference. We kept the row rather than move (draft id -> reference) to a table
of its own because the row is exactly that once wiped, and it needs no migration.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Engine, String, Table, Text, delete, select

from pafinder.db import metadata, utcnow

DRAFT_TTL = timedelta(hours=24)
REFERRAL_DRAFT_TTL = timedelta(minutes=60)
REFERRAL_KIND_PREFIX = "referral:"
SENT = "{}"  # what a sent draft's answers become

form_drafts = Table(
    "form_drafts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False, index=True),
    Column("submitted_ref", String(40), nullable=True),
)


def ttl_for(kind: str) -> timedelta:
    """How long a draft of this kind lives after its last save or view."""
    return REFERRAL_DRAFT_TTL if kind.startswith(REFERRAL_KIND_PREFIX) else DRAFT_TTL


def new_draft(engine: Engine, kind: str, data: dict[str, Any] | None = None) -> str:
    draft_id = secrets.token_urlsafe(24)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            form_drafts.insert().values(
                id=draft_id, kind=kind, data=json.dumps(data or {}), created_at=now, updated_at=now
            )
        )
    return draft_id


def load_draft(engine: Engine, draft_id: str | None, kind: str) -> dict[str, Any] | None:
    """The answers so far, or None when the draft is unknown, of another kind, or expired."""
    if not draft_id:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(form_drafts).where(form_drafts.c.id == draft_id, form_drafts.c.kind == kind)
        ).first()
    if row is None or row.updated_at < utcnow() - ttl_for(kind):
        return None
    data: dict[str, Any] = json.loads(row.data)
    if row.submitted_ref:
        data["_submitted_ref"] = row.submitted_ref
    return data


def save_draft(engine: Engine, draft_id: str, kind: str, data: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(
            form_drafts.update()
            .where(form_drafts.c.id == draft_id, form_drafts.c.kind == kind)
            .values(data=json.dumps(data), updated_at=utcnow())
        )


def delete_draft(engine: Engine, draft_id: str, kind: str) -> None:
    """'Delete my answers': the row goes at once, not at expiry."""
    with engine.begin() as conn:
        conn.execute(
            delete(form_drafts).where(form_drafts.c.id == draft_id, form_drafts.c.kind == kind)
        )


def claim_draft(conn: Connection, draft_id: str, ref: str) -> str | None:
    """Inside the submission's own transaction: mark the draft submitted as ``ref`` and wipe
    its answers (so they commit, or roll back, with the record they went into).

    Returns the reference an earlier submission already recorded (a double submit), or None when
    this submission is the first and should go ahead.
    """
    row = conn.execute(
        select(form_drafts.c.submitted_ref).where(form_drafts.c.id == draft_id)
    ).first()
    if row is not None and row.submitted_ref:
        return str(row.submitted_ref)
    conn.execute(
        form_drafts.update()
        .where(form_drafts.c.id == draft_id)
        .values(submitted_ref=ref, data=SENT, updated_at=utcnow())
    )
    return None


def purge_expired(engine: Engine) -> int:
    with engine.begin() as conn:
        now = utcnow()
        old = form_drafts.c.updated_at < now - DRAFT_TTL
        old_referral = form_drafts.c.kind.startswith(REFERRAL_KIND_PREFIX, autoescape=True) & (
            form_drafts.c.updated_at < now - REFERRAL_DRAFT_TTL
        )
        result = conn.execute(delete(form_drafts).where(old | old_referral))
    return int(result.rowcount or 0)
