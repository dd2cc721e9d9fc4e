"""Fixtures of the reliability suite: the scale, a private store with a real model, the stacks
(real redis-server + gunicorn with 2 workers, stopped by PID in finalizers) and the report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.mixed_load import Catalogue
from bench.reliability import ApiStack, Cleanup, DurableRedis, Report, Scale, clone_store, prepare_source
from tunedin_common.contract import ArtifactStore


@pytest.fixture(scope="session")
def scale() -> Scale:
    return Scale.current()


@pytest.fixture(scope="session")
def report(scale: Scale) -> Iterator[Report]:
    collected = Report(scale)
    yield collected
    json_path, md_path = collected.write(scale.results_dir)
    print(f"\nreliability report: {json_path}, {md_path}")


@pytest.fixture(scope="session")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[ArtifactStore, str, str]:
    return prepare_source(tmp_path_factory.mktemp("reliability-source") / "artifacts")


@pytest.fixture(scope="session")
def catalogue(source: tuple[ArtifactStore, str, str]) -> Catalogue:
    return Catalogue.of(source[0], source[1])


@pytest.fixture
def store(source: tuple[ArtifactStore, str, str], tmp_path: Path) -> ArtifactStore:
    """A private copy of the source store (tests publish and break models in it)."""
    return clone_store(source[0], tmp_path / "artifacts")


@pytest.fixture
def cleanup() -> Iterator[Cleanup]:
    done = Cleanup()
    yield done
    done.close()


StackFactory = Callable[..., tuple[ApiStack, DurableRedis]]


@pytest.fixture
def start_stack(store: ArtifactStore, tmp_path: Path, cleanup: Cleanup) -> StackFactory:
    """``start_stack(**TUNEDIN_env)``: a durable redis-server, then the API on ``store``."""

    def start(multiproc_env: bool = True, **env: str) -> tuple[ApiStack, DurableRedis]:
        server = DurableRedis(tmp_path / "redis")
        server.start()
        cleanup.add(server)
        api = ApiStack(store.root, server.url, tmp_path / "api", multiproc_env, **env)
        cleanup.add(api)
        api.start()
        return api, server

    return start
