"""6. helm uninstall removes everything of the release but the artifacts claim."""

from __future__ import annotations

import json
from typing import Any

from tests.cluster.check.kube import Cluster, wait_until
from tests.cluster.check.report import Step


def _leftovers(cluster: Cluster) -> list[str]:
    kinds = cluster.run(
        [cluster.kubectl_bin, "api-resources", "--namespaced", "--verbs=list", "-o", "name"]
    ).split()
    kinds = [k for k in kinds if k not in ("events", "events.events.k8s.io")]
    out = cluster.kubectl(
        "get", ",".join(kinds), "-l", cluster.instance, "-o", "json", "--ignore-not-found", timeout=180
    )
    items = json.loads(out)["items"] if out.strip() else []
    return sorted(f"{i['kind']}/{i['metadata']['name']}" for i in items)


def test_uninstall(cluster: Cluster, settings: dict[str, Any], step: Step) -> None:
    """6. helm uninstall: nothing of the release is left but the artifacts PersistentVolumeClaim"""
    cluster.helm("uninstall", settings["release"], "--wait", "--timeout", "5m")
    keep = f"PersistentVolumeClaim/{cluster.fullname()}-artifacts"
    left = wait_until(
        lambda: (found := _leftovers(cluster)) == [keep] and found,
        180,
        "only the artifacts claim to remain",
        every=5,
    )
    step.details["left"] = left
    cluster.kubectl("delete", "pvc", f"{cluster.fullname()}-artifacts", "--wait=true", timeout=120)
