"""Feedback changes the next recommendations; deleting a user leaves nothing about them in Redis."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

import redis
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tests.support.redis_server import RedisServer
from tunedin_api.settings import Settings
from tunedin_api.store import keys
from tunedin_common.contract import ArtifactStore

USER = 5


def _stream(
    client: redis.Redis, key: bytes | str = keys.FEEDBACK_STREAM
) -> list[tuple[bytes, dict[bytes, bytes]]]:
    return cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(key))


def _ranking(client: TestClient, user: int = USER, k: int = 60) -> list[int]:
    params: dict[str, Any] = {"k": k, "diversity": 0, "exclude_listened": "false"}
    return [
        item["artist_id"]
        for item in client.get(f"/v1/users/{user}/recommendations", params=params).json()["items"]
    ]


def _feedback(client: TestClient, artist: int, event: str, user: int = USER) -> None:
    response = client.post("/v1/feedback", json={"user_id": user, "artist_id": artist, "event": event})
    assert response.status_code == 202, response.text


def test_a_skip_suppresses_the_artist(client: TestClient) -> None:
    top = _ranking(client)[0]
    _feedback(client, top, "skip")
    assert top not in _ranking(client)


def test_a_recent_play_is_pushed_down(client: TestClient) -> None:
    before = _ranking(client)
    played = before[0]
    _feedback(client, played, "play")
    after = _ranking(client)
    assert played not in after[:1] and (played not in after or after.index(played) > 0)


def test_a_like_pulls_the_artist_and_its_neighbours_up(client: TestClient) -> None:
    before = _ranking(client)
    liked = before[40]
    neighbours = [i["artist_id"] for i in client.get(f"/v1/artists/{liked}/similar?k=5").json()["items"]]
    _feedback(client, liked, "like")
    after = _ranking(client)
    assert after.index(liked) < 40

    def rank(ranking: list[int], artist: int) -> int:
        return ranking.index(artist) if artist in ranking else len(ranking)

    assert sum(rank(after, n) for n in neighbours) < sum(rank(before, n) for n in neighbours)


def test_feedback_lands_in_history_and_the_pseudonymised_stream(
    client: TestClient, redis_server: RedisServer
) -> None:
    for artist, event in ((3, "play"), (4, "like"), (6, "skip")):
        _feedback(client, artist, event)
    history = client.get(f"/v1/users/{USER}/history").json()["events"]
    assert [(e["artist_id"], e["event"]) for e in history] == [(6, "skip"), (4, "like"), (3, "play")]
    entries = _stream(redis_server.client())
    assert len(entries) == 3
    users = {fields[b"user"] for _, fields in entries}
    assert len(users) == 1 and str(USER).encode() not in users and len(users.pop()) == 32


def test_history_and_stream_are_bounded(client: TestClient, redis_server: RedisServer) -> None:
    settings: Settings = client.app.state.tunedin.settings  # type: ignore[attr-defined]
    for i in range(settings.history_length + 5):
        _feedback(client, 1 + i % 70, "play", user=424242)
    assert redis_server.client().llen(keys.history(424242)) == settings.history_length


def _everything(server: RedisServer) -> list[bytes]:
    return sorted(server.client().scan_iter(match="*", count=1000))


def test_deletion_removes_every_trace_of_the_user(client: TestClient, redis_server: RedisServer) -> None:
    other = 8
    for user in (USER, other):
        _feedback(client, 3, "play", user=user)
        _feedback(client, 4, "like", user=user)
        assert client.get(f"/v1/users/{user}/recommendations").status_code == 200
    db = redis_server.client()
    pseudonym = keys.pseudonym(b"tunedin-development-key", USER).encode()
    assert any(str(USER).encode() in key for key in _everything(redis_server))

    response = client.delete(f"/v1/users/{USER}")

    assert response.status_code == 202
    removed = response.json()["removed"]
    assert removed["history_events"] == 2 and removed["cached_embeddings"] == 1
    assert removed["feedback_log_entries"] == 2 and removed["rate_limit_counters"] == 1
    # this worker's embedding LRU entry, its rendered recommendations and the FAISS search of its vector
    assert removed["in_process_cache_entries"] == 3
    model = client.app.state.tunedin.holder.model  # type: ignore[attr-defined]
    assert model.results.forget(USER) == 0 and model.results.forget(other) == 1
    remaining = _everything(redis_server)
    assert not [k for k in remaining if k.startswith(keys.user_prefix(USER).encode())]
    assert not [k for k in remaining if f"/user/{USER}/".encode() in k]
    for key in remaining:
        if db.type(key) == b"stream":
            assert all(fields[b"user"] != pseudonym for _, fields in _stream(db, key))
        elif db.type(key) == b"string":
            assert f"{USER}".encode() not in key.split(b":")[-1].split(b"/")
    # the other user's data is untouched
    assert any(k.startswith(keys.user_prefix(other).encode()) for k in remaining)
    assert len(_stream(db)) == 2
    assert client.get(f"/v1/users/{USER}/history").json()["events"] == []


def test_deletion_reaches_the_caches_of_every_other_worker(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    """Two app instances on one Redis stand for two gunicorn workers (or replicas)."""
    redis_server.client().flushall()
    settings = api_settings(published[0], redis_server.url)
    with open_client(settings, spans) as worker_a, open_client(settings, spans) as worker_b:
        state_b = worker_b.app.state.tunedin  # type: ignore[attr-defined]
        for worker in (worker_a, worker_b):
            assert worker.get(f"/v1/users/{USER}/recommendations").status_code == 200
            assert worker.get("/v1/users/8/recommendations").status_code == 200
        _wait_for(lambda: state_b.forgets.subscribed.is_set())
        assert (USER in {key[1] for key in state_b.cache._local}) and len(state_b.holder.model.results) == 2

        assert worker_a.delete(f"/v1/users/{USER}").status_code == 202

        _wait_for(lambda: USER not in {key[1] for key in state_b.cache._local})
        assert state_b.holder.model.results.forget(USER) == 0  # its recommendations went too
        assert {key[1] for key in state_b.cache._local} == {8}  # the other user's are kept
        assert state_b.holder.model.results.forget(8) == 1


def _wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
