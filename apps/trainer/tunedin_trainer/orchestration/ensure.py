"""``ensure``: make sure the release's pipeline of one fingerprint runs once (the kick-off Job).

Idempotent: when a runner labelled with this fingerprint is active or has succeeded, nothing
happens; a failed one does not count, so running ``ensure`` again retries. A new runner is not
helm-managed: it is owned by the pipeline's ConfigMap, so ``helm uninstall`` (which deletes the
ConfigMap) lets the garbage collector delete every runner and, through them, their stage Jobs.
The newest finished runners are kept as the record; older finished ones are deleted, active ones
never. ``ensure_runner`` is the same rule for any label, so the erasure schedule starts one runner
per pending set of erasures the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tunedin_trainer.orchestration.definition import (
    FINGERPRINT_LABEL,
    PipelineDefinition,
    build_job,
    identity,
    job_name,
    pod_labels,
    read_definition,
)
from tunedin_trainer.orchestration.kube import Cluster, created_at, job_state, owner_reference

log = logging.getLogger("tunedin.orchestration")


@dataclass(frozen=True)
class EnsureOutcome:
    """What ``ensure`` found or did: the runner of the fingerprint (empty when superseded)."""

    runner: str
    state: str  # "created", "active", "succeeded" or "superseded"
    pruned: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunFor:
    """What a runner is for: the label naming it (``label=value``) and what its Job name carries."""

    label: str
    value: str
    short: str


def ensure_pipeline(
    cluster: Cluster,
    config_map: str,
    fingerprint: str,
    name_prefix: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> EnsureOutcome:
    definition = read_definition(cluster, config_map)
    if definition.fingerprint != fingerprint:
        log.info(
            "pipeline %s is superseded: the release now defines pipeline %s (its own kick-off runs it)",
            fingerprint,
            definition.fingerprint,
        )
        return EnsureOutcome("", "superseded")
    return ensure_runner(cluster, definition, RunFor(FINGERPRINT_LABEL, fingerprint, "run"), name_prefix, now)


def ensure_runner(
    cluster: Cluster,
    definition: PipelineDefinition,
    run_for: RunFor,
    name_prefix: str,
    now: Callable[[], datetime],
) -> EnsureOutcome:
    """Start a runner labelled ``run_for`` unless one is active or has succeeded; prune old ones."""
    what = f"{run_for.label}={run_for.value}"
    where = f"ConfigMap {definition.config_map['metadata']['name']}: runner.yaml"
    runners = identity(pod_labels(definition.runner), where)
    for job in sorted(cluster.jobs({**runners, run_for.label: run_for.value}), key=created_at):
        state = job_state(job)
        if state != "failed":
            name = job["metadata"]["name"]
            log.info("%s already has runner %s (%s): nothing to do", what, name, state)
            return EnsureOutcome(name, state)
    name = job_name(name_prefix, run_for.short, now())
    owner = owner_reference(definition.config_map, "v1", "ConfigMap")
    cluster.create_job(
        build_job(definition.runner, name, cluster.namespace, {run_for.label: run_for.value}, owner)
    )
    log.info("%s: created runner %s (follow it: kubectl logs -f job/%s)", what, name, name)
    pruned = prune_finished(cluster, runners, run_for.label, definition.run_history_limit)
    return EnsureOutcome(name, "created", pruned)


def prune_finished(cluster: Cluster, runners: dict[str, str], label: str, keep: int) -> tuple[str, ...]:
    """Delete the finished runners labelled ``label`` beyond the newest ``keep``; never an active one."""
    made_by_ensure = cluster.jobs({**runners, label: None})
    finished = [job for job in made_by_ensure if job_state(job) != "active"]
    finished.sort(key=lambda job: (created_at(job), job["metadata"]["name"]), reverse=True)
    pruned = tuple(job["metadata"]["name"] for job in finished[keep:])
    for name in pruned:
        cluster.delete_job(name)
        log.info("deleted finished runner %s (and its stage Jobs), keeping the newest %d", name, keep)
    return pruned
