"""The stack the chart describes, running in containers: the pipeline Jobs into a named
volume (the PVC), then Redis, the API and the frontend on one network (see ``conftest.flow``).

Every container gets the command, args, env, user, read-only root, dropped capabilities,
no-new-privileges, resource limits and emptyDir mounts that `helm template` renders for it
(``engine.PodRun``). ``running_flow`` starts it all and removes it all afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.chart.support import Obj, one, pipeline_job_specs, render, secret_values
from tests.conftest import ARCHIVE_NAME, REPO_ROOT, find_test_data
from tests.images.engine import PodRun, docker, logs
from tests.support.polling import wait_until

RELEASE_PREFIX = "tunedin"  # tests.chart.support.RELEASE renders names tunedin-*
LOCAL_BASE_IMAGE = os.environ.get("LOCAL_BASE_IMAGE", "localbase/python:3.11-slim-bookworm")
REDIS_TEST_IMAGE = "tunedin-test-redis:local"
SIZES_REPORT = REPO_ROOT / "test-output" / "images" / "sizes.json"
TRAIN_ENV = {
    "TUNEDIN_EPOCHS": "6",
    "TUNEDIN_EVAL_EVERY": "3",
    "TUNEDIN_SIMILAR_EVAL_QUERIES": "100",
    "TUNEDIN_COLD_START_EVAL_USERS": "100",
}
# Last.fm user 2 is the first user of the data set; the API knows every trained user.
KNOWN_USER = 2


def http_get(url: str, timeout: float = 10, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers or {}), timeout=timeout
        ) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as err:
        return int(err.code), bytes(err.read())


def http_post_json(url: str, payload: object, timeout: float = 10) -> tuple[int, bytes, dict[str, str]]:
    """POST a JSON body; the status, the body and the response headers (lower-case names)."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return int(response.status), bytes(response.read()), headers
    except urllib.error.HTTPError as err:
        return int(err.code), bytes(err.read()), {k.lower(): v for k, v in err.headers.items()}


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
    redis_name: str
    api_name: str


def statefulset_pod(statefulset: Obj) -> Obj:
    """The pod spec of a StatefulSet's replica 0, as its controller makes it: each volumeClaimTemplate
    becomes a volume on the claim <template>-<statefulset>-0."""
    pod = dict(statefulset["spec"]["template"]["spec"])
    name = statefulset["metadata"]["name"]
    claims = [
        {
            "name": t["metadata"]["name"],
            "persistentVolumeClaim": {"claimName": f"{t['metadata']['name']}-{name}-0"},
        }
        for t in statefulset["spec"].get("volumeClaimTemplates", [])
    ]
    pod["volumes"] = [*pod.get("volumes", []), *claims]
    return pod


def claim_names(pod: Obj) -> list[str]:
    return [v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"] if "persistentVolumeClaim" in v]


def rendered_objs() -> tuple[Obj, ...]:
    data = find_test_data()
    if data is None:
        pytest.fail("the Last.fm data was not found: run `make test-data` or set TUNEDIN_TEST_DATA")
    sets = [f"trainer.env.{k}={v}" for k, v in TRAIN_ENV.items()]
    sets.append(f"trainer.env.TUNEDIN_DATA_SOURCE=/data/{ARCHIVE_NAME}")
    return render(sets=tuple(sets))


@contextmanager
def running_flow(objs: tuple[Obj, ...]) -> Iterator[Flow]:
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
    volumes = [volume]
    docker("network", "create", network)
    docker("volume", "create", volume)
    claims = {f"{RELEASE_PREFIX}-artifacts": volume}
    secrets_by_key = secret_values(objs)
    try:
        # The two stage Jobs from the pipeline ConfigMap, in the order a runner creates them
        # (index-publish only after prepare-train succeeded). The data folder stands in for
        # TUNEDIN_DATA_SOURCE's URL.
        started = time.monotonic()
        output = ""
        data_mount = ["--mount", f"type=bind,source={data},target=/data,readonly"]
        stage_specs = pipeline_job_specs(objs)
        for stage in ("prepare-train", "index-publish"):
            pod = stage_specs[stage]["template"]["spec"]
            for container in [*pod.get("initContainers", []), *pod["containers"]]:
                run = PodRun(pod, container, claims, secrets_by_key)
                name = f"{prefix}-{container['name']}"
                argv = run.argv(name, detach=False, network="none", extra=["--rm", *data_mount])
                result = docker(*argv, timeout=900, check=False)
                output += f"--- {container['name']} ---\n{result.stdout}{result.stderr}"
                assert result.returncode == 0, f"{container['name']} failed:\n{output[-8000:]}"
        print(f"\npipeline in containers: {time.monotonic() - started:.0f} s")

        # Redis: the chart's StatefulSet container as rendered (command, args, env from its Secret,
        # uid, read-only root, resources, volumes), on the local stand-in for its public image.
        # The container takes the headless Service's name, which the API's TUNEDIN_REDIS_URL names.
        redis_pod = statefulset_pod(one(objs, "StatefulSet", f"{RELEASE_PREFIX}-redis"))
        [redis_container] = redis_pod["containers"]
        redis_claims = {claim: f"{prefix}-{claim}" for claim in claim_names(redis_pod)}
        volumes += redis_claims.values()
        redis_name = f"{RELEASE_PREFIX}-redis-headless"
        redis_run = PodRun(
            redis_pod, {**redis_container, "image": REDIS_TEST_IMAGE}, redis_claims, secrets_by_key
        )
        docker(*redis_run.argv(redis_name, detach=True, network=network))
        containers.append(redis_name)
        probe = redis_container["readinessProbe"]["exec"]["command"]
        wait_until(
            lambda: docker("exec", redis_name, *probe, check=False).stdout.strip() == "PONG",
            timeout=30,
            what="Redis's readiness probe",
        )

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
        # Straight to the API, with the operator's key from the chart's generated Secret.
        admin = {"Authorization": f"Bearer {secrets_by_key[(f'{RELEASE_PREFIX}-api-keys', 'admin-key')]}"}
        status, body = http_get(f"{api_url}/v1/model", headers=admin)
        assert status == 200, body
        model_id = str(json.loads(body)["model_id"])
        yield Flow(prefix, network, objs, api_url, frontend_url, output, model_id, redis_name, api_name)
    except BaseException:
        for name in containers:
            print(logs(name))
        raise
    finally:
        for name in containers:
            docker("rm", "--force", name, check=False, timeout=60)
        docker("network", "rm", network, check=False, timeout=60)
        for name in volumes:
            docker("volume", "rm", name, check=False, timeout=60)
