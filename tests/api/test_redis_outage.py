"""Redis killed mid-test: reads stay 200 from in-process state, writes 503, then it reconnects."""

from __future__ import annotations

import time

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tests.support.redis_server import RedisServer
from tunedin_api.store import keys
from tunedin_common.contract import ArtifactStore

READS = [
    "/v1/users/2/recommendations",
    "/v1/users/999999/recommendations",
    "/v1/users/2/history",
    "/v1/artists/5/similar",
    "/v1/artists?q=artist",
    "/v1/model",
    "/readyz",
    "/healthz",
]


def test_reads_survive_a_redis_outage_and_writes_recover(
    published: tuple[ArtifactStore, str], spans: InMemorySpanExporter
) -> None:
    server = RedisServer()
    server.start()
    try:
        with open_client(api_settings(published[0], server.url), spans) as client:
            assert (
                client.post("/v1/feedback", json={"user_id": 2, "artist_id": 3, "event": "like"}).status_code
                == 202
            )
            assert client.get("/readyz").json()["details"]["redis"] == "up"

            server.stop()
            for path in READS:
                response = client.get(path)
                assert response.status_code == 200, (path, response.text)
            assert client.get("/v1/users/2/recommendations").json()["strategy"] == "model"
            assert client.get("/v1/users/2/history").json()["complete"] is False
            assert client.get("/readyz").json()["details"]["redis"] == "down"
            assert "tunedin_redis_up 0.0" in client.get("/metrics").text
            write = client.post("/v1/feedback", json={"user_id": 2, "artist_id": 3, "event": "play"})
            assert write.status_code == 503 and "Redis is unavailable" in write.json()["detail"]
            assert client.delete("/v1/users/2").status_code == 503

            server.start()  # same port
            deadline = time.monotonic() + 10
            while client.get("/readyz").json()["details"]["redis"] != "up":
                assert time.monotonic() < deadline, "the API did not reconnect"
                time.sleep(0.05)
            again = client.post("/v1/feedback", json={"user_id": 2, "artist_id": 3, "event": "play"})
            assert again.status_code == 202
            assert client.get("/v1/users/2/history").json()["complete"] is True
            assert "tunedin_redis_up 1.0" in client.get("/metrics").text
            # the forget broadcast subscribed again to the restarted server
            while server.client().pubsub_numsub(keys.FORGET_CHANNEL) != [(keys.FORGET_CHANNEL.encode(), 1)]:
                assert time.monotonic() < deadline, "the forget broadcast did not resubscribe"
                time.sleep(0.05)
            assert client.delete("/v1/users/2").status_code == 202
    finally:
        server.stop()
