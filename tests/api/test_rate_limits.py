"""Rate limits per user id, and per client address without one: 429 with Retry-After."""

from __future__ import annotations

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tests.support.redis_server import RedisServer
from tunedin_common.contract import ArtifactStore


def test_limits_answer_429_with_retry_after(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    redis_server.client().flushall()
    settings = api_settings(
        published[0], redis_server.url, rate_limit_user="3/minute", rate_limit_client="2/minute"
    )
    with open_client(settings, spans) as client:
        statuses = [client.get("/v1/users/2/recommendations").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/v1/users/2/history")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert "rate limit exceeded (3/minute per user)" in limited.json()["detail"]
        assert client.get("/v1/users/5/recommendations").status_code == 200  # another user
        feedback = client.post("/v1/feedback", json={"user_id": 2, "artist_id": 1, "event": "play"})
        assert feedback.status_code == 429  # the body's user id counts too
        assert [client.get("/v1/artists?q=a").status_code for _ in range(3)] == [200, 200, 429]
        assert client.get("/healthz").status_code == 200  # probes are never limited
        keys = list(redis_server.client().scan_iter(match="tunedin:ratelimit:*"))
        assert any(b"/user/2/" in key for key in keys) and any(b"/client/" in key for key in keys)


def test_counters_are_shared_across_workers_and_fall_back_in_memory(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    redis_server.client().flushall()
    settings = api_settings(published[0], redis_server.url, rate_limit_user="4/minute")
    with open_client(settings, spans) as one, open_client(settings, InMemorySpanExporter()) as two:
        assert [one.get("/v1/users/7/history").status_code for _ in range(2)] == [200, 200]
        assert [two.get("/v1/users/7/history").status_code for _ in range(3)] == [200, 200, 429]
        assert one.get("/v1/users/7/history").status_code == 429  # one window for both "workers"
        key = next(iter(redis_server.client().scan_iter(match="tunedin:ratelimit:*/user/7/*")))
        assert redis_server.client().get(key) == b"6"
        assert 0 < redis_server.client().ttl(key) <= 60  # the window started at the first hit
        limiter = one.app.state.tunedin.limiter  # type: ignore[attr-defined]
        link = limiter.link

        async def still_down() -> bool:
            return False

        # Redis "down" for this app: the background probe must not bring it back mid-test.
        link.probe, link.up = still_down, False
        try:
            assert [one.get("/v1/users/8/history").status_code for _ in range(5)][-1] == 429
        finally:
            del link.probe  # the class's probe again
            link.up = True
