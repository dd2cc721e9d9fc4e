"""Reliability, security and load against the real local stack.

The checks are the pytest suite in ``tests/reliability``; this module holds what they share
(the stack: a real ``redis-server`` and gunicorn with 2 uvicorn workers as subprocesses; the
open-loop load generator; the artifact-store preparation; the report) and the entry point of
the full run:

* ``python -m bench.reliability`` (``make bench-reliability``): 5 minutes of mixed traffic at
  1000 requests/s, the fault scenarios at full length, several thousand fuzz cases; writes
  ``bench/results/reliability.json`` and ``bench/results/reliability.md``;
* ``make test-reliability`` (part of ``make test``): the same checks at small scale
  (``TUNEDIN_RELIABILITY_SCALE=short``); its report goes to ``test-output/reliability/``.

The mixed traffic and its open-loop generator are in ``bench.mixed_load``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import redis

from tests.api.support import RedisServer, free_port, published_store
from tests.keys_support import ApiKeys, make_test_keys
from tunedin_common.contract import (
    INDEX_META_FILE,
    MODEL_MANIFEST_FILE,
    ArtifactStore,
    atomic_write_bytes,
    file_entries,
    new_model_id,
    write_manifest,
)

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
SHORT_RESULTS = REPO / "test-output" / "reliability"
SCALE_ENV = "TUNEDIN_RELIABILITY_SCALE"
REDIS_PASSWORD = "rel-redis-secret-5f1d2c"  # only in the test stack: the logs must never show it
PSEUDONYM_KEY = "rel-pseudonym-key-9a7e41"  # ditto


@dataclass(frozen=True)
class Scale:
    """How long and how hard each check runs: ``short`` (make test) or ``full`` (the bench)."""

    name: str
    load_rate: int
    load_seconds: float
    fault_rate: int
    fault_seconds: float
    redis_down_s: float
    fuzz_examples: int  # per API operation
    build_index_kills: int
    p99_bound_ms: float  # full: the spec's 150 ms; short: a stall bound that CI's other work keeps

    @staticmethod
    def current() -> Scale:
        name = os.environ.get(SCALE_ENV, "short")
        rate = os.environ.get("TUNEDIN_RELIABILITY_RATE")
        if name == "full":
            scale = Scale("full", 1000, 300.0, 300, 60.0, 30.0, 400, 6, 150.0)
        elif name == "short":
            scale = Scale("short", 200, 20.0, 150, 15.0, 6.0, 30, 3, 1000.0)
        else:
            raise SystemExit(f"{SCALE_ENV} is {name!r}: use short or full")
        if rate:
            scale = Scale(**{**scale.__dict__, "load_rate": int(rate)})
        return scale

    @property
    def results_dir(self) -> Path:
        return RESULTS if self.name == "full" else SHORT_RESULTS


# ------------------------------------------------------------------ processes


def _pid_alive(pid: int) -> bool:
    try:
        proc = psutil.Process(pid)
        return bool(proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


class DurableRedis(RedisServer):
    """``redis-server`` with its append-only file fsynced on every write in ``directory``, and a
    password: killed and started again on the same port it keeps every acknowledged write.

    (``tests.api.support.RedisServer`` runs without persistence: a restart would empty it.)
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


