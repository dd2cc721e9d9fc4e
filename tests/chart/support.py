"""Render the chart offline and load what it renders: shared by the chart tests."""

from __future__ import annotations

import base64
import functools
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "charts" / "tunedin"
CI_VALUES = sorted((CHART_DIR / "ci").glob("*-values.yaml"))
SCHEMAS = REPO_ROOT.parent / "shared" / "schemas"
TOOLS_BIN = REPO_ROOT / ".cache" / "tools" / "bin"
RELEASE = "tunedin"
NAMESPACE = "music"
PIPELINE_CONFIG_MAP = f"{RELEASE}-pipeline"
# The Gateway API release whose CRDs the HTTPRoute is validated against (from the Go module proxy).
GATEWAY_API_MODULE = "sigs.k8s.io/gateway-api@v1.4.1"

Obj = dict[str, Any]
_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$")
_UNITS = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
_VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _major_minor(version: str) -> str:
    found = re.search(r"(\d+)\.(\d+)", version)
    if found is None:
        raise ValueError(f"no major.minor in {version!r}")
    return f"{found[1]}.{found[2]}"


def kube_versions() -> tuple[str, str]:
    """Chart.yaml's minimum kubeVersion and the newest Kubernetes that kubernetes-validate knows."""
    meta = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text(encoding="utf-8"))
    minimum = meta["kubeVersion"]
    if not minimum.startswith(">="):
        raise ValueError(f"Chart.yaml kubeVersion {minimum!r} is not a lower bound")
    return _major_minor(minimum), _major_minor(kubernetes_validate.latest_version())


KUBE_VERSIONS = kube_versions()


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


def template_args(
    *values: str,
    sets: tuple[str, ...] = (),
    kube_version: str | None = None,
    api_versions: tuple[str, ...] = (),
) -> list[str]:
    """`helm template` of the offline chart with these values files, --set flags, cluster version and
    API versions the cluster serves (group/version or group/version/Kind, as `helm -a` takes them)."""
    args = ["template", RELEASE, str(offline_chart()), "--namespace", NAMESPACE]
    for v in values:
        args += ["-f", v]
    for s in sets:
        args += ["--set", s]
    if kube_version:
        args += ["--kube-version", kube_version]
    for api in api_versions:
        args += ["--api-versions", api]
    return args


@functools.cache
def render(
    *values: str,
    sets: tuple[str, ...] = (),
    kube_version: str | None = None,
    api_versions: tuple[str, ...] = (),
) -> tuple[Obj, ...]:
    """Every object `helm template` renders (see ``template_args``)."""
    args = template_args(*values, sets=sets, kube_version=kube_version, api_versions=api_versions)
    out = helm(*args).stdout
    return tuple(d for d in yaml.safe_load_all(out) if d)


@functools.cache
def _notes_chart() -> Path:
    """The offline chart plus a template that renders NOTES.txt into an object helm template shows."""
    copy = Path(tempfile.mkdtemp(prefix="tunedin-notes-")) / "tunedin"
    shutil.copytree(offline_chart(), copy)
    (copy / "templates" / "notes-probe.yaml").write_text(
        'notes: {{ include (print $.Template.BasePath "/NOTES.txt") . | toJson }}\n', encoding="utf-8"
    )
    return copy


def render_notes(*sets: str) -> str:
    """NOTES.txt as `helm install` would print it with these --set flags."""
    args = ["template", RELEASE, str(_notes_chart()), "--namespace", NAMESPACE]
    args += ["--show-only", "templates/notes-probe.yaml"]
    for s in sets:
        args += ["--set", s]
    notes: str = yaml.safe_load(helm(*args).stdout)["notes"]
    return notes


def render_error(*values: str, sets: tuple[str, ...] = ()) -> str:
    """helm's error when these values must not render (fails the test when they do)."""
    result = helm(*template_args(*values, sets=sets), check=False)
    assert result.returncode != 0, f"rendered although it should fail: {values} {sets}"
    return result.stderr


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
    for key, spec in pipeline_job_specs(objs).items():
        specs.append((f"ConfigMap/{PIPELINE_CONFIG_MAP}/{key}.yaml", spec["template"]["spec"]))
    return specs


