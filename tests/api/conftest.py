"""Fixtures of the API tests: a real Redis, a published model, API keys, and the app under a
TestClient that sends the admin key unless a test sends another."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.support.keys import ApiKeys, make_test_keys
from tests.support.redis_server import RedisServer
from tests.support.stores import published_store
from tunedin_api.main import create_app
from tunedin_api.settings import Settings
from tunedin_common.contract import ArtifactStore
from tunedin_common.erasures import ERASURES_DIR

# One key file for the whole session (its keys are random); made at import, as api_settings and
# open_client are plain functions many tests call.
KEYS: ApiKeys = make_test_keys(Path(tempfile.mkdtemp(prefix="tunedin-api-keys-")))


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[ArtifactStore, str]:
    return published_store(tmp_path_factory.mktemp("api") / "artifacts")


@pytest.fixture(autouse=True)
def _no_erasures_left(published: tuple[ArtifactStore, str]) -> Iterator[None]:
    """A test that erases users on the shared store leaves no erasure to the next test."""
    yield
    shutil.rmtree(published[0].root / ERASURES_DIR, ignore_errors=True)


@pytest.fixture
def keys() -> ApiKeys:
    return KEYS


@pytest.fixture
def own_store(published: tuple[ArtifactStore, str], tmp_path: Path) -> ArtifactStore:
    """A private copy of the published store, for tests that publish or break models."""
    root = tmp_path / "artifacts"
    shutil.copytree(published[0].root, root)
    return ArtifactStore(root)


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


def api_settings(store: ArtifactStore, redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "artifacts": store.root,
        "redis_url": redis_url,
        "model_poll_s": 0.1,
        "redis_check_s": 0.1,
        "redis_timeout_s": 0.2,
        "rate_limit_user": "10000/minute",
        "rate_limit_client": "10000/minute",
        "log_format": "json",
        "api_keys_file": str(KEYS.file),
        "api_keys_poll_s": 0.1,
        **overrides,
    }
    return Settings.model_validate(values)


def open_client(settings: Settings, spans: InMemorySpanExporter, key: str | None = KEYS.admin) -> TestClient:
    """The app under a TestClient that sends ``key`` (default: the admin key; None: no key)."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    headers = ApiKeys.bearer(key) if key is not None else None
    return TestClient(create_app(settings, tracer_provider=provider), headers=headers)


@pytest.fixture
def client(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, spans: InMemorySpanExporter
) -> Iterator[TestClient]:
    redis_server.client().flushall()
    with open_client(api_settings(published[0], redis_server.url), spans) as test_client:
        yield test_client
