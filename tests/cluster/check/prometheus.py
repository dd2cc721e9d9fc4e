"""A real Prometheus in the cluster, configured from the chart's own ServiceMonitor and
PrometheusRule objects as prometheus-operator would: one endpoints-discovery scrape job per
ServiceMonitor endpoint (job = the Service's name), the rules of every PrometheusRule.

Prometheus is Debian's package in an image built from prometheus.Dockerfile (no image can be
pulled here); the operator itself is not run. Queried through `kubectl port-forward`."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from typing import Any

import httpx
import yaml

from tests.cluster.check.kube import Cluster, wait_until

NAME = "tunedin-check-prometheus"
IMAGE = "tunedin-test-prometheus:local"


def _label(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def scrape_configs(service_monitors: list[dict[str, Any]], default_namespace: str) -> list[dict[str, Any]]:
    """prometheus-operator's translation of ServiceMonitors, for what the chart uses of them."""
    jobs = []
    for sm in service_monitors:
        spec, meta = sm["spec"], sm["metadata"]
        namespaces = spec.get("namespaceSelector", {}).get("matchNames") or [
            meta.get("namespace", default_namespace)
        ]
        keep = [
            {
                "source_labels": [f"__meta_kubernetes_service_label_{_label(k)}"],
                "regex": re.escape(v),
                "action": "keep",
            }
            for k, v in sorted(spec["selector"].get("matchLabels", {}).items())
        ]
        for i, ep in enumerate(spec["endpoints"]):
            job: dict[str, Any] = {
                "job_name": f"serviceMonitor/{meta['namespace']}/{meta['name']}/{i}",
                "kubernetes_sd_configs": [{"role": "endpoints", "namespaces": {"names": namespaces}}],
                "metrics_path": ep.get("path", "/metrics"),
                "relabel_configs": [
                    *keep,
                    {
                        "source_labels": ["__meta_kubernetes_endpoint_port_name"],
                        "regex": ep["port"],
                        "action": "keep",
                    },
                    {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
                    {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"},
                    {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
                    {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "job"},
                ],
            }
            if "interval" in ep:
                job["scrape_interval"] = ep["interval"]
            if "scrapeTimeout" in ep:
                job["scrape_timeout"] = ep["scrapeTimeout"]
            jobs.append(job)
    return jobs


def manifests(cluster: Cluster) -> str:
    service_monitors = cluster.get("servicemonitors.monitoring.coreos.com", cluster.instance)
    rules = cluster.get("prometheusrules.monitoring.coreos.com", cluster.instance)
    assert service_monitors and rules, "the release has no ServiceMonitor or PrometheusRule"
    config = {
        "global": {"scrape_interval": "5s", "evaluation_interval": "5s"},
        "rule_files": ["/etc/prometheus/rules.yaml"],
        "scrape_configs": scrape_configs(service_monitors, cluster.namespace),
    }
    rule_groups = {"groups": [g for r in rules for g in r["spec"]["groups"]]}
    ns = cluster.namespace
    labels = {"app.kubernetes.io/name": NAME}
    objs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": NAME, "namespace": ns}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": NAME, "namespace": ns},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["services", "endpoints", "pods"],
                    "verbs": ["get", "list", "watch"],
                }
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": NAME, "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": ns}],
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": NAME, "namespace": ns},
            "data": {"prometheus.yml": yaml.safe_dump(config), "rules.yaml": yaml.safe_dump(rule_groups)},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": NAME, "namespace": ns, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": NAME,
                        "securityContext": {
                            "runAsNonRoot": True,
                            "runAsUser": 65534,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "containers": [
                            {
                                "name": "prometheus",
                                "image": IMAGE,
                                "imagePullPolicy": "IfNotPresent",
                                "args": [
                                    "--config.file=/etc/prometheus/prometheus.yml",
                                    "--storage.tsdb.path=/prometheus",
                                    "--web.listen-address=:9090",
                                ],
                                "ports": [{"name": "http", "containerPort": 9090}],
                                "readinessProbe": {
                                    "httpGet": {"path": "/-/ready", "port": 9090},
                                    "periodSeconds": 2,
                                },
                                "resources": {
                                    "requests": {"cpu": "50m", "memory": "128Mi"},
                                    "limits": {"memory": "512Mi"},
                                },
                                "securityContext": {
                                    "allowPrivilegeEscalation": False,
                                    "readOnlyRootFilesystem": True,
                                    "capabilities": {"drop": ["ALL"]},
                                },
                                "volumeMounts": [
                                    {"name": "config", "mountPath": "/etc/prometheus"},
                                    {"name": "data", "mountPath": "/prometheus"},
                                ],
                            }
                        ],
                        "volumes": [
                            {"name": "config", "configMap": {"name": NAME}},
                            {"name": "data", "emptyDir": {}},
                        ],
                    },
                },
            },
        },
    ]
    return "\n---\n".join(json.dumps(o) for o in objs)


class Prometheus:
    """Deploys the check's Prometheus and answers queries through a port-forward."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.port = _free_port()
        self._forward: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Prometheus:
        self.cluster.kubectl("apply", "-f", "-", stdin=manifests(self.cluster))
        self.cluster.kubectl("rollout", "status", f"deployment/{NAME}", "--timeout=180s", timeout=200)
        self._forward = subprocess.Popen(
            [
                self.cluster.kubectl_bin,
                "-n",
                self.cluster.namespace,
                "port-forward",
                f"deployment/{NAME}",
                f"{self.port}:9090",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(
            lambda: httpx.get(f"{self.url}/-/ready", timeout=2).status_code == 200,
            60,
            "Prometheus through port-forward",
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._forward is not None:
            self._forward.terminate()
            self._forward.wait(timeout=10)
        self.cluster.kubectl(
            "delete",
            "-f",
            "-",
            "--ignore-not-found",
            "--wait=false",
            stdin=manifests_names(self.cluster),
            check=False,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, **params: str) -> Any:
        body = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=10).json()
        assert body["status"] == "success", body
        return body["data"]

    def targets_up(self) -> list[dict[str, Any]]:
        return [t for t in self.api("targets")["activeTargets"] if t["health"] == "up"]

    def firing(self) -> set[str]:
        return {a["labels"]["alertname"] for a in self.api("alerts")["alerts"] if a["state"] == "firing"}

    def rule_names(self) -> set[str]:
        return {r["name"] for g in self.api("rules")["groups"] for r in g["rules"]}

    def wait_alert(self, name: str, firing: bool, timeout: float) -> float:
        started = time.monotonic()
        wait_until(
            lambda: (name in self.firing()) == firing,
            timeout,
            f"{name} {'firing' if firing else 'cleared'}",
            every=3,
        )
        return time.monotonic() - started


def manifests_names(cluster: Cluster) -> str:
    ns = cluster.namespace
    kinds = [
        ("v1", "ServiceAccount"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("v1", "ConfigMap"),
        ("apps/v1", "Deployment"),
    ]
    return "\n---\n".join(
        json.dumps({"apiVersion": a, "kind": k, "metadata": {"name": NAME, "namespace": ns}})
        for a, k in kinds
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
