"""Data protection for the PA register (issue 12): subject access and erasure.

A PA's own listing is erased by lifecycle_store.erase (the PA's own "delete my listing": the
listing, its messages, staff notes and typed "Other" answers go, the search index drops it at
once). Messages someone
sent to PAs through the site are deleted here; their retention is register.store.purge_contacts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select

from pafinder.register.admin.store import pa_notes
from pafinder.register.tables import pa_contacts, pa_other_answers, pas
from pafinder.subject import Subject, plain


def listing_refs(conn: Connection, subject: Subject) -> list[str]:
    query = select(pas.c.ref).where(subject.contact_is(pas.c.email, pas.c.phone))
    return [str(r) for r in conn.execute(query).scalars()]


def _sent(subject: Subject) -> Any:
    return subject.contact_is(pa_contacts.c.sender_email, pa_contacts.c.sender_phone)


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    listings = []
    for row in conn.execute(select(pas).where(subject.contact_is(pas.c.email, pas.c.phone))):
        listing = plain(row)
        listing["messages_received"] = [
            plain(m) for m in conn.execute(select(pa_contacts).where(pa_contacts.c.pa_id == row.id))
        ]
        listing["staff_notes"] = [
            plain(n) for n in conn.execute(select(pa_notes).where(pa_notes.c.pa_id == row.id))
        ]
        # What they typed beside "Other" (languages, qualifications) and whether it was approved.
        listing["other_answers"] = [
            plain(a)
            for a in conn.execute(
                select(pa_other_answers)
                .where(pa_other_answers.c.pa_id == row.id)
                .order_by(pa_other_answers.c.kind)
            )
        ]
        listings.append(listing)
    sent = conn.execute(
        select(pa_contacts, pas.c.ref.label("to_pa"))
        .join(pas, pas.c.id == pa_contacts.c.pa_id)
        .where(_sent(subject))
        .order_by(pa_contacts.c.id)
    )
    return {"pa_listings": listings, "messages_sent_to_pas": [plain(m) for m in sent]}


def erase_sent(conn: Connection, subject: Subject) -> dict[str, int]:
    """The messages the person sent to PAs (their own listing is lifecycle_store.erase's)."""
    done = conn.execute(delete(pa_contacts).where(_sent(subject))).rowcount
    return {"pa_contacts": int(done)}


def purge_messages(conn: Connection, days: int, now: datetime) -> int:
    """Messages to PAs older than ``days`` (PAFINDER_RETAIN_MESSAGES_DAYS)."""
    cutoff = now - timedelta(days=days)
    return int(conn.execute(delete(pa_contacts).where(pa_contacts.c.created_at < cutoff)).rowcount)
