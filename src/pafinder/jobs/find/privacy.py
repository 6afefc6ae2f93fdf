"""Data protection for PAs' replies to adverts. The message itself is never stored (it goes to
the employer by email); what remains is one job_replies row per reply holding a hash of the
sender's address, which is still about them: subject access lists those rows (advert reference
and time) and erasure deletes them. An employer's own erasure removes their adverts, and the
replies to them with them (jobs/privacy.py; job_replies cascades)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from pafinder.jobs.find.reply import sender_hash
from pafinder.jobs.tables import job_replies, jobs
from pafinder.subject import Subject


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    if not subject.email.strip():
        return {"job_replies_sent": []}
    rows = conn.execute(
        select(jobs.c.ref, job_replies.c.created_at)
        .join(jobs, jobs.c.id == job_replies.c.job_id)
        .where(job_replies.c.sender_hash == sender_hash(subject.email))
        .order_by(job_replies.c.id)
    )
    return {
        "job_replies_sent": [
            {"advert": r.ref, "sent_at": r.created_at.isoformat() + "Z"} for r in rows
        ]
    }


def erase(conn: Connection, subject: Subject) -> dict[str, int]:
    if not subject.email.strip():
        return {"job_replies_sent": 0}
    done = conn.execute(
        delete(job_replies).where(job_replies.c.sender_hash == sender_hash(subject.email))
    ).rowcount
    return {"job_replies_sent": int(done or 0)}
