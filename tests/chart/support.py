"""Render the chart offline and load what it renders: shared by the chart tests."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "charts" / "tunedin"
CI_VALUES = sorted((CHART_DIR / "ci").glob("*-values.yaml"))
SCHEMAS = REPO_ROOT.parent / "shared" / "schemas"
TOOLS_BIN = REPO_ROOT / ".cache" / "tools" / "bin"
RELEASE = "tunedin"
NAMESPACE = "music"
# Kubernetes version the objects are validated against (kind 0.27's default node).
K8S_VERSION = "1.32"

Obj = dict[str, Any]


def tool(name: str) -> str:
    """A chart tool from .cache/tools/bin (make chart-tools), else from PATH."""
    local = TOOLS_BIN / name
    if local.is_file():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: run `make chart-tools`")
    return found


def chart_deps() -> list[tuple[str, str]]:
    meta = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text(encoding="utf-8"))
    return [(d["name"], d["version"]) for d in meta.get("dependencies", [])]


@functools.cache
def offline_chart() -> Path:
    """A copy of the chart with stub subcharts, so helm renders without the internet."""
    root = Path(tempfile.mkdtemp(prefix="tunedin-chart-"))
    copy = root / "tunedin"
    shutil.copytree(CHART_DIR, copy, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    for name, version in chart_deps():
        stub = copy / "charts" / name
        stub.mkdir(parents=True)
        (stub / "Chart.yaml").write_text(
            f"apiVersion: v2\nname: {name}\nversion: {version}\n", encoding="utf-8"
        )
    return copy


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HELM_CACHE_HOME": str(offline_chart().parent / ".helm-cache")}
    return subprocess.run(
        [tool("helm"), *args], capture_output=True, text=True, check=check, env=env, timeout=120
    )


@functools.cache
def render(*values: str, sets: tuple[str, ...] = ()) -> tuple[Obj, ...]:
    """Every object `helm template` renders with these values files and --set flags."""
    args = ["template", RELEASE, str(offline_chart()), "--namespace", NAMESPACE]
    for v in values:
        args += ["-f", v]
    for s in sets:
        args += ["--set", s]
    out = helm(*args).stdout
    return tuple(d for d in yaml.safe_load_all(out) if d)


def scenarios() -> list[tuple[str, ...]]:
    """Default values, then each ci/*-values.yaml."""
    return [(), *[(str(p),) for p in CI_VALUES]]


def scenario_id(values: tuple[str, ...]) -> str:
    return Path(values[0]).name.removesuffix("-values.yaml") if values else "default"


def by_kind(objs: tuple[Obj, ...], kind: str) -> list[Obj]:
    return [o for o in objs if o["kind"] == kind]


def one(objs: tuple[Obj, ...], kind: str, name: str) -> Obj:
    found = [o for o in by_kind(objs, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} rendered"
    return found[0]


def pod_specs(objs: tuple[Obj, ...]) -> list[tuple[str, Obj]]:
    """(kind/name, pod spec) of every workload, the orchestrator's Job specs included."""
    specs: list[tuple[str, Obj]] = []
    for o in objs:
        kind, name = o["kind"], o["metadata"]["name"]
        if kind in ("Deployment", "StatefulSet", "Job"):
            specs.append((f"{kind}/{name}", o["spec"]["template"]["spec"]))
        elif kind == "CronJob":
            specs.append((f"{kind}/{name}", o["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
        elif kind == "ConfigMap" and name.endswith("-retrain-jobs"):
            for key, text in o["data"].items():
                specs.append((f"{kind}/{name}/{key}", yaml.safe_load(text)["template"]["spec"]))
    return specs


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def crd_schema(kind: str) -> Obj:
    """The v1 openAPIV3Schema of a prometheus-operator CRD, closed where it lists properties."""
    path = SCHEMAS / "crds" / f"monitoring.coreos.com_{kind.lower()}s.yaml"
    crd = yaml.safe_load(path.read_text(encoding="utf-8"))
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    schema: Obj = version["schema"]["openAPIV3Schema"]
    _close(schema)
    return schema


def _close(node: Any) -> None:
    if isinstance(node, dict):
        if (
            "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)
