"""The state nodes share, in the database rather than in files one node alone can see.

- ``pa_changes``: one row per committed change to a PA listing. A node's PA index and bitmaps
  reflect every change up to the sequence number it has applied (kept beside its index).
- ``generations``: a counter per published thing (the events pages), bumped by whoever
  publishes; a node whose ``site/`` shows an older one renders it again.
- ``job_leases``: which node is running a scheduled command, until when.

On PostgreSQL every change also sends a NOTIFY on ``CHANNEL`` (delivered at commit), so the
other nodes wake at once instead of at their next poll.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pafinder.db import metadata, read_only, utcnow

CHANNEL = "pafinder_changes"
EVENTS = "events"  # the generation of the published events pages

pa_changes = Table(
    "pa_changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("pa_id", Integer, nullable=False),
    Column("changed_at", DateTime, nullable=False),
)

generations = Table(
    "generations",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

job_leases = Table(
    "job_leases",
    metadata,
    Column("job", String(60), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)


def _notify(conn: Connection, what: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, :what)"), {"channel": CHANNEL, "what": what})


def record_pa_change(engine: Engine, pa_id: int) -> int:
    """Log a committed change to one PA; returns its sequence number."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Sequence numbers must become visible in order, or a node that has seen 11 would
            # never look back for a 10 committed after it. Serialising these tiny inserts makes
            # commit order the number order (SQLite's BEGIN IMMEDIATE already does).
            conn.execute(text("LOCK TABLE pa_changes IN EXCLUSIVE MODE"))
        seq = conn.execute(
            pa_changes.insert().values(pa_id=pa_id, changed_at=utcnow()).returning(pa_changes.c.seq)
        ).scalar_one()
        _notify(conn, "pas")
    return int(seq)


@dataclass(frozen=True)
class Changes:
    pa_ids: list[int]  # in the order they changed, each once
    last: int  # the highest sequence number seen (the applied mark to keep afterwards)
    complete: bool  # False when rows after ``since`` were already purged: rebuild instead


def pa_changes_since(engine: Engine, since: int) -> Changes:
    with read_only(engine) as conn:
        first, newest = conn.execute(
            select(func.min(pa_changes.c.seq), func.max(pa_changes.c.seq))
        ).one()
        rows = conn.execute(
            select(pa_changes.c.seq, pa_changes.c.pa_id)
            .where(pa_changes.c.seq > since)
            .order_by(pa_changes.c.seq)
        ).all()
    ids = list(dict.fromkeys(int(r.pa_id) for r in rows))
    last = int(rows[-1].seq) if rows else since
    # An empty log after changes, a node behind the oldest row kept (purged past it), or ahead
    # of the newest (a restore): the index must be rebuilt rather than patched.
    complete = since == 0 if newest is None else int(first) - 1 <= since <= int(newest)
    return Changes(ids, last, complete)


def last_pa_change(engine: Engine) -> int:
    with read_only(engine) as conn:
        return int(conn.execute(select(func.max(pa_changes.c.seq))).scalar() or 0)


def purge_pa_changes(engine: Engine, keep: int = 10_000) -> int:
    """Keep the newest ``keep`` rows: a node further behind than that rebuilds its index."""
    with engine.begin() as conn:
        newest = conn.execute(select(func.max(pa_changes.c.seq))).scalar()
        if newest is None:
            return 0
        result = conn.execute(pa_changes.delete().where(pa_changes.c.seq <= int(newest) - keep))
        return int(result.rowcount or 0)


def bump_generation(engine: Engine, name: str) -> int:
    """The next generation of ``name`` (the first is 1)."""
    with engine.begin() as conn:
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(insert(generations).values(name=name, value=0).on_conflict_do_nothing())
        value = conn.execute(
            update(generations)
            .where(generations.c.name == name)
            .values(value=generations.c.value + 1)
            .returning(generations.c.value)
        ).scalar_one()
        _notify(conn, name)
    return int(value)


def generation(engine: Engine, name: str) -> int:
    with read_only(engine) as conn:
        value = conn.execute(select(generations.c.value).where(generations.c.name == name)).scalar()
    return int(value or 0)
