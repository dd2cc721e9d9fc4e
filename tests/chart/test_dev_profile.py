"""`make dev` (skaffold.yaml's dev profile on kind) survives the first deploy and fits its VM.

* skaffold waits long enough: the API turns ready only once the first model is published, after
  the whole first training, so the status-check deadline and the API Deployment's progress
  deadline both cover it;
* the helm flags sit where skaffold's helm deployer reads them (it takes releases and flags from
  ``manifests.helm`` and replaces whatever ``deploy.helm`` held);
* monitoring is on, on the one-node shape (RWO artifacts claim, no HPA, retraining suspended);
* every pod the profile runs, ours from the rendered chart and kube-prometheus-stack's from the
  profile's values (the subchart is not rendered offline), plus kind's own, requests no more than
  a 4-CPU / 8-GiB Docker VM can give; the sum is what the chart README states.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.chart.support import (
    CHART_DIR,
    RELEASE,
    REPO_ROOT,
    Obj,
    by_kind,
    one,
    pod_specs,
    quantity,
    render,
)

FULL = RELEASE
GIB = 2**30
MIB = 2**20
# The Docker VM the dev loop is sized for, and what the VM and the node's own processes
# (kubelet, containerd, the kind node's systemd) keep for themselves.
VM_CPU, VM_MEMORY = 4.0, 8 * GIB
HEADROOM_CPU, HEADROOM_MEMORY = 0.4, 1 * GIB
# kind's own pods on its node (kubeadm's static pods and kind's manifests): etcd 100m/100Mi,
# kube-apiserver 250m, kube-controller-manager 200m, kube-scheduler 100m, CoreDNS 2 x 100m/70Mi,
# kindnet 100m/50Mi; kube-proxy and local-path-provisioner request nothing.
KIND_SYSTEM_CPU, KIND_SYSTEM_MEMORY = 0.95, (100 + 2 * 70 + 50) * MIB
# Every kube-prometheus-stack container the dev profile runs: where its resources are set in the
# subchart's values, and how many containers take them.
STACK_CONTAINERS: dict[str, tuple[tuple[str, ...], int]] = {
    "prometheus": (("prometheus", "prometheusSpec", "resources"), 1),
    "config-reloader (prometheus, alertmanager pods)": (
        ("prometheusOperator", "prometheusConfigReloader", "resources"),
        2,
    ),
    "alertmanager": (("alertmanager", "alertmanagerSpec", "resources"), 1),
    "prometheus-operator": (("prometheusOperator", "resources"), 1),
    "admission webhook certificate Job": (
        ("prometheusOperator", "admissionWebhooks", "patch", "resources"),
        1,
    ),
    "kube-state-metrics": (("kube-state-metrics", "resources"), 1),
    "grafana": (("grafana", "resources"), 1),
    "grafana sidecars (dashboards, datasources)": (("grafana", "sidecar", "resources"), 2),
}
README_SUM = re.compile(r"add up to \*\*([\d.]+) CPU and ([\d.]+) GiB\*\*")


def _skaffold() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((REPO_ROOT / "skaffold.yaml").read_text(encoding="utf-8"))
    return config


def _apply(config: dict[str, Any], patches: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON patches of a skaffold profile (add / replace on object keys and list indices)."""
    patched: dict[str, Any] = yaml.safe_load(yaml.safe_dump(config))
    for patch in patches:
        assert patch["op"] in ("add", "replace"), patch
        *parents, last = patch["path"].lstrip("/").split("/")
        node: Any = patched
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = patch["value"]
    return patched


def dev_config() -> dict[str, Any]:
    config = _skaffold()
    [dev] = [p for p in config["profiles"] if p["name"] == "dev"]
    return _apply(config, dev["patches"])


def dev_values_files() -> tuple[str, ...]:
    [release] = dev_config()["manifests"]["helm"]["releases"]
    return tuple(str(REPO_ROOT / f) for f in release.get("valuesFiles", []))


def dev_objs() -> tuple[Obj, ...]:
    [release] = dev_config()["manifests"]["helm"]["releases"]
    sets = tuple(f"{k}={v}" for k, v in release.get("setValues", {}).items())
    return render(*dev_values_files(), sets=sets)


