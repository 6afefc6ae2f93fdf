"""Data protection for alerts (issue 13): an address and what it matches are the whole record,
so subject access lists an email's job alerts and saved searches, and erasure deletes them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from pafinder.alerts.tables import job_alerts, saved_searches
from pafinder.subject import Subject, plain

TABLES = (job_alerts, saved_searches)


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in TABLES:
        rows = conn.execute(
            select(table).where(subject.email_is(table.c.email)).order_by(table.c.id)
        )
        out[table.name] = [plain(r) for r in rows]
    return out


def erase(conn: Connection, subject: Subject) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        done = conn.execute(delete(table).where(subject.email_is(table.c.email))).rowcount
        counts[table.name] = int(done or 0)
    return counts
