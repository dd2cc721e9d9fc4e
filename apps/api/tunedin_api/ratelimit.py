"""Rate limits per API key, and per user id or (when a request names no user) client address.

Fixed windows in ``limits``' notation and semantics: the first hit creates a counter that
expires one window later; a hit over the amount is refused until it expires. Counters live in
Redis so every worker and replica shares them, under the keys ``limits``' Redis storage uses.
One request's hits are one Lua call (INCR, EXPIRE on the first hit, TTL per counter), a single
round trip, which can also read a list (a user's recent history) and test a set member (whether
the user was erased), so that a request about a user costs one round trip in all. While Redis
is down each process falls back to ``limits``' in-memory counters, so limits still hold, per
process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

from tunedin_api.store.keys import RATE_LIMIT_PREFIX
from tunedin_api.store.redis_link import RedisLink
from tunedin_api.telemetry import metrics

# KEYS[1..n]: the counters, ARGV[1]: n, ARGV[1 + i]: counter i's window in seconds. KEYS[n + 1]:
# a list, read up to index ARGV[n + 2] unless that is ""; KEYS[n + 2]: a set, tested for the
# members ARGV[n + 3..] (SMISMEMBER) when there are any. Returns {hits_1, ttl_1, ..., hits_n,
# ttl_n, list or false, {1/0 per member} or false}.
HIT_SCRIPT = """
local n = tonumber(ARGV[1])
local out = {}
for i = 1, n do
    local current = redis.call("incr", KEYS[i])
    if current == 1 then
        redis.call("expire", KEYS[i], ARGV[i + 1])
    end
    out[#out + 1] = current
    out[#out + 1] = redis.call("ttl", KEYS[i])
end
local last = ARGV[n + 2]
if last ~= "" then
    out[#out + 1] = redis.call("lrange", KEYS[n + 1], 0, last)
else
    out[#out + 1] = false
end
if #ARGV > n + 2 then
    out[#out + 1] = redis.call("smismember", KEYS[n + 2], unpack(ARGV, n + 3))
else
    out[#out + 1] = false
end
return out
"""
_UNUSED = "tunedin:unused"  # the key name passed for a list or set the call does not read


class RateLimitedError(Exception):
    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded ({limit}); retry in {retry_after} s")
        self.limit = limit
        self.retry_after = retry_after


@dataclass(frozen=True)
class ListRead:
    """A list to read along with the hits: ``LRANGE key 0 last``."""

    key: str
    last: int


@dataclass(frozen=True)
class MemberTest:
    """A set to test along with the hits: ``SMISMEMBER key member...``."""

    key: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class HitReply:
    """What the round trip read besides the counts; ``None`` when Redis was not reachable."""

    items: list[bytes] | None = None
    members: list[bool] | None = None  # per tested member, whether the set holds it


UNREACHED = HitReply()


@dataclass(frozen=True)
class Limit:
    kind: str  # "key", "user" or "client"
    item: RateLimitItem
    text: str


Hit = tuple[str, str]  # (kind, identity)


class RateLimiter:
    def __init__(self, link: RedisLink, user_limit: str, client_limit: str, key_limit: str) -> None:
        self.link = link
        self.limits = {
            kind: Limit(kind, parse(text), text)
            for kind, text in (("key", key_limit), ("user", user_limit), ("client", client_limit))
        }
        self._hit = link.client.register_script(HIT_SCRIPT)
        self.local = FixedWindowRateLimiter(MemoryStorage())

    async def check(
        self, hits: Sequence[Hit], read: ListRead | None = None, test: MemberTest | None = None
    ) -> HitReply:
        """Count one request against each ``(kind, identity)``; RateLimitedError (with the
        seconds to wait) when any is over its limit.

        With ``read`` and ``test``, the list's items and the member test from the same round
        trip; ``UNREACHED`` when Redis was not reachable (the hits were then counted in process)."""
        limits = [self.limits[kind] for kind, _ in hits]
        if self.link.up:
            keys = [self._key(limit, identity) for limit, (_, identity) in zip(limits, hits, strict=True)]
            keys += [read.key if read else _UNUSED, test.key if test else _UNUSED]
            args: list[str | int] = [len(hits), *(limit.item.get_expiry() for limit in limits)]
            args += [read.last if read else "", *(test.members if test else ())]
            try:
                reply = await self._hit(keys=keys, args=args)
            except (RedisError, OSError) as exc:
                self.link.failed(exc)
            else:
                for i, limit in enumerate(limits):
                    if int(reply[2 * i]) > limit.item.amount:
                        self._refuse(limit, max(1, int(reply[2 * i + 1])))
                items, members = reply[2 * len(hits)], reply[2 * len(hits) + 1]
                return HitReply(
                    list(items) if read is not None else None,
                    [bool(m) for m in members] if test is not None and test.members else None,
                )
        for limit, (kind, identity) in zip(limits, hits, strict=True):
            if not await self.local.hit(limit.item, kind, identity):
                reset = (await self.local.get_window_stats(limit.item, kind, identity)).reset_time
                self._refuse(limit, max(1, math.ceil(reset - time.time())))
        return UNREACHED

    @staticmethod
    def _refuse(limit: Limit, retry_after: int) -> NoReturn:
        metrics.RATE_LIMITED.labels(limit.kind).inc()
        raise RateLimitedError(f"{limit.text} per {limit.kind}", retry_after)

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
