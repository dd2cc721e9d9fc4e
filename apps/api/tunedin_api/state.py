"""The per-process objects the routes share, built once by ``main.create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry.trace import Tracer

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

    def forget_locally(self, user_id: int) -> int:
        """Drop this process's cached embedding and recommendations of ``user_id``; how many."""
        model = self.holder.model
        return self.cache.forget(user_id) + (model.results.forget(user_id) if model is not None else 0)
