"""Erasure receipts: a repeated DELETE finds the same erasure, GET /v1/erasures/{id} reads it
from the ledger, and the batch pipeline's progress makes it complete (or, late, overdue)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.erasure_support import USER, app_on, erase
from tests.support.redis_server import RedisServer
from tunedin_common.contract import ArtifactStore, atomic_write_bytes, utcnow
from tunedin_common.erasures import ErasureLedger, ErasureProgress

OTHER = 8


@pytest.fixture
def redis_db(redis_server: RedisServer) -> Iterator[RedisServer]:
    redis_server.client().flushall()
    yield redis_server
    redis_server.client().flushall()


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value is not None else None


def _steps(receipt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["step"]: step for step in receipt["steps"]}


def test_a_repeated_delete_finds_the_same_erasure_and_its_receipt(
    own_store: ArtifactStore, redis_db: RedisServer, spans: InMemorySpanExporter
) -> None:
    with app_on(own_store, redis_db.url, spans) as client:
        first = erase(client)
        second = erase(client)
        assert second["erasure_id"] == first["erasure_id"] and second["requests"] == 2
        assert second["requested_at"] == first["requested_at"]
        assert second["removed"]["history_events"] == 0

        stored = client.get(f"/v1/erasures/{first['erasure_id']}")
        assert stored.status_code == 200, stored.text
        receipt = stored.json()
        assert "user_id" not in receipt and "removed" not in receipt
        assert receipt == {k: v for k, v in second.items() if k not in ("user_id", "removed")}
        assert receipt["status"] == "in_progress"

        unknown = client.get("/v1/erasures/er-" + "0" * 20)
        assert unknown.status_code == 404 and unknown.json()["detail"] == f"no erasure er-{'0' * 20}"
        for malformed in ("nope", "er-XYZ", "er-" + "0" * 21):
            assert client.get(f"/v1/erasures/{malformed}").status_code == 422, malformed


def test_the_pipeline_progress_completes_the_receipt(
    own_store: ArtifactStore, redis_db: RedisServer, spans: InMemorySpanExporter
) -> None:
    ledger = ErasureLedger(own_store.root)
    with app_on(own_store, redis_db.url, spans) as client:
        erasure_id = erase(client)["erasure_id"]
        now = utcnow()
        progress = ErasureProgress(
            erasure_id=erasure_id,
            removed_from_datasets_at=now + timedelta(minutes=1),
            datasets_removed=["ds-with-the-user"],
            retrained_at=now + timedelta(minutes=2),
            retrained_model_id="model-without-the-user",
            removed_from_models_at=now + timedelta(minutes=3),
            models_removed=["model-with-the-user"],
        )
        ledger.write_progress(progress)
        receipt = client.get(f"/v1/erasures/{erasure_id}").json()

    assert receipt["status"] == "complete" and receipt["waiting_for"] is None
    steps = _steps(receipt)
    assert {name: step["status"] for name, step in steps.items()} == dict.fromkeys(steps, "done")
    assert _at(steps["removed_from_datasets"]["at"]) == progress.removed_from_datasets_at
    assert _at(steps["retrained"]["at"]) == progress.retrained_at
    assert _at(steps["removed_from_models"]["at"]) == progress.removed_from_models_at
    assert _at(receipt["completed_at"]) == progress.removed_from_models_at
    assert "ds-with-the-user" in steps["removed_from_datasets"]["detail"]
    assert "model-without-the-user" in steps["retrained"]["detail"]
    assert "model-with-the-user" in steps["removed_from_models"]["detail"]


def test_an_erasure_past_its_due_date_is_overdue_until_complete(
    own_store: ArtifactStore, redis_db: RedisServer, spans: InMemorySpanExporter
) -> None:
    ledger = ErasureLedger(own_store.root)
    with app_on(own_store, redis_db.url, spans) as client:
        erasure_id = erase(client, OTHER)["erasure_id"]
        request = ledger.request(erasure_id)
        assert request is not None
        late = request.model_copy(
            update={
                "requested_at": request.requested_at - timedelta(days=5),
                "due_by": utcnow() - timedelta(hours=1),
            }
        )
        atomic_write_bytes(ledger.request_file(erasure_id), late.model_dump_json().encode())
        ledger.write_progress(ErasureProgress(erasure_id=erasure_id, removed_from_datasets_at=utcnow()))
        overdue = client.get(f"/v1/erasures/{erasure_id}").json()
        assert overdue["status"] == "overdue" and overdue["completed_at"] is None
        assert _steps(overdue)["removed_from_datasets"]["status"] == "done"
        assert _steps(overdue)["retrained"]["status"] == "pending"

        done = utcnow()
        ledger.write_progress(
            ErasureProgress(
                erasure_id=erasure_id,
                removed_from_datasets_at=done,
                retrained_at=done,
                removed_from_models_at=done,
            )
        )
        assert client.get(f"/v1/erasures/{erasure_id}").json()["status"] == "complete"
        assert (
            client.get(f"/v1/erasures/{erase(client, USER)['erasure_id']}").json()["status"] == "in_progress"
        )
