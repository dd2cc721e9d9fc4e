"""Recent listening events per user (a capped Redis list) and the anonymised feedback stream."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal, cast

import orjson
from redis.exceptions import RedisError

from tunedin_api.ratelimit import ListRead
from tunedin_api.store import keys
from tunedin_api.store.redis_link import RedisLink, RedisUnavailableError

Event = Literal["play", "like", "skip"]
_STREAM_SCAN = 1000
StreamEntries = list[tuple[bytes, dict[bytes, bytes]]]


@dataclass(frozen=True)
class HistoryEvent:
    artist_id: int
    event: Event
    at: float


@dataclass(frozen=True)
class History:
    events: list[HistoryEvent]  # newest first
    available: bool  # False: Redis was down, the events are unknown
    raw: bytes | None = None  # the events as stored, one per line (None: unavailable)

    def artists(self, *kinds: Event) -> list[int]:
        seen: dict[int, None] = {}
        for event in self.events:
            if event.event in kinds:
                seen.setdefault(event.artist_id, None)
        return list(seen)


class HistoryStore:
    def __init__(self, link: RedisLink, length: int, ttl_s: int, stream_maxlen: int, key: bytes) -> None:
        self.link = link
        self.length = length
        self.ttl_s = ttl_s
        self.stream_maxlen = stream_maxlen
        self.key = key

    def read(self, user_id: int) -> ListRead:
        """The read of the user's recent events (done with the rate-limit hit, one round trip)."""
        return ListRead(keys.history(user_id), self.length - 1)

    @staticmethod
    def parse(raw: list[bytes] | None) -> History:
        """The events of a read, newest first; ``None`` (Redis was down): empty, unavailable."""
        if raw is None:
            return History([], False)
        events = []
        for item in raw:
            data = orjson.loads(item)
            events.append(HistoryEvent(int(data["a"]), data["e"], float(data["t"])))
        return History(events, True, b"\n".join(raw))

    async def add(self, user_id: int, artist_id: int, event: Event) -> int:
        """Record one event in the history and the stream; the history length after it."""
        now = time.time()
        entry = orjson.dumps({"a": artist_id, "e": event, "t": now})
        key = keys.history(user_id)
        try:
            pipe = self.link.require().pipeline(transaction=True)
            pipe.lpush(key, entry)
            pipe.ltrim(key, 0, self.length - 1)
            pipe.expire(key, self.ttl_s)
            pipe.llen(key)
            pipe.xadd(
                keys.FEEDBACK_STREAM,
                {"user": keys.pseudonym(self.key, user_id), "artist": artist_id, "event": event, "at": now},
                maxlen=self.stream_maxlen,
                approximate=True,
            )
            results = await pipe.execute()
        except (RedisError, OSError) as exc:
            self.link.failed(exc)
            raise RedisUnavailableError("Redis is unavailable") from exc
        return int(results[3])

    async def delete_user(self, user_id: int) -> dict[str, int]:
        """Remove the user's keys and log entries; how many of each kind there were."""
        client = self.link.require()
        pseudonym = keys.pseudonym(self.key, user_id)
        try:
            history_events = int(await client.llen(keys.history(user_id)))
            found = [k async for k in client.scan_iter(match=f"{keys.user_prefix(user_id)}*", count=500)]
            if found:
                await client.delete(*found)
            logged = await self._delete_stream_entries(keys.FEEDBACK_STREAM, pseudonym)
            shown = await self._delete_stream_entries(keys.IMPRESSION_STREAM, pseudonym)
        except (RedisError, OSError) as exc:
            self.link.failed(exc)
            raise RedisUnavailableError("Redis is unavailable") from exc
        return {
            "history_events": history_events,
            "cached_embeddings": sum(1 for k in found if b":emb:" in k),
            "feedback_log_entries": logged,
            "recommendation_records": sum(1 for k in found if b":rec:" in k),
            "impression_log_entries": shown,
        }

    async def _delete_stream_entries(self, stream: str, pseudonym: str) -> int:
        client = self.link.require()
        start, removed, wanted = "-", 0, pseudonym.encode()
        while True:
            batch = cast(
                StreamEntries,
                await client.xrange(stream, min=start, max="+", count=_STREAM_SCAN),
            )
            ids = [entry_id for entry_id, fields in batch if fields.get(b"user") == wanted]
            if ids:
                removed += int(await client.xdel(stream, *ids))
            if len(batch) < _STREAM_SCAN:
                return removed
            start = "(" + batch[-1][0].decode()
