"""API keys while the app runs: rotation through the key file (added, revoked, broken, deleted),
the key id (never the key) in the access log, the request span and the per-key metrics, and the
per-key rate limit."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.auth_support import build_calls
from tests.api.conftest import api_settings, open_client
from tests.support.keys import ApiKeys, add_key
from tests.support.redis_server import RedisServer
from tunedin_api.keys.keyfile import Scope, hash_key
from tunedin_common.contract import ArtifactStore

RECS = "/v1/users/2/recommendations"


def _eventually(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def _status(client: TestClient, key: str, path: str = "/v1/model") -> int:
    status: int = client.get(path, headers=ApiKeys.bearer(key)).status_code
    return status


def _revoke(path: Path, key_id: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "tunedin_api.keys", "revoke", key_id, "--file", str(path)],
        check=True,
        capture_output=True,
    )


def test_keys_rotate_while_the_app_runs(
    published: tuple[ArtifactStore, str],
    redis_server: RedisServer,
    spans: InMemorySpanExporter,
    keys: ApiKeys,
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "api-keys.json"
    shutil.copy(keys.file, key_file)
    settings = api_settings(published[0], redis_server.url, api_keys_file=str(key_file))
    with open_client(settings, spans, key=None) as client:
        assert _status(client, keys.admin) == 200
        added = add_key(key_file, [Scope.RECOMMENDATIONS_READ], name="rotated in")
        _eventually(lambda: _status(client, added) == 200, "the added key is accepted")
        assert client.get("/readyz").json()["details"]["api_keys"] == len(keys.by_scope) + 1

        _revoke(key_file, keys.key_id(added))
        _eventually(lambda: _status(client, added) == 401, "the revoked key is refused")
        refused = client.get("/v1/model", headers=keys.bearer(added))
        assert 'error="invalid_token"' in refused.headers["www-authenticate"]
        assert _status(client, keys.admin) == 200

        key_file.write_text('{"schema_version": 1, "keys": [garbage')
        _eventually(lambda: client.get("/readyz").json()["details"]["api_keys_error"] is not None, "readyz")
        details = client.get("/readyz").json()["details"]
        assert "is not a key file" in details["api_keys_error"] and details["api_keys"] == len(keys.by_scope)
        # the keys read before the broken file stay valid (and the revoked one refused)
        assert _status(client, keys.by_scope[Scope.RECOMMENDATIONS_READ]) == 200
        assert _status(client, keys.admin) == 200 and _status(client, added) == 401

        key_file.unlink()
        _eventually(lambda: _status(client, keys.admin) == 401, "a deleted key file refuses every key")
        details = client.get("/readyz").json()["details"]
        assert details["api_keys"] == 0 and "does not exist" in details["api_keys_error"]
        for call in build_calls(client.app, "er-" + "0" * 20):  # type: ignore[arg-type]
            response = call.send(client, keys.bearer(keys.admin))
            assert response.status_code == 401, call
            assert "no active keys" in response.json()["detail"]

        shutil.copy(keys.file, key_file)  # restored: the keys work again
        _eventually(lambda: _status(client, keys.admin) == 200, "the restored key file is read")


def test_no_key_file_refuses_every_request_and_says_why(
    published: tuple[ArtifactStore, str],
    redis_server: RedisServer,
    spans: InMemorySpanExporter,
    keys: ApiKeys,
) -> None:
    settings = api_settings(published[0], redis_server.url, api_keys_file="")
    with open_client(settings, spans) as client:
        response = client.get(RECS)
        assert response.status_code == 401
        assert response.json()["detail"] == "the API has no active keys (its log and /readyz say why)"
        assert response.headers["www-authenticate"] == 'Bearer realm="tunedin", error="invalid_token"'
        details = client.get("/readyz").json()["details"]
        assert details["api_keys"] == 0 and "TUNEDIN_API_KEYS_FILE" in details["api_keys_error"]


def _secrets(keys: ApiKeys, *more: str) -> list[str]:
    """What must never be shown of each key: its secret (or a third of it, from either end) and
    its hash (or half of it)."""
    every = [*keys.by_scope.values(), keys.revoked, *more]
    found = []
    for key in every:
        secret, digest = key.split("_", 2)[2], hash_key(key)
        found += [secret[:14], secret[-14:], digest[:32], digest[-32:]]
    return found


def test_the_key_id_and_never_the_key_reaches_logs_spans_and_metrics(
    published: tuple[ArtifactStore, str],
    redis_server: RedisServer,
    spans: InMemorySpanExporter,
    keys: ApiKeys,
    capfd: pytest.CaptureFixture[str],
) -> None:
    reader = keys.by_scope[Scope.RECOMMENDATIONS_READ]
    reader_id = keys.key_id(reader)
    wrong_secret = f"tdk_{reader_id}_{'B' * 43}"
    capfd.readouterr()
    with open_client(api_settings(published[0], redis_server.url), spans, key=None) as client:
        spans.clear()
        ok = client.get(RECS, headers={**keys.bearer(reader), "X-Request-ID": "key-ok"})
        forbidden = client.get(
            "/v1/users/2/history", headers={**keys.bearer(reader), "X-Request-ID": "key-403"}
        )
        anonymous = client.get(RECS, headers={"X-Request-ID": "key-none"})
        for key in (keys.revoked, wrong_secret, "tdk_" + "x" * 60):
            assert client.get(RECS, headers=keys.bearer(key)).status_code == 401
        metrics = client.get("/metrics").text
    assert (ok.status_code, forbidden.status_code, anonymous.status_code) == (200, 403, 401)
    captured = capfd.readouterr()
    lines = [json.loads(line) for line in captured.err.splitlines() if line.startswith("{")]
    access = {line["request_id"]: line for line in lines if line.get("name") == "tunedin.access"}
    assert access["key-ok"]["key_id"] == reader_id and access["key-ok"]["status"] == 200
    assert access["key-403"]["key_id"] == reader_id and access["key-403"]["status"] == 403
    assert access["key-none"]["key_id"] is None and access["key-none"]["status"] == 401

    finished = [s for s in spans.get_finished_spans() if s.name.startswith("GET /v1/")]
    by_status: dict[Any, set[Any]] = {}
    for span in finished:
        attributes = dict(span.attributes or {})
        by_status.setdefault(attributes["http.response.status_code"], set()).add(
            attributes.get("tunedin.api_key.id")
        )
    assert by_status[200] == {reader_id} and by_status[403] == {reader_id} and by_status[401] == {None}

    for status in (200, 403):
        assert f'tunedin_api_key_requests_total{{key_id="{reader_id}",status="{status}"}}' in metrics
    assert 'tunedin_api_key_requests_total{key_id="none",status="401"}' in metrics

    exposed = [captured.out, captured.err, metrics]
    exposed += [json.dumps(dict(s.attributes or {})) + s.name for s in spans.get_finished_spans()]
    leaked = [secret for secret in _secrets(keys, wrong_secret) if any(secret in text for text in exposed)]
    assert not leaked, f"{len(leaked)} parts of keys or their hashes were logged, traced or exported"


def test_the_per_key_limit_holds_across_users_and_spares_other_keys(
    published: tuple[ArtifactStore, str],
    redis_server: RedisServer,
    spans: InMemorySpanExporter,
    keys: ApiKeys,
) -> None:
    redis_server.client().flushall()
    settings = api_settings(published[0], redis_server.url, rate_limit_key="3/minute")
    reader = keys.by_scope[Scope.RECOMMENDATIONS_READ]
    with open_client(settings, spans, key=None) as client:
        statuses = [_status(client, reader, f"/v1/users/{user}/recommendations") for user in (2, 5, 8, 11)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/v1/model", headers=keys.bearer(reader))
        assert limited.status_code == 429 and "(3/minute per key)" in limited.json()["detail"]
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert _status(client, keys.admin, "/v1/users/2/recommendations") == 200
        assert _status(client, keys.by_scope[Scope.HISTORY_READ], "/v1/users/2/history") == 200
