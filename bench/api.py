"""API speed: the real stack on loopback (gunicorn, 2 uvicorn workers, real Redis, every feature on).

``python -m bench.api`` (``make bench-api``) serves the model published in ``TUNEDIN_ARTIFACTS``
and drives ``/v1/users/{id}/recommendations`` for random real users, then ``/healthz`` (a trivial
endpoint of the same app) the same way:

* closed loop: Debian's ``wrk`` (2 threads, 32 connections, a Lua script picking a random user
  per request) gives requests/s at saturation;
* open loop: ``tests.support.load.open_loop`` (uvloop, bare asyncio protocols) sends at a fixed rate
  (1000 and 2000/s) over a pool of keep-alive connections. Each request has an *intended* start
  time on a fixed schedule and its latency is measured from that time, not from when a
  connection was free to send it, so a stalled server is charged for the whole queue behind the
  stall (no coordinated omission); the generator's own CPU per request is reported too;
* server CPU µs per request: user + system time of the gunicorn master and workers (from /proc)
  over the closed-loop run, divided by the requests served.

Every request sends an admin API key (``Authorization: Bearer``, wrk's ``-H``) from a key file
made for the run; the per-key rate limit is set far above what the runs send, so that the limit
is checked on each request (as deployed) but never refuses one.

Writes ``bench/results/api.json`` and ``bench/results/api.md``.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import uvloop

from tests.support.api_stack import ApiStack
from tests.support.keys import ApiKeys
from tests.support.load.open_loop import Answer, Pool, request_bytes, run_to_end
from tests.support.redis_server import RedisServer
from tunedin_common.contract import MODEL_USERS_FILE, ArtifactStore

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent
SERVER_LOG = REPO / "test-output" / "bench-api-server.log"  # not a result: kept out of bench/results
WRK_SECONDS = 15
OPEN_SECONDS = 15
RATES = (1000, 2000)
CONNECTIONS = 64
TICKS = os.sysconf("SC_CLK_TCK")
KEY_RATE_LIMIT = "100000000/minute"  # per API key: far above any run's rate
LUA = """
local users = {%s}
request = function()
  -- no headers given: wrk.format sends wrk.headers, the -H Authorization with the API key
  return wrk.format("GET", "/v1/users/" .. users[math.random(#users)] .. "/recommendations")
end
"""


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def wrk_command(port: int, path: str, users: list[int], key: str, script: str) -> list[str]:
    """The wrk command line: ``path`` (``{user}``: a random user per request, by the Lua script
    at ``script``) with the API key in ``Authorization`` (wrk.format sends wrk's -H headers)."""
    args = ["wrk", "-t2", "-c32", f"-d{WRK_SECONDS}s", "--latency", "-H", f"Authorization: Bearer {key}"]
    if "{user}" in path:
        args += ["-s", script]
    return [*args, f"http://127.0.0.1:{port}{path.replace('{user}', str(users[0]))}"]


def _wrk(port: int, path: str, users: list[int], pids: list[int], key: str) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ",".join(map(str, users)) if "{user}" in path else "")
    cpu0 = _cpu_seconds(pids)
    command = wrk_command(port, path, users, key, script.name)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = _cpu_seconds(pids) - cpu0
    Path(script.name).unlink()
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": requests,
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
        "server_cpu_us_per_request": round(cpu / max(requests, 1) * 1e6, 1),
        "wrk_output": out,
    }


async def _open_loop(port: int, paths: list[str], rate: int, key: str) -> dict[str, Any]:
    """Fixed-rate open loop (``tests.support.load.open_loop``); also the generator's own CPU per request."""
    requests = [request_bytes("GET", path, headers=ApiKeys.bearer(key)) for path in paths]
    expected = rate * OPEN_SECONDS
    latencies: list[float] = []
    errors = 0

    def done(_: int, answer: Answer) -> None:
        nonlocal errors
        latencies.append(answer.latency_s)
        errors += answer.status != 200

    pool = Pool("127.0.0.1", port, CONNECTIONS)
    await pool.open()
    cpu = time.process_time()
    start = time.perf_counter() + 0.1
    elapsed = await run_to_end(
        pool, [requests[i % len(requests)] for i in range(expected)], rate, done, start
    )
    cpu = time.process_time() - cpu
    await pool.close()
    ms = np.array(latencies) * 1000
    return {
        "rate": rate,
        "requests": expected,
        "achieved_per_s": round(expected / elapsed, 1),
        "errors": errors,
        "generator_cpu_us_per_request": round(cpu / expected * 1e6, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run scripts/install-system-deps.sh")
    store = ArtifactStore(os.environ.get("TUNEDIN_ARTIFACTS", REPO / "artifacts"))
    model_id = store.read_current()
    if model_id is None:
        raise SystemExit(f"no published model in {store.root}: run make pipeline first")
    users = pd.read_parquet(store.model_dir(model_id) / MODEL_USERS_FILE)["user_id"].astype(int).tolist()
    RESULTS.mkdir(exist_ok=True)
    workdir = tempfile.TemporaryDirectory(prefix="bench-api-")
    redis = RedisServer()
    redis.start()
    api = ApiStack(
        store.root, redis.url, Path(workdir.name), test_knobs=False, TUNEDIN_RATE_LIMIT_KEY=KEY_RATE_LIMIT
    )
    keys, port = api.keys, api.port
    try:
        api.start()
        assert api.process is not None
        pids = [api.process.pid, *api.worker_pids()]
        rng = random.Random(0)
        paths = [f"/v1/users/{rng.choice(users)}/recommendations" for _ in range(5000)]
        _wrk(port, "/v1/users/{user}/recommendations", users, pids, keys.admin)  # warm-up, discarded
        result: dict[str, Any] = {"model_id": model_id, "users": len(users), "cpus": os.cpu_count()}
        for name, path, open_paths in (
            ("recommendations", "/v1/users/{user}/recommendations", paths),
            ("healthz", "/healthz", ["/healthz"]),
        ):
            closed = _wrk(port, path, users, pids, keys.admin)
            opened = [uvloop.run(_open_loop(port, open_paths, rate, keys.admin)) for rate in RATES]
            result[name] = {
                "closed_loop": {k: v for k, v in closed.items() if k != "wrk_output"},
                "open_loop": opened,
            }
    finally:
        api.stop()
        redis.stop()
        if api.log_path.is_file():  # the server's log outlives the run's folder
            SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(api.log_path, SERVER_LOG)
        workdir.cleanup()
    (RESULTS / "api.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "api.md").write_text(_markdown(result), encoding="utf-8")
    print(_markdown(result))


def _markdown(result: dict[str, Any]) -> str:
    lines = [
        "# API speed",
        "",
        f"Model {result['model_id']} ({result['users']} users), {result['cpus']} CPUs, gunicorn 2 workers, "
        "real Redis, metrics + JSON logs + tracing + rate limits on. Closed loop: wrk -t2 -c32. "
        f"Open loop: tests/support/load/open_loop.py (uvloop, bare asyncio protocols, {CONNECTIONS} "
        "keep-alive connections), latency from each request's intended send time (corrects "
        "coordinated omission); it runs on the same 2 CPUs, its CPU per request is in api.json.",
        "",
        "| endpoint | saturation req/s | CPU µs/req | errors | rate | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in ("recommendations", "healthz"):
        closed = result[name]["closed_loop"]
        for i, row in enumerate(result[name]["open_loop"]):
            head = (
                f"| {name} | {closed['requests_per_s']:.0f} "
                f"| {closed['server_cpu_us_per_request']} | {closed['errors']}"
                if i == 0
                else "| | | |"
            )
            lines.append(
                f"{head} | {row['rate']}/s | {row['p50_ms']} | {row['p95_ms']} "
                f"| {row['p99_ms']} | {row['errors']} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
