"""The Redis connection and whether it is up: fail fast, fall back, reconnect by itself.

While Redis is marked down no request waits on it: reads fall back to in-process state and
writes answer 503. A background task probes it every ``redis_check_s`` and marks it up again.
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tunedin_api.telemetry import metrics

log = logging.getLogger(__name__)


class RedisUnavailableError(Exception):
    """Redis cannot be reached now; the caller degrades (reads) or answers 503 (writes)."""


class RedisLink:
    def __init__(self, url: str, timeout_s: float) -> None:
        # A blocking pool: when every connection is busy a call waits (up to the timeout) for one
        # instead of failing, so a burst of requests is backpressure, never "Redis is down".
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=64,
            timeout=timeout_s,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            # One immediate retry on a broken connection: after Redis restarts, each pooled
            # connection to the old server fails once on first use; the retry reconnects. While
            # Redis is really down the retry is refused at once as well. Timeouts are not retried.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        self.client: aioredis.Redis = aioredis.Redis(connection_pool=pool)
        self.up = False
        metrics.REDIS_UP.set(0)

    def require(self) -> aioredis.Redis:
        if not self.up:
            raise RedisUnavailableError("Redis is unavailable")
        return self.client

    def failed(self, exc: BaseException) -> None:
        """One call failed. A timeout fails only that call (the event loop may just have been
        busy past the socket timeout): the probe decides whether Redis itself is gone. Any
        other error means the connection is lost."""
        if isinstance(exc, RedisTimeoutError | asyncio.TimeoutError):
            log.warning("a Redis call timed out: %s (Redis stays marked up; the probe checks it)", exc)
            return
        self.lost(exc)

    def lost(self, exc: BaseException) -> None:
        if self.up:
            log.warning("Redis lost: %s; degrading until it answers again", exc)
        self.up = False
        metrics.REDIS_UP.set(0)

    async def probe(self) -> bool:
        try:
            await self.client.ping()
        except (RedisError, OSError) as exc:
            self.lost(exc)
            return False
        if not self.up:
            log.info("Redis is up")
        self.up = True
        metrics.REDIS_UP.set(1)
        return True

    async def watch(self, interval_s: float) -> None:
        """Probe forever: detects a lost Redis between requests and its return."""
        while True:
            await self.probe()
            await asyncio.sleep(interval_s)

    async def close(self) -> None:
        await self.client.aclose()
