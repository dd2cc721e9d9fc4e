"""A real ``redis-server`` on a free loopback port: without persistence (``RedisServer``) or with
an fsynced append-only file and a password (``DurableRedis``); and a dump of every key's value."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis

from tests.support.ports import free_port

REDIS_PASSWORD = "rel-redis-secret-5f1d2c"  # only in the test stack: the logs must never show it


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


class DurableRedis(RedisServer):
    """``redis-server`` with its append-only file fsynced on every write in ``directory``, and a
    password: killed and started again on the same port it keeps every acknowledged write.

    (``RedisServer`` runs without persistence: a restart would empty it.)
    """

    def __init__(self, directory: Path, port: int | None = None) -> None:
        super().__init__(port)
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://:{REDIS_PASSWORD}@127.0.0.1:{self.port}/0"

    def options(self) -> list[str]:
        return [
            "--dir",
            str(self.directory),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--requirepass",
            REDIS_PASSWORD,
        ]

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def iter_redis_dump(client: redis.Redis) -> Iterator[tuple[bytes, bytes]]:
    """Every key of the database with its whole value serialised (bounded by the key count)."""
    c: Any = client  # redis-py's sync return types are unions with its async ones

    def text(value: Any) -> str:
        return value.decode(errors="replace") if isinstance(value, bytes) else str(value)

    for key in c.scan_iter(count=1000):
        kind = c.type(key)
        parts: list[str]
        if kind == b"string":
            parts = [text(c.get(key) or b"")]
        elif kind == b"list":
            parts = [text(v) for v in c.lrange(key, 0, -1)]
        elif kind == b"stream":
            parts = [json.dumps({text(k): text(v) for k, v in f.items()}) for _, f in c.xrange(key)]
        elif kind == b"hash":
            parts = [json.dumps({text(k): text(v) for k, v in c.hgetall(key).items()})]
        elif kind == b"zset":
            parts = [text(m) for m in c.zrange(key, 0, -1)]
        elif kind == b"set":
            parts = sorted(text(m) for m in c.smembers(key))
        else:
            parts = []
        yield bytes(key), "\n".join(parts).encode()
