"""Access control of every /v1 operation: 401 without a valid key, 403 without the route's scope,
2xx with it (or admin), as the answers and the OpenAPI schema say; the probes stay open; writes
must be JSON; the CORS preflight admits the Authorization header for the configured origins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.auth_support import OPEN_PATHS, SCOPES, USER, build_calls, routed_operations, schema_operations
from tests.api.conftest import api_settings, open_client
from tests.support.keys import ApiKeys
from tests.support.redis_server import RedisServer
from tunedin_api.keys.keyfile import Scope
from tunedin_common.contract import ArtifactStore

REALM = 'Bearer realm="tunedin"'
SECRET = "A" * 43


@pytest.fixture
def keyless(
    own_store: ArtifactStore, redis_server: RedisServer, spans: InMemorySpanExporter
) -> Iterator[TestClient]:
    """The app on a private store (the tests erase user 2) under a client that sends no key;
    the erasure is flushed from the shared Redis afterwards."""
    redis_server.client().flushall()
    with open_client(api_settings(own_store, redis_server.url), spans, key=None) as client:
        yield client
    redis_server.client().flushall()


def _erasure_id(client: TestClient, keys: ApiKeys) -> str:
    response = client.delete(f"/v1/users/{USER}", headers=keys.bearer(keys.admin))
    assert response.status_code == 202, response.text
    erasure_id: str = response.json()["erasure_id"]
    return erasure_id


def _refused(response: httpx.Response, status: int) -> str:
    """The challenge of a refusal, after checking its status and JSON detail."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(REALM)
    return challenge


def test_every_v1_operation_is_in_the_scope_table(keyless: TestClient) -> None:
    app: Any = keyless.app
    assert set(schema_operations(app)) == set(SCOPES)
    assert routed_operations(app) == set(SCOPES)  # none is hidden from the schema


def test_every_v1_operation_refuses_a_missing_or_invalid_key(keyless: TestClient, keys: ApiKeys) -> None:
    admin_id = keys.key_id(keys.admin)
    invalid = {
        "revoked": keys.revoked,
        "malformed": "not-a-key",
        "short tdk_": "tdk_abc_def",
        "unknown id": f"tdk_zz0zz0zz_{SECRET}",
        "known id, wrong secret": f"tdk_{admin_id}_{SECRET}",
    }
    for call in build_calls(keyless.app, _erasure_id(keyless, keys)):  # type: ignore[arg-type]
        assert _refused(call.send(keyless), 401) == REALM, call
        basic = call.send(keyless, {"Authorization": "Basic dXNlcjpwYXNz"})
        assert _refused(basic, 401) == REALM, call
        for what, key in invalid.items():
            challenge = _refused(call.send(keyless, keys.bearer(key)), 401)
            assert challenge == f'{REALM}, error="invalid_token"', (call, what)


def test_every_v1_operation_needs_its_scope_or_admin(keyless: TestClient, keys: ApiKeys) -> None:
    for call in build_calls(keyless.app, _erasure_id(keyless, keys)):  # type: ignore[arg-type]
        needed, status = SCOPES[(call.method, call.template)]
        for scope, key in keys.by_scope.items():
            response = call.send(keyless, keys.bearer(key))
            if scope in (needed, Scope.ADMIN):
                assert response.status_code == status, (call, scope, response.text[:300])
                continue
            challenge = _refused(response, 403)
            assert challenge == f'{REALM}, error="insufficient_scope", scope="{needed}"', (call, scope)
            assert keys.key_id(key) in response.json()["detail"]


def test_probes_docs_and_metrics_answer_without_a_key(keyless: TestClient) -> None:
    for path in OPEN_PATHS:
        response = keyless.get(path)
        assert response.status_code == 200, (path, response.text)
        assert "www-authenticate" not in response.headers


def test_the_schema_documents_the_key_and_its_refusals(keyless: TestClient) -> None:
    schema = keyless.app.openapi()  # type: ignore[attr-defined]
    schemes = schema["components"]["securitySchemes"]
    bearer = [
        name
        for name, scheme in schemes.items()
        if (scheme["type"], scheme.get("scheme")) == ("http", "bearer")
    ]
    assert bearer, schemes
    for (method, path), operation in schema_operations(keyless.app).items():  # type: ignore[arg-type]
        where = f"{method} {path}"
        assert operation.get("security") == [{name: []} for name in bearer], where
        for status in ("401", "403"):
            documented = operation["responses"].get(status)
            assert documented is not None, (where, status)
            assert "WWW-Authenticate" in documented.get("headers", {}), (where, status)
            assert documented["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }
        if method == "POST":
            assert "415" in operation["responses"], where
    for path in ("/healthz", "/readyz"):
        assert "security" not in schema["paths"][path]["get"]


WRITES = {
    "/v1/feedback": ({"user_id": 5, "artist_id": 3, "event": "play"}, 202),
    "/v1/recommendations": ({"artist_ids": [3], "k": 5}, 200),
}


@pytest.mark.parametrize("path", sorted(WRITES))
def test_writes_must_say_they_are_json(client: TestClient, path: str) -> None:
    body, accepted = WRITES[path]
    raw = httpx.Request("POST", "http://x", json=body).content
    refused = {
        "text/plain with a JSON body": client.post(path, content=raw, headers={"Content-Type": "text/plain"}),
        "no Content-Type": client.post(path, content=raw),
        "form encoded": client.post(path, data={k: str(v) for k, v in body.items()}),
        "JSON-like media type": client.post(path, content=raw, headers={"Content-Type": "application/jsonx"}),
    }
    for what, response in refused.items():
        assert response.status_code == 415, (what, response.text)
        assert response.headers["content-type"].startswith("application/json")
        assert "application/json" in response.json()["detail"], what
    charset = client.post(path, content=raw, headers={"Content-Type": "application/json; charset=utf-8"})
    assert charset.status_code == accepted, charset.text


def test_cors_preflight_admits_the_key_header_for_the_configured_origin_only(
    published: tuple[ArtifactStore, str],
    redis_server: RedisServer,
    spans: InMemorySpanExporter,
    keys: ApiKeys,
) -> None:
    settings = api_settings(published[0], redis_server.url, cors_origins=["http://app.example"])
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with open_client(settings, spans, key=None) as client:
        for path in ("/v1/feedback", f"/v1/users/{USER}/recommendations"):
            allowed = client.options(path, headers={**preflight, "Origin": "http://app.example"})
            assert allowed.status_code == 200, allowed.text
            assert allowed.headers["access-control-allow-origin"] == "http://app.example"
            granted = {h.strip().lower() for h in allowed.headers["access-control-allow-headers"].split(",")}
            assert {"authorization", "content-type"} <= granted
            other = client.options(path, headers={**preflight, "Origin": "http://evil.example"})
            assert other.status_code == 400
            assert "access-control-allow-origin" not in other.headers
        real = client.get(
            f"/v1/users/{USER}/recommendations",
            headers={"Origin": "http://app.example", **keys.bearer(keys.admin)},
        )
        assert real.status_code == 200
        assert real.headers["access-control-allow-origin"] == "http://app.example"
        assert "www-authenticate" in real.headers["access-control-expose-headers"].lower()
