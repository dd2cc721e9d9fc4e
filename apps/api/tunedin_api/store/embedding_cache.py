"""User embeddings: in-process LRU → Redis (24 h TTL) → the model's embedding file.

Lookups are counted per level (``tunedin_cache_requests_total``) and traced as spans. An
entry is keyed by model id too, so a hot swap never serves an old model's vector.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import cast

import numpy as np
from opentelemetry.trace import Tracer
from redis.exceptions import RedisError

from tunedin_api.model.loaded import LoadedModel
from tunedin_api.store import keys
from tunedin_api.store.redis_link import RedisLink
from tunedin_api.telemetry import metrics


class EmbeddingCache:
    def __init__(self, link: RedisLink, tracer: Tracer, size: int, ttl_s: int) -> None:
        self.link = link
        self.tracer = tracer
        self.size = size
        self.ttl_s = ttl_s
        self._local: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()

    async def get(self, model: LoadedModel, user_id: int, row: int) -> np.ndarray:
        key = (model.model_id, user_id)
        with self.tracer.start_as_current_span("cache.local") as span:
            vector = self._local.get(key)
            span.set_attribute("cache.hit", vector is not None)
        if vector is not None:
            self._local.move_to_end(key)
            metrics.CACHE_LOCAL_HIT.inc()
            return vector
        metrics.CACHE_LOCAL_MISS.inc()
        vector = await self._from_redis(model, user_id)
        if vector is None:
            vector = model.user_embeddings[row]
        self._remember(key, vector)
        return vector

    async def _from_redis(self, model: LoadedModel, user_id: int) -> np.ndarray | None:
        if not self.link.up:
            return None
        name = keys.embedding(user_id, model.model_id)
        with self.tracer.start_as_current_span("cache.redis") as span:
            try:
                raw = cast(bytes | None, await self.link.client.get(name))
                if raw is None:
                    vector = model.user_embeddings[int(model.user_row[user_id])]
                    await self.link.client.set(name, vector.tobytes(), ex=self.ttl_s)
            except (RedisError, OSError) as exc:
                self.link.failed(exc)
                span.set_attribute("cache.error", str(exc))
                return None
            span.set_attribute("cache.hit", raw is not None)
        if raw is None:
            metrics.CACHE_REDIS_MISS.inc()
            return None
        metrics.CACHE_REDIS_HIT.inc()
        vector = np.frombuffer(raw, dtype=np.float32)
        return vector if vector.shape == (model.manifest.dim,) else None

    def _remember(self, key: tuple[str, int], vector: np.ndarray) -> None:
        self._local[key] = vector
        if len(self._local) > self.size:
            self._local.popitem(last=False)

    def forget(self, user_id: int) -> int:
        """Drop the user's in-process entries; how many there were."""
        stale = [key for key in self._local if key[1] == user_id]
        for key in stale:
            del self._local[key]
        return len(stale)
