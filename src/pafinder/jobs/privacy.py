"""Data protection for job adverts: an advert is the employer's own record (their email address
and their words), so subject access lists every advert of the address and erasure deletes them
outright (replies go with them: job_replies cascades)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from pafinder.jobs.tables import jobs
from pafinder.subject import Subject, plain


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    rows = conn.execute(select(jobs).where(subject.email_is(jobs.c.email)).order_by(jobs.c.id))
    return {"job_adverts": [plain(r) for r in rows]}


def erase(conn: Connection, subject: Subject) -> dict[str, int]:
    done = conn.execute(delete(jobs).where(subject.email_is(jobs.c.email))).rowcount
    return {"job_adverts": int(done or 0)}
