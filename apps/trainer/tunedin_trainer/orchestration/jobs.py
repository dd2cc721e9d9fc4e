"""Create the pipeline Jobs from the specs the chart renders, and follow them to the end.

The chart mounts a ConfigMap with one Job spec per stage (``prepare-train.yaml``,
``index-publish.yaml``: the same pod templates as its install-time Jobs). Only these calls
reach the API server: create, read and delete a namespaced Job (the Role allows no more).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

from tunedin_trainer.errors import PipelineError

log = logging.getLogger("tunedin.orchestration")

STAGES = (("prepare-train", "train"), ("index-publish", "index"))
MAX_NAME = 63


class BatchApi(Protocol):
    """The three calls of ``kubernetes.client.BatchV1Api`` the orchestrator makes."""

    def create_namespaced_job(self, namespace: str, body: Any) -> Any: ...

    def read_namespaced_job(self, name: str, namespace: str) -> Any: ...

    def delete_namespaced_job(self, name: str, namespace: str, *, propagation_policy: str) -> Any: ...


@dataclass(frozen=True)
class JobResult:
    name: str
    succeeded: bool
    message: str


def load_spec(jobs_dir: Path, stage: str) -> dict[str, Any]:
    path = jobs_dir / f"{stage}.yaml"
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PipelineError(f"cannot read the Job spec {path}: {exc}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("template"), dict):
        raise PipelineError(f"{path} is not a Job spec (no pod template)")
    return spec


def job_name(prefix: str, short: str, now: datetime) -> str:
    name = f"{prefix}-{short}-{now.strftime('%Y%m%d%H%M%S')}"
    if len(name) > MAX_NAME:
        raise PipelineError(f"Job name {name!r} is longer than {MAX_NAME} characters: shorten the prefix")
    return name


def build_job(spec: dict[str, Any], name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    """A batch/v1 Job manifest: the chart's spec under a unique name, labelled like its pods."""
    pod_labels = dict(spec["template"].get("metadata", {}).get("labels", {}))
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**pod_labels, **labels},
        },
        "spec": spec,
    }


def _status(job: Any) -> dict[str, Any]:
    if isinstance(job, dict):
        status = job.get("status") or {}
        return status if isinstance(status, dict) else {}
    raw = getattr(job, "status", None)
    return raw.to_dict() if raw is not None and hasattr(raw, "to_dict") else {}


def job_outcome(job: Any) -> JobResult | None:
    """Complete or Failed (from the Job's conditions), or None while it runs."""
    status = _status(job)
    name = job["metadata"]["name"] if isinstance(job, dict) else job.metadata.name
    for cond in status.get("conditions") or []:
        if cond.get("status") != "True":
            continue
        if cond.get("type") == "Complete":
            return JobResult(name, True, "complete")
        if cond.get("type") == "Failed":
            reason = cond.get("reason") or "Failed"
            return JobResult(name, False, f"{reason}: {cond.get('message') or 'no message'}")
    return None


def wait_for_job(
    api: BatchApi,
    name: str,
    namespace: str,
    deadline: float,
    poll_s: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> JobResult:
    """Poll the Job until it completes or fails; on timeout delete it and fail."""
    last = ""
    while True:
        job = api.read_namespaced_job(name=name, namespace=namespace)
        outcome = job_outcome(job)
        if outcome is not None:
            return outcome
        status = _status(job)
        progress = f"active={status.get('active') or 0} failed={status.get('failed') or 0}"
        if progress != last:
            log.info("job %s running: %s", name, progress)
            last = progress
        if clock() >= deadline:
            api.delete_namespaced_job(name=name, namespace=namespace, propagation_policy="Background")
            raise PipelineError(f"job {name} did not finish before the timeout; deleted it")
        sleep(poll_s)


def run_pipeline(
    api: BatchApi,
    namespace: str,
    jobs_dir: Path,
    name_prefix: str,
    timeout_s: float,
    poll_s: float,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[JobResult]:
    """prepare+train, then build-index+publish; PipelineError naming the Job that failed."""
    specs = [(stage, short, load_spec(jobs_dir, stage)) for stage, short in STAGES]
    deadline = clock() + timeout_s
    started = now()
    results: list[JobResult] = []
    for stage, short, spec in specs:
        name = job_name(name_prefix, short, started)
        body = build_job(spec, name, namespace, {"tunedin.io/retrain-run": started.strftime("%Y%m%d%H%M%S")})
        api.create_namespaced_job(namespace=namespace, body=body)
        log.info("created job %s (%s)", name, stage)
        result = wait_for_job(api, name, namespace, deadline, poll_s, clock, sleep)
        results.append(result)
        if not result.succeeded:
            raise PipelineError(f"job {name} ({stage}) failed: {result.message}")
        log.info("job %s (%s) complete", name, stage)
    return results


def batch_api() -> BatchApi:
    """BatchV1Api from the pod's service account, or from the kubeconfig outside a cluster."""
    from kubernetes import client, config

    try:
        config.load_incluster_config()  # type: ignore[no-untyped-call]
    except config.ConfigException:
        config.load_kube_config()  # type: ignore[no-untyped-call]
    api: BatchApi = client.BatchV1Api()
    return api
