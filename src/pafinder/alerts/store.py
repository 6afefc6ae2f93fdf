"""All SQL of the alerts' own tables (job_alerts and saved_searches share their lifecycle).

A sign-up is a row with ``confirmed_at`` empty; opening the signed link confirms it and starts
its watermark then, so the first digest holds only what was published after confirming. The
same alert asked for again is the same row (its fingerprint is unique): a double submit records
once and sends one email.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, select, update

from pafinder.alerts.tables import job_alerts, saved_searches
from pafinder.db import utcnow

CONFIRM_FOR = timedelta(days=7)  # the confirmation link's life
# A repeat of a sign-up within this time sends no second email (a double submit, a reload).
RESEND_AFTER = timedelta(minutes=10)
# A saved search lasts this long from confirmation or its latest renewal (issue 13, point 4).
SEARCH_LASTS = timedelta(days=183)
# A digest within this time of the end says so, with the "keep this alert" link.
WARN_BEFORE = timedelta(days=31)

KINDS: dict[str, Table] = {"jobs": job_alerts, "pas": saved_searches}


def fingerprint(email: str, what: Any) -> str:
    canonical = json.dumps([email, what], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class SignUp(Enum):
    NEW = "new"  # a confirmation email is due
    REPEAT = "repeat"  # asked again within RESEND_AFTER: nothing more is sent
    ALREADY = "already"  # already confirmed: nothing is sent


def sign_up(conn: Connection, kind: str, email: str, values: dict[str, str]) -> tuple[SignUp, int]:
    """Record a sign-up (inside the caller's transaction, which also queues its email).
    ``values`` are the columns saying what to match (areas/tasks, or params) as JSON text."""
    table = KINDS[kind]
    now = utcnow()
    key = fingerprint(email, values)
    row = conn.execute(select(table).where(table.c.fingerprint == key)).mappings().first()
    if row is None:
        result = conn.execute(
            table.insert().values(email=email, fingerprint=key, created_at=now, **values)
        )
        return SignUp.NEW, int(result.inserted_primary_key[0])  # type: ignore[index]
    if row["confirmed_at"] is not None:
        return SignUp.ALREADY, int(row["id"])
    if now - row["created_at"] < RESEND_AFTER:
        return SignUp.REPEAT, int(row["id"])
    conn.execute(update(table).where(table.c.id == row["id"]).values(created_at=now))
    return SignUp.NEW, int(row["id"])


class Confirmed(Enum):
    NOW = "now"
    ALREADY = "already"
    MISSING = "missing"  # unsubscribed, purged or erased


def confirm(engine: Engine, kind: str, alert_id: int) -> Confirmed:
    table = KINDS[kind]
    now = utcnow()
    with engine.begin() as conn:
        row = conn.execute(select(table).where(table.c.id == alert_id)).mappings().first()
        if row is None:
            return Confirmed.MISSING
        if row["confirmed_at"] is not None:
            return Confirmed.ALREADY
        values: dict[str, Any] = {"confirmed_at": now, "watermark": now}
        if kind == "pas":
            values["renewed_at"] = now
        conn.execute(update(table).where(table.c.id == alert_id).values(**values))
    return Confirmed.NOW


def unsubscribe(engine: Engine, kind: str, alert_id: int) -> bool:
    """Delete the alert; idempotent. False when there was no such row."""
    table = KINDS[kind]
    with engine.begin() as conn:
        done = conn.execute(delete(table).where(table.c.id == alert_id)).rowcount
    return bool(done)


def renew(engine: Engine, alert_id: int) -> datetime | None:
    """Restart a confirmed saved search's 6 months; the new end, or None when it is gone."""
    now = utcnow()
    with engine.begin() as conn:
        done = conn.execute(
            update(saved_searches)
            .where(saved_searches.c.id == alert_id, saved_searches.c.confirmed_at.is_not(None))
            .values(renewed_at=now)
        ).rowcount
    return now + SEARCH_LASTS if done else None


def ends(renewed_at: datetime) -> datetime:
    return renewed_at + SEARCH_LASTS


@dataclass(frozen=True)
class Due:
    """A confirmed alert as send-alerts reads it."""

    id: int
    email: str
    what: dict[str, Any]  # areas/tasks lists, or params pairs
    watermark: datetime
    renewed_at: datetime | None
    last_sent_at: datetime | None


def confirmed(conn: Connection, kind: str) -> list[Due]:
    table = KINDS[kind]
    columns = ["areas", "tasks"] if kind == "jobs" else ["params"]
    query = select(table).where(table.c.confirmed_at.is_not(None)).order_by(table.c.id)
    out = []
    for row in conn.execute(query).mappings():
        what = {c: json.loads(row[c]) for c in columns}
        renewed = row["renewed_at"] if kind == "pas" else None
        out.append(
            Due(row["id"], row["email"], what, row["watermark"], renewed, row["last_sent_at"])
        )
    return out


def mark_sent(
    conn: Connection, kind: str, ids: Sequence[int], watermark: datetime, emailed: Sequence[int]
) -> None:
    """Move these alerts' watermark on, and note when ``emailed`` ones were sent a digest (in
    the transaction that queued their digests)."""
    table = KINDS[kind]
    if ids:
        conn.execute(update(table).where(table.c.id.in_(list(ids))).values(watermark=watermark))
    if emailed:
        conn.execute(
            update(table).where(table.c.id.in_(list(emailed))).values(last_sent_at=watermark)
        )


def purge(engine: Engine, now: datetime | None = None) -> dict[str, int]:
    """Delete sign-ups whose link has expired unconfirmed, and saved searches past their 6
    months (run by send-alerts). Counts by what was deleted."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for kind, table in KINDS.items():
            gone = conn.execute(
                delete(table).where(
                    table.c.confirmed_at.is_(None), table.c.created_at < now - CONFIRM_FOR
                )
            ).rowcount
            counts[f"unconfirmed_{kind}"] = int(gone or 0)
        expired = conn.execute(
            delete(saved_searches).where(saved_searches.c.renewed_at < now - SEARCH_LASTS)
        ).rowcount
        counts["expired_searches"] = int(expired or 0)
    return counts
