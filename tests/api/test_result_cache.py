"""The result cache: a repeated request is answered from it, feedback and Redis outages change
its key, a swap or a deletion empties it, and size 0 turns it off."""

from __future__ import annotations

from typing import Any, cast

from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tests.support.redis_server import RedisServer
from tunedin_api.model.result_cache import ResultCache, ResultKey
from tunedin_api.store import keys
from tunedin_common.contract import ArtifactStore

USER = 11


def _count(client: TestClient, result: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f'tunedin_cache_requests_total{{level="result",result="{result}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _recommend(client: TestClient, **params: object) -> dict[str, Any]:
    response = client.get(f"/v1/users/{USER}/recommendations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_repeated_request_is_a_hit_with_the_same_answer(client: TestClient) -> None:
    hits, misses = _count(client, "hit"), _count(client, "miss")
    first = _recommend(client, k=15, diversity=0.4)
    again = _recommend(client, k=15, diversity=0.4)
    assert again == first
    assert _count(client, "miss") == misses + 1 and _count(client, "hit") == hits + 1
    other = _recommend(client, k=15, diversity=0.0)  # another query: computed, not the cached one
    assert _count(client, "miss") == misses + 2
    assert [i["artist_id"] for i in other["items"]] != [i["artist_id"] for i in first["items"]]


def test_feedback_changes_the_key_so_it_is_seen_at_once(client: TestClient) -> None:
    before = _recommend(client, k=10, diversity=0.0)
    skipped = before["items"][0]["artist_id"]
    response = client.post("/v1/feedback", json={"user_id": USER, "artist_id": skipped, "event": "skip"})
    assert response.status_code == 202
    after = _recommend(client, k=10, diversity=0.0)
    assert skipped not in [item["artist_id"] for item in after["items"]]


def test_the_key_holds_the_history_exactly_as_read(client: TestClient, redis_server: RedisServer) -> None:
    client.post("/v1/feedback", json={"user_id": USER, "artist_id": 3, "event": "like"})
    _recommend(client)
    model = client.app.state.tunedin.holder.model  # type: ignore[attr-defined]
    stored = cast(list[bytes], redis_server.client().lrange(keys.history(USER), 0, -1))
    assert [key.history for key in model.results._lru._entries] == [b"\n".join(stored)]


def test_size_zero_keeps_nothing(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    settings = api_settings(published[0], redis_server.url, result_cache_size=0)
    with open_client(settings, spans) as client:
        first = _recommend(client)
        assert _recommend(client) == first
        assert len(client.app.state.tunedin.holder.model.results) == 0  # type: ignore[attr-defined]


def test_bounded_lru_and_forget() -> None:
    cache = ResultCache(2)
    keys = [ResultKey(user, True, 20, 0.3, True, None, b"") for user in (1, 2, 3)]
    cache.put(keys[0], b"a")
    cache.put(keys[1], b"b")
    assert cache.get(keys[0]) == b"a"  # refreshes user 1
    cache.put(keys[2], b"c")
    assert len(cache) == 2 and cache.get(keys[1]) is None
    assert ResultKey(1, True, 20, 0.3, True, None, None) != keys[0]  # Redis down ≠ an empty history
    assert ResultKey(1, False, 20, 0.3, True, None, b"") != keys[0]  # erased ≠ in the model
    assert cache.forget(1) == 1 and cache.forget(1) == 0 and len(cache) == 1
