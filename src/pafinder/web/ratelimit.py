"""Rate limits shared by every worker and node, and kept across restarts.

Two stores behind one ``hit(rule, *keys)``:

- the database (the default): a sliding-window counter per key in the ``rate_limits`` table,
  counted with one atomic upsert, so two workers (or two machines on one PostgreSQL) share
  each limit instead of multiplying it;
- Redis, when ``PAFINDER_REDIS_URL`` is set, through the ``limits`` library's moving window.

The first key names the limit and is stored as written ("pa-contact-sender"); the rest (an
address, an email, a reference) are stored only as a keyed hash, so the table and Redis never
hold a raw email or IP address.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Protocol

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Executable,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from pafinder.db import metadata

rate_limits = Table(
    "rate_limits",
    metadata,
    # "{name}/{rule}/{hash of the other keys}": the rule is part of it, so two rules on the same
    # keys (10 an hour, 50 a day) count apart.
    Column("key", String(160), nullable=False),
    # Start of the fixed window, in whole seconds since the epoch (portable, no time zones).
    Column("window_start", BigInteger, nullable=False),
    Column("hits", Integer, nullable=False),
    # When the row stops mattering (two windows on: the sliding estimate reads the previous one).
    Column("expires_at", BigInteger, nullable=False, index=True),
    PrimaryKeyConstraint("key", "window_start"),
)

# Old counters are deleted on write, at most this often per process (seconds).
PURGE_EVERY = 60.0

Clock = Callable[[], float]


class _Store(Protocol):
    def hit(self, item: RateLimitItem, name: str, digest: str) -> bool: ...

    def reset(self) -> None: ...


class DatabaseStore:
    """Sliding-window counters (the current fixed window plus the previous one weighted by how
    much of it still lies inside the sliding window), counted atomically in the database.

    The upsert takes the row's write lock (PostgreSQL) or the database's (SQLite's BEGIN
    IMMEDIATE), so concurrent workers count one after another; an attempt over the limit rolls
    back its own increment, so refused attempts do not count against the person."""

    def __init__(self, engine: Engine, clock: Clock = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self._last_purge = float("-inf")
        if engine.dialect.name not in ("postgresql", "sqlite"):  # pragma: no cover
            raise RuntimeError(f"rate limits need SQLite or PostgreSQL, not {engine.dialect.name}")

    def hit(self, item: RateLimitItem, name: str, digest: str) -> bool:
        period = int(item.get_expiry())
        key = f"{name}/{item.amount}/{item.multiples}{item.GRANULARITY.name}/{digest}"
        now = self.clock()
        start = int(now // period) * period
        inside = 1.0 - (now - start) / period  # share of the previous window still counted
        upsert = _count_one(self.engine.dialect.name, key, start, start + 2 * period)
        previous = select(rate_limits.c.hits).where(
            rate_limits.c.key == key, rate_limits.c.window_start == start - period
        )
        with self.engine.connect() as conn, conn.begin() as transaction:
            hits = int(conn.execute(upsert).scalar_one())
            before = int(conn.execute(previous).scalar() or 0)
            if before * inside + hits > item.amount:
                transaction.rollback()
                return False
            if now - self._last_purge >= PURGE_EVERY:
                # Counters two windows old no longer count: delete them (no daily job needed).
                conn.execute(delete(rate_limits).where(rate_limits.c.expires_at < int(now)))
                self._last_purge = now
        return True

    def reset(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(rate_limits))


def _count_one(dialect: str, key: str, start: int, expires_at: int) -> Executable:
    """INSERT ... ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits: one statement, so
    two workers counting the same key at once never both read the old count. Both dialects
    spell it the same, but each needs its own ``insert``."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(rate_limits)
        .values(key=key, window_start=start, hits=1, expires_at=expires_at)
        .on_conflict_do_update(
            index_elements=[rate_limits.c.key, rate_limits.c.window_start],
            set_={"hits": rate_limits.c.hits + 1},
        )
        .returning(rate_limits.c.hits)
    )


class RedisStore:
    """The ``limits`` library's moving window in Redis (shared by every node using it)."""

    def __init__(self, url: str) -> None:
        self.storage = storage_from_string(url)
        self.limiter = MovingWindowRateLimiter(self.storage)

    def hit(self, item: RateLimitItem, name: str, digest: str) -> bool:
        return bool(self.limiter.hit(item, name, digest))

    def reset(self) -> None:
        self.storage.reset()


class RateLimiter:
    def __init__(
        self,
        engine: Engine,
        redis_url: str | None = None,
        secret: str = "",
        clock: Clock = time.time,
    ) -> None:
        self.store: _Store = RedisStore(redis_url) if redis_url else DatabaseStore(engine, clock)
        self._secret = secret.encode()

    def digest(self, *keys: str) -> str:
        """A keyed hash: without the secret, a stored value cannot be checked against a guessed
        email address."""
        joined = "\x1f".join(keys).encode()
        return hmac.new(self._secret, joined, hashlib.sha256).hexdigest()[:40]

    def hit(self, rule: str, *keys: str) -> bool:
        """Count one attempt; False when ``rule`` (e.g. "5/hour") is exceeded for these keys.
        The first key names the limit; the others are hashed before they are stored."""
        item: RateLimitItem = parse(rule)
        name, *rest = keys or ("default",)
        return self.store.hit(item, name[:60], self.digest(*rest))

    def reset(self) -> None:
        """Forget every count (tests)."""
        self.store.reset()
