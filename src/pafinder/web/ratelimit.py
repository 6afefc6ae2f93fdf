"""Rate limits (the ``limits`` library): memory storage by default, Redis when configured."""

from __future__ import annotations

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    def __init__(self, redis_url: str | None = None) -> None:
        self.storage = storage_from_string(redis_url or "memory://")
        self.limiter = MovingWindowRateLimiter(self.storage)

    def hit(self, rule: str, *keys: str) -> bool:
        """Count one attempt; False when ``rule`` (e.g. "5/hour") is exceeded for these keys."""
        item: RateLimitItem = parse(rule)
        return bool(self.limiter.hit(item, *keys))

    def reset(self) -> None:
        self.storage.reset()
