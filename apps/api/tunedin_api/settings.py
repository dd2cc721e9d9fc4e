"""The API's one ``Settings``: every knob is ``TUNEDIN_<NAME>`` in the environment."""

from __future__ import annotations

from pydantic import Field, field_validator

from tunedin_api.proxy import check_forwarded_allow_ips, check_root_path
from tunedin_common.settings import CommonSettings


class Settings(CommonSettings):
    """Configuration of the API process (and of its gunicorn master, see ``gunicorn_conf``)."""

    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis for caches, history, limits.")
    redis_timeout_s: float = Field(
        1.0,
        gt=0,
        description="Socket and connect timeout of one Redis call (a timeout fails that call only).",
    )
    redis_check_s: float = Field(0.5, gt=0, description="How often a lost Redis is probed for its return.")

    # The gunicorn master's knobs (gunicorn_conf reads them; the chart sets these env vars).
    host: str = Field("127.0.0.1", description="Address gunicorn binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port gunicorn binds.")
    workers: int = Field(2, ge=1, description="gunicorn worker processes (uvicorn workers).")
    timeout_s: int = Field(
        30, ge=1, description="A gunicorn worker silent for this long is killed and replaced."
    )
    graceful_timeout_s: int = Field(20, ge=1, description="Time in-flight requests get on shutdown.")
    keepalive_s: int = Field(
        5, ge=0, description="Seconds an idle keep-alive connection stays open (0: none kept)."
    )
    root_path: str = Field(
        "",
        description="Public path prefix behind a proxy (e.g. /api): routes answer with and without it, "
        "the docs and the OpenAPI servers name it.",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Comma-separated IPs and CIDR networks of the proxies whose X-Forwarded-For names "
        "the client (the per-client rate limit keys on it); '*' trusts every peer.",
    )
    metrics_dir: str = Field(
        "", description="prometheus-client multiprocess directory (gunicorn: default a fresh temp dir)."
    )

    model_poll_s: float = Field(2.0, gt=0, description="How often CURRENT is checked for a new model.")
    user_cache_size: int = Field(10_000, ge=1, description="In-process LRU of user embeddings.")
    user_cache_ttl_s: int = Field(24 * 3600, ge=1, description="TTL of user embeddings cached in Redis.")
    history_length: int = Field(50, ge=1, le=1000, description="Recent events kept per user.")
    history_ttl_s: int = Field(30 * 24 * 3600, ge=1)
    feedback_stream_maxlen: int = Field(100_000, ge=100, description="Bound of the anonymised event log.")
    impression_stream_maxlen: int = Field(
        100_000, ge=100, description="Bound of the impression log kept while an experiment runs."
    )
    attribution_ttl_s: int = Field(
        2 * 24 * 3600,
        ge=60,
        description="How long a list shown during an experiment can be cited by feedback.",
    )

    candidates: int = Field(200, ge=10, le=5000, description="FAISS candidates before reranking.")
    search_cache_size: int = Field(
        4096, ge=1, description="In-process LRU of FAISS results per model (query vector and k)."
    )
    result_cache_size: int = Field(
        4096,
        ge=0,
        description="In-process LRU of rendered recommendations per model, keyed by user, query and "
        "recent history (0: off).",
    )
    tag_candidates: int = Field(1000, ge=10, le=20000, description="Candidates when a tag filter is set.")
    rerank_pool: int = Field(
        100, ge=10, le=5000, description="Most relevant candidates the MMR diversifies over (at least k)."
    )
    like_boost: float = Field(0.3, ge=0, description="Pull of liked artists on their neighbours.")
    skip_penalty: float = Field(0.3, ge=0, description="Push of skipped artists on their neighbours.")
    play_penalty: float = Field(0.5, ge=0, description="Push-down of recently played artists.")
    reason_anchors: int = Field(20, ge=1, description="Most-played artists a reason may name.")

    rate_limit_user: str = Field("600/minute", description="Per user id (limits' notation).")
    rate_limit_client: str = Field("6000/minute", description="Per client address, when no user id.")
    rate_limit_key: str = Field(
        "120000/minute",
        description="Per API key (limits' notation): one key often carries a whole client's traffic "
        "(the frontend's key: every visitor's), so it is well above the per-user limit.",
    )
    api_keys_file: str = Field(
        "",
        description="The key file (python -m tunedin_api.keys): hashes and scopes of the API keys. "
        "Empty or missing: every /v1 request is refused with 401.",
    )
    api_keys_poll_s: float = Field(1.0, gt=0, description="How often the key file is checked for changes.")
    max_body_bytes: int = Field(16 * 1024, ge=256)
    cors_origins: list[str] = Field(default_factory=list)

    otel_service_name: str = "tunedin-api"
    trace_sample_ratio: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of new traces recorded (parent-based: a request that arrives in a sampled "
        "trace is always recorded). 1.0 records every request, at ~0.1 ms of CPU each.",
    )

    @field_validator("root_path")
    @classmethod
    def _root_path(cls, value: str) -> str:
        return check_root_path(value)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _forwarded_allow_ips(cls, value: str) -> str:
        return check_forwarded_allow_ips(value)
