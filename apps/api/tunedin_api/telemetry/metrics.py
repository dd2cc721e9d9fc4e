"""Prometheus metrics (names fixed: the chart's alerts and dashboard use them).

Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` is set before the workers import this module,
so every metric lives in per-process files that ``/metrics`` aggregates (see ``render``).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05,
    0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5,
)  # fmt: skip
SEARCH_BUCKETS = (
    0.00002, 0.00005, 0.0001, 0.0002, 0.0003, 0.0005, 0.00075, 0.001, 0.002, 0.005, 0.01, 0.05,
)  # fmt: skip

HTTP_REQUESTS = Counter(
    "tunedin_http_requests",
    "HTTP requests by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "tunedin_http_request_duration_seconds",
    "HTTP request latency by route template and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
FAISS_SEARCH = Histogram(
    "tunedin_faiss_search_duration_seconds", "FAISS candidate search latency.", buckets=SEARCH_BUCKETS
)
CACHE_REQUESTS = Counter(
    "tunedin_cache_requests",
    "Cache lookups by level (local, redis: user embeddings; search: FAISS results; result: rendered "
    "recommendations) and result.",
    ["level", "result"],
)
MODEL_INFO = Gauge(
    "tunedin_model_info", "1 for the model id being served.", ["model_id"], multiprocess_mode="livemax"
)
REDIS_UP = Gauge("tunedin_redis_up", "1 when Redis answers.", multiprocess_mode="livemin")
MODEL_SWAPS = Counter("tunedin_model_swaps", "Models swapped in (the first load included).")
MODEL_LOAD_FAILURES = Counter(
    "tunedin_model_load_failures", "New models refused (bad checksum, missing file)."
)
RATE_LIMITED = Counter(
    "tunedin_rate_limited", "Requests answered 429, by limit (key, user or client).", ["limit"]
)
API_KEY_REQUESTS = Counter(
    "tunedin_api_key_requests",
    "/v1 requests by API key id (the public part of a key, never the key) and status; key_id "
    '"none": no valid key.',
    ["key_id", "status"],
)
EXPERIMENT_LISTS = Counter(
    "tunedin_experiment_lists",
    "Recommendation lists served during an experiment, by experiment and variant.",
    ["experiment_id", "variant"],
)
EXPERIMENT_IMPRESSIONS = Counter(
    "tunedin_experiment_impressions",
    "Impressions counted in an experiment's figures (a user's first list of a day from a variant).",
    ["experiment_id", "variant"],
)
EXPERIMENT_EVENTS = Counter(
    "tunedin_experiment_events",
    "Feedback events attributed to an experiment's lists and counted in its figures, by event.",
    ["experiment_id", "variant", "event"],
)
EXPERIMENT_SHARE = Gauge(
    "tunedin_experiment_challenger_share",
    "Share of users served the challenger while the experiment splits traffic; 0 once it stops "
    "splitting (ended, or its challenger refused).",
    ["experiment_id"],
    multiprocess_mode="livemax",
)
EXPERIMENT_UNRECORDED = Counter(
    "tunedin_experiment_unrecorded_lists",
    "Lists served during an experiment whose impression could not be recorded (Redis down).",
)
UNHANDLED_ERRORS = Counter("tunedin_unhandled_errors", "Requests that raised an unexpected exception.")

CACHE_LOCAL_HIT = CACHE_REQUESTS.labels("local", "hit")
CACHE_LOCAL_MISS = CACHE_REQUESTS.labels("local", "miss")
CACHE_REDIS_HIT = CACHE_REQUESTS.labels("redis", "hit")
CACHE_REDIS_MISS = CACHE_REQUESTS.labels("redis", "miss")
CACHE_SEARCH_HIT = CACHE_REQUESTS.labels("search", "hit")
CACHE_SEARCH_MISS = CACHE_REQUESTS.labels("search", "miss")


def set_model(model_id: str, previous: str | None) -> None:
    if previous is not None and previous != model_id:
        MODEL_INFO.labels(previous).set(0)
    MODEL_INFO.labels(model_id).set(1)


def set_experiment_share(experiment_id: str | None, share: float, previous: str | None) -> None:
    """The gauge of the experiment splitting traffic now (None: none), the previous one at 0."""
    if previous is not None and previous != experiment_id:
        EXPERIMENT_SHARE.labels(previous).set(0)
    if experiment_id is not None:
        EXPERIMENT_SHARE.labels(experiment_id).set(share)


def render() -> tuple[bytes, str]:
    """The exposition text: every worker's metrics under gunicorn, this process's otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
