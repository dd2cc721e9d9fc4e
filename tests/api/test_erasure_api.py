"""DELETE /v1/users/{id}: the user is served as a newcomer from the answer on, by every process,
after a restart, a Redis flush and during a Redis outage; nothing of them is left in Redis; the
ledger names no user; a ledger that cannot be written refuses the erasure and deletes nothing."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.erasure_support import (
    USER,
    app_on,
    erase,
    eventually,
    everything,
    feedback,
    history,
    recommendations,
    served_as_newcomer,
    state_of,
    stream,
)
from tests.reasons_support import cited
from tests.support.redis_server import RedisServer
from tunedin_api.store import keys
from tunedin_common.contract import ArtifactStore
from tunedin_common.erasures import ERASURES_DIR, subject_of

OTHER = 8  # another trained user, who keeps everything
STRANGER = 7654321  # a user id no other number in Redis or the ledger contains


@pytest.fixture
def redis_db(redis_server: RedisServer) -> Iterator[RedisServer]:
    """The shared Redis, empty before and after (an erasure leaves its subject in it)."""
    redis_server.client().flushall()
    yield redis_server
    redis_server.client().flushall()


def test_an_erased_user_is_served_as_a_newcomer_from_the_answer_on(
    own_store: ArtifactStore, redis_db: RedisServer, spans: InMemorySpanExporter
) -> None:
    with app_on(own_store, redis_db.url, spans) as client:
        model = state_of(client).holder.model
        assert model is not None and USER in model.user_row
        listened = {model.catalogue.names[r] for r in model.listening.of(model.user_row[USER]).tolist()}
        feedback(client, 3, "play")
        feedback(client, 4, "like")
        before = recommendations(client)
        assert before["strategy"] == "model"
        assert {cited(i["reason"]) for i in before["items"]} & listened
        assert history(client)["top_artists"] and len(history(client)["events"]) == 2

        receipt = erase(client)

        assert receipt["status"] == "in_progress" and receipt["requests"] == 1 and receipt["user_id"] == USER
        steps = {step["step"]: step for step in receipt["steps"]}
        assert list(steps) == [
            "suppressed",
            "caches_purged",
            "removed_from_datasets",
            "retrained",
            "removed_from_models",
        ]
        for name in ("suppressed", "caches_purged"):
            assert steps[name]["status"] == "done" and steps[name]["at"] is not None
        for name in ("removed_from_datasets", "retrained", "removed_from_models"):
            assert steps[name]["status"] == "pending" and steps[name]["at"] is None
        assert "retrain" in receipt["note"] and receipt["completed_at"] is None and receipt["waiting_for"]
        assert receipt["removed"]["history_events"] == 2 and receipt["removed"]["feedback_log_entries"] == 2
        assert served_as_newcomer(client)
        assert history(client)["events"] == []
        assert recommendations(client)["strategy"] == "popular"
        key = state_of(client).suppression.key

    ledger_file = own_store.root / ERASURES_DIR / f"{receipt['erasure_id']}.json"
    recorded = json.loads(ledger_file.read_text())
    assert recorded["subject"] == subject_of(key, USER)
    assert "user_id" not in recorded and USER not in recorded.values() and str(USER) not in recorded.values()


def test_every_other_worker_honours_the_erasure_at_once(
    own_store: ArtifactStore, redis_db: RedisServer, spans: InMemorySpanExporter
) -> None:
    """Two app instances on one store and Redis stand for two workers (or replicas)."""
    with (
        app_on(own_store, redis_db.url, spans) as worker_a,
        app_on(own_store, redis_db.url, InMemorySpanExporter()) as worker_b,
    ):
        state_b = state_of(worker_b)
        assert state_b.holder.model is not None
        for _ in range(2):
            assert recommendations(worker_b)["strategy"] == "model"
        assert state_b.holder.model.results.size > 0 and len(state_b.holder.model.results) == 1
        assert history(worker_b)["top_artists"]

        erase(worker_a)

        subject = state_of(worker_a).suppression.subject(USER)
        assert redis_db.client().sismember(keys.ERASED_SET, subject)  # in the set before the answer
        # no waiting: the very next request to the other worker
        assert served_as_newcomer(worker_b)
        assert recommendations(worker_b)["strategy"] == "popular"


def test_the_shared_set_alone_hides_the_user_from_a_process_never_told(
    own_store: ArtifactStore, redis_db: RedisServer, spans: InMemorySpanExporter
) -> None:
    """A process that neither rereads the ledger nor hears the broadcast still hides the user:
    each request tests the Redis set in its one round trip."""
    with app_on(own_store, redis_db.url, spans, model_poll_s=3600) as client:
        suppression = state_of(client).suppression
        subject = suppression.subject(OTHER)
        assert recommendations(client, OTHER)["strategy"] == "model"
        redis_db.client().sadd(keys.ERASED_SET, subject)
        assert served_as_newcomer(client, OTHER)
        assert subject not in suppression.subjects  # the set decided, not this process's copy
        redis_db.client().srem(keys.ERASED_SET, subject)
        assert recommendations(client, OTHER)["strategy"] == "model"


def test_the_erasure_holds_after_a_restart_a_flush_and_during_a_redis_outage(
    own_store: ArtifactStore, spans: InMemorySpanExporter
) -> None:
    server = RedisServer()
    server.start()
    db = server.client()
    try:
        with app_on(own_store, server.url, spans) as first:
            subject = state_of(first).suppression.subject(USER)
            erase(first)
        db.flushall()
        with app_on(own_store, server.url, spans) as restarted:  # the ledger is read at startup
            assert db.sismember(keys.ERASED_SET, subject)  # and Redis given what it lacks
            assert served_as_newcomer(restarted)
            assert recommendations(restarted, OTHER)["strategy"] == "model"

            db.flushall()
            assert served_as_newcomer(restarted)  # this process's copy covers the gap
            eventually(lambda: bool(db.sismember(keys.ERASED_SET, subject)), "the set is restored")
            assert db.scard(keys.ERASED_SET) == 1
            assert served_as_newcomer(restarted)

            server.stop()
            assert served_as_newcomer(restarted)
            assert history(restarted)["complete"] is False
            assert recommendations(restarted, OTHER)["strategy"] == "model"
        with app_on(own_store, server.url, spans) as started_without_redis:
            assert started_without_redis.get("/readyz").json()["details"]["redis"] == "down"
            assert served_as_newcomer(started_without_redis)
    finally:
        server.stop()


def test_the_user_comes_back_as_a_newcomer(
    own_store: ArtifactStore, redis_db: RedisServer, spans: InMemorySpanExporter
) -> None:
    with app_on(own_store, redis_db.url, spans) as client:
        feedback(client, 3, "play")
        erase(client)
        model = state_of(client).holder.model
        assert model is not None
        liked = int(model.catalogue.artist_ids[10])
        feedback(client, liked, "like")
        back = history(client)
        assert [(e["artist_id"], e["event"]) for e in back["events"]] == [(liked, "like")]
        assert back["top_artists"] == []
        body = recommendations(client)
        assert body["strategy"] == "history"
        name = model.catalogue.names[model.catalogue.row_of[liked]]
        assert {cited(i["reason"], "because you liked ") or i["reason"] for i in body["items"]} <= {
            name,
            "close to your taste",
        }


def test_nothing_of_an_erased_user_is_left_in_redis(
    own_store: ArtifactStore, redis_db: RedisServer, spans: InMemorySpanExporter
) -> None:
    db = redis_db.client()
    with app_on(own_store, redis_db.url, spans) as client:
        for user in (USER, OTHER, STRANGER):
            feedback(client, 3, "play", user)
            feedback(client, 4, "skip", user)
            recommendations(client, user)
            history(client, user)
        key = state_of(client).suppression.key
        assert any(str(STRANGER).encode() in item for item in everything(db))
        receipts = [erase(client, user) for user in (USER, STRANGER)]

    left = everything(db)
    assert not [item for item in left if str(STRANGER).encode() in item]
    names = list(db.scan_iter(match="*", count=1000))
    assert not [k for k in names if k.startswith(keys.user_prefix(USER).encode()) or b"/user/2/" in k]
    assert any(k.startswith(keys.user_prefix(OTHER).encode()) for k in names)
    logged = {fields[b"user"] for _, fields in stream(db, keys.FEEDBACK_STREAM)}
    assert logged == {keys.pseudonym(key, OTHER).encode()}
    for receipt in receipts:
        text = (own_store.root / ERASURES_DIR / f"{receipt['erasure_id']}.json").read_text()
        assert str(STRANGER) not in text and '"user' not in text


def test_an_unwritable_ledger_refuses_the_erasure_and_deletes_nothing(
    own_store: ArtifactStore, redis_db: RedisServer, spans: InMemorySpanExporter
) -> None:
    db = redis_db.client()
    with app_on(own_store, redis_db.url, spans) as client:
        feedback(client, 3, "play")
        feedback(client, 4, "like")
        assert recommendations(client)["strategy"] == "model"
        held = sorted(k for k in db.scan_iter(match="*") if not k.startswith(b"tunedin:ratelimit"))
        events = db.lrange(keys.history(USER), 0, -1)
        logged = stream(db, keys.FEEDBACK_STREAM)
        shutil.rmtree(own_store.root / ERASURES_DIR, ignore_errors=True)
        (own_store.root / ERASURES_DIR).write_text("a file where the ledger's folder belongs\n")

        refused = client.delete(f"/v1/users/{USER}")

        assert refused.status_code == 503, refused.text
        detail = refused.json()["detail"]
        assert "cannot be recorded" in detail and "nothing was deleted" in detail
        assert sorted(k for k in db.scan_iter(match="*") if not k.startswith(b"tunedin:ratelimit")) == held
        assert db.lrange(keys.history(USER), 0, -1) == events
        assert stream(db, keys.FEEDBACK_STREAM) == logged
        assert not db.exists(keys.ERASED_SET)
        assert recommendations(client)["strategy"] == "model"  # not erased: the client may retry

        (own_store.root / ERASURES_DIR).unlink()
        assert erase(client)["removed"]["history_events"] == 2
        assert served_as_newcomer(client)
