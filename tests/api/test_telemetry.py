"""Metrics with the fixed names, a JSON access-log line with the correlation id, traced spans."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tests.support.redis_server import RedisServer
from tunedin_common.contract import ArtifactStore

ROUTE = "/v1/users/{user_id}/recommendations"


def test_metrics_are_exposed_with_their_names(
    client: TestClient, published: tuple[ArtifactStore, str]
) -> None:
    for user in (2, 2, 5, 999999):
        assert client.get(f"/v1/users/{user}/recommendations").status_code == 200
    client.get("/v1/users/abc/recommendations")
    text = client.get("/metrics").text
    assert f'tunedin_http_requests_total{{method="GET",route="{ROUTE}",status="200"}}' in text
    assert f'tunedin_http_requests_total{{method="GET",route="{ROUTE}",status="422"}}' in text
    assert f'tunedin_http_request_duration_seconds_bucket{{le="0.001",method="GET",route="{ROUTE}"}}' in text
    assert "tunedin_faiss_search_duration_seconds_count" in text
    for level in ("local", "redis"):
        for result in ("hit", "miss"):
            assert f'tunedin_cache_requests_total{{level="{level}",result="{result}"}}' in text
    assert f'tunedin_model_info{{model_id="{published[1]}"}} 1.0' in text
    assert "tunedin_redis_up 1.0" in text


def _lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def test_one_json_log_line_per_request_with_the_correlation_id(
    published: tuple[ArtifactStore, str],
    redis_server: RedisServer,
    spans: InMemorySpanExporter,
    capfd: pytest.CaptureFixture[str],
) -> None:
    with open_client(api_settings(published[0], redis_server.url), spans) as client:
        response = client.get("/v1/users/2/recommendations", headers={"X-Request-ID": "req-abc-123"})
        generated = client.get("/healthz").headers["x-request-id"]
        state = client.app.state.tunedin  # type: ignore[attr-defined]

        def explode(*args: object) -> None:
            raise RuntimeError("boom")

        state.recommender.for_user_rendered = explode
        failed = client.get("/v1/users/2/recommendations", headers={"X-Request-ID": "req-fail-1"})
    assert response.headers["x-request-id"] == "req-abc-123"
    assert len(generated) == 32
    assert failed.status_code == 500 and failed.json() == {
        "detail": "internal error",
        "request_id": "req-fail-1",
    }
    lines = _lines(capfd.readouterr().err)
    access = [
        line for line in lines if line.get("name") == "tunedin.access" and line["request_id"] == "req-abc-123"
    ]
    assert len(access) == 1
    assert access[0]["method"] == "GET" and access[0]["route"] == ROUTE and access[0]["status"] == 200
    assert access[0]["duration_ms"] > 0 and access[0]["level"] == "INFO"
    errors = [
        line for line in lines if line.get("request_id") == "req-fail-1" and line.get("level") == "ERROR"
    ]
    assert errors and "RuntimeError: boom" in errors[0]["exc_info"]
    assert [
        line["status"]
        for line in lines
        if line.get("name") == "tunedin.access" and line["request_id"] == "req-fail-1"
    ] == [500]


def test_spans_for_the_request_the_cache_and_the_search(
    client: TestClient, spans: InMemorySpanExporter
) -> None:
    spans.clear()
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert client.get("/v1/users/8/recommendations", headers={"traceparent": traceparent}).status_code == 200
    finished = {span.name: span for span in spans.get_finished_spans()}
    request = finished[f"GET {ROUTE}"]
    assert request.context is not None and request.parent is not None
    assert format(request.context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    assert request.attributes is not None and request.attributes["http.response.status_code"] == 200
    for name in ("cache.local", "cache.redis", "faiss.search"):
        child = finished[name]
        assert child.parent is not None and child.parent.span_id == request.context.span_id
