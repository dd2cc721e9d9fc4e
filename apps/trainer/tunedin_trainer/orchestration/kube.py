"""The few Kubernetes API calls the pipeline orchestration makes, on plain API-shaped dicts.

Only these reach the API server (the chart's Role allows no more): get the pipeline's own
ConfigMap; create, get, list and delete Jobs in one namespace. Every object comes back as the
JSON the API server sent (camelCase keys), whatever the client library's models look like.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from tunedin_trainer.errors import PipelineError

Obj = dict[str, Any]
JobState = Literal["active", "succeeded", "failed"]


@dataclass(frozen=True)
class Cluster:
    """One namespace of the cluster, through ``kubernetes.client`` (``core``: CoreV1Api,
    ``batch``: BatchV1Api)."""

    core: Any
    batch: Any
    namespace: str

    def config_map(self, name: str) -> Obj:
        return self._call(
            f"get configmap {name}", lambda: self.core.read_namespaced_config_map(name, self.namespace)
        )

    def job(self, name: str) -> Obj:
        return self._call(f"get job {name}", lambda: self.batch.read_namespaced_job(name, self.namespace))

    def jobs(self, labels: Mapping[str, str | None]) -> list[Obj]:
        """Jobs carrying these labels (a None value: the label is present with any value)."""
        selector = label_selector(labels)
        found = self._call(
            f"list jobs {selector}",
            lambda: self.batch.list_namespaced_job(self.namespace, label_selector=selector),
        )
        items: list[Obj] = found.get("items") or []
        return items

    def create_job(self, body: Obj) -> Obj:
        name = body["metadata"]["name"]
        return self._call(
            f"create job {name}", lambda: self.batch.create_namespaced_job(self.namespace, body)
        )

    def delete_job(self, name: str) -> None:
        """Delete a Job; the garbage collector then removes its pods and the Jobs it owns."""
        self._call(
            f"delete job {name}",
            lambda: self.batch.delete_namespaced_job(name, self.namespace, propagation_policy="Background"),
        )

    def _call(self, what: str, call: Callable[[], Any]) -> Obj:
        from kubernetes.client.exceptions import ApiException

        try:
            result = call()
        except ApiException as exc:
            raise PipelineError(
                f"cannot {what} in namespace {self.namespace}: {exc.status} {exc.reason}"
            ) from exc
        plain: Obj = self.batch.api_client.sanitize_for_serialization(result)
        return plain


def label_selector(labels: Mapping[str, str | None]) -> str:
    return ",".join(key if value is None else f"{key}={value}" for key, value in sorted(labels.items()))


def connect(namespace: str) -> Cluster:
    """The cluster from the pod's service account, or from the kubeconfig outside a cluster."""
    from kubernetes import client, config

    try:
        config.load_incluster_config()  # type: ignore[no-untyped-call]
    except config.ConfigException:
        config.load_kube_config()  # type: ignore[no-untyped-call]
    api = client.ApiClient()
    return Cluster(client.CoreV1Api(api), client.BatchV1Api(api), namespace)


def job_state(job: Obj) -> JobState:
    """succeeded or failed once the Job carries its final condition; active until then."""
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("status") == "True" and cond.get("type") == "Complete":
            return "succeeded"
        if cond.get("status") == "True" and cond.get("type") == "Failed":
            return "failed"
    return "active"


def failure_reason(job: Obj) -> str:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Failed" and cond.get("status") == "True":
            return f"{cond.get('reason') or 'Failed'}: {cond.get('message') or 'no message'}"
    return "not failed"


def created_at(obj: Obj) -> datetime:
    stamp = obj["metadata"]["creationTimestamp"]
    return stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))


def owner_reference(obj: Obj, api_version: str, kind: str) -> Obj:
    """A reference that makes the garbage collector delete a dependent along with ``obj``."""
    meta = obj["metadata"]
    return {"apiVersion": api_version, "kind": kind, "name": meta["name"], "uid": meta["uid"]}
