"""A durable queue for outgoing email, so a mail server being down or a crash loses nothing.

Every email is first written to the ``mail_outbox`` table, where the change that causes it can
write it in its own transaction (a referral and its acknowledgement commit together), and then
delivered at once. A delivery that fails stays queued and is tried again with growing pauses by
``pafinder send-mail`` (run it every few minutes). A sent email's row is deleted, so message
bodies, which hold personal data, are kept only while they wait.

Delivery is at least once: a crash after the mail server accepted a message but before its row
was deleted sends it again. A rare duplicate is better than a lost acknowledgement.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import lru_cache

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    String,
    Table,
    delete,
    func,
    or_,
    select,
    update,
)

from pafinder import mail
from pafinder.db import make_engine, metadata, utcnow
from pafinder.settings import Settings

log = logging.getLogger(__name__)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    # What the email is for ("referral acknowledgement"): log lines name it, never the address.
    Column("purpose", String(60), nullable=False),
    # Kept apart from the message so a person's erasure can delete what still waits for them.
    Column("recipient", String(254), nullable=False),
    Column("message", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime, nullable=False, index=True),
    # A sender holds a row while it tries it, so two senders never both send it.
    Column("claimed_until", DateTime, nullable=True),
    Column("last_error", String(200), nullable=False, server_default=""),
)

CLAIM_FOR = timedelta(minutes=10)
# The server answered but refused this one message: the next message may still go.
MESSAGE_REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)
MAX_PAUSE = timedelta(hours=1)
# After three days an email is stale (a reminder for a past event, a link that has expired) and
# the personal data in it should not wait any longer: it is dropped and the drop is logged.
GIVE_UP_AFTER = timedelta(days=3)


def retry_pause(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failure, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_PAUSE)


def queue(conn: Connection, message: EmailMessage, purpose: str) -> int:
    """Add an email to the outbox inside the caller's transaction; returns its id."""
    now = utcnow()
    result = conn.execute(
        mail_outbox.insert().values(
            purpose=purpose[:60],
            recipient=str(message["To"])[:254],
            message=bytes(message),
            created_at=now,
            next_attempt_at=now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def forget(conn: Connection, address: str) -> None:
    """Right to erasure: delete unsent email to this address (inside the erasure's transaction)."""
    conn.execute(delete(mail_outbox).where(func.lower(mail_outbox.c.recipient) == address.lower()))


def for_address(conn: Connection, address: str) -> list[dict[str, object]]:
    """Subject access: the emails waiting for this address (what each is for, its subject line
    and when it was queued)."""
    query = select(mail_outbox).where(func.lower(mail_outbox.c.recipient) == address.lower())
    found: list[dict[str, object]] = []
    for row in conn.execute(query.order_by(mail_outbox.c.id)):
        message = BytesParser(policy=policy.default).parsebytes(bytes(row.message))
        found.append(
            {
                "id": row.id,
                "purpose": row.purpose,
                "recipient": row.recipient,
                "subject": str(message.get("Subject", "")),
                "created_at": row.created_at.isoformat(),
            }
        )
    return found


def purge_older(conn: Connection, cutoff: datetime) -> int:
    """Retention (pafinder purge): delete emails queued before ``cutoff``, sent or not."""
    return int(conn.execute(delete(mail_outbox).where(mail_outbox.c.created_at < cutoff)).rowcount)


def forget_files(settings: Settings, address: str) -> None:
    """Right to erasure, for the development outbox folder: its .eml files to this address
    (after the erasure has committed; a file is not part of a transaction)."""
    mail.forget_outbox_files(settings.outbox_dir, address)


@lru_cache(maxsize=16)
def _engine(url: str) -> Engine:
    return make_engine(url)


def send(settings: Settings, message: EmailMessage, purpose: str) -> None:
    """Queue an email in a transaction of its own and try to deliver it now; if that fails it
    waits in the outbox and is not lost."""
    engine = _engine(settings.database_url)
    with engine.begin() as conn:
        message_id = queue(conn, message, purpose)
    deliver(engine, settings, [message_id])


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int
    dropped: int


def deliver(
    engine: Engine, settings: Settings, ids: Sequence[int] | None = None, limit: int = 500
) -> Delivery:
    """Send the due emails (only ``ids``, when given); never raises for a mail failure."""
    dropped = 0
    if ids is None:
        dropped = _drop_stale(engine)
        # The development .eml folder keeps "sent" mail and its live links: the same rule.
        mail.purge_outbox_files(settings.outbox_dir, GIVE_UP_AFTER)
    sent = failed = 0
    claimed = _claim(engine, ids, limit)
    for position, (row_id, purpose, data, attempts) in enumerate(claimed):
        try:
            mail.transmit(settings, BytesParser(policy=policy.default).parsebytes(data))
        except Exception as exc:  # any failure: keep it for the next try
            failed += 1
            _failed(engine, row_id, attempts + 1, type(exc).__name__)
            log.warning("email %s (%s) not sent: %s", row_id, purpose, type(exc).__name__)
            if not isinstance(exc, MESSAGE_REFUSED):
                # The server is down or hanging, so the rest would fail (slowly) too: leave
                # them, untouched, for the next run rather than hold them past their claim.
                _release(engine, [row[0] for row in claimed[position + 1 :]])
                break
            continue
        sent += 1
        with engine.begin() as conn:
            conn.execute(delete(mail_outbox).where(mail_outbox.c.id == row_id))
    return Delivery(sent, failed, dropped)


def _claim(
    engine: Engine, ids: Sequence[int] | None, limit: int
) -> list[tuple[int, str, bytes, int]]:
    now = utcnow()
    free = or_(mail_outbox.c.claimed_until.is_(None), mail_outbox.c.claimed_until < now)
    query = (
        select(
            mail_outbox.c.id, mail_outbox.c.purpose, mail_outbox.c.message, mail_outbox.c.attempts
        )
        .where(mail_outbox.c.next_attempt_at <= now, free)
        .order_by(mail_outbox.c.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(mail_outbox.c.id.in_(list(ids)))
    with engine.begin() as conn:
        rows = conn.execute(query).all()
        if rows:
            conn.execute(
                update(mail_outbox)
                .where(mail_outbox.c.id.in_([r.id for r in rows]))
                .values(claimed_until=now + CLAIM_FOR)
            )
    return [(r.id, r.purpose, r.message, r.attempts) for r in rows]


def _release(engine: Engine, ids: list[int]) -> None:
    if ids:
        with engine.begin() as conn:
            conn.execute(
                update(mail_outbox).where(mail_outbox.c.id.in_(ids)).values(claimed_until=None)
            )


def _failed(engine: Engine, row_id: int, attempts: int, error: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(mail_outbox)
            .where(mail_outbox.c.id == row_id)
            .values(
                attempts=attempts,
                next_attempt_at=utcnow() + retry_pause(attempts),
                claimed_until=None,
                last_error=error[:200],
            )
        )


def _drop_stale(engine: Engine) -> int:
    cutoff = utcnow() - GIVE_UP_AFTER
    with engine.begin() as conn:
        stale = conn.execute(
            select(mail_outbox.c.id, mail_outbox.c.purpose).where(mail_outbox.c.created_at < cutoff)
        ).all()
        if stale:
            conn.execute(delete(mail_outbox).where(mail_outbox.c.id.in_([r.id for r in stale])))
    for row in stale:
        log.error("email %s (%s) given up after %s unsent", row.id, row.purpose, GIVE_UP_AFTER)
    return len(stale)


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest: datetime | None


def waiting(engine: Engine) -> Waiting:
    """How many emails wait to be sent, and since when (for staff and the send-mail command)."""
    with engine.connect() as conn:
        count, oldest = conn.execute(
            select(func.count(), func.min(mail_outbox.c.created_at)).select_from(mail_outbox)
        ).one()
    return Waiting(int(count), oldest)
