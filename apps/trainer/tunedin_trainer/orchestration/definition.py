"""The pipeline as the chart defines it, read from its helm-managed ConfigMap, and the Jobs built
from it.

The ConfigMap (``<fullname>-pipeline``) holds:

* ``fingerprint``: what the release trains from (sha256, 10 hex, of both stages' Job specs, the
  kick-off Job's spec and ``pipeline.runId``);
* ``runHistoryLimit``: how many finished runners ``ensure`` keeps as the record;
* ``runner.yaml``: the Job spec of a pipeline runner (``python -m jobs.retrain run``), the same
  one the retraining CronJob runs;
* ``prepare-train.yaml``, ``index-publish.yaml``: the Job specs of the two stages.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from tunedin_trainer.errors import PipelineError
from tunedin_trainer.orchestration.kube import Cluster, Obj

FINGERPRINT_LABEL = "tunedin.io/pipeline-fingerprint"
RUN_LABEL = "tunedin.io/pipeline-run"
# The labels that say which release and which kind of Job an object is.
IDENTITY_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component")
MAX_NAME = 63


@dataclass(frozen=True)
class Stage:
    component: str  # the chart's name for it, and the ConfigMap key without ".yaml"
    short: str  # what its Job names carry


STAGES = (Stage("prepare-train", "train"), Stage("index-publish", "index"))


@dataclass(frozen=True)
class PipelineDefinition:
    config_map: Obj
    fingerprint: str
    run_history_limit: int
    runner: Obj
    stages: tuple[tuple[Stage, Obj], ...]


def read_definition(cluster: Cluster, name: str) -> PipelineDefinition:
    return parse_definition(cluster.config_map(name))


def parse_definition(config_map: Obj) -> PipelineDefinition:
    where = f"ConfigMap {config_map['metadata']['name']}"
    data: Mapping[str, str] = config_map.get("data") or {}
    fingerprint = data.get("fingerprint", "")
    if not fingerprint:
        raise PipelineError(f"{where} has no fingerprint")
    try:
        limit = int(data.get("runHistoryLimit", ""))
    except ValueError:
        raise PipelineError(f"{where}: runHistoryLimit is not a number") from None
    return PipelineDefinition(
        config_map=config_map,
        fingerprint=fingerprint,
        run_history_limit=limit,
        runner=_job_spec(data, "runner.yaml", where),
        stages=tuple((stage, _job_spec(data, f"{stage.component}.yaml", where)) for stage in STAGES),
    )


def _job_spec(data: Mapping[str, str], key: str, where: str) -> Obj:
    if key not in data:
        raise PipelineError(f"{where} has no {key}")
    try:
        spec = yaml.safe_load(data[key])
    except yaml.YAMLError as exc:
        raise PipelineError(f"{where}: {key} is not YAML: {exc}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("template"), dict):
        raise PipelineError(f"{where}: {key} is not a Job spec (no pod template)")
    return spec


def pod_labels(spec: Obj) -> dict[str, str]:
    labels: dict[str, str] = dict(spec["template"].get("metadata", {}).get("labels") or {})
    return labels


def identity(labels: Mapping[str, str], where: str) -> dict[str, str]:
    """The release and component labels, which select every Job of the same kind and release."""
    missing = [key for key in IDENTITY_LABELS if not labels.get(key)]
    if missing:
        raise PipelineError(f"{where} lacks the labels {', '.join(missing)}")
    return {key: labels[key] for key in IDENTITY_LABELS}


def job_name(prefix: str, short: str, now: datetime) -> str:
    name = f"{prefix}-{short}-{now.strftime('%Y%m%d%H%M%S')}"
    if len(name) > MAX_NAME:
        raise PipelineError(f"Job name {name!r} is longer than {MAX_NAME} characters: shorten the prefix")
    return name


def build_job(
    spec: Obj,
    name: str,
    namespace: str,
    labels: Mapping[str, str],
    owner: Obj,
    env: Mapping[str, str] | None = None,
) -> Obj:
    """A batch/v1 Job: the chart's spec under ``name``, labelled like its pods plus ``labels``
    (on the Job and its pods), its containers given ``env`` on top of the spec's (a variable the
    spec sets too takes the given value), and deleted by the garbage collector along with ``owner``."""
    body: Any = copy.deepcopy(spec)
    for container in body["template"].get("spec", {}).get("containers") or [] if env else []:
        container["env"] = with_env(container.get("env") or [], env or {})
    template_meta = body["template"].setdefault("metadata", {})
    template_meta["labels"] = {**pod_labels(spec), **labels}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": dict(template_meta["labels"]),
            "ownerReferences": [owner],
        },
        "spec": body,
    }


def with_env(items: list[Obj], env: Mapping[str, str]) -> list[Obj]:
    """A container's env list with ``env`` set: same-named entries replaced in place, new ones appended."""
    given = dict(env)
    out = [
        {"name": item["name"], "value": given.pop(item["name"])} if item["name"] in given else item
        for item in items
    ]
    return out + [{"name": key, "value": value} for key, value in given.items()]