class ApiStack:
    """gunicorn (uvicorn workers) on a free loopback port, as ``make api`` starts it, with a key
    file of its own (``keys``: an admin key, one key per scope, a revoked key; ``headers``: the
    admin key's)."""

    def __init__(
        self, artifacts: Path, redis_url: str, workdir: Path, multiproc_env: bool = True, **env: str
    ) -> None:
        self.artifacts = artifacts
        self.port = free_port()
        self.metrics_dir = workdir / "prometheus"
        self.log_path = workdir / "api.log"
        self.keys: ApiKeys = make_test_keys(workdir / "keys")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TUNEDIN_")}
        defaults = {
            "TUNEDIN_ARTIFACTS": str(artifacts),
            "TUNEDIN_REDIS_URL": redis_url,
            "TUNEDIN_PORT": str(self.port),
            "TUNEDIN_WORKERS": "2",
            "TUNEDIN_LOG_FORMAT": "json",
            "TUNEDIN_METRICS_DIR": str(self.metrics_dir),
            "TUNEDIN_PSEUDONYM_KEY": PSEUDONYM_KEY,
            "TUNEDIN_API_KEYS_FILE": str(self.keys.file),
            "TUNEDIN_API_KEYS_POLL_S": "0.2",
            "TUNEDIN_RATE_LIMIT_KEY": "10000000/minute",
            "TUNEDIN_MODEL_POLL_S": "0.5",
            "TUNEDIN_REDIS_CHECK_S": "0.2",
            "TUNEDIN_RATE_LIMIT_USER": "100000/minute",
            "TUNEDIN_RATE_LIMIT_CLIENT": "10000000/minute",
            "OMP_NUM_THREADS": "1",
        }
        self.env.update({**defaults, **env})
        if multiproc_env:
            # gunicorn_conf imports prometheus_client before it sets PROMETHEUS_MULTIPROC_DIR, so
            # the workers' metrics stay in process memory and /metrics is empty (see
            # test_metrics_under_gunicorn). Set it here, as a deployment may, so that the other
            # checks can read /metrics.
            self.metrics_dir.mkdir(parents=True, exist_ok=True)
            self.env["PROMETHEUS_MULTIPROC_DIR"] = str(self.metrics_dir)
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        """The admin key's ``Authorization`` header."""
        return ApiKeys.bearer(self.keys.admin)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        conf = str(REPO / "apps/api/tunedin_api/gunicorn_conf.py")
        self.started_at = time.time()
        self.process = subprocess.Popen(
            [gunicorn, "-c", conf, "tunedin_api.main:create_app()"],
            env=self.env,
            stdout=log,
            stderr=log,
            cwd=REPO,
        )
        log.close()
        self.wait_ready()

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                ready = httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and len(self.worker_pids()) == 2:
                return
            time.sleep(0.2)
        raise RuntimeError(f"the API did not become ready; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            return [c.pid for c in psutil.Process(self.process.pid).children() if _pid_alive(c.pid)]
        except psutil.NoSuchProcess:
            return []

    def rss_mib(self) -> float:
        """Resident memory of the master and its workers together."""
        if self.process is None:
            return 0.0
        total = 0
        try:
            master = psutil.Process(self.process.pid)
            for proc in [master, *master.children()]:
                try:
                    total += proc.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
        except psutil.NoSuchProcess:
            return 0.0
        return total / 2**20

    def stop(self) -> None:
        """SIGTERM the master (it stops its workers); SIGKILL it and each worker, by PID, if it hangs."""
        if self.process is None:
            return
        workers = self.worker_pids()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for pid in workers:
            if _pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.process = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.is_file() else ""


# ------------------------------------------------------------------ artifact store


def _configured_store() -> ArtifactStore:
    return ArtifactStore(os.environ.get("TUNEDIN_ARTIFACTS", REPO / "artifacts"))


def prepare_source(root: Path) -> tuple[ArtifactStore, str, str]:
    """A private store with one published model: ``(store, model_id, origin)``.

    A copy of the model published in ``TUNEDIN_ARTIFACTS`` (the full Last.fm model) with its
    dataset when there is one; otherwise a small model the pipeline's own code trains on the
    synthetic graph of the API tests.
    """
    source = _configured_store()
    try:
        model_id = source.read_current()
        manifest = source.require_servable(model_id) if model_id else None
    except Exception:  # an unusable local store: fall back to training a small model
        model_id, manifest = None, None
    if model_id is None or manifest is None:
        store, trained = published_store(root)
        return store, trained, "small model trained on the synthetic graph (tests.api.support)"
    store = ArtifactStore(root)
    shutil.copytree(source.model_dir(model_id), store.model_dir(model_id))
    shutil.copytree(source.dataset_dir(manifest.dataset_id), store.dataset_dir(manifest.dataset_id))
    store.write_current(model_id)
    return store, model_id, f"copy of {source.root}/models/{model_id}"


def clone_store(source: ArtifactStore, root: Path) -> ArtifactStore:
    shutil.copytree(source.root, root)
    return ArtifactStore(root)


def clone_model(store: ArtifactStore, model_id: str) -> str:
    """A new model id with the same content (what a retrain of the same data publishes)."""
    new_id = new_model_id({"clone_of": model_id})
    manifest = store.read_model_manifest(model_id)
    with store.staging(store.model_dir(new_id)) as stage:
        for path in store.model_dir(model_id).iterdir():
            if path.name != MODEL_MANIFEST_FILE:
                shutil.copy2(path, stage / path.name)
        meta = json.loads((stage / INDEX_META_FILE).read_text())
        meta["model_id"] = new_id
        (stage / INDEX_META_FILE).write_text(json.dumps(meta))
        updated = manifest.model_copy(
            update={
                "model_id": new_id,
                "created_at": datetime.now(UTC),
                "index": meta,
                "files": file_entries(stage, list(manifest.files)),
            }
        )
        write_manifest(stage / MODEL_MANIFEST_FILE, updated)
    return new_id


def corrupt_model(store: ArtifactStore, model_id: str) -> str:
    """A clone whose item embeddings were damaged after the manifest was written."""
    bad = clone_model(store, model_id)
    manifest = store.read_model_manifest(bad, verify=False)
    victim = store.model_dir(bad) / next(n for n in manifest.files if n.endswith("item_embeddings.npy"))
    data = bytearray(victim.read_bytes())
    for i in range(len(data) - 1, max(len(data) - 4096, 128), -7):
        data[i] ^= 0xFF
    victim.write_bytes(bytes(data))
    return bad


def point_current(store: ArtifactStore, model_id: str) -> None:
    """Write CURRENT as publish does (atomic rename) but without its checks: the API must check."""
    atomic_write_bytes(store.current_file, f"{model_id}\n".encode("ascii"))


# ------------------------------------------------------------------ metrics


def scrape(base: str) -> dict[str, float]:
    """``/metrics`` as ``{'name{labels}': value}`` (all workers added up by the API)."""
    import httpx

    text = httpx.get(f"{base}/metrics", timeout=5).text
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = out.get(name, 0.0) + float(value)
    return out


def metric(values: dict[str, float], name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for key, value in values.items():
        base, _, rest = key.partition("{")
        if base != name:
            continue
        if all(f'{k}="{v}"' in rest for k, v in labels.items()):
            total += value
    return total


def cache_hit_ratio(before: dict[str, float], after: dict[str, float]) -> float | None:
    """Hits / lookups of the user-embedding cache (both levels) between two scrapes."""

    def delta(result: str) -> float:
        name = "tunedin_cache_requests_total"
        return metric(after, name, result=result) - metric(before, name, result=result)

    hits, misses = delta("hit"), delta("miss")
    return hits / (hits + misses) if hits + misses else None


# ------------------------------------------------------------------ report


class Report:
    """Figures of every check; written as JSON and markdown at the end of the session."""

    def __init__(self, scale: Scale) -> None:
        self.scale = scale
        self.sections: dict[str, dict[str, Any]] = {}

    def record(self, name: str, passed: bool, **figures: Any) -> None:
        self.sections[name] = {"passed": passed, **figures}

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "scale": self.scale.__dict__,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "checks": self.sections,
        }
        json_path = directory / "reliability.json"
        json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        md_path = directory / "reliability.md"
        md_path.write_text(self.markdown(payload))
        return json_path, md_path

    def markdown(self, payload: dict[str, Any]) -> str:
        s = self.scale
        lines = [
            "# Reliability, security and load",
            "",
            f"Written by `{'make bench-reliability' if s.name == 'full' else 'make test-reliability'}` "
            f"({s.name} scale) on {payload['written_at']}, {payload['cpus']} CPUs, loopback only: "
            "gunicorn with 2 uvicorn workers, a real redis-server, a real model. Open-loop load "
            "(bench/open_loop.py: bare asyncio protocols on uvloop, 128 keep-alive connections), "
            "latency from each request's intended send time. Every /v1 request sends an API key "
            "(the stack's own key file: an admin key, one key per scope, a revoked key).",
            "",
            "| check | held | figures |",
            "| --- | --- | --- |",
        ]
        for name, section in self.sections.items():
            figures = {k: v for k, v in section.items() if k not in ("passed", "detail")}
            held = "yes" if section["passed"] else "**NO**"
            lines.append(f"| {name} | {held} | {_brief(figures)} |")
        lines += ["", "## Details", ""]
        for name, section in self.sections.items():
            lines += [f"### {name}", "", "```json", json.dumps(section, indent=2, default=str), "```", ""]
        return "\n".join(lines)


def _brief(figures: dict[str, Any]) -> str:
    parts = []
    for key, value in figures.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, default=str)
            if len(value) > 160:
                value = value[:157] + "..."
        parts.append(f"{key}: {value}")
    return "; ".join(parts).replace("|", "\\|")


@dataclass
class Cleanup:
    """Processes a test started, stopped by PID in reverse order (also when the test fails)."""

    stacks: list[ApiStack | RedisServer] = field(default_factory=list)

    def add(self, item: ApiStack | RedisServer) -> None:
        self.stacks.append(item)

    def close(self) -> None:
        for item in reversed(self.stacks):
            item.stop()


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


def main() -> None:
    """The full run: the reliability suite at full scale; its figures go to bench/results/."""
    import pytest

    os.environ.setdefault(SCALE_ENV, "full")
    code = pytest.main(["tests/reliability", "-p", "no:cacheprovider", "-rA", *sys.argv[1:]])
    print(f"report: {Scale.current().results_dir}/reliability.md")
    raise SystemExit(code)


if __name__ == "__main__":
    main()
