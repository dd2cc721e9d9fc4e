"""Rate limits per user id, or per client address when a request names no user.

Fixed windows in ``limits``' notation and semantics: the first hit creates a counter that
expires one window later; a hit over the amount is refused until it expires. Counters live in
Redis so every worker and replica shares them, under the keys ``limits``' Redis storage uses;
one hit is one Lua call (INCR, EXPIRE on the first hit, TTL), a single round trip, which can
also read a list (a user's recent history) so that a request about a user costs one round trip
in all. While Redis is down each process falls back to ``limits``' in-memory counters, so limits
still hold, per process.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import NoReturn

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

from tunedin_api.store.keys import RATE_LIMIT_PREFIX
from tunedin_api.store.redis_link import RedisLink
from tunedin_api.telemetry import metrics

# KEYS[1]: the counter; ARGV[1]: the window in seconds. Returns {hits in this window, TTL}, and
# with KEYS[2] (a list) and ARGV[2] (its last index to read) also {..., LRANGE KEYS[2] 0 ARGV[2]}.
HIT_SCRIPT = """
local current = redis.call("incr", KEYS[1])
if current == 1 then
    redis.call("expire", KEYS[1], ARGV[1])
end
local ttl = redis.call("ttl", KEYS[1])
if #KEYS == 2 then
    return {current, ttl, redis.call("lrange", KEYS[2], 0, ARGV[2])}
end
return {current, ttl}
"""


class RateLimitedError(Exception):
    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded ({limit}); retry in {retry_after} s")
        self.limit = limit
        self.retry_after = retry_after


@dataclass(frozen=True)
class ListRead:
    """A list to read along with the hit: ``LRANGE key 0 last``."""

    key: str
    last: int


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
        self._hit = link.client.register_script(HIT_SCRIPT)
        self.local = FixedWindowRateLimiter(MemoryStorage())

    async def check(self, kind: str, identity: str, read: ListRead | None = None) -> list[bytes] | None:
        """Count one request; RateLimitedError (with the seconds to wait) when over the limit.

        With ``read``, the list's items from the same round trip; ``None`` when Redis was not
        reachable (the hit was then counted in process)."""
        limit = self.limits[kind]
        if self.link.up:
            keys, args = [self._key(limit, identity)], [limit.item.get_expiry()]
            if read is not None:
                keys.append(read.key)
                args.append(read.last)
            try:
                reply = await self._hit(keys=keys, args=args)
            except (RedisError, OSError) as exc:
                self.link.failed(exc)
            else:
                if int(reply[0]) > limit.item.amount:
                    self._refuse(limit, max(1, int(reply[1])))
                return list(reply[2]) if read is not None else None
        if not await self.local.hit(limit.item, kind, identity):
            reset = (await self.local.get_window_stats(limit.item, kind, identity)).reset_time
            self._refuse(limit, max(1, math.ceil(reset - time.time())))
        return None

    @staticmethod
    def _refuse(limit: Limit, retry_after: int) -> NoReturn:
        metrics.RATE_LIMITED.labels(limit.kind).inc()
        raise RateLimitedError(limit.text, retry_after)

    def _key(self, limit: Limit, identity: str) -> str:
        return f"{RATE_LIMIT_PREFIX}:{limit.item.key_for(limit.kind, identity)}"

    async def forget_user(self, user_id: int) -> int:
        """Clear the user's counters in both storages; how many shared counters existed."""
        limit = self.limits["user"]
        ident = str(user_id)
        existed = int(await self.link.require().delete(self.key_for_user(user_id)))
        await self.local.clear(limit.item, "user", ident)
        return existed

    def key_for_user(self, user_id: int) -> str:
        return self._key(self.limits["user"], str(user_id))
