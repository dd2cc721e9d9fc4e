"""The transitions of an experiment: start → running → stopped | promoted → rolled back.

* ``start``: the champion is the model CURRENT names; the challenger must pass publish's
  integrity and index gates and differ from the champion; the share is in (0, 1); only one
  experiment runs at a time.
* ``stop``: the experiment ends, CURRENT stays on the champion.
* ``promote``: the challenger goes through ``publish`` (every gate; ``force`` skips the quality
  gate as ``publish --force`` does), then the experiment ends as promoted. A refused challenger
  leaves CURRENT and the running experiment as they were.
* ``end_superseded``: a plain ``publish`` that replaced the champion (a retrain after an
  erasure, say) ends the running experiment as stopped: it no longer compares what is served.
* ``rollback``: a promoted experiment puts the champion back through ``publish`` (integrity and
  index gates; the quality gate is skipped, as for any rollback); a running one simply ends,
  since the champion is still served.

Transitions hold an exclusive lock on the artifact root, so two at once cannot interleave.
Promotion keeps enough model directories through garbage collection that the champion survives
for a rollback.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from tunedin_common.contract import ArtifactStore, is_model_id, utcnow
from tunedin_common.experiments.record import (
    Experiment,
    load_experiment,
    new_experiment_id,
    write_experiment,
)
from tunedin_trainer.errors import PipelineError
from tunedin_trainer.publish.gates import check_index, check_servable
from tunedin_trainer.publish.stage import publish
from tunedin_trainer.settings import Settings


class ExperimentError(PipelineError):
    """A transition the experiment's state or the store does not allow."""


@contextmanager
def _exclusive(store: ArtifactStore) -> Iterator[None]:
    store.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(store.root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _changed(experiment: Experiment, **changes: object) -> Experiment:
    """``experiment`` with ``changes``, validated again (``model_copy`` would not)."""
    return Experiment.model_validate({**experiment.model_dump(), **changes})


def _running(store: ArtifactStore) -> Experiment:
    experiment = load_experiment(store)
    if experiment is None:
        raise ExperimentError("no experiment was started")
    if not experiment.running:
        raise ExperimentError(f"experiment {experiment.experiment_id} is not running ({experiment.state})")
    return experiment


def start(
    store: ArtifactStore, settings: Settings, challenger: str, share: float, now: datetime | None = None
) -> Experiment:
    """Start serving ``challenger`` to ``share`` of the users, against the model CURRENT names."""
    if not 0 < share < 1:
        raise ExperimentError(f"the share must be between 0 and 1 (exclusive), got {share}")
    if not is_model_id(challenger):
        raise ExperimentError(f"not a model id: {challenger!r}")
    with _exclusive(store):
        existing = load_experiment(store)
        if existing is not None and existing.running:
            raise ExperimentError(
                f"experiment {existing.experiment_id} is running (challenger {existing.challenger}): "
                "stop or promote it first"
            )
        champion = store.read_current()
        if champion is None:
            raise ExperimentError("nothing is published yet: publish the champion first")
        if challenger == champion:
            raise ExperimentError(f"model {challenger} is the champion (CURRENT serves it)")
        check_index(store, check_servable(store, challenger), settings)
        started = now or utcnow()
        experiment = Experiment(
            experiment_id=new_experiment_id(started),
            champion=champion,
            challenger=challenger,
            share=share,
            started_at=started,
        )
        write_experiment(store, experiment)
        return experiment


def stop(store: ArtifactStore, now: datetime | None = None) -> Experiment:
    """End the running experiment; the champion stays served."""
    with _exclusive(store):
        ended = _changed(_running(store), state="stopped", ended_at=now or utcnow())
        write_experiment(store, ended)
        return ended


def end_superseded(store: ArtifactStore, now: datetime | None = None) -> Experiment | None:
    """Stop the running experiment when CURRENT no longer names its champion; what was stopped."""
    with _exclusive(store):
        experiment = load_experiment(store)
        if experiment is None or not experiment.running or experiment.applies_to(store.read_current()):
            return None
        ended = _changed(experiment, state="stopped", ended_at=now or utcnow())
        write_experiment(store, ended)
        return ended


def _keeping_champion(store: ArtifactStore, settings: Settings, champion: str) -> Settings:
    """``settings`` with ``keep_models`` raised so that garbage collection keeps ``champion``."""
    present = [d.name for d in store.models_dir.iterdir() if d.is_dir() and is_model_id(d.name)]
    needed = sum(model_id >= champion for model_id in present)
    return settings.model_copy(update={"keep_models": max(settings.keep_models, needed)})


def promote(
    store: ArtifactStore, settings: Settings, force: bool = False, now: datetime | None = None
) -> Experiment:
    """Publish the running experiment's challenger (publish's gates), then end it as promoted."""
    with _exclusive(store):
        experiment = _running(store)
        served = store.read_current()
        if served != experiment.champion:
            raise ExperimentError(
                f"CURRENT is {served}, not the champion {experiment.champion} the experiment compared "
                "against: stop it and start a new one"
            )
        publish(store, _keeping_champion(store, settings, experiment.champion), experiment.challenger, force)
        promoted = _changed(experiment, state="promoted", ended_at=now or utcnow())
        write_experiment(store, promoted)
        return promoted


def rollback(store: ArtifactStore, settings: Settings, now: datetime | None = None) -> Experiment:
    """Serve the champion again: undo a promotion, or end a running experiment."""
    with _exclusive(store):
        experiment = load_experiment(store)
        if experiment is None:
            raise ExperimentError("no experiment was started: nothing to roll back")
        at = now or utcnow()
        if experiment.state == "running":
            ended = _changed(experiment, state="rolled_back", ended_at=at, rolled_back_at=at)
            write_experiment(store, ended)
            return ended
        if experiment.state != "promoted":
            raise ExperimentError(
                f"experiment {experiment.experiment_id} is {experiment.state}: nothing to roll back"
            )
        served = store.read_current()
        if served != experiment.challenger:
            raise ExperimentError(
                f"CURRENT is {served}, not the promoted challenger {experiment.challenger}: "
                f"a later publish replaced it (publish --model-id {experiment.champion} --force "
                "serves the champion)"
            )
        publish(store, settings, experiment.champion, force=True)
        rolled_back = _changed(experiment, state="rolled_back", rolled_back_at=at)
        write_experiment(store, rolled_back)
        return rolled_back


def describe(store: ArtifactStore) -> str:
    """The record as lines of ``key: value``, and whether CURRENT still matches it."""
    experiment = load_experiment(store)
    if experiment is None:
        return "no experiment was started"
    fields = experiment.model_dump(exclude={"schema_version", "kind"}, exclude_none=True)
    lines = [f"{key}: {value}" for key, value in fields.items()]
    served = store.read_current()
    lines.append(f"current: {served}")
    if experiment.running and not experiment.applies_to(served):
        lines.append("warning: CURRENT no longer names the champion; the API serves CURRENT alone")
    return "\n".join(lines)
