"""The in-process FAISS result cache: exact answers, bounded, per model (a swap empties it)."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tests.support.redis_server import RedisServer
from tunedin_api.model.loaded import load_model
from tunedin_api.model.search_cache import SearchCache
from tunedin_api.recommend import service
from tunedin_common.contract import ArtifactStore


def test_cached_answers_equal_a_fresh_search(client: TestClient) -> None:
    model = client.app.state.tunedin.holder.model  # type: ignore[attr-defined]
    user = next(iter(model.user_row))
    first = client.get(f"/v1/users/{user}/recommendations", params={"diversity": 0}).json()
    assert first["strategy"] == "model" and len(model.searches) >= 1
    again = client.get(f"/v1/users/{user}/recommendations", params={"diversity": 0}).json()
    assert again == first
    metrics = client.get("/metrics").text
    assert 'tunedin_cache_requests_total{level="search",result="hit"}' in metrics
    vector = model.user_embeddings[model.user_row[user]]
    key = model.searches.key(vector, 50)
    assert model.searches.get(key) is None
    scores, rows = model.index.search(vector, 50)
    model.searches.put(key, rows[0].copy(), scores[0].copy())
    cached_rows, cached_scores = model.searches.get(key)
    assert np.array_equal(cached_rows, rows[0]) and np.array_equal(cached_scores, scores[0])
    assert not cached_rows.flags.writeable  # callers must copy, never edit a cached answer


def test_the_cache_is_bounded_lru() -> None:
    cache = SearchCache(2)
    keys = [cache.key(np.full(4, float(i), dtype=np.float32), 10) for i in range(3)]
    for key in keys[:2]:
        cache.put(key, np.arange(3), np.ones(3, dtype=np.float32))
    assert cache.get(keys[0]) is not None  # refreshes keys[0]
    cache.put(keys[2], np.arange(3), np.ones(3, dtype=np.float32))
    assert len(cache) == 2 and cache.get(keys[1]) is None and cache.get(keys[0]) is not None
    assert cache.key(np.zeros(4, dtype=np.float32), 10) != cache.key(np.zeros(4, dtype=np.float32), 11)


def test_each_loaded_model_starts_with_an_empty_cache(published: tuple[ArtifactStore, str]) -> None:
    store, model_id = published
    model = load_model(store, model_id, search_cache_size=7)
    assert len(model.searches) == 0 and model.searches.size == 7
    model.searches.put(model.searches.key(model.user_embeddings[0], 5), np.arange(5), np.ones(5))
    assert len(load_model(store, model_id).searches) == 0  # a swap brings a new, empty cache


def test_a_growing_history_keeps_hitting_one_search(
    published: tuple[ArtifactStore, str],
    redis_server: RedisServer,
    spans: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each new event excludes one more artist; the candidate count is rounded up, so the
    user's FAISS search is reused instead of redone per event (at most one step is crossed).
    The test model has 80 artists, so the step is made smaller than the shipped one."""
    step = 8
    monkeypatch.setattr(service, "SEARCH_STEP", step)
    redis_server.client().flushall()
    settings = api_settings(published[0], redis_server.url, candidates=10)
    with open_client(settings, spans) as client:
        model = client.app.state.tunedin.holder.model  # type: ignore[attr-defined]
        assert len(model.catalogue) > 5 * step  # the search asks fewer than all artists
        user = next(iter(model.user_row))
        assert client.get(f"/v1/users/{user}/recommendations", params={"k": 5}).status_code == 200
        searches = _search_misses(client)
        for artist in model.catalogue.artist_ids[-3:].tolist():
            event = {"user_id": user, "artist_id": artist, "event": "play"}
            assert client.post("/v1/feedback", json=event).status_code == 202
            body = client.get(f"/v1/users/{user}/recommendations", params={"k": 5}).json()
            assert body["strategy"] == "model" and artist not in {i["artist_id"] for i in body["items"]}
        assert _search_misses(client) - searches <= 1


def _search_misses(client: TestClient) -> float:
    line = 'tunedin_cache_requests_total{level="search",result="miss"} '
    found = [row for row in client.get("/metrics").text.splitlines() if row.startswith(line)]
    return float(found[0].removeprefix(line)) if found else 0.0
