"""Images reach a cluster: the image reference of every container with local names, a global
registry and per-image registries, and `make push`, which tags and pushes the three images."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.chart.support import CHART_DIR, RELEASE, REPO_ROOT, Obj, pod_specs, render

FULL = RELEASE
VERSION = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text(encoding="utf-8"))["appVersion"]
REDIS_TAG = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))["redis"]["image"]["tag"]
API, FRONTEND, TRAINER = (f"tunedin-{c}:{VERSION}" for c in ("api", "frontend", "trainer"))
REDIS = f"redis:{REDIS_TAG}"
DIGEST = "sha256:" + "ab" * 32


def _images(objs: tuple[Obj, ...]) -> dict[str, str]:
    """workload:container → image, for every container the chart runs or has a Job run."""
    images = {
        f"{where}:{c['name']}": c["image"]
        for where, pod in pod_specs(objs)
        for c in pod.get("initContainers", []) + pod["containers"]
    }
    kinds = {where.split("/", 1)[0] for where in images}
    assert kinds >= {"Deployment", "StatefulSet", "Job", "CronJob", "ConfigMap"}, kinds
    return images


def _local_ref(where: str) -> str:
    """The image (repository:tag, no registry) a container of this workload runs."""
    if where.startswith(f"Deployment/{FULL}-api:"):
        return API
    if where.startswith(f"Deployment/{FULL}-frontend:"):
        return FRONTEND
    if where.startswith("StatefulSet/"):
        return REDIS
    return TRAINER  # the pipeline Jobs, the retraining CronJob and the Job specs it creates


def test_without_a_registry_every_image_keeps_its_local_name() -> None:
    images = _images(render())
    assert images == {where: _local_ref(where) for where in images}
    assert set(images.values()) == {API, FRONTEND, TRAINER, REDIS}


def test_the_global_registry_prefixes_every_image() -> None:
    images = _images(render(sets=("global.imageRegistry=registry.example.com/team",)))
    assert images == {where: f"registry.example.com/team/{_local_ref(where)}" for where in images}


def test_an_images_own_registry_wins_over_the_global_one() -> None:
    sets = (
        "global.imageRegistry=registry.example.com/team",
        "api.image.registry=registry.example.com:5000/api",
        "trainer.image.registry=trainer.example.com",
        "frontend.image.registry=frontend.example.com/web",
        "redis.image.registry=docker.io",
    )
    own = {
        API: "registry.example.com:5000/api",
        TRAINER: "trainer.example.com",
        FRONTEND: "frontend.example.com/web",
        REDIS: "docker.io",
    }
    images = _images(render(sets=sets))
    assert images == {where: f"{own[_local_ref(where)]}/{_local_ref(where)}" for where in images}


def test_a_per_image_registry_alone_moves_only_that_image() -> None:
    images = _images(render(sets=("redis.image.registry=docker.io",)))
    moved = {
        where: f"docker.io/{REDIS}" if _local_ref(where) == REDIS else _local_ref(where) for where in images
    }
    assert images == moved


def test_a_tag_with_a_digest_is_kept_as_skaffold_sets_it() -> None:
    sets = ("global.imageRegistry=registry.example.com/team", f"api.image.tag=abc123@{DIGEST}")
    images = _images(render(sets=sets))
    assert images[f"Deployment/{FULL}-api:api"] == f"registry.example.com/team/tunedin-api:abc123@{DIGEST}"


def _make_push(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`make push` with a stand-in docker that records its arguments."""
    log = tmp_path / "docker.log"
    docker = tmp_path / "docker"
    docker.write_text(f'#!/bin/sh\necho "$*" >> {log}\n', encoding="utf-8")
    docker.chmod(docker.stat().st_mode | stat.S_IEXEC)
    result = subprocess.run(
        ["make", "--no-print-directory", "push", f"DOCKER={docker}", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "REGISTRY")},
        timeout=60,
    )
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return result, calls


def test_make_push_refuses_without_a_registry(tmp_path: Path) -> None:
    result, calls = _make_push(tmp_path)
    assert result.returncode != 0
    assert "make push needs the registry to push to: make push REGISTRY=" in result.stderr
    assert calls == []


@pytest.mark.parametrize("registry", ["registry.example.com/team", "registry.example.com/team/"])
def test_make_push_tags_and_pushes_the_three_images(tmp_path: Path, registry: str) -> None:
    result, calls = _make_push(tmp_path, f"REGISTRY={registry}", "IMAGE_TAG=1.2.3")
    assert result.returncode == 0, result.stdout + result.stderr
    expected = []
    for repo in ("tunedin-api", "tunedin-trainer", "tunedin-frontend"):
        remote = f"registry.example.com/team/{repo}:1.2.3"
        expected += [f"tag {repo}:1.2.3 {remote}", f"push {remote}"]
    assert calls == expected
