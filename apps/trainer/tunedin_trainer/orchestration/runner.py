"""A pipeline runner (``python -m jobs.retrain run``, itself a Job): it waits its turn behind the
release's earlier runners that are still active (a running pipeline is never stopped, and two
never overlap), then creates prepare-train, waits for it, and only after it succeeded creates
index-publish and waits for that. Each stage Job is owned by the runner's Job (deleting the
runner deletes its stages) and carries the chart's ``ttlSecondsAfterFinished``.

A runner given a challenger share (the retraining CronJob's: ``--challenger-share``) adds
``TUNEDIN_CHALLENGER_SHARE`` to the index-publish Job it creates, so that run's publish starts an
experiment of the new model against the served one. The stage specs in the ConfigMap, and so the
pipeline's fingerprint, stay the same for every runner: the kick-off's and the erasure schedule's
runners, which get no share, publish plainly (an erasure's retrain must replace the served model).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tunedin_trainer.errors import PipelineError
from tunedin_trainer.orchestration.definition import (
    FINGERPRINT_LABEL,
    RUN_LABEL,
    build_job,
    identity,
    job_name,
    read_definition,
)
from tunedin_trainer.orchestration.kube import (
    Cluster,
    Obj,
    created_at,
    failure_reason,
    job_state,
    owner_reference,
)

log = logging.getLogger("tunedin.orchestration")

PUBLISH_STAGE = "index-publish"
CHALLENGER_SHARE_ENV = "TUNEDIN_CHALLENGER_SHARE"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Pacing:
    """How often to look again, and the clocks to look at (tests pass their own)."""

    poll_s: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = field(default=_utcnow)


def stage_env(challenger_share: float) -> dict[str, dict[str, str]]:
    """What a runner adds to its stage Jobs' env, by stage: above 0, the challenger share for
    index-publish's ``jobs.publish``; nothing otherwise (a plain publish)."""
    if not 0 <= challenger_share < 1:
        raise PipelineError(f"the challenger share {challenger_share:g} is not in [0, 1)")
    if challenger_share == 0:
        return {}
    return {PUBLISH_STAGE: {CHALLENGER_SHARE_ENV: f"{challenger_share:g}"}}


def run_pipeline(
    cluster: Cluster,
    config_map: str,
    runner_job: str,
    name_prefix: str,
    timeout_s: float,
    pacing: Pacing,
    challenger_share: float = 0.0,
) -> list[str]:
    """Both stages in order, after the runners ahead; the names of the stage Jobs it created.

    ``timeout_s`` bounds the wait for earlier runners, and separately both stages together.
    ``challenger_share`` above 0 makes index-publish publish as challenger on that share of users.
    PipelineError names the stage that failed.
    """
    extra_env = stage_env(challenger_share)
    me = cluster.job(runner_job)
    labels = me["metadata"].get("labels") or {}
    wait_for_turn(cluster, me, identity(labels, f"job {runner_job}"), timeout_s, pacing)
    definition = read_definition(cluster, config_map)
    fingerprint = labels.get(FINGERPRINT_LABEL)
    if fingerprint is not None and fingerprint != definition.fingerprint:
        raise PipelineError(
            f"pipeline {fingerprint} is superseded: the release now defines pipeline "
            f"{definition.fingerprint}, which its own runner trains"
        )
    owner = owner_reference(me, "batch/v1", "Job")
    stage_labels = {RUN_LABEL: runner_job, **({FINGERPRINT_LABEL: fingerprint} if fingerprint else {})}
    deadline = pacing.clock() + timeout_s
    started = pacing.now()
    created: list[str] = []
    for stage, spec in definition.stages:
        name = job_name(name_prefix, stage.short, started)
        env: Mapping[str, str] = extra_env.get(stage.component, {})
        cluster.create_job(build_job(spec, name, cluster.namespace, stage_labels, owner, env))
        created.append(name)
        log.info("created job %s (%s)%s", name, stage.component, _env_note(env))
        job = wait_for_job(cluster, name, stage.component, deadline, pacing)
        if job_state(job) == "failed":
            raise PipelineError(f"stage {stage.component} failed: job {name}: {failure_reason(job)}")
        log.info("job %s (%s) complete", name, stage.component)
    return created


def runners_ahead(cluster: Cluster, me: Obj, peers: dict[str, str]) -> list[str]:
    """Active runners of the release created before ``me`` (ties: by name), oldest first."""
    mine = (created_at(me), me["metadata"]["name"])
    ahead = [
        (created_at(job), job["metadata"]["name"])
        for job in cluster.jobs(peers)
        if job_state(job) == "active" and (created_at(job), job["metadata"]["name"]) < mine
    ]
    return [name for _, name in sorted(ahead)]


def wait_for_turn(cluster: Cluster, me: Obj, peers: dict[str, str], timeout_s: float, pacing: Pacing) -> None:
    deadline = pacing.clock() + timeout_s
    shown: list[str] = []
    while ahead := runners_ahead(cluster, me, peers):
        if ahead != shown:
            log.info("waiting for the pipeline runs ahead of this one to finish: %s", ", ".join(ahead))
            shown = ahead
        if pacing.clock() >= deadline:
            raise PipelineError(
                f"the pipeline runs {', '.join(ahead)} were still active after {timeout_s:g} s; "
                "this run did not start (a running pipeline is never stopped)"
            )
        pacing.sleep(pacing.poll_s)


def wait_for_job(cluster: Cluster, name: str, stage: str, deadline: float, pacing: Pacing) -> Obj:
    """Poll the Job until it succeeds or fails; past the deadline delete it and fail."""
    shown = ""
    while True:
        job = cluster.job(name)
        if job_state(job) != "active":
            return job
        status = job.get("status") or {}
        progress = f"active={status.get('active') or 0} failed={status.get('failed') or 0}"
        if progress != shown:
            log.info("job %s running: %s", name, progress)
            shown = progress
        if pacing.clock() >= deadline:
            cluster.delete_job(name)
            raise PipelineError(f"stage {stage}: job {name} did not finish before the timeout; deleted it")
        pacing.sleep(pacing.poll_s)


def _env_note(env: Mapping[str, str]) -> str:
    share = env.get(CHALLENGER_SHARE_ENV)
    return f": publishing as challenger to {float(share):.0%} of users" if share else ""
