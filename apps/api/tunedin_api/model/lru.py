"""A bounded in-process LRU that counts its hits and misses in ``tunedin_cache_requests_total``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from tunedin_api.telemetry import metrics

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """At most ``size`` entries, the least recently used evicted first; ``size`` 0 keeps nothing."""

    def __init__(self, size: int, level: str) -> None:
        self.size = size
        self._hit = metrics.CACHE_REQUESTS.labels(level, "hit")
        self._miss = metrics.CACHE_REQUESTS.labels(level, "miss")
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None:
            self._miss.inc()
            return None
        self._entries.move_to_end(key)
        self._hit.inc()
        return found

    def put(self, key: K, value: V) -> V:
        if self.size > 0:
            self._entries[key] = value
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def drop(self, match: Callable[[K], bool]) -> int:
        """Remove the entries whose key matches; how many there were."""
        stale = [key for key in self._entries if match(key)]
        for key in stale:
            del self._entries[key]
        return len(stale)

    def __len__(self) -> int:
        return len(self._entries)