def pipeline_job_specs(objs: tuple[Obj, ...]) -> dict[str, Obj]:
    """The Job specs the pipeline ConfigMap holds (runner, prepare-train, index-publish), by name."""
    found = [o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"] == PIPELINE_CONFIG_MAP]
    if not found:
        return {}
    data: dict[str, str] = found[0]["data"]
    yamls = {key.removesuffix(".yaml"): text for key, text in data.items() if key.endswith(".yaml")}
    return {name: yaml.safe_load(text) for name, text in yamls.items()}


def quantity(value: str | int | float) -> float:
    """A Kubernetes quantity ("250m", "1", "512Mi") as a number (cores or bytes)."""
    match = _QUANTITY.match(str(value))
    if match is None:
        raise ValueError(f"unsupported quantity {value!r}")
    number, unit = float(match[1]), match[2]
    return number / 1000 if unit == "m" else number * _UNITS[unit]


def secret_values(objs: Sequence[Obj]) -> dict[tuple[str, str], str]:
    """(secret name, key) → decoded value of every rendered Secret."""
    values: dict[tuple[str, str], str] = {}
    for o in objs:
        if o["kind"] != "Secret":
            continue
        for key, encoded in (o.get("data") or {}).items():
            values[(o["metadata"]["name"], key)] = base64.b64decode(encoded).decode()
        for key, plain in (o.get("stringData") or {}).items():
            values[(o["metadata"]["name"], key)] = str(plain)
    return values


def resolve_env(
    container: Obj, secrets: Mapping[tuple[str, str], str], fields: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The container's env as the kubelet sets it: secretKeyRef resolved, $(VAR) expanded, a
    fieldRef from ``fields`` (fieldPath → value of the running pod)."""
    env: dict[str, str] = {}
    for item in container.get("env", []):
        if "value" in item:
            raw = str(item["value"])
            env[item["name"]] = _VAR_REF.sub(lambda m: env.get(m[1], m[0]), raw)
        elif "secretKeyRef" in item.get("valueFrom", {}):
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secrets[(ref["name"], ref["key"])]
        elif "resourceFieldRef" in item.get("valueFrom", {}):
            env[item["name"]] = resource_field(container, item["valueFrom"]["resourceFieldRef"])
        elif "fieldRef" in item.get("valueFrom", {}) and fields is not None:
            env[item["name"]] = fields[item["valueFrom"]["fieldRef"]["fieldPath"]]
        else:
            raise AssertionError(f"env {item['name']}: unsupported source {item.get('valueFrom')}")
    return env


def resource_field(container: Obj, ref: Obj) -> str:
    """A resourceFieldRef's value as the kubelet computes it: the quantity over the divisor,
    rounded up (limits.cpu of 1500m with divisor 1 is "2")."""
    assert ref.get("containerName", container["name"]) == container["name"], ref
    kind, resource = ref["resource"].split(".")
    amount = quantity(container["resources"][kind][resource]) / quantity(ref.get("divisor", "1"))
    return str(math.ceil(amount))


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def crd_schema(kind: str) -> Obj:
    """The v1 openAPIV3Schema of a prometheus-operator CRD, closed where it lists properties."""
    return _v1_schema(SCHEMAS / "crds" / f"monitoring.coreos.com_{kind.lower()}s.yaml")


def gateway_crd_schema(kind: str) -> Obj:
    """The v1 openAPIV3Schema of a standard-channel Gateway API CRD, closed like crd_schema's."""
    crds = gateway_api_dir() / "config" / "crd" / "standard"
    return _v1_schema(crds / f"gateway.networking.k8s.io_{kind.lower()}s.yaml")


@functools.cache
def gateway_api_dir() -> Path:
    """The Gateway API module in Go's module cache; `go mod download` fetches it when missing."""
    result = subprocess.run(
        [go_tool(), "mod", "download", "-json", GATEWAY_API_MODULE],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        timeout=600,
    )
    info = json.loads(result.stdout) if result.stdout.strip() else {}
    if result.returncode != 0 or "Error" in info:
        raise RuntimeError(
            f"go mod download {GATEWAY_API_MODULE} failed: {info.get('Error') or result.stderr}"
        )
    return Path(info["Dir"])


def go_tool() -> str:
    """The go command: on PATH, else Go's own install location (make chart-tools installs one)."""
    local = Path("/usr/local/go/bin/go")
    found = shutil.which("go") or (str(local) if local.is_file() else None)
    if found is None:
        raise RuntimeError("go not found (Gateway API CRDs come from Go's module proxy): make chart-tools")
    return found


def _v1_schema(path: Path) -> Obj:
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
