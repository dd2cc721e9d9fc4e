"""Fixtures of the reliability suite: the scale, a private store with a real model, the stacks
(real redis-server + gunicorn with 2 workers, stopped by PID in finalizers; each API log then
scanned for the stack's key material) and the report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.api_stack import ApiStack, Cleanup
from tests.support.key_leaks import every_key, key_leaks
from tests.support.load.mixed_load import Catalogue
from tests.support.redis_server import DurableRedis
from tests.support.reliability_report import Report, Scale
from tests.support.stores import clone_store, prepare_source
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
LOG_SCAN = "security: no key material in any API log (every stack of the session)"


@dataclass
class Stacks:
    """Every API stack the session started, and what the scan of their logs found."""

    started: list[ApiStack] = field(default_factory=list)
    log_bytes: int = 0
    leaks: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def stacks() -> Stacks:
    return Stacks()


@pytest.fixture
def start_stack(
    store: ArtifactStore, tmp_path: Path, cleanup: Cleanup, stacks: Stacks, report: Report
) -> Iterator[StackFactory]:
    """``start_stack(**TUNEDIN_env)``: a durable redis-server, then the API on ``store``. Once
    the test is done and its processes are stopped, the API's log must hold none of its keys."""
    started: list[ApiStack] = []

    def start(multiproc_env: bool = True, **env: str) -> tuple[ApiStack, DurableRedis]:
        server = DurableRedis(tmp_path / "redis")
        server.start()
        cleanup.add(server)
        api = ApiStack(store.root, server.url, tmp_path / "api", multiproc_env, test_knobs=True, **env)
        cleanup.add(api)
        started.append(api)
        stacks.started.append(api)
        api.start()
        return api, server

    yield start
    cleanup.close()
    leaks: list[str] = []
    for api in started:
        log = api.log_text()
        stacks.log_bytes += len(log)
        leaks += key_leaks({str(api.log_path): log}, every_key(api.keys))
    stacks.leaks += leaks
    report.record(
        LOG_SCAN,
        not stacks.leaks,
        stacks=len(stacks.started),
        log_bytes_scanned=stacks.log_bytes,
        looked_for="each key of the stack's key file in full, its secret part, its sha256; the key prefix",
        leaks=stacks.leaks[:20],
    )
    assert not leaks, leaks
