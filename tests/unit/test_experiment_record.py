"""The experiment record: validated, replaced atomically, polled through an mtime cache."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tunedin_common.contract import ArtifactStore, ContractError
from tunedin_common.experiments import record
from tunedin_common.experiments.record import (
    Experiment,
    ExperimentReader,
    load_experiment,
    new_experiment_id,
    write_experiment,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


def _experiment(**changes: object) -> Experiment:
    fields: dict[str, object] = {
        "experiment_id": new_experiment_id(START),
        "champion": "20260101T000000Z-00000001",
        "challenger": "20260102T000000Z-00000002",
        "share": 0.2,
        "started_at": START,
    }
    return Experiment.model_validate({**fields, **changes})


def test_round_trip_without_temporary_files(store: ArtifactStore) -> None:
    assert load_experiment(store) is None
    experiment = _experiment()
    assert experiment.experiment_id.startswith("ex-20260101T000000Z-")
    write_experiment(store, experiment)
    assert load_experiment(store) == experiment
    assert [p.name for p in store.root.iterdir()] == [store.experiment_file.name]
    assert json.loads(store.experiment_file.read_text())["state"] == "running"


@pytest.mark.parametrize(
    "changes",
    [
        {"share": 0.0},
        {"share": 1.0},
        {"challenger": "20260101T000000Z-00000001"},
        {"champion": "../../etc"},
        {"state": "stopped"},  # ended without ended_at
        {"state": "promoted", "ended_at": START, "rolled_back_at": START},
        {"surprise": True},
    ],
)
def test_inconsistent_records_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _experiment(**changes)


def test_a_corrupt_file_is_a_contract_error(store: ArtifactStore) -> None:
    store.root.mkdir(parents=True)
    store.experiment_file.write_text('{"kind": "experiment"}')
    with pytest.raises(ContractError, match="does not follow the contract"):
        load_experiment(store)


def test_applies_only_while_running_on_its_champion() -> None:
    experiment = _experiment()
    assert experiment.applies_to(experiment.champion)
    assert not experiment.applies_to(experiment.challenger)
    assert not experiment.applies_to(None)
    stopped = _experiment(state="stopped", ended_at=START)
    assert not stopped.applies_to(stopped.champion)


def test_the_reader_parses_once_per_change(store: ArtifactStore, monkeypatch: pytest.MonkeyPatch) -> None:
    parses = []
    real = record.load_experiment

    def counting(s: ArtifactStore) -> Experiment | None:
        parses.append(1)
        return real(s)

    monkeypatch.setattr(record, "load_experiment", counting)
    reader = ExperimentReader(store)
    assert reader.load_experiment() is None
    first = _experiment()
    write_experiment(store, first)
    assert reader.load_experiment() == first
    assert reader.active(first.champion) == first
    assert reader.load_experiment() == first
    assert len(parses) == 1

    ended = _experiment(experiment_id=first.experiment_id, state="stopped", ended_at=START)
    write_experiment(store, ended)
    assert reader.load_experiment() == ended
    assert reader.active(ended.champion) is None
    assert len(parses) == 2


def test_the_reader_falls_back_to_none_on_a_corrupt_record(store: ArtifactStore) -> None:
    reader = ExperimentReader(store)
    write_experiment(store, _experiment())
    assert reader.load_experiment() is not None
    store.experiment_file.write_text("{not json")
    assert reader.load_experiment() is None
    store.experiment_file.unlink()
    assert reader.load_experiment() is None