def dev_values() -> dict[str, Any]:
    """The chart's values.yaml with the profile's values files on top (maps merge, as helm's do)."""

    def merge(base: Any, top: Any) -> Any:
        if isinstance(base, dict) and isinstance(top, dict):
            return {**base, **{k: merge(base.get(k), v) for k, v in top.items()}}
        return top

    values: Any = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))
    for path in dev_values_files():
        values = merge(values, yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    merged: dict[str, Any] = values
    return merged


def _requests(resources: Obj) -> tuple[float, float]:
    requests = resources.get("requests", {})
    return quantity(requests.get("cpu", 0)), quantity(requests.get("memory", 0))


def _pod_requests(pod: Obj) -> tuple[float, float]:
    """What the scheduler reserves for a pod: the app containers' sum, or the largest init container."""
    app = [_requests(c.get("resources", {})) for c in pod["containers"]]
    init = [_requests(c.get("resources", {})) for c in pod.get("initContainers", [])]
    cpu = max([sum(c for c, _ in app), *(c for c, _ in init)])
    memory = max([sum(m for _, m in app), *(m for _, m in init)])
    return cpu, memory


def _copies(objs: tuple[Obj, ...], where: str) -> int:
    """Pods of a workload that can run at once: replicas plus a rollout's surge; 0 when suspended."""
    kind, name = where.split("/")[:2]
    if kind == "Deployment":
        deployment = one(objs, kind, name)
        hpa = [
            h for h in by_kind(objs, "HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == name
        ]
        replicas = hpa[0]["spec"]["maxReplicas"] if hpa else deployment["spec"].get("replicas", 1)
        strategy = deployment["spec"].get("strategy", {})
        surge = strategy.get("rollingUpdate", {}).get("maxSurge", "25%")  # Kubernetes' default
        if strategy.get("type") == "Recreate":
            surge = 0
        elif isinstance(surge, str):  # a percentage of the replicas, rounded up
            surge = math.ceil(int(replicas) * int(surge.rstrip("%")) / 100)
        return int(replicas) + int(surge)
    if kind == "StatefulSet":
        return int(one(objs, kind, name)["spec"].get("replicas", 1))
    if kind == "CronJob":
        return 0 if one(objs, kind, name)["spec"].get("suspend") else 1
    return 1  # a Job, or a Job spec of the pipeline ConfigMap: one pod at a time


def our_pods(objs: tuple[Obj, ...]) -> Iterator[tuple[str, int, tuple[float, float]]]:
    for where, pod in pod_specs(objs):
        yield where, _copies(objs, where), _pod_requests(pod)


def stack_requests(values: dict[str, Any]) -> Iterator[tuple[str, tuple[float, float]]]:
    stack = values["kube-prometheus-stack"]
    for name, (path, containers) in STACK_CONTAINERS.items():
        node: Any = stack
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        assert {"requests", "limits"} <= set(node), f"{name}: the dev profile sets no resources at {path}"
        cpu, memory = _requests(node)
        yield name, (cpu * containers, memory * containers)


def dev_sum() -> tuple[float, float]:
    objs = dev_objs()
    cpu = KIND_SYSTEM_CPU + sum(n * c for _, n, (c, _) in our_pods(objs))
    memory = KIND_SYSTEM_MEMORY + sum(n * m for _, n, (_, m) in our_pods(objs))
    for _, (c, m) in stack_requests(dev_values()):
        cpu, memory = cpu + c, memory + m
    return cpu, memory


def test_skaffold_waits_for_the_first_training() -> None:
    config = dev_config()
    deadline = config["deploy"]["statusCheckDeadlineSeconds"]
    # The first install runs prepare-data, train, build-index and publish before the API is ready.
    assert deadline >= 1800
    api = one(dev_objs(), "Deployment", f"{FULL}-api")
    assert api["spec"]["progressDeadlineSeconds"] >= deadline
    assert "tolerateFailuresUntilDeadline" not in config["deploy"]  # a crashing pod still fails fast


def test_helm_flags_are_where_the_helm_deployer_reads_them() -> None:
    config = _skaffold()
    assert config["deploy"]["helm"] == {}, "skaffold replaces deploy.helm's releases and flags"
    flags = config["manifests"]["helm"]["flags"]
    assert flags["install"] == flags["upgrade"] == ["--timeout=15m"]


def test_dev_profile_is_the_one_node_shape_with_monitoring() -> None:
    objs = dev_objs()
    assert dev_values()["kube-prometheus-stack"]["enabled"] is True
    assert {o["kind"] for o in objs} >= {"ServiceMonitor", "PrometheusRule"}
    [claim] = [
        c for c in by_kind(objs, "PersistentVolumeClaim") if c["metadata"]["name"] == f"{FULL}-artifacts"
    ]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert not by_kind(objs, "HorizontalPodAutoscaler")
    assert one(objs, "CronJob", f"{FULL}-retrain")["spec"]["suspend"] is True
    assert dev_values()["kube-prometheus-stack"]["nodeExporter"]["enabled"] is False


def test_dev_profile_requests_fit_the_vm() -> None:
    objs = dev_objs()
    counted = {where for where, n, _ in our_pods(objs) if n}
    trainer = [
        w
        for w, pod in pod_specs(objs)
        if any("jobs.train" in " ".join(c.get("args", [])) for c in pod["containers"])
    ]
    assert trainer and set(trainer) <= counted, "the training pod must be counted"
    cpu, memory = dev_sum()
    assert cpu <= VM_CPU - HEADROOM_CPU, f"{cpu:.2f} CPU requested"
    assert memory <= VM_MEMORY - HEADROOM_MEMORY, f"{memory / GIB:.2f} GiB requested"
    for where, pod in pod_specs(objs):
        for c in pod["containers"]:
            limit = quantity(c["resources"]["limits"]["memory"])
            assert limit <= VM_MEMORY - HEADROOM_MEMORY - KIND_SYSTEM_MEMORY, f"{where}:{c['name']}"


def test_the_chart_readme_states_the_sum() -> None:
    found = README_SUM.search((CHART_DIR / "README.md").read_text(encoding="utf-8"))
    assert found, "the chart README states the dev profile's requests"
    cpu, memory = dev_sum()
    assert (found[1], found[2]) == (f"{cpu:.2f}", f"{memory / GIB:.2f}")
