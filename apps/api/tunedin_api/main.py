"""The FastAPI app: ``create_app()`` assembles state, middleware, error handlers and routes.

gunicorn runs ``tunedin_api.main:create_app()`` (see ``gunicorn_conf``); each worker loads
the published model at startup and then watches ``CURRENT`` and Redis in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from opentelemetry.sdk.trace import TracerProvider
from redis.exceptions import RedisError

from tunedin_api import errors
from tunedin_api.erasure.suppression import Suppression
from tunedin_api.experiments.impressions import ImpressionStore
from tunedin_api.json_only import JsonBodyMiddleware
from tunedin_api.keys.registry import KeyRegistry
from tunedin_api.model.holder import ModelHolder
from tunedin_api.proxy import RootPathMiddleware
from tunedin_api.ratelimit import RateLimiter
from tunedin_api.recommend.service import Recommender
from tunedin_api.routes import (
    artists,
    docs,
    erasures,
    experiments,
    feedback,
    recommendations,
    service,
    users,
)
from tunedin_api.settings import Settings
from tunedin_api.state import AppState
from tunedin_api.store.embedding_cache import EmbeddingCache
from tunedin_api.store.forget_broadcast import ForgetBroadcast
from tunedin_api.store.history import HistoryStore
from tunedin_api.store.redis_link import RedisLink
from tunedin_api.telemetry.context import install_request_id_filter, use_orjson_log_lines
from tunedin_api.telemetry.middleware import TelemetryMiddleware
from tunedin_api.telemetry.tracing import build_tracer_provider
from tunedin_common.contract import ArtifactStore
from tunedin_common.erasures import ErasureLedger, require_key
from tunedin_common.logging_setup import configure_logging


def build_state(settings: Settings, provider: TracerProvider) -> AppState:
    tracer = provider.get_tracer("tunedin_api")
    link = RedisLink(settings.redis_url, settings.redis_timeout_s)
    pseudonym_key = require_key(settings.pseudonym_key.get_secret_value())
    history = HistoryStore(
        link,
        settings.history_length,
        settings.history_ttl_s,
        settings.feedback_stream_maxlen,
        pseudonym_key,
    )
    cache = EmbeddingCache(link, tracer, settings.user_cache_size, settings.user_cache_ttl_s)
    return AppState(
        settings=settings,
        holder=ModelHolder(
            ArtifactStore(settings.artifacts), settings.search_cache_size, settings.result_cache_size
        ),
        redis=link,
        history=history,
        cache=cache,
        limiter=RateLimiter(
            link, settings.rate_limit_user, settings.rate_limit_client, settings.rate_limit_key
        ),
        recommender=Recommender(settings, cache, tracer),
        tracer=tracer,
        forgets=ForgetBroadcast(link),
        keys=KeyRegistry(settings.api_keys_file),
        suppression=Suppression(ErasureLedger(settings.artifacts), pseudonym_key, link),
        impressions=ImpressionStore(link, settings.attribution_ttl_s, settings.impression_stream_maxlen),
    )


SHUTDOWN_STEP_S = 2.0


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: AppState = app.state.tunedin
    settings = state.settings
    await asyncio.to_thread(state.keys.reload)
    await asyncio.to_thread(state.suppression.load)  # before the first request: erasures hold
    await state.redis.probe()
    await state.suppression.mirror()
    await state.holder.refresh()
    tasks = [
        asyncio.create_task(state.holder.watch(settings.model_poll_s)),
        asyncio.create_task(state.redis.watch(settings.redis_check_s)),
        asyncio.create_task(state.forgets.listen(state.forget_broadcast, settings.redis_check_s)),
        asyncio.create_task(state.keys.watch(settings.api_keys_poll_s)),
        asyncio.create_task(state.suppression.watch(settings.model_poll_s)),
    ]
    try:
        yield
    finally:
        # Shutdown is bounded: a background task or a Redis connection that does not finish
        # in time must not keep the worker (or a test) from exiting.
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=SHUTDOWN_STEP_S)
        with contextlib.suppress(TimeoutError, OSError, RedisError):
            await asyncio.wait_for(state.redis.close(), SHUTDOWN_STEP_S)
        app.state.tracer_provider.force_flush(int(SHUTDOWN_STEP_S * 1000))


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_format)
    use_orjson_log_lines()
    install_request_id_filter()
    provider = tracer_provider or build_tracer_provider(settings)
    # FastAPI, with the docs pages' assets served from the package instead of a CDN.
    app = FastAPIOffline(
        title="TunedIn API",
        version="0.1.0",
        description="Music recommendations from the published LightGCN model.",
        lifespan=lifespan,
        # The app makes its own request span, metrics and access log (TelemetryMiddleware);
        # FastAPI's native OpenTelemetry bridge would only re-check global providers per request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.tunedin = build_state(settings, provider)
    app.state.tracer_provider = provider
    errors.install(app)
    # Routes are matched in this order: the hot path and the probes first.
    for module in (recommendations, service, users, artists, feedback, erasures, experiments, docs):
        app.include_router(module.router)
    app.add_middleware(JsonBodyMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "Location", "WWW-Authenticate"],
        )
    app.add_middleware(
        TelemetryMiddleware, tracer=app.state.tunedin.tracer, max_body_bytes=settings.max_body_bytes
    )
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, root_path=settings.root_path)
    return app
