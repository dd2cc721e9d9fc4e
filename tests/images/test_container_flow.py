"""The real flow in containers, run the way the chart runs it (`make test-images`).

The trainer image runs the chart's prepare+train Job, its wait-for-model init container and its
build-index+publish Job into a shared named volume (the PVC), with the Last.fm zip mounted
read-only; the API image serves that volume read-only with a Redis container; a request through
the frontend container's /api proxy returns recommendations. Every container gets the command,
args, env, user, read-only root, dropped capabilities, no-new-privileges, resource limits and
emptyDir mounts that `helm template` renders for it (see ``engine.PodRun``).
"""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.chart.support import by_kind, one, render
from tests.conftest import ARCHIVE_NAME, REPO_ROOT, find_test_data
from tests.images.engine import Obj, PodRun, docker, logs, secret_values, wait_until

pytestmark = pytest.mark.slow

RELEASE_PREFIX = "tunedin"  # tests.chart.support.RELEASE renders names tunedin-*
LOCAL_BASE_IMAGE = os.environ.get("LOCAL_BASE_IMAGE", "localbase/python:3.11-slim-bookworm")
REDIS_TEST_IMAGE = "tunedin-test-redis:local"
SIZES_REPORT = REPO_ROOT / "test-output" / "images" / "sizes.json"
TRAIN_ENV = {"TUNEDIN_EPOCHS": "6", "TUNEDIN_EVAL_EVERY": "3"}
# Last.fm user 2 is the first user of the data set; the API knows every trained user.
KNOWN_USER = 2


def http_get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as err:
        return int(err.code), bytes(err.read())


def published_port(container: str, port: int) -> str:
    out = docker("port", container, f"{port}/tcp").stdout.split()
    assert out, f"{container} publishes no port {port}"
    return f"http://{out[0]}"


@dataclass
class Flow:
    """What the flow fixture leaves running, and what the pipeline printed."""

    prefix: str
    network: str
    objs: tuple[Obj, ...]
    api_url: str
    frontend_url: str
    pipeline_output: str
    model_id: str


