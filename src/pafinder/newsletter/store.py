"""The newsletter list: one row per address, holding the least it can.

An address is on the list only once its owner has opened the confirmation link (double opt-in):
``confirmed_at`` set and ``unsubscribed_at`` empty. A row is kept after unsubscribing (with the
time) so the opt-out is on record; an unconfirmed row is deleted after CONFIRM_FOR by the daily
``pafinder purge-drafts``. Nothing else about the person is stored: no name, no IP address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    and_,
    delete,
    func,
    select,
)

from pafinder.db import metadata, utcnow

CONFIRM_FOR = timedelta(days=7)

newsletter_subscribers = Table(
    "newsletter_subscribers",
    metadata,
    Column("id", Integer, primary_key=True),
    # Lower case, so one person is one row however they type it.
    Column("email", String(254), nullable=False, unique=True),
    # When the latest sign-up was asked for: an unconfirmed one is purged CONFIRM_FOR later.
    Column("created_at", DateTime, nullable=False, index=True),
    Column("confirmed_at", DateTime, nullable=True),
    Column("unsubscribed_at", DateTime, nullable=True),
    # Signed links carry the row id: SQLite must never hand a purged row's id to someone new,
    # or an old link would act on another person's address (PostgreSQL never reuses one).
    sqlite_autoincrement=True,
)

# One row per issue sent, so the same issue is not sent twice by mistake (no personal data).
newsletter_issues = Table(
    "newsletter_issues",
    metadata,
    Column("id", Integer, primary_key=True),
    # sha256 of the subject and the Markdown: the same text is the same issue.
    Column("digest", String(64), nullable=False, index=True),
    Column("subject", String(200), nullable=False),
    Column("sent_at", DateTime, nullable=False),
    Column("recipients", Integer, nullable=False),
)


def on_list() -> object:
    """The SQL condition for an address that is on the list."""
    return and_(
        newsletter_subscribers.c.confirmed_at.is_not(None),
        newsletter_subscribers.c.unsubscribed_at.is_(None),
    )


class SignUp(Enum):
    NEW = "new"  # a confirmation email is due
    ALREADY = "already"  # already on the list: nothing is sent


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None

    @property
    def subscribed(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


def from_row(row: object) -> Subscriber:
    m = row._mapping  # type: ignore[attr-defined]
    return Subscriber(m["id"], m["email"], m["created_at"], m["confirmed_at"], m["unsubscribed_at"])


def get(conn: Connection, subscriber_id: int) -> Subscriber | None:
    row = conn.execute(
        select(newsletter_subscribers).where(newsletter_subscribers.c.id == subscriber_id)
    ).first()
    return from_row(row) if row is not None else None


def sign_up(conn: Connection, email: str) -> tuple[SignUp, int]:
    """Record a sign-up (inside the caller's transaction, which also queues its email).

    A repeat for an address not yet on the list refreshes the row, so its confirmation clock
    starts again; one already on the list is left alone."""
    email = email.lower()
    now = utcnow()
    row = conn.execute(
        select(newsletter_subscribers).where(newsletter_subscribers.c.email == email)
    ).first()
    if row is None:
        result = conn.execute(newsletter_subscribers.insert().values(email=email, created_at=now))
        return SignUp.NEW, int(result.inserted_primary_key[0])  # type: ignore[index]
    current = from_row(row)
    if current.subscribed:
        return SignUp.ALREADY, current.id
    conn.execute(
        newsletter_subscribers.update()
        .where(newsletter_subscribers.c.id == current.id)
        .values(created_at=now)
    )
    return SignUp.NEW, current.id


class Confirmed(Enum):
    NOW = "now"
    ALREADY = "already"
    STALE = "stale"  # the link was made before the address unsubscribed
    MISSING = "missing"  # purged, or erased


def confirm(engine: Engine, subscriber_id: int, link_made_at: datetime) -> Confirmed:
    """Put the address on the list. Idempotent: a second click changes nothing. A link made
    before the latest unsubscribe does not undo it (only a new sign-up's link does)."""
    with engine.begin() as conn:
        current = get(conn, subscriber_id)
        if current is None:
            return Confirmed.MISSING
        if current.subscribed:
            return Confirmed.ALREADY
        # Links are stamped in whole seconds: one made in the second of the unsubscribe is newer.
        unsubscribed = current.unsubscribed_at
        if unsubscribed is not None and link_made_at < unsubscribed.replace(microsecond=0):
            return Confirmed.STALE
        conn.execute(
            newsletter_subscribers.update()
            .where(newsletter_subscribers.c.id == subscriber_id)
            .values(confirmed_at=utcnow(), unsubscribed_at=None)
        )
    return Confirmed.NOW


def unsubscribe(engine: Engine, subscriber_id: int) -> bool:
    """Take the address off the list; idempotent. False when there is no such row."""
    with engine.begin() as conn:
        current = get(conn, subscriber_id)
        if current is None:
            return False
        if current.subscribed:
            conn.execute(
                newsletter_subscribers.update()
                .where(newsletter_subscribers.c.id == subscriber_id)
                .values(unsubscribed_at=utcnow())
            )
    return True


def confirmed(conn: Connection) -> list[Subscriber]:
    """Every address on the list, oldest confirmation first."""
    rows = conn.execute(
        select(newsletter_subscribers)
        .where(on_list())  # type: ignore[arg-type]
        .order_by(newsletter_subscribers.c.confirmed_at, newsletter_subscribers.c.id)
    ).all()
    return [from_row(r) for r in rows]


@dataclass(frozen=True)
class Counts:
    confirmed: int
    pending: int


def counts(engine: Engine) -> Counts:
    pending_rule = and_(
        newsletter_subscribers.c.confirmed_at.is_(None),
        newsletter_subscribers.c.created_at >= utcnow() - CONFIRM_FOR,
    )
    with engine.connect() as conn:
        on = conn.execute(
            select(func.count()).select_from(newsletter_subscribers).where(on_list())  # type: ignore[arg-type]
        ).scalar_one()
        pending = conn.execute(
            select(func.count()).select_from(newsletter_subscribers).where(pending_rule)
        ).scalar_one()
    return Counts(int(on), int(pending))


def purge_unconfirmed(engine: Engine) -> int:
    """Delete sign-ups never confirmed within CONFIRM_FOR (run daily by purge-drafts)."""
    with engine.begin() as conn:
        result = conn.execute(
            delete(newsletter_subscribers).where(
                newsletter_subscribers.c.confirmed_at.is_(None),
                newsletter_subscribers.c.created_at < utcnow() - CONFIRM_FOR,
            )
        )
    return int(result.rowcount or 0)


def issue_sent_before(conn: Connection, digest: str) -> bool:
    query = select(newsletter_issues.c.id).where(newsletter_issues.c.digest == digest).limit(1)
    return conn.execute(query).first() is not None


def record_issue(conn: Connection, digest: str, subject: str, recipients: int) -> None:
    conn.execute(
        newsletter_issues.insert().values(
            digest=digest, subject=subject[:200], sent_at=utcnow(), recipients=recipients
        )
    )
