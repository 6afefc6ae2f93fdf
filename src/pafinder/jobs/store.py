"""All SQL of posting and managing job adverts (the finding side reads with its own queries).

Functions take a Connection so the caller holds one transaction for the change, its audit entry
and the email it queues.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select

from pafinder.db import utcnow
from pafinder.jobs.tables import LIST_FIELDS, jobs

# As the PA references (register lifecycle_store), with a J in front: no 0/O or 1/I/L.
REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RETAIN_AFTER_CLOSE = timedelta(days=90)
FIELDS = (
    "title",
    "tasks",
    "tasks_other",
    "availability",
    "hours_per_week",
    "pay_pence",
    "areas",
    "postcode",
    "gender_requirement",
    "gender_reason",
    "dbs",
    "driving",
    "starts",
    "closes",
    "summary",
)


class NotFound(Exception):
    pass


def new_ref() -> str:
    return "J" + "".join(secrets.choice(REF_ALPHABET) for _ in range(7))


def _encode(job: dict[str, Any]) -> dict[str, Any]:
    row = {k: job[k] for k in FIELDS if k in job}
    for key in LIST_FIELDS:
        if key in row:
            row[key] = json.dumps(list(row[key]))
    return row


def _decode(row: Any) -> dict[str, Any]:
    job = dict(row._mapping)
    for key in LIST_FIELDS:
        job[key] = json.loads(job[key] or "[]")
    return job


def create(conn: Connection, ref: str, job: dict[str, Any]) -> int:
    now = utcnow()
    result = conn.execute(
        jobs.insert().values(
            ref=ref,
            status="unconfirmed",
            email=job["email"],
            created_at=now,
            updated_at=now,
            **_encode(job),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get(conn: Connection, job_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return _decode(row) if row is not None else None


def get_by_ref(conn: Connection, ref: str) -> dict[str, Any] | None:
    row = conn.execute(select(jobs).where(jobs.c.ref == ref[:16])).first()
    return _decode(row) if row is not None else None


def confirm(conn: Connection, job_id: int) -> tuple[dict[str, Any], bool]:
    """(the advert, whether this opening confirmed it); only an unconfirmed one moves."""
    job = get(conn, job_id)
    if job is None:
        raise NotFound
    if job["status"] != "unconfirmed":
        return job, False
    now = utcnow()
    conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == "unconfirmed")
        .values(status="pending", confirmed_at=now, updated_at=now)
    )
    job.update(status="pending", confirmed_at=now)
    return job, True


def pending(conn: Connection) -> list[dict[str, Any]]:
    """The staff queue: the longest-waiting first."""
    query = select(jobs).where(jobs.c.status == "pending").order_by(jobs.c.confirmed_at, jobs.c.id)
    return [_decode(r) for r in conn.execute(query)]


def publish(conn: Connection, job_id: int, staff_id: int | None) -> bool:
    now = utcnow()
    done = conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == "pending")
        .values(
            status="published",
            published_at=now,
            published_by=staff_id,
            updated_at=now,
            returned_reason="",
        )
    ).rowcount
    return bool(done)


def send_back(conn: Connection, job_id: int, reason: str) -> bool:
    done = conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == "pending")
        .values(status="returned", returned_reason=reason, updated_at=utcnow())
    ).rowcount
    return bool(done)


def update(conn: Connection, job_id: int, job: dict[str, Any]) -> str:
    """The employer's edit; a published or returned advert goes back to staff. Returns the new
    status."""
    current = get(conn, job_id)
    if current is None:
        raise NotFound
    status = current["status"]
    if status in ("published", "returned"):
        status = "pending"
    conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id)
        .values(status=status, updated_at=utcnow(), **_encode(job))
    )
    return str(status)


def close(conn: Connection, job_id: int) -> bool:
    now = utcnow()
    done = conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status != "closed")
        .values(status="closed", closed_at=now, updated_at=now)
    ).rowcount
    return bool(done)


def remove(conn: Connection, job_id: int) -> bool:
    return bool(conn.execute(delete(jobs).where(jobs.c.id == job_id)).rowcount)


def purge(conn: Connection, confirm_for: timedelta, now: datetime, today: date) -> int:
    """Retention: adverts never confirmed within the link's life, and every advert 90 days
    after its closing date (or after it was closed early, whichever is sooner)."""
    old = or_(
        and_(jobs.c.status == "unconfirmed", jobs.c.created_at < now - confirm_for),
        jobs.c.closes < today - RETAIN_AFTER_CLOSE,
        and_(jobs.c.closed_at.is_not(None), jobs.c.closed_at < now - RETAIN_AFTER_CLOSE),
    )
    return int(conn.execute(delete(jobs).where(old)).rowcount or 0)


def for_email(conn: Connection, email: str) -> list[dict[str, Any]]:
    query = select(jobs).where(func.lower(jobs.c.email) == email.lower()).order_by(jobs.c.id)
    return [_decode(r) for r in conn.execute(query)]


def erase_email(conn: Connection, email: str) -> int:
    return int(
        conn.execute(delete(jobs).where(func.lower(jobs.c.email) == email.lower())).rowcount or 0
    )