def _run_to_completion(run: PodRun, name: str, network: str, timeout: float) -> str:
    argv = run.argv(name, detach=False, network=network, extra=["--rm"])
    result = docker(*argv, timeout=timeout, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{name} exited {result.returncode}:\n{output[-6000:]}"
    return output


@pytest.fixture(scope="module")
def objs() -> tuple[Obj, ...]:
    data = find_test_data()
    if data is None:
        pytest.fail("the Last.fm data was not found: run `make test-data` or set TUNEDIN_TEST_DATA")
    sets = [f"trainer.env.{k}={v}" for k, v in TRAIN_ENV.items()]
    sets.append(f"trainer.env.TUNEDIN_DATA_SOURCE=/data/{ARCHIVE_NAME}")
    return render(sets=tuple(sets))


@pytest.fixture(scope="module")
def flow(objs: tuple[Obj, ...]) -> Iterator[Flow]:
    data = find_test_data()
    assert data is not None
    docker("version", timeout=30)
    docker(
        "build", "--quiet", "--build-arg", f"BASE_IMAGE={LOCAL_BASE_IMAGE}",
        "-f", str(Path(__file__).with_name("redis.Dockerfile")), "-t", REDIS_TEST_IMAGE,
        str(Path(__file__).parent),
    )  # fmt: skip
    prefix = f"tunedin-test-{secrets.token_hex(3)}"
    network, volume = f"{prefix}-net", f"{prefix}-artifacts"
    containers: list[str] = []
    docker("network", "create", network)
    docker("volume", "create", volume)
    claims = {f"{RELEASE_PREFIX}-artifacts": volume}
    secrets_by_key = secret_values(objs)
    try:
        # The two pipeline Jobs, in the chart's order; the init container of the second one
        # waits for a complete model. The data folder stands in for TUNEDIN_DATA_SOURCE's URL.
        started = time.monotonic()
        output = ""
        data_mount = ["--mount", f"type=bind,source={data},target=/data,readonly"]
        for job_name in (f"{RELEASE_PREFIX}-prepare-train-r1", f"{RELEASE_PREFIX}-index-publish-r1"):
            pod = one(objs, "Job", job_name)["spec"]["template"]["spec"]
            for container in [*pod.get("initContainers", []), *pod["containers"]]:
                run = PodRun(pod, container, claims, secrets_by_key)
                name = f"{prefix}-{container['name']}"
                argv = run.argv(name, detach=False, network="none", extra=["--rm", *data_mount])
                result = docker(*argv, timeout=900, check=False)
                output += f"--- {container['name']} ---\n{result.stdout}{result.stderr}"
                assert result.returncode == 0, f"{container['name']} failed:\n{output[-8000:]}"
        print(f"\npipeline in containers: {time.monotonic() - started:.0f} s")

        # Redis with the password the chart's Secret holds (the chart's own Redis image is public).
        redis_name = f"{RELEASE_PREFIX}-redis-headless"
        redis_password = secrets_by_key[(f"{RELEASE_PREFIX}-redis", "redis-password")]
        docker(
            "run", "--detach", "--name", redis_name, "--network", network, "--read-only",
            "--user", "10001:10001", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--tmpfs", "/tmp:rw,size=64m", REDIS_TEST_IMAGE,
            "--port", "6379", "--bind", "0.0.0.0", "--dir", "/tmp", "--save", "", "--appendonly", "no",
            "--requirepass", redis_password,
        )  # fmt: skip
        containers.append(redis_name)

        api_deploy = one(objs, "Deployment", f"{RELEASE_PREFIX}-api")["spec"]["template"]["spec"]
        [api_container] = api_deploy["containers"]
        api_name = f"{RELEASE_PREFIX}-api"
        api_port = api_container["ports"][0]["containerPort"]
        api_run = PodRun(api_deploy, api_container, claims, secrets_by_key)
        publish = ["--publish", f"127.0.0.1::{api_port}"]
        docker(*api_run.argv(api_name, detach=True, network=network, extra=publish))
        containers.append(api_name)
        api_url = published_port(api_name, api_port)

        fe_deploy = one(objs, "Deployment", f"{RELEASE_PREFIX}-frontend")["spec"]["template"]["spec"]
        [fe_container] = fe_deploy["containers"]
        fe_name = f"{prefix}-frontend"
        fe_port = fe_container["ports"][0]["containerPort"]
        fe_run = PodRun(fe_deploy, fe_container, claims, secrets_by_key)
        docker(*fe_run.argv(
            fe_name, detach=True, network=network,
            extra=["--publish", f"127.0.0.1::{fe_port}"],
            extra_env={"TUNEDIN_API_UPSTREAM": f"http://{api_name}:{api_port}"},
        ))  # fmt: skip
        containers.append(fe_name)
        frontend_url = published_port(fe_name, fe_port)

        try:
            wait_until(lambda: http_get(f"{api_url}/readyz")[0] == 200, timeout=90, what="API /readyz")
        except AssertionError as err:
            raise AssertionError(f"{err}\n{logs(api_name)}\n{logs(redis_name)}") from err
        status, body = http_get(f"{api_url}/v1/model")
        assert status == 200, body
        model_id = str(json.loads(body)["model_id"])
        yield Flow(prefix, network, objs, api_url, frontend_url, output, model_id)
    except BaseException:
        for name in containers:
            print(logs(name))
        raise
    finally:
        for name in containers:
            docker("rm", "--force", name, check=False, timeout=60)
        docker("network", "rm", network, check=False, timeout=60)
        docker("volume", "rm", volume, check=False, timeout=60)


def test_pipeline_published_a_model(flow: Flow) -> None:
    # The chart's three containers ran in order, and publish moved CURRENT to the served model.
    lines = flow.pipeline_output.splitlines()
    sections = [line for line in lines if line.startswith("--- ")]
    assert sections == ["--- prepare-train ---", "--- wait-for-model ---", "--- index-publish ---"]
    messages = [json.loads(line)["message"] for line in lines if line.startswith("{")]
    assert f"CURRENT: nothing → {flow.model_id}" in messages, messages[-5:]


def test_recommendations_through_the_frontend_proxy(flow: Flow) -> None:
    status, body = http_get(f"{flow.frontend_url}/api/v1/users/{KNOWN_USER}/recommendations?k=10")
    assert status == 200, body[:500]
    reply: dict[str, Any] = json.loads(body)
    assert reply["model_id"] == flow.model_id
    assert reply["user_id"] == KNOWN_USER and reply["strategy"] == "model"
    items = reply["items"]
    assert len(items) == 10
    assert all(isinstance(i["name"], str) and i["name"].strip() for i in items), items
    assert len({i["artist_id"] for i in items}) == 10


def test_frontend_serves_the_app_and_proxies_health(flow: Flow) -> None:
    status, body = http_get(f"{flow.frontend_url}/")
    assert status == 200 and b'<div id="root">' in body, body[:300]
    # A client-side route falls back to the app; an asset comes with a long cache lifetime.
    status, deep = http_get(f"{flow.frontend_url}/some/client/route")
    assert status == 200 and deep == body
    asset = body.split(b'src="', 1)[1].split(b'"', 1)[0].decode()
    with urllib.request.urlopen(f"{flow.frontend_url}{asset}", timeout=10) as response:
        assert response.status == 200
        assert "immutable" in response.headers["Cache-Control"]
    status, health = http_get(f"{flow.frontend_url}/api/healthz")
    assert status == 200 and json.loads(health) == {"status": "ok"}


def test_api_uses_redis_and_exports_metrics(flow: Flow) -> None:
    def redis_up() -> bool:
        status, body = http_get(f"{flow.api_url}/readyz")
        reply = json.loads(body)
        return status == 200 and reply["model_id"] == flow.model_id and reply["details"]["redis"] == "up"

    wait_until(redis_up, timeout=20, what="the API to report Redis up")
    status, metrics = http_get(f"{flow.api_url}/metrics")
    assert status == 200 and b"tunedin_http_requests_total" in metrics


def test_frontend_without_upstream_answers_404_on_api(flow: Flow) -> None:
    deploy = one(flow.objs, "Deployment", f"{RELEASE_PREFIX}-frontend")["spec"]["template"]["spec"]
    [container] = deploy["containers"]
    run = PodRun(deploy, container, {})
    name = f"{flow.prefix}-frontend-plain"
    docker(*run.argv(name, detach=True, network=flow.network, extra=["--publish", "127.0.0.1::8080"]))
    try:
        url = published_port(name, 8080)
        wait_until(lambda: http_get(f"{url}/")[0] == 200, timeout=30, what="plain frontend")
        assert http_get(f"{url}/api/v1/model")[0] == 404
    finally:
        docker("rm", "--force", name, check=False, timeout=60)


def _images(objs: tuple[Obj, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for kind in ("Deployment", "Job", "CronJob"):
        for o in by_kind(objs, kind):
            spec = o["spec"]["jobTemplate"]["spec"] if kind == "CronJob" else o["spec"]
            pod = spec["template"]["spec"]
            for c in [*pod.get("initContainers", []), *pod["containers"]]:
                if c["image"].startswith("tunedin-"):
                    found[c["image"].split(":")[0]] = c["image"]
    return found


def test_images_are_non_root_without_build_tools_and_sized(objs: tuple[Obj, ...]) -> None:
    images = _images(objs)
    assert set(images) == {"tunedin-api", "tunedin-trainer", "tunedin-frontend"}
    sizes: dict[str, float] = {}
    for repo, ref in sorted(images.items()):
        info = json.loads(docker("image", "inspect", ref).stdout)[0]
        assert info["Config"]["User"] == "10001:10001", (ref, info["Config"]["User"])
        sizes[repo] = round(info["Size"] / 1e6, 1)
        probe = docker(
            "run", "--rm", "--network", "none", "--read-only", "--entrypoint", "/bin/sh", ref, "-c",
            "for t in gcc cc c++ make g++ clang; do command -v $t && exit 1; done; id -u",
        )  # fmt: skip
        assert probe.stdout.strip() == "10001", (ref, probe.stdout)
    SIZES_REPORT.parent.mkdir(parents=True, exist_ok=True)
    SIZES_REPORT.write_text(json.dumps(sizes, indent=2) + "\n", encoding="utf-8")
    print(f"\nimage sizes (MB): {sizes}")
    assert sizes["tunedin-api"] < sizes["tunedin-trainer"] / 2, sizes


def test_api_image_has_no_torch(objs: tuple[Obj, ...]) -> None:
    ref = _images(objs)["tunedin-api"]
    probe = docker(
        "run", "--rm", "--network", "none", "--read-only", "--entrypoint", "python", ref, "-c",
        "import faiss, numpy, tunedin_api.main\nimport torch",
        check=False,
    )  # fmt: skip
    assert probe.returncode == 1, probe.stdout + probe.stderr
    assert "ModuleNotFoundError: No module named 'torch'" in probe.stderr, probe.stderr


def test_trainer_image_runs_every_jobs_stage(objs: tuple[Obj, ...]) -> None:
    ref = _images(objs)["tunedin-trainer"]
    script = "; ".join(
        f"python -m jobs.{stage} --help >/dev/null || exit 1"
        for stage in ("prepare_data", "train", "build_index", "publish", "retrain")
    )
    probe = docker(
        "run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp", "--user", "10001:10001",
        "--entrypoint", "/bin/sh", ref, "-c",
        f"{script}; python -c 'import torch; assert torch.version.cuda is None; print(torch.__version__)'",
        check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert probe.stdout.strip().startswith("2.13.0"), probe.stdout
