"""A new CURRENT is swapped in under load without a failed request; a broken one is refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tests.support.redis_server import RedisServer
from tests.support.stores import train_indexed_model, trainer_settings
from tunedin_common.contract import ITEM_EMBEDDINGS_FILE, ArtifactStore, atomic_write_bytes
from tunedin_trainer.publish.stage import publish


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_hot_swap_under_concurrent_requests(
    own_store: ArtifactStore, redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    redis_server.client().flushall()
    old = own_store.read_current()
    assert old is not None
    with open_client(api_settings(own_store, redis_server.url), spans) as client:
        stop = threading.Event()
        failures: list[str] = []
        served: set[str] = set()

        def hammer(user: int) -> None:
            while not stop.is_set():
                response = client.get(f"/v1/users/{user}/recommendations", params={"k": 10})
                if response.status_code != 200 or len(response.json()["items"]) != 10:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                else:
                    served.add(response.json()["model_id"])

        threads = [threading.Thread(target=hammer, args=(user,)) for user in (2, 5, 999, 11)]
        for thread in threads:
            thread.start()
        try:
            new = train_indexed_model(own_store, seed=11)
            publish(own_store, trainer_settings(own_store), new, force=True)
            _wait_for(lambda: client.get("/v1/model").json()["model_id"] == new)

            broken = train_indexed_model(own_store, seed=12)
            path = own_store.model_dir(broken) / ITEM_EMBEDDINGS_FILE
            data = bytearray(path.read_bytes())
            data[-4:] = b"\x00\x00\xc0\x7f"  # a NaN where a float was: the checksum no longer matches
            path.write_bytes(bytes(data))
            atomic_write_bytes(own_store.current_file, f"{broken}\n".encode())
            _wait_for(lambda: broken in (client.get("/readyz").json()["details"]["last_model_error"] or ""))
            time.sleep(0.3)
        finally:
            stop.set()
            for thread in threads:
                thread.join()

        assert failures == []
        assert served == {old, new}
        ready = client.get("/readyz").json()
        assert ready["ready"] and ready["model_id"] == new
        assert "sha256" in ready["details"]["last_model_error"]
        metrics = client.get("/metrics").text
        assert "tunedin_model_load_failures_total 1.0" in metrics
        assert f'tunedin_model_info{{model_id="{new}"}} 1.0' in metrics
        assert f'tunedin_model_info{{model_id="{old}"}} 0.0' in metrics


def test_without_a_published_model_the_api_is_not_ready(
    tmp_path: object, redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    store = ArtifactStore(f"{tmp_path}/empty")
    with open_client(api_settings(store, redis_server.url), spans) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        response = client.get("/v1/users/2/recommendations")
        assert response.status_code == 503 and "no model" in response.json()["detail"]
