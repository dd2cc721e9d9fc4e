"""An artifact store with a running experiment: the published model as champion, a clone of it
under a new id as challenger (same content, so either arm answers every user)."""

from __future__ import annotations

from tests.support.stores import clone_model, trainer_settings
from tunedin_common.contract import ArtifactStore
from tunedin_common.experiments.record import Experiment
from tunedin_trainer.experiments import lifecycle


def start_experiment(store: ArtifactStore, share: float = 0.5) -> Experiment:
    challenger = clone_model(store, store.read_current() or "")
    return lifecycle.start(store, trainer_settings(store), challenger, share)
