"""Fixtures of the API tests: a real Redis, a published model, and the app under a TestClient."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.support import RedisServer, published_store
from tunedin_api.main import create_app
from tunedin_api.settings import Settings
from tunedin_common.contract import ArtifactStore


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[ArtifactStore, str]:
    return published_store(tmp_path_factory.mktemp("api") / "artifacts")


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
        **overrides,
    }
    return Settings.model_validate(values)


def open_client(settings: Settings, spans: InMemorySpanExporter) -> TestClient:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return TestClient(create_app(settings, tracer_provider=provider))


@pytest.fixture
def client(
    published: tuple[ArtifactStore, str], redis_server: RedisServer, spans: InMemorySpanExporter
) -> Iterator[TestClient]:
    redis_server.client().flushall()
    with open_client(api_settings(published[0], redis_server.url), spans) as test_client:
        yield test_client
