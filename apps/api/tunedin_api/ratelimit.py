"""Rate limits per user id, or per client address when a request names no user (``limits``).

Counters live in Redis so every worker and replica shares them; while Redis is down each
process falls back to in-memory counters, so limits still hold, per process.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

from tunedin_api.store.keys import RATE_LIMIT_PREFIX
from tunedin_api.store.redis_link import RedisLink
from tunedin_api.telemetry import metrics


class RateLimitedError(Exception):
    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded ({limit}); retry in {retry_after} s")
        self.limit = limit
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    kind: str  # "user" or "client"
    item: RateLimitItem
    text: str


class RateLimiter:
    def __init__(self, link: RedisLink, user_limit: str, client_limit: str) -> None:
        self.link = link
        self.limits = {
            "user": Limit("user", parse(user_limit), user_limit),
            "client": Limit("client", parse(client_limit), client_limit),
        }
        storage = RedisStorage(
            "async+redis://",
            implementation="redispy",
            key_prefix=RATE_LIMIT_PREFIX,
            connection_pool=link.client.connection_pool,  # type: ignore[arg-type]  # limits passes it on
        )
        self.shared = FixedWindowRateLimiter(storage)
        self.local = FixedWindowRateLimiter(MemoryStorage())

    async def check(self, kind: str, identity: str) -> None:
        """Count one request; RateLimitedError (with the seconds to wait) when over the limit."""
        limit = self.limits[kind]
        limiter = self.shared if self.link.up else self.local
        try:
            allowed = await limiter.hit(limit.item, kind, identity)
        except (RedisError, OSError) as exc:
            self.link.lost(exc)
            limiter = self.local
            allowed = await limiter.hit(limit.item, kind, identity)
        if allowed:
            return
        try:
            reset = (await limiter.get_window_stats(limit.item, kind, identity)).reset_time
        except (RedisError, OSError):
            reset = time.time() + limit.item.get_expiry()
        metrics.RATE_LIMITED.labels(kind).inc()
        raise RateLimitedError(limit.text, max(1, math.ceil(reset - time.time())))

    async def forget_user(self, user_id: int) -> int:
        """Clear the user's counters in both storages; how many shared counters existed."""
        limit = self.limits["user"]
        ident = str(user_id)
        existed = int(await self.link.require().exists(self.key_for_user(user_id)))
        await self.shared.clear(limit.item, "user", ident)
        await self.local.clear(limit.item, "user", ident)
        return existed

    def key_for_user(self, user_id: int) -> str:
        return f"{RATE_LIMIT_PREFIX}:{self.limits['user'].item.key_for('user', str(user_id))}"
