"""The API's stderr under gunicorn (its own config, as `make api` and the chart start it): from
the master's start through requests to its shutdown, every line is one record in the format
TUNEDIN_LOG_FORMAT names — no "--- Logging error ---", no traceback, no server noise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from tests.support.api_stack import ApiStack
from tests.support.redis_server import RedisServer
from tunedin_common.contract import ArtifactStore

TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")


def _run_once(stack: ApiStack) -> str:
    """Start, serve a few requests, stop: the whole stderr of the run."""
    try:
        stack.start()
        for path in ("/v1/model", "/v1/users/1/recommendations", "/healthz"):
            assert httpx.get(f"{stack.base}{path}", headers=stack.headers, timeout=10).status_code == 200
    finally:
        stack.stop()
    return stack.log_text()


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_gunicorn_stderr_is_clean(
    fmt: str, published: tuple[ArtifactStore, str], redis_server: RedisServer, tmp_path: Path
) -> None:
    store, model_id = published
    stack = ApiStack(store.root, redis_server.url, tmp_path, multiproc_env=False, TUNEDIN_LOG_FORMAT=fmt)
    lines = _run_once(stack).splitlines()
    text = "\n".join(lines)
    assert "Logging error" not in text
    assert "Traceback" not in text
    assert "Error while closing socket" not in text
    assert "Control socket" not in text, "no gunicornc socket in $HOME"
    assert "\x1b[" not in text, "no terminal colours in a log"
    if fmt == "json":
        records = [json.loads(line) for line in lines]
        assert all(isinstance(r, dict) and {"time", "level", "name", "message"} <= set(r) for r in records)
        assert not [r for r in records if r["name"] == "uvicorn.access"], "the app logs each request itself"
    else:
        assert [line for line in lines if not TEXT_LINE.match(line)] == []
        records = [{"name": line.split(" ", 4)[3].rstrip(":"), "message": line} for line in lines]
    names = {r["name"] for r in records}
    assert {"gunicorn.error", "uvicorn.error", "tunedin.access"} <= names, names
    assert any(f"serving model {model_id}" in r["message"] for r in records)
    assert not [r for r in records if r.get("level") in {"WARNING", "ERROR"}]
