"""Deleting a user reaches every API process: in-process caches are per worker and per replica,
so the worker that serves ``DELETE`` publishes the user id on a Redis channel and every process
(itself included) drops what it holds about that user when the message arrives."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from redis.exceptions import RedisError

from tunedin_api.store import keys
from tunedin_api.store.redis_link import RedisLink, RedisUnavailableError

log = logging.getLogger(__name__)


class ForgetBroadcast:
    def __init__(self, link: RedisLink) -> None:
        self.link = link
        self.subscribed = asyncio.Event()  # set while this process listens

    async def publish(self, user_id: int) -> int:
        """Tell every process to forget ``user_id``; how many processes were listening."""
        try:
            return int(await self.link.require().publish(keys.FORGET_CHANNEL, str(user_id)))
        except (RedisError, OSError) as exc:
            self.link.failed(exc)
            raise RedisUnavailableError("Redis is unavailable") from exc

    async def listen(self, forget: Callable[[int], object], retry_s: float) -> None:
        """Call ``forget(user_id)`` for every broadcast, forever; resubscribes after Redis returns."""
        while True:
            pubsub = self.link.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(keys.FORGET_CHANNEL)
                self.subscribed.set()
                while True:
                    message = await pubsub.get_message(timeout=retry_s)
                    if message is not None:
                        self._deliver(message["data"], forget)
            except (RedisError, OSError) as exc:
                log.warning("forget broadcast: %s; subscribing again in %.1f s", exc, retry_s)
            finally:
                self.subscribed.clear()
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(retry_s)

    @staticmethod
    def _deliver(data: object, forget: Callable[[int], object]) -> None:
        try:
            user_id = int(data)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            log.warning("forget broadcast: ignoring a message that is no user id: %r", data)
            return
        forget(user_id)
