"""The per-process objects the routes share, built once by ``main.create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry.trace import Tracer

from tunedin_api.erasure.suppression import Suppression
from tunedin_api.experiments.impressions import ImpressionStore
from tunedin_api.keys.registry import KeyRegistry
from tunedin_api.model.holder import ModelHolder
from tunedin_api.ratelimit import RateLimiter
from tunedin_api.recommend.service import Recommender
from tunedin_api.settings import Settings
from tunedin_api.store.embedding_cache import EmbeddingCache
from tunedin_api.store.forget_broadcast import ForgetBroadcast
from tunedin_api.store.history import HistoryStore
from tunedin_api.store.redis_link import RedisLink


@dataclass
class AppState:
    settings: Settings
    holder: ModelHolder
    redis: RedisLink
    history: HistoryStore
    cache: EmbeddingCache
    limiter: RateLimiter
    recommender: Recommender
    tracer: Tracer
    forgets: ForgetBroadcast
    keys: KeyRegistry
    suppression: Suppression
    impressions: ImpressionStore

    def forget_locally(self, user_id: int) -> int:
        """Drop this process's cached embedding, recommendations and searches of ``user_id``;
        how many entries there were."""
        dropped = self.cache.forget(user_id)
        split = self.holder.split
        for model in (self.holder.model, split.challenger if split is not None else None):
            if model is not None:
                dropped += model.results.forget(user_id)
                row = model.user_row.get(user_id)
                if row is not None:
                    dropped += model.searches.forget(model.user_embeddings[row])
        return dropped

    def forget_broadcast(self, user_id: int) -> None:
        """What another process's erasure of ``user_id`` asks of this one."""
        self.suppression.add(self.suppression.subject(user_id))
        self.forget_locally(user_id)
