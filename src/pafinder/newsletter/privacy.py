"""Data protection for the newsletter list (issue 12): an address is the whole record, so
erasure deletes the row (the issues sent keep only their counts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from pafinder.newsletter.store import newsletter_subscribers
from pafinder.subject import Subject, plain


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    rows = conn.execute(
        select(newsletter_subscribers).where(subject.email_is(newsletter_subscribers.c.email))
    )
    return {"newsletter_subscribers": [plain(r) for r in rows]}


def erase(conn: Connection, subject: Subject) -> dict[str, int]:
    done = conn.execute(
        delete(newsletter_subscribers).where(subject.email_is(newsletter_subscribers.c.email))
    ).rowcount
    return {"newsletter_subscribers": int(done)}
