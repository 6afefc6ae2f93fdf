"""Day counters of the PA register's use, for the quarterly return of `direct-payment-support`.

Searches are not otherwise recorded, and `pa_contacts` rows are deleted after 90 days, so a return
for an older quarter would drift if it counted them. Each search and each contact therefore adds
one to a row per Europe/London day and kind: a date, a word and a number, no personal data, so
the counters are kept when the messages are purged or a PA is erased.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    Integer,
    String,
    Table,
    and_,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from pafinder.db import metadata, utcnow
from pafinder.register.tables import pas
from pafinder.workdays import LONDON, london_date

log = logging.getLogger(__name__)

Kind = Literal["search", "contact"]
KINDS: tuple[Kind, ...] = ("search", "contact")

register_activity = Table(
    "register_activity",
    metadata,
    Column("day", Date, primary_key=True),  # the Europe/London calendar day
    Column("kind", String(20), primary_key=True),  # one of KINDS
    Column("count", Integer, nullable=False),
)


def _add_one(conn: Connection, day: date, kind: Kind) -> bool:
    """One more on an existing row; False when the day's row is not there yet."""
    result = conn.execute(
        update(register_activity)
        .where(register_activity.c.day == day, register_activity.c.kind == kind)
        .values(count=register_activity.c.count + 1)
    )
    return bool(result.rowcount)


def count(conn: Connection, kind: Kind, when: datetime) -> None:
    """Add one to ``kind`` on the London day of ``when`` (naive UTC, as stored), in the caller's
    transaction, so the count commits or rolls back with what it counts.

    UPDATE first (the common case, and atomic under concurrent writers); when the day has no row,
    INSERT it. Two writers can both find no row: the loser's INSERT fails on the primary key, and
    it adds its one to the winner's row instead. The INSERT runs in a SAVEPOINT because on
    PostgreSQL a failed statement aborts the whole transaction otherwise."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    day = london_date(when)
    if _add_one(conn, day, kind):
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(register_activity).values(day=day, kind=kind, count=1))
    except IntegrityError:
        if not _add_one(conn, day, kind):  # pragma: no cover - the row was just seen to exist
            raise


def record_search(engine: Engine, when: datetime | None = None) -> None:
    """Count one search in its own transaction. Blocking: call it in a thread. Never raises: a
    search page must not fail because its counter could not be written (the log says why; the
    traceback holds only the day and the kind, never the search words)."""
    try:
        with engine.begin() as conn:
            count(conn, "search", when or utcnow())
    except Exception:
        log.exception("could not count a PA register search")


def activity_totals(engine: Engine, start: date, end: date) -> dict[str, int]:
    """Searches and contacts over the London days ``start`` to ``end``, both included."""
    query = (
        select(register_activity.c.kind, func.sum(register_activity.c.count))
        .where(register_activity.c.day >= start, register_activity.c.day <= end)
        .group_by(register_activity.c.kind)
    )
    with engine.connect() as conn:
        found = {str(kind): int(total or 0) for kind, total in conn.execute(query)}
    return {"searches": found.get("search", 0), "contacts": found.get("contact", 0)}


def _utc_start(day: date) -> datetime:
    """The naive UTC moment a London day begins (stored times are naive UTC)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def _how_many(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """Rows meeting ``condition``, as one column of a single pass over the table (SUM of a CASE
    rather than COUNT ... FILTER, which older SQLite builds lack); 0 on an empty table."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def listing_figures(
    engine: Engine, start: date, end: date, now: datetime | None = None
) -> dict[str, int]:
    """Raw counts for the return (the report applies the small-number rule and the percent):
    ``active``: listings the public search shows now; ``dbs_checked``: of those, the ones our
    staff have DBS-checked; ``new``: listings first published on a London day in start..end."""
    # Imported here: store imports this module (to count contacts), so a top-level import of
    # store would be circular.
    from pafinder.register.store import searchable_clause

    searchable = searchable_clause(now)
    first_published = and_(
        pas.c.published_at >= _utc_start(start),
        pas.c.published_at < _utc_start(end + timedelta(days=1)),
    )
    query = select(
        _how_many(searchable),
        _how_many(and_(searchable, pas.c.dbs_checked.is_(True))),
        _how_many(first_published),
    ).select_from(pas)
    with engine.connect() as conn:
        active, checked, new = conn.execute(query).one()
    return {"active": int(active), "new": int(new), "dbs_checked": int(checked)}
