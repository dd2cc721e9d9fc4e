"""Publish as challenger: a new model earns its place through an experiment instead of taking
CURRENT at once (``publish`` with ``TUNEDIN_CHALLENGER_SHARE`` above 0, as the retraining
CronJob can run it).

With nothing served yet, the model is simply published (there is no champion to compare with).
Otherwise it must pass publish's integrity and index gates (``lifecycle.start``) and starts an
experiment on the given share of users against the served model; the quality gate is left to the
experiment, whose report decides whether ``jobs.experiment promote`` serves it to everyone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tunedin_common.contract import ArtifactStore
from tunedin_common.experiments.record import Experiment
from tunedin_trainer.experiments import lifecycle
from tunedin_trainer.index.models import newest_servable
from tunedin_trainer.publish.stage import PublishOutcome, publish
from tunedin_trainer.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChallengerOutcome:
    """What publishing as challenger did: an experiment started, or a plain publish."""

    experiment: Experiment | None
    published: PublishOutcome | None


def publish_as_challenger(
    store: ArtifactStore, settings: Settings, share: float, model_id: str | None = None
) -> ChallengerOutcome:
    """Start an experiment with ``model_id`` (default: the newest indexed model) on ``share``."""
    served = store.read_current()
    if served is None:
        log.info("nothing is served yet: publishing instead of starting an experiment")
        return ChallengerOutcome(None, publish(store, settings, model_id))
    candidate = model_id or newest_servable(store)
    if candidate == served or (model_id is None and candidate < served):
        log.info(
            "the newest indexed model %s is not newer than the served %s: nothing to test", candidate, served
        )
        return ChallengerOutcome(None, PublishOutcome(candidate, served, False))
    return ChallengerOutcome(lifecycle.start(store, settings, candidate, share), None)
