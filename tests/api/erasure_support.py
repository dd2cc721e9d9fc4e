"""Helpers of the erasure tests: the app on a private store and the shared Redis, what a user is
served, and everything Redis holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

import redis
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tunedin_api.state import AppState
from tunedin_common.contract import ArtifactStore

USER = 2  # a user the model was trained with
QUERIES: list[dict[str, Any]] = [
    {},
    {"k": 50, "diversity": 0, "exclude_listened": "false"},
    {"k": 5, "diversity": 0.9},
]


def app_on(store: ArtifactStore, redis_url: str, spans: InMemorySpanExporter, **overrides: Any) -> TestClient:
    return open_client(api_settings(store, redis_url, **overrides), spans)


def state_of(client: TestClient) -> AppState:
    state: AppState = client.app.state.tunedin  # type: ignore[attr-defined]
    return state


def recommendations(client: TestClient, user: int = USER, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/users/{user}/recommendations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def history(client: TestClient, user: int = USER) -> dict[str, Any]:
    response = client.get(f"/v1/users/{user}/history")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def feedback(client: TestClient, artist_id: int, event: str, user: int = USER) -> None:
    response = client.post("/v1/feedback", json={"user_id": user, "artist_id": artist_id, "event": event})
    assert response.status_code == 202, response.text


def erase(client: TestClient, user: int = USER) -> dict[str, Any]:
    response = client.delete(f"/v1/users/{user}")
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/v1/erasures/{body['erasure_id']}"
    return body


def _cites_them(reason: str) -> bool:
    """A reason drawn from what the model holds of the user: their listening or their friends."""
    return reason.startswith("because you") or "of your friends" in reason


def served_as_newcomer(client: TestClient, user: int = USER) -> bool:
    """Whether nothing the model learned of ``user`` is served: no "model" strategy for any query,
    no reason citing their listening, no most played artists."""
    for query in QUERIES:
        body = recommendations(client, user, **query)
        if body["strategy"] == "model" or any(_cites_them(i["reason"]) for i in body["items"]):
            return False
    top_artists: list[Any] = history(client, user)["top_artists"]
    return top_artists == []


def stream(db: redis.Redis, key: bytes | str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    return cast(list[tuple[bytes, dict[bytes, bytes]]], db.xrange(key))


def everything(db: redis.Redis) -> list[bytes]:
    """Every key Redis holds and every value in it (strings, lists, sets, hashes, streams)."""
    found: list[bytes] = []
    for key in db.scan_iter(match="*", count=1000):
        found.append(key)
        kind = db.type(key)
        if kind == b"string":
            found.append(cast(bytes, db.get(key)))
        elif kind == b"list":
            found += cast(list[bytes], db.lrange(key, 0, -1))
        elif kind == b"set":
            found += cast(set[bytes], db.smembers(key))
        elif kind == b"hash":
            for field, value in cast(dict[bytes, bytes], db.hgetall(key)).items():
                found += [field, value]
        elif kind == b"zset":
            found += cast(list[bytes], db.zrange(key, 0, -1))
        elif kind == b"stream":
            for entry_id, fields in stream(db, key):
                found.append(entry_id)
                for field, value in fields.items():
                    found += [field, value]
        else:
            raise AssertionError(f"a Redis key of an unexpected type {kind!r}: {key!r}")
    return found


def eventually(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)
