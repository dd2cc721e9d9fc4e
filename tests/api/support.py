"""Test support for the API: a real redis-server on a free loopback port, and real models built
by the pipeline's own code (train → build-index → publish) on the synthetic dataset."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

from tests.factories import make_settings
from tests.train_support import synthetic_interactions, write_dataset
from tunedin_common.contract import ArtifactStore
from tunedin_trainer.index.stage import build_index
from tunedin_trainer.publish.stage import publish
from tunedin_trainer.settings import Settings as TrainerSettings
from tunedin_trainer.training.run import run_train

TRAIN = {
    "epochs": 6,
    "eval_every": 2,
    "patience": 2,
    "checkpoint_every": 2,
    "batch_size": 64,
    "dim": 16,
    "lr": 0.01,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """``redis-server`` on 127.0.0.1:``port`` without persistence; start/stop by PID."""

    def __init__(self, port: int | None = None) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is missing: run scripts/install-system-deps.sh")
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def options(self) -> list[str]:
        """Server options after port and bind: no persistence (a subclass may add some)."""
        return ["--save", "", "--appendonly", "no"]

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", *self.options()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = self.client()
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                client.close()
                return
            except (redis.ConnectionError, redis.BusyLoadingError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def trainer_settings(store: ArtifactStore, seed: int = 7) -> TrainerSettings:
    return make_settings(store, ablations_report=store.root / "no-ablations.json", seed=seed, **TRAIN)


def train_indexed_model(store: ArtifactStore, seed: int) -> str:
    """Train, index and verify a model with the pipeline's own code; return its id (not published)."""
    settings = trainer_settings(store, seed)
    model_id = run_train(settings, progress=False).model_id
    build_index(store, settings, model_id)
    return model_id


def published_store(root: Path) -> tuple[ArtifactStore, str]:
    """An artifact store with the synthetic dataset and one published model."""
    store = ArtifactStore(root)
    write_dataset(store, synthetic_interactions())
    model_id = train_indexed_model(store, seed=7)
    publish(store, trainer_settings(store), model_id)
    return store, model_id
