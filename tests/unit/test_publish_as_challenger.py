"""publish with a challenger share: the first model is published; a newer one starts an
experiment instead of taking CURRENT; nothing newer, nothing to test."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import ModelSize, make_model, make_settings
from tests.support.jobs import job_env, run_job
from tunedin_common.contract import ArtifactStore, utcnow
from tunedin_common.experiments.record import load_experiment
from tunedin_trainer.index.stage import build_index

SMALL: ModelSize = {"n_items": 500, "n_users": 60, "dim": 16}


def _indexed(store: ArtifactStore, hours_ago: int) -> str:
    model_id = make_model(store, created_at=utcnow() - timedelta(hours=hours_ago), **SMALL)
    build_index(store, make_settings(store), model_id)
    return model_id


def test_publish_as_challenger_starts_an_experiment_once_a_model_is_served(store: ArtifactStore) -> None:
    env = job_env(store.root, TUNEDIN_CHALLENGER_SHARE="0.25")
    first = _indexed(store, 3)
    assert run_job("publish", env).returncode == 0
    assert store.read_current() == first and load_experiment(store) is None  # no champion yet

    second = _indexed(store, 2)
    started = run_job("publish", env)
    assert started.returncode == 0, started.stderr
    assert store.read_current() == first  # the champion stays served to everyone else
    experiment = load_experiment(store)
    assert experiment is not None and experiment.running
    assert (experiment.champion, experiment.challenger, experiment.share) == (first, second, 0.25)
    assert f"challenger {second} on 25% of users against {first}" in started.stdout

    again = run_job("publish", env)  # one experiment at a time: a second start is refused
    assert again.returncode == 1 and "is running" in again.stderr
    assert load_experiment(store) == experiment

    plain = run_job("publish", job_env(store.root), "--model-id", second)
    assert plain.returncode == 0 and store.read_current() == second  # without a share: publish


def test_nothing_newer_than_the_served_model_starts_nothing(store: ArtifactStore) -> None:
    served = _indexed(store, 2)
    assert run_job("publish", job_env(store.root)).returncode == 0
    result = run_job("publish", job_env(store.root), "--challenger-share", "0.5")
    assert result.returncode == 0, result.stderr
    assert store.read_current() == served and load_experiment(store) is None
