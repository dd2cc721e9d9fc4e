"""The real flow in containers, run the way the chart runs it (`make test-images`).

The trainer image runs the chart's prepare+train Job, then its build-index+publish Job (the stage
specs of the pipeline ConfigMap) into a shared named volume (the PVC), with the Last.fm zip mounted
read-only; the API image serves that volume read-only with a Redis container; a request through
the frontend container's /api proxy returns recommendations. Every container gets the command,
args, env, user, read-only root, dropped capabilities, no-new-privileges, resource limits and
emptyDir mounts that `helm template` renders for it (see ``engine.PodRun``); the stack is
``conftest.flow``, shared with the fault tests.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.chart.support import Obj, by_kind, one
from tests.images.engine import PodRun, docker
from tests.images.flow import KNOWN_USER, RELEASE_PREFIX, SIZES_REPORT, Flow, http_get, published_port
from tests.support.polling import wait_until

pytestmark = pytest.mark.slow


def test_pipeline_published_a_model(flow: Flow) -> None:
    # The chart's two stage containers ran in order, and publish moved CURRENT to the served model.
    lines = flow.pipeline_output.splitlines()
    sections = [line for line in lines if line.startswith("--- ")]
    assert sections == ["--- prepare-train ---", "--- index-publish ---"]
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


def test_api_docs_through_the_frontend_proxy_load_only_its_own_assets(flow: Flow) -> None:
    status, page = http_get(f"{flow.frontend_url}/api/docs")
    assert status == 200 and b"SwaggerUIBundle" in page, page[:300]
    assets = re.findall(r"""(?:src|href|url)\s*[=:]\s*["']([^"']+)["']""", page.decode())
    assert assets and all(url.startswith("/api/") for url in assets), assets
    for url in assets:
        status, body = http_get(f"{flow.frontend_url}{url}")
        assert status == 200 and len(body) > 100, url
    status, _ = http_get(f"{flow.frontend_url}/api/")
    assert status == 200  # / leads to the docs


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
    # The chart always names the API Service as the upstream (and its key); this is the image on its own.
    env = [
        e for e in container.get("env", []) if e["name"] not in ("TUNEDIN_API_UPSTREAM", "TUNEDIN_API_KEY")
    ]
    run = PodRun(deploy, {**container, "env": env}, {})
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


# torch computes on the CPU and reports its version (PyPI's build is the CUDA one; no GPU is needed).
TORCH_ON_CPU = "import torch; assert float(torch.ones(3) @ torch.ones(3)) == 3.0; print(torch.__version__)"


def test_trainer_image_runs_every_jobs_stage(objs: tuple[Obj, ...]) -> None:
    ref = _images(objs)["tunedin-trainer"]
    script = "; ".join(
        f"python -m jobs.{stage} --help >/dev/null || exit 1"
        for stage in ("prepare_data", "train", "build_index", "publish", "retrain")
    )
    probe = docker(
        "run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp", "--user", "10001:10001",
        "--entrypoint", "/bin/sh", ref, "-c",
        f"{script}; python -c '{TORCH_ON_CPU}'",
        check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert probe.stdout.strip().startswith("2.13.0"), probe.stdout
