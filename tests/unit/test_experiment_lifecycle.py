"""An experiment's life on a real artifact store: start checks, promote through publish's gates,
rollback, one at a time, and the champion kept through garbage collection."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import ModelSize, make_model, make_settings
from tunedin_common.contract import INDEX_FILE, ArtifactStore, utcnow
from tunedin_common.experiments.record import load_experiment
from tunedin_trainer.errors import GateError, PipelineError
from tunedin_trainer.experiments.lifecycle import (
    ExperimentError,
    describe,
    promote,
    rollback,
    start,
    stop,
)
from tunedin_trainer.index.stage import build_index
from tunedin_trainer.publish.stage import publish

SMALL: ModelSize = {"n_items": 500, "n_users": 60, "dim": 16}


def _models(store: ArtifactStore, recalls: list[float | None]) -> list[str]:
    """Models an hour apart, oldest first; indexed unless their recall is None."""
    begin = utcnow() - timedelta(hours=len(recalls))
    ids = []
    for i, recall in enumerate(recalls):
        model_id = make_model(
            store, created_at=begin + timedelta(hours=i), metrics={"recall@20": recall or 0.2}, **SMALL
        )
        if recall is not None:
            build_index(store, make_settings(store), model_id)
        ids.append(model_id)
    return ids


def test_start_checks_everything_before_writing(store: ArtifactStore) -> None:
    champion, challenger, unindexed = _models(store, [0.2, 0.2, None])
    settings = make_settings(store)
    with pytest.raises(ExperimentError, match="nothing is published"):
        start(store, settings, challenger, 0.2)
    publish(store, settings, champion)
    with pytest.raises(ExperimentError, match="share"):
        start(store, settings, challenger, 1.0)
    with pytest.raises(ExperimentError, match="is the champion"):
        start(store, settings, champion, 0.2)
    with pytest.raises(GateError, match="no index"):
        start(store, settings, unindexed, 0.2)
    with pytest.raises(PipelineError, match="no model"):
        start(store, settings, "20200101T000000Z-deadbeef", 0.2)
    with pytest.raises(ExperimentError, match="not a model id"):
        start(store, settings, "../etc", 0.2)
    assert load_experiment(store) is None

    experiment = start(store, settings, challenger, 0.2)
    assert (experiment.champion, experiment.challenger, experiment.state) == (champion, challenger, "running")
    assert load_experiment(store) == experiment
    with pytest.raises(ExperimentError, match="is running"):
        start(store, settings, challenger, 0.3)
    assert store.read_current() == champion


def test_a_corrupt_challenger_is_refused(store: ArtifactStore) -> None:
    champion, challenger = _models(store, [0.2, 0.2])
    settings = make_settings(store)
    publish(store, settings, champion)
    (store.model_dir(challenger) / INDEX_FILE).write_bytes(b"broken")
    with pytest.raises(GateError, match="corrupt"):
        start(store, settings, challenger, 0.2)


def test_stop_ends_it_and_a_new_one_can_start(store: ArtifactStore) -> None:
    champion, challenger = _models(store, [0.2, 0.2])
    settings = make_settings(store)
    publish(store, settings, champion)
    first = start(store, settings, challenger, 0.2)
    stopped = stop(store)
    assert stopped.state == "stopped" and stopped.ended_at is not None
    assert store.read_current() == champion
    with pytest.raises(ExperimentError, match="not running"):
        stop(store)
    with pytest.raises(ExperimentError, match="not running"):
        promote(store, settings)
    second = start(store, settings, challenger, 0.5)
    assert second.experiment_id != first.experiment_id


def test_promote_goes_through_the_quality_gate_and_rollback_undoes_it(store: ArtifactStore) -> None:
    champion, challenger = _models(store, [0.3, 0.1])
    settings = make_settings(store)
    publish(store, settings, champion)
    start(store, settings, challenger, 0.2)

    with pytest.raises(GateError, match="worse than the served"):
        promote(store, settings)
    assert store.read_current() == champion
    assert load_experiment(store).state == "running"  # type: ignore[union-attr]

    promoted = promote(store, settings, force=True)
    assert promoted.state == "promoted"
    assert store.read_current() == challenger
    assert "state: promoted" in describe(store)

    rolled_back = rollback(store, settings)
    assert rolled_back.state == "rolled_back" and rolled_back.rolled_back_at is not None
    assert store.read_current() == champion
    with pytest.raises(ExperimentError, match="nothing to roll back"):
        rollback(store, settings)


def test_promotion_keeps_the_champion_through_garbage_collection(store: ArtifactStore) -> None:
    champion, _, _, challenger = _models(store, [0.2, 0.2, 0.2, 0.2])
    settings = make_settings(store, keep_models=1)
    publish(store, settings, champion)
    start(store, settings, challenger, 0.2)
    promote(store, settings)
    assert store.model_dir(champion).is_dir()
    rollback(store, settings)
    assert store.read_current() == champion


def test_rollback_of_a_running_experiment_ends_it(store: ArtifactStore) -> None:
    champion, challenger = _models(store, [0.2, 0.2])
    settings = make_settings(store)
    publish(store, settings, champion)
    start(store, settings, challenger, 0.2)
    assert rollback(store, settings).state == "rolled_back"
    assert store.read_current() == champion


def test_a_publish_in_between_blocks_promote_and_rollback(store: ArtifactStore) -> None:
    champion, challenger, newer = _models(store, [0.2, 0.2, 0.2])
    settings = make_settings(store)
    publish(store, settings, champion)
    start(store, settings, challenger, 0.2)
    publish(store, settings, newer)
    assert "warning: CURRENT no longer names the champion" in describe(store)
    with pytest.raises(ExperimentError, match="not the champion"):
        promote(store, settings)

    stop(store)
    start(store, settings, challenger, 0.2)  # champion: newer
    promote(store, settings, force=True)
    publish(store, settings, newer, force=True)
    with pytest.raises(ExperimentError, match="a later publish replaced it"):
        rollback(store, settings)
    assert store.read_current() == newer
