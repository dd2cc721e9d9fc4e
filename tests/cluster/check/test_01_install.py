"""1. helm install on a live cluster."""

from __future__ import annotations

import time
from typing import Any

from tests.cluster.check.api import Ingress
from tests.cluster.check.kube import Cluster, job_succeeded, wait_until
from tests.cluster.check.report import Step


def test_install(
    cluster: Cluster, settings: dict[str, Any], install_args: list[str], state: dict[str, Any], step: Step
) -> None:
    """1. helm install: pipeline Jobs complete in real pods on a real volume, the API turns ready"""
    for crd in sorted(settings["crds"].glob("*.yaml")):
        cluster.run([cluster.kubectl_bin, "apply", "--server-side", "-f", str(crd)])
    cluster.run(
        [
            cluster.kubectl_bin,
            "wait",
            "--for=condition=Established",
            "crd/servicemonitors.monitoring.coreos.com",
            "crd/prometheusrules.monitoring.coreos.com",
            "--timeout=60s",
        ]
    )

    started = time.monotonic()
    cluster.helm("upgrade", "--install", *install_args, "--create-namespace", "--wait", "--timeout", "30m")
    step.details["helm install --wait (s)"] = round(time.monotonic() - started, 1)

    ingress = Ingress(settings["ingress"])
    model_id = wait_until(ingress.model_id, 300, "the API to serve a model through the ingress")
    state["model_id"] = model_id
    jobs = cluster.get("jobs", cluster.instance)
    stages = {j["metadata"]["labels"].get("app.kubernetes.io/component"): j for j in jobs}
    for stage in ("prepare-train", "index-publish"):
        assert stage in stages and job_succeeded(stages[stage]), (
            f"{stage} did not complete: {[j['metadata']['name'] for j in jobs]}"
        )
    state["jobs"] = sorted(j["metadata"]["name"] for j in jobs)
    pods = cluster.get(
        "pods", f"{cluster.instance},app.kubernetes.io/component in (prepare-train,index-publish)"
    )
    assert pods and all(p["status"]["phase"] == "Succeeded" for p in pods), [
        p["status"]["phase"] for p in pods
    ]

    claim = cluster.get_one("pvc", f"{cluster.fullname()}-artifacts")
    assert claim and claim["status"]["phase"] == "Bound", claim
    volume = cluster.run(
        [
            cluster.kubectl_bin,
            "get",
            "pv",
            claim["spec"]["volumeName"],
            "-o",
            "jsonpath={.spec.storageClassName} {.spec.accessModes}",
        ]
    )
    ready = cluster.get("pods", f"{cluster.instance},app.kubernetes.io/component=api")
    assert all(
        any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"]) for p in ready
    )
    step.details.update(
        {
            "jobs": state["jobs"],
            "job durations (s)": {
                j["metadata"]["name"]: _duration(j) for j in jobs if j["status"].get("completionTime")
            },
            "model": model_id,
            "artifacts volume": f"{claim['spec']['volumeName']} ({volume})",
            "API pods ready": len(ready),
        }
    )


def _duration(job: dict[str, Any]) -> float:
    from datetime import datetime

    start = datetime.fromisoformat(job["status"]["startTime"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(job["status"]["completionTime"].replace("Z", "+00:00"))
    return (end - start).total_seconds()
