"""jobs/experiment.py, the real command line: start, status, promote, rollback, one-line errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner, Result

from jobs.experiment import app
from jobs.publish import app as publish_app
from tests.factories import ModelSize, make_model, make_settings
from tunedin_common.contract import ArtifactStore, utcnow
from tunedin_common.experiments.record import load_experiment
from tunedin_trainer.index.stage import build_index
from tunedin_trainer.publish.stage import publish

SMALL: ModelSize = {"n_items": 500, "n_users": 60, "dim": 16}


def _run(store: ArtifactStore, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"TUNEDIN_ARTIFACTS": str(store.root)})


@pytest.fixture
def models(store: ArtifactStore) -> tuple[str, str]:
    """A published champion and an indexed challenger."""
    begin = utcnow() - timedelta(hours=2)
    ids = [make_model(store, created_at=begin + timedelta(hours=i), **SMALL) for i in range(2)]
    for model_id in ids:
        build_index(store, make_settings(store), model_id)
    publish(store, make_settings(store), ids[0])
    return ids[0], ids[1]


def test_start_status_promote_rollback(store: ArtifactStore, models: tuple[str, str]) -> None:
    champion, challenger = models
    assert _run(store, "status").stdout.strip() == "no experiment was started"

    started = _run(store, "start", "--challenger", challenger, "--share", "0.2")
    assert started.exit_code == 0, started.output
    assert f"champion {champion}, challenger {challenger} on 20% of users" in started.stdout
    experiment = load_experiment(store)
    assert experiment is not None and experiment.share == 0.2

    status = _run(store, "status")
    assert f"experiment_id: {experiment.experiment_id}" in status.stdout
    assert "state: running" in status.stdout

    assert _run(store, "promote").exit_code == 0
    assert store.read_current() == challenger
    assert _run(store, "rollback").exit_code == 0
    assert store.read_current() == champion
    assert "state: rolled_back" in _run(store, "status").stdout


@pytest.mark.parametrize(
    ("which", "share", "message"),
    [
        ("challenger", "0", "error: experiment start failed: the share must be between 0 and 1"),
        ("challenger", "1.5", "error: experiment start failed: the share must be between 0 and 1"),
        ("champion", "0.2", "is the champion (CURRENT serves it)"),
        ("20200101T000000Z-deadbeef", "0.2", "error: experiment start failed: no model"),
    ],
)
def test_start_refusals_are_one_line(
    store: ArtifactStore, models: tuple[str, str], which: str, share: str, message: str
) -> None:
    model_id = {"champion": models[0], "challenger": models[1]}.get(which, which)
    refused = _run(store, "start", "--challenger", model_id, "--share", share)
    assert refused.exit_code == 1
    (line,) = [x for x in refused.stderr.splitlines() if x.startswith("error:")]
    assert message in line
    assert load_experiment(store) is None


def test_stop_without_an_experiment_fails(store: ArtifactStore, models: tuple[str, str]) -> None:
    refused = _run(store, "stop")
    assert refused.exit_code == 1
    assert "error: experiment stop failed: no experiment was started" in refused.stderr


def test_a_plain_publish_that_replaces_the_champion_stops_the_experiment(
    store: ArtifactStore, models: tuple[str, str]
) -> None:
    champion, challenger = models
    newer = make_model(store, created_at=utcnow(), **SMALL)
    build_index(store, make_settings(store), newer)
    assert _run(store, "start", "--challenger", challenger, "--share", "0.2").exit_code == 0
    env = {"TUNEDIN_ARTIFACTS": str(store.root), "TUNEDIN_QUALITY_TOLERANCE": "1"}
    same = CliRunner().invoke(publish_app, ["--model-id", champion], env=env)
    assert same.exit_code == 0 and "stopped" not in same.stdout  # a no-op leaves it running
    experiment = load_experiment(store)
    assert experiment is not None and experiment.running
    replaced = CliRunner().invoke(publish_app, ["--model-id", newer], env=env)
    assert replaced.exit_code == 0, replaced.output
    assert f"experiment {experiment.experiment_id} stopped: its champion {champion}" in replaced.stdout
    ended = load_experiment(store)
    assert ended is not None and ended.state == "stopped" and store.read_current() == newer
