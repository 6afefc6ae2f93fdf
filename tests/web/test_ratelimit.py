"""Rate limits hold across workers and restarts: two create_app calls on one database are two
workers; a new app on the same database is a restart. The same with a real Redis server."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.settings import Settings
from pafinder.web.ratelimit import RateLimiter, rate_limits
from tests.conftest import make_settings, prepare
from tests.web.redis_server import redis_url

__all__ = ["redis_url"]  # the fixture, imported so pytest finds it


def _hits(limiter: RateLimiter, count: int, *keys: str) -> list[bool]:
    return [limiter.hit("5/hour", *keys) for _ in range(count)]


def test_two_workers_share_one_limit(settings: Settings) -> None:
    first, second = create_app(settings).state.limiter, create_app(settings).state.limiter
    assert _hits(first, 3, "test-limit", "192.0.2.1") == [True] * 3
    assert _hits(second, 2, "test-limit", "192.0.2.1") == [True] * 2
    assert not first.hit("5/hour", "test-limit", "192.0.2.1")
    assert not second.hit("5/hour", "test-limit", "192.0.2.1")
    # Another key, and the same key under another rule, count apart.
    assert second.hit("5/hour", "test-limit", "192.0.2.2")
    assert second.hit("50/day", "test-limit", "192.0.2.1")


def test_a_limit_survives_a_restart(settings: Settings) -> None:
    before = create_app(settings)
    assert _hits(before.state.limiter, 5, "test-limit", "192.0.2.1") == [True] * 5
    before.state.engine.dispose()
    after = create_app(settings)
    assert not after.state.limiter.hit("5/hour", "test-limit", "192.0.2.1")


def test_sliding_window_and_refused_attempts_do_not_count(settings: Settings) -> None:
    now = [60.0 * 16_667]  # the start of a minute window
    limiter = RateLimiter(make_engine(settings.database_url), clock=lambda: now[0])
    assert [limiter.hit("2/minute", "w", "k") for _ in range(3)] == [True, True, False]
    now[0] += 30  # same window: still full, and the refused attempt above added nothing
    assert not limiter.hit("2/minute", "w", "k")
    now[0] += 60  # half-way into the next window: the previous two count as one
    assert limiter.hit("2/minute", "w", "k")
    assert not limiter.hit("2/minute", "w", "k")
    now[0] += 90  # two windows on: all forgotten
    assert [limiter.hit("2/minute", "w", "k") for _ in range(3)] == [True, True, False]


def test_counters_never_hold_an_email_and_old_ones_are_purged(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    old = RateLimiter(engine, secret="s" * 32, clock=lambda: time.time() - 3 * 86400)
    assert old.hit("3/hour", "pa-register", "Someone@Example.org")
    assert old.hit("3/day", "pa-contact-pa", "192.0.2.7")
    with engine.connect() as conn:
        keys = list(conn.execute(select(rate_limits.c.key)).scalars())
    assert len(keys) == 2 and all("example" not in k.lower() and "192.0" not in k for k in keys)
    assert keys[0].startswith("pa-register/") or keys[1].startswith("pa-register/")
    # The next write (a new process, so its first) deletes counters that no longer count.
    RateLimiter(engine, secret="s" * 32).hit("3/hour", "pa-register", "other@example.org")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rate_limits)).scalar_one() == 1


def test_reset_forgets_every_count(settings: Settings) -> None:
    limiter = create_app(settings).state.limiter
    assert _hits(limiter, 6, "test-limit", "x") == [True] * 5 + [False]
    limiter.reset()
    assert limiter.hit("5/hour", "test-limit", "x")


def _redis_settings(tmp_path: Path, url: str) -> Settings:
    s = make_settings(tmp_path, redis_url=url)
    prepare(s)
    return s


def test_with_redis_two_workers_and_a_restart_share_one_limit(
    tmp_path: Path, redis_url: str
) -> None:
    import redis

    settings = _redis_settings(tmp_path, redis_url)
    first, second = create_app(settings).state.limiter, create_app(settings).state.limiter
    assert _hits(first, 3, "test-limit", "someone@example.org") == [True] * 3
    assert _hits(second, 2, "test-limit", "someone@example.org") == [True] * 2
    assert not first.hit("5/hour", "test-limit", "someone@example.org")
    assert not create_app(settings).state.limiter.hit("5/hour", "test-limit", "someone@example.org")
    with redis.Redis.from_url(redis_url) as client:
        keys = [k.decode() for k in client.keys("*")]
    assert keys and not any("example" in k for k in keys)
    # Nothing went to the database: Redis is the one store.
    with make_engine(settings.database_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(rate_limits)).scalar_one() == 0
    first.reset()
    assert second.hit("5/hour", "test-limit", "someone@example.org")


def test_simultaneous_hits_from_two_workers_never_pass_the_limit(settings: Settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    workers = [RateLimiter(make_engine(settings.database_url)) for _ in range(2)]

    def attempt(i: int) -> bool:
        return workers[i % 2].hit("20/hour", "race", "192.0.2.1")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(80)))
    assert sum(results) == 20
