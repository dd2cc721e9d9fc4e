"""The API as ``make api`` runs it: gunicorn with uvicorn workers as a subprocess on a free
loopback port, with a key file of its own; its Prometheus metrics scraped; ``Cleanup`` stops what
a test started, by PID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.support.keys import ApiKeys, make_test_keys
from tests.support.paths import REPO
from tests.support.ports import free_port
from tests.support.redis_server import RedisServer

PSEUDONYM_KEY = "rel-pseudonym-key-9a7e41"  # only in the test stack: the logs must never show it


def _pid_alive(pid: int) -> bool:
    try:
        proc = psutil.Process(pid)
        return bool(proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


class ApiStack:
    """gunicorn (uvicorn workers) on a free loopback port, as ``make api`` starts it, with a key
    file of its own (``keys``: an admin key, one key per scope, a revoked key; ``headers``: the
    admin key's)."""

    def __init__(
        self,
        artifacts: Path,
        redis_url: str,
        workdir: Path,
        multiproc_env: bool = True,
        test_knobs: bool = True,
        **env: str,
    ) -> None:
        """``test_knobs``: short poll intervals and rate limits no test reaches (False: the
        deployed defaults, as a benchmark wants them); ``env``: any other TUNEDIN_* settings."""
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
            "OMP_NUM_THREADS": "1",
        }
        if test_knobs:
            defaults |= {
                "TUNEDIN_API_KEYS_POLL_S": "0.2",
                "TUNEDIN_RATE_LIMIT_KEY": "10000000/minute",
                "TUNEDIN_MODEL_POLL_S": "0.5",
                "TUNEDIN_REDIS_CHECK_S": "0.2",
                "TUNEDIN_RATE_LIMIT_USER": "100000/minute",
                "TUNEDIN_RATE_LIMIT_CLIENT": "10000000/minute",
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


@dataclass
class Cleanup:
    """Processes a test started, stopped by PID in reverse order (also when the test fails)."""

    stacks: list[ApiStack | RedisServer] = field(default_factory=list)

    def add(self, item: ApiStack | RedisServer) -> None:
        self.stacks.append(item)

    def close(self) -> None:
        for item in reversed(self.stacks):
            item.stop()
