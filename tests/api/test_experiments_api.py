"""Champion and challenger in the API: sticky assignment, the list's identity, attribution of
feedback, the report's figures, and erasure of what an experiment recorded (real Redis)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tests.api.experiment_support import start_experiment
from tests.support.keys import ApiKeys
from tests.support.redis_server import RedisServer
from tunedin_api.keys.keyfile import Scope
from tunedin_api.store import keys
from tunedin_common.contract import ArtifactStore
from tunedin_common.experiments.assignment import assign
from tunedin_common.experiments.record import Experiment
from tunedin_trainer.experiments import lifecycle

USERS = [2 + 3 * n for n in range(30)]  # users of the synthetic dataset (tests.train_support)


@pytest.fixture
def running(own_store: ArtifactStore) -> Experiment:
    return start_experiment(own_store)


@pytest.fixture
def client(
    own_store: ArtifactStore, running: Experiment, redis_server: RedisServer, spans: InMemorySpanExporter
) -> Iterator[TestClient]:
    redis_server.client().flushall()
    with open_client(api_settings(own_store, redis_server.url), spans) as test_client:
        yield test_client


def _known_users(client: TestClient) -> list[int]:
    """The users the model serves (each gets one list here)."""
    listed = [u for u in USERS if _recs(client, u, k=5)["strategy"] == "model"]
    assert len(listed) == len(USERS), listed
    return listed


def _recs(client: TestClient, user: int, k: int = 10) -> dict[str, Any]:
    answer = client.get(f"/v1/users/{user}/recommendations", params={"k": k})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_each_user_keeps_the_variant_the_hash_gives_and_gets_its_model(
    client: TestClient, running: Experiment
) -> None:
    seen = {"champion": 0, "challenger": 0}
    for user in _known_users(client):
        first, again = _recs(client, user), _recs(client, user)
        variant = assign(running, str(user))
        assert first["variant"] == again["variant"] == variant
        assert first["experiment_id"] == running.experiment_id
        assert first["model_id"] == running.model_of(variant)
        assert re.fullmatch(r"[0-9a-f]{20}", first["recommendation_id"])
        assert again["recommendation_id"] == first["recommendation_id"]  # the same list, the same day
        seen[variant] += 1
    assert seen["champion"] and seen["challenger"], seen


def _share_gauge(client: TestClient, experiment: Experiment) -> float:
    name = f'tunedin_experiment_challenger_share{{experiment_id="{experiment.experiment_id}"}}'
    [line] = [line for line in client.get("/metrics").text.splitlines() if line.startswith(name)]
    return float(line.rpartition(" ")[2])


def test_a_stopped_experiment_serves_the_champion_to_everyone(
    client: TestClient, running: Experiment, own_store: ArtifactStore
) -> None:
    assert _share_gauge(client, running) == running.share  # what the dashboard compares lists with
    lifecycle.stop(own_store)
    app: Any = client.app
    client.portal.call(app.state.tunedin.holder.refresh)  # type: ignore[union-attr]
    assert _share_gauge(client, running) == 0
    for user in _known_users(client):
        body = _recs(client, user)
        assert body["variant"] is None and body["experiment_id"] is None
        assert body["model_id"] == running.champion


def test_feedback_citing_a_list_is_attributed_once_per_day(client: TestClient, running: Experiment) -> None:
    user = _known_users(client)[0]
    shown = _recs(client, user)
    artist = shown["items"][2]["artist_id"]
    cite = {"user_id": user, "artist_id": artist, "recommendation_id": shown["recommendation_id"]}
    first = client.post("/v1/feedback", json={**cite, "event": "play"})
    assert first.status_code == 202, first.text
    assert first.json()["attribution"] == {
        "experiment_id": running.experiment_id,
        "variant": assign(running, str(user)),
        "position": 3,
        "counted": True,
    }
    second = client.post("/v1/feedback", json={**cite, "event": "play"}).json()
    assert second["attribution"]["counted"] is False  # the user's day already had a play
    assert client.post("/v1/feedback", json={**cite, "event": "like"}).json()["attribution"]["counted"]


def test_citing_a_list_without_the_artist_is_refused_and_records_nothing(client: TestClient) -> None:
    user = _known_users(client)[0]
    shown = _recs(client, user, k=5)
    listed = {item["artist_id"] for item in shown["items"]}
    other = next(a for a in range(1, 81) if a not in listed)
    body = {
        "user_id": user,
        "artist_id": other,
        "event": "play",
        "recommendation_id": shown["recommendation_id"],
    }
    refused = client.post("/v1/feedback", json=body)
    assert refused.status_code == 422
    assert f"artist {other} is not in recommendation" in refused.json()["detail"]
    assert client.get(f"/v1/users/{user}/history").json()["events"] == []


def test_an_unknown_or_foreign_list_is_accepted_without_attribution(client: TestClient) -> None:
    users = _known_users(client)
    theirs = _recs(client, users[1])
    artist = theirs["items"][0]["artist_id"]
    for cited in ("0" * 20, theirs["recommendation_id"]):
        answer = client.post(
            "/v1/feedback",
            json={"user_id": users[0], "artist_id": artist, "event": "play", "recommendation_id": cited},
        )
        assert answer.status_code == 202 and answer.json()["attribution"] is None
    malformed = {"user_id": users[0], "artist_id": artist, "event": "play", "recommendation_id": "x"}
    assert client.post("/v1/feedback", json=malformed).status_code == 422


def test_the_report_counts_the_user_days_and_events_sent(client: TestClient, running: Experiment) -> None:
    users = _known_users(client)  # one list each already
    played: dict[str, int] = {"champion": 0, "challenger": 0}
    for user in users:
        shown = _recs(client, user)
        _recs(client, user, k=7)  # a second list the same day: no second impression
        if user % 3 == 0:
            cite = {"user_id": user, "artist_id": shown["items"][0]["artist_id"]}
            for _ in range(2):  # two plays: one counted
                client.post(
                    "/v1/feedback",
                    json={**cite, "event": "play", "recommendation_id": shown["recommendation_id"]},
                )
            played[shown["variant"]] += 1
    answer = client.get("/v1/experiments/current")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["experiment"]["experiment_id"] == running.experiment_id
    by_variant = {v["variant"]: v for v in report["variants"]}
    for variant in ("champion", "challenger"):
        exposed = sum(1 for u in users if assign(running, str(u)) == variant)
        assert by_variant[variant]["impressions"] == exposed
        assert by_variant[variant]["model_id"] == running.model_of(variant)
        assert by_variant[variant]["rates"]["play_rate"]["events"] == played[variant]
    assert report["primary_metric"] == "play_rate"
    assert report["decision"] == "no_difference_yet"  # too few impressions to count any evidence
    assert set(report["tests"]) == {"play_rate", "like_rate", "skip_rate"}


def test_the_report_needs_the_admin_scope(client: TestClient, keys: ApiKeys) -> None:
    reader = keys.bearer(keys.by_scope[Scope.RECOMMENDATIONS_READ])
    assert client.get("/v1/experiments/current", headers=reader).status_code == 403


def test_erasure_removes_the_lists_and_impressions_of_the_user(
    client: TestClient, redis_server: RedisServer
) -> None:
    user = _known_users(client)[0]
    _recs(client, user, k=3)
    redis = redis_server.client()
    prefix = keys.user_prefix(user).encode()
    assert any(k.startswith(prefix + b"rec:") for k in redis.scan_iter(match=prefix + b"*"))
    receipt = client.delete(f"/v1/users/{user}").json()
    assert receipt["removed"]["recommendation_records"] >= 1
    assert receipt["removed"]["impression_log_entries"] >= 1
    assert not list(redis.scan_iter(match=prefix + b"*"))
    app: Any = client.app
    subject = app.state.tunedin.suppression.subject(user).encode()
    entries: list[tuple[bytes, dict[bytes, bytes]]] = redis.xrange(keys.IMPRESSION_STREAM)  # type: ignore[assignment]
    assert entries and all(fields[b"user"] != subject for _, fields in entries)


def test_cold_start_follows_the_session_and_records_nothing(
    client: TestClient, running: Experiment, redis_server: RedisServer
) -> None:
    redis = redis_server.client()
    before = redis.xlen(keys.IMPRESSION_STREAM) if redis.exists(keys.IMPRESSION_STREAM) else 0
    variants = set()
    for session in ("a", "b", "c", "d", "e", "f", "g", "h"):
        body = {"artist_ids": [1, 2, 3], "k": 5, "session_id": session}
        first, again = (client.post("/v1/recommendations", json=body).json() for _ in range(2))
        assert first["variant"] == again["variant"] == assign(running, f"session:{session}")
        assert first["model_id"] == running.model_of(first["variant"])
        variants.add(first["variant"])
    assert variants == {"champion", "challenger"}
    after = redis.xlen(keys.IMPRESSION_STREAM) if redis.exists(keys.IMPRESSION_STREAM) else 0
    assert after == before


def test_without_an_experiment_lists_carry_an_id_and_no_variant(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    redis_server.client().flushall()
    with open_client(api_settings(published[0], redis_server.url), spans) as plain:
        body = _recs(plain, 1)
        assert body["variant"] is None and body["experiment_id"] is None
        assert re.fullmatch(r"[0-9a-f]{20}", body["recommendation_id"])
        assert plain.get("/v1/experiments/current").status_code == 404
        assert not redis_server.client().exists(keys.IMPRESSION_STREAM)
