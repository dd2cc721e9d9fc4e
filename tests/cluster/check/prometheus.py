"""A real Prometheus in the cluster, configured from the chart's own ServiceMonitor and
PrometheusRule objects the way prometheus-operator would: one scrape job per ServiceMonitor
endpoint over the pods behind each Service it selects (job = the Service's name), and the rules
of every PrometheusRule.

Prometheus is Debian's package in an image built from prometheus.Dockerfile (no image can be
pulled here); the operator itself is not run. Debian builds Prometheus without Kubernetes service
discovery, so each selected Service gets a headless twin (same selector and port) and Prometheus
finds its pods by DNS, every 5 s. Queried through `kubectl port-forward`."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import httpx
import yaml

from tests.cluster.check.kube import Cluster, wait_until
from tests.support.ports import free_port

NAME = "tunedin-check-prometheus"
IMAGE = "tunedin-test-prometheus:local"


def _matches(labels: dict[str, str], selector: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _port_number(cluster: Cluster, service: str, port_name: str) -> int:
    """The pods' port behind SERVICE's port PORT_NAME, as its EndpointSlices resolve it."""
    for eps in cluster.get("endpointslices", f"kubernetes.io/service-name={service}"):
        for port in eps.get("ports") or []:
            if port.get("name") == port_name:
                return int(port["port"])
    raise AssertionError(f"Service {service} has no endpoints for its port {port_name!r}")


def scrape_targets(cluster: Cluster) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(headless twin Services, scrape jobs) for the release's ServiceMonitors."""
    twins: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    services = cluster.get("services")
    for sm in cluster.get("servicemonitors.monitoring.coreos.com", cluster.instance):
        spec, meta = sm["spec"], sm["metadata"]
        selected = [
            svc
            for svc in services
            if _matches(svc["metadata"].get("labels", {}), spec["selector"].get("matchLabels", {}))
        ]
        assert selected, f"ServiceMonitor {meta['name']} selects no Service"
        for i, ep in enumerate(spec["endpoints"]):
            for svc in selected:
                name, ns = svc["metadata"]["name"], cluster.namespace
                port = _port_number(cluster, name, ep["port"])
                twin = f"{name}-scrape"
                twins.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Service",
                        "metadata": {
                            "name": twin,
                            "namespace": ns,
                            "labels": {"app.kubernetes.io/name": NAME},
                        },
                        "spec": {
                            "clusterIP": "None",
                            "selector": svc["spec"]["selector"],
                            "ports": [{"name": ep["port"], "port": port, "targetPort": port}],
                        },
                    }
                )
                job: dict[str, Any] = {
                    "job_name": f"serviceMonitor/{ns}/{meta['name']}/{i}",
                    "dns_sd_configs": [
                        {
                            "names": [f"{twin}.{ns}.svc.cluster.local"],
                            "type": "A",
                            "port": port,
                            "refresh_interval": "5s",
                        }
                    ],
                    "metrics_path": ep.get("path", "/metrics"),
                    "relabel_configs": [
                        {"target_label": "namespace", "replacement": ns},
                        {"target_label": "service", "replacement": name},
                        {"target_label": "job", "replacement": name},
                    ],
                }
                if "interval" in ep:
                    job["scrape_interval"] = ep["interval"]
                if "scrapeTimeout" in ep:
                    job["scrape_timeout"] = ep["scrapeTimeout"]
                jobs.append(job)
    return twins, jobs


def manifests(cluster: Cluster) -> str:
    rules = cluster.get("prometheusrules.monitoring.coreos.com", cluster.instance)
    assert rules, "the release has no PrometheusRule"
    twins, jobs = scrape_targets(cluster)
    config = {
        "global": {"scrape_interval": "5s", "evaluation_interval": "5s"},
        "rule_files": ["/etc/prometheus/rules.yaml"],
        "scrape_configs": jobs,
    }
    rule_groups = {"groups": [g for r in rules for g in r["spec"]["groups"]]}
    ns = cluster.namespace
    labels = {"app.kubernetes.io/name": NAME}
    objs: list[dict[str, Any]] = [
        *twins,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": NAME, "namespace": ns, "labels": labels},
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
                        "automountServiceAccountToken": False,
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
        self.port = free_port()
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
            "service,configmap,deployment",
            "-l",
            f"app.kubernetes.io/name={NAME}",
            "--wait=false",
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
