"""Behind proxies: the root path (an ingress that keeps /api, a proxy that strips it, probes at
the root) and the client address the per-client rate limit keys on (X-Forwarded-For only from
trusted peers, under the real gunicorn + uvicorn workers as ``make api`` runs them)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import ValidationError

from tests.api.conftest import api_settings, open_client
from tests.support.api_stack import ApiStack
from tests.support.redis_server import RedisServer
from tunedin_api.settings import Settings
from tunedin_common.contract import ArtifactStore

RECOMMENDATIONS = "/v1/users/2/recommendations?k=5"


def test_routes_answer_with_and_without_the_root_path(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    redis_server.client().flushall()
    with open_client(api_settings(published[0], redis_server.url, root_path="/api"), spans) as client:
        prefixed, stripped = client.get(f"/api{RECOMMENDATIONS}"), client.get(RECOMMENDATIONS)
        assert prefixed.status_code == stripped.status_code == 200
        assert prefixed.json() == stripped.json() and len(prefixed.json()["items"]) == 5
        assert client.get("/api/v1/model").json()["model_id"] == published[1]
        for probe in ("/healthz", "/readyz", "/metrics"):
            assert client.get(probe).status_code == 200, probe
        assert client.get("/apix/v1/model").status_code == 404  # a prefix of the prefix is no prefix

        # The docs page, reached either way, loads the schema from under the public prefix.
        for docs in ("/api/docs", "/docs"):
            page = client.get(docs)
            assert page.status_code == 200 and "'/api/openapi.json'" in page.text, docs
        schema = client.get("/api/openapi.json").json()
        assert schema["servers"] == [{"url": "/api"}]
        assert "/v1/users/{user_id}/recommendations" in schema["paths"]

        # Metrics and spans name the route template, never the prefix.
        routes = set(
            re.findall(r'tunedin_http_requests_total\{[^}]*route="([^"]+)"', client.get("/metrics").text)
        )
        assert "/v1/users/{user_id}/recommendations" in routes
        assert not [r for r in routes if r.startswith("/api")], routes


def test_without_a_root_path_the_prefix_is_not_served(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    with open_client(api_settings(published[0], redis_server.url), spans) as client:
        assert client.get("/api/v1/model").status_code == 404
        assert client.get("/v1/model").status_code == 200
        assert "servers" not in client.get("/openapi.json").json()


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("root_path", "api", "must be empty or a path such as /api"),
        ("root_path", "/api/", "must be empty or a path such as /api"),
        ("root_path", "/my api", "must be empty or a path such as /api"),
        ("forwarded_allow_ips", "10.0.0.0/8,ingress", "'ingress' is not an IP address or a CIDR network"),
        ("forwarded_allow_ips", "10.0.0.1/8", "'10.0.0.1/8' is not an IP address or a CIDR network"),
        ("forwarded_allow_ips", "*,10.0.0.0/8", "'*' trusts every peer and stands alone"),
    ],
)
def test_settings_reject_a_bad_root_path_or_proxy_list(field: str, value: str, complaint: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(complaint)):
        Settings.model_validate({field: value})


def test_settings_normalise_the_proxy_list() -> None:
    settings = Settings.model_validate({"forwarded_allow_ips": " 10.0.0.0/8, 172.16.0.0/12 ,fd00::/8,"})
    assert settings.forwarded_allow_ips == "10.0.0.0/8,172.16.0.0/12,fd00::/8"
    assert Settings.model_validate({"forwarded_allow_ips": ""}).forwarded_allow_ips == ""


def _client_keys(redis_server: RedisServer) -> set[str]:
    keys = redis_server.client().scan_iter(match="tunedin:ratelimit:*/client/*")
    return {key.decode().split("/client/", 1)[1].split("/", 1)[0] for key in keys}


def _statuses(stack: ApiStack, forwarded_for: list[str]) -> list[int]:
    with httpx.Client(base_url=stack.base, headers=stack.headers, timeout=10) as http:
        return [
            http.get("/v1/artists?q=a", headers={"X-Forwarded-For": xff}).status_code for xff in forwarded_for
        ]


def _stack(store: ArtifactStore, redis_server: RedisServer, workdir: Path, trusted: str) -> ApiStack:
    stack = ApiStack(
        store.root,
        redis_server.url,
        workdir,
        TUNEDIN_FORWARDED_ALLOW_IPS=trusted,
        TUNEDIN_RATE_LIMIT_CLIENT="2/minute",
    )
    stack.start()
    return stack


def test_forwarded_client_is_limited_per_client_behind_a_trusted_proxy(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, tmp_path: Path
) -> None:
    redis_server.client().flushall()
    # The test's requests come from 127.0.0.1: trusted here as a network, as the chart's
    # proxy CIDRs are; 10.0.0.0/8 stands for a second proxy hop (ingress → frontend nginx).
    stack = _stack(published[0], redis_server, tmp_path, "127.0.0.0/8,10.0.0.0/8")
    try:
        first = _statuses(stack, ["203.0.113.7", "203.0.113.7", "203.0.113.7"])
        second = _statuses(stack, ["198.51.100.4, 10.1.2.3", "198.51.100.4, 10.9.8.7"])
    finally:
        stack.stop()
    assert first == [200, 200, 429]  # one client's window, shared by both workers
    assert second == [200, 200]  # another client behind two proxies has its own window
    assert _client_keys(redis_server) == {"203.0.113.7", "198.51.100.4"}


def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, tmp_path: Path
) -> None:
    redis_server.client().flushall()
    stack = _stack(published[0], redis_server, tmp_path, "10.0.0.0/8")
    try:
        statuses = _statuses(stack, ["203.0.113.7", "203.0.113.8", "203.0.113.9"])
    finally:
        stack.stop()
    assert statuses == [200, 200, 429]  # a spoofed header does not buy a fresh window
    assert _client_keys(redis_server) == {"127.0.0.1"}
