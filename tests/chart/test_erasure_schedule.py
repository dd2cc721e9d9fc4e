"""``python -m jobs.erasures ensure`` on the real kubernetes client against the local fake API
(tests/chart/fake_kube.py), fed with the rendered pipeline ConfigMap and a real erasure ledger:
nothing pending starts nothing, each pending set gets one runner, and that runner is the
pipeline's own."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.chart.fake_kube import COMPONENT, FakeKube
from tests.chart.support import PIPELINE_CONFIG_MAP, by_kind, render
from tests.erasure_support import record_erasure
from tunedin_common.erasures import ErasureLedger, ErasureProgress
from tunedin_trainer.erasure.schedule import ERASURE_SET_LABEL, ensure_erasure_run, erasure_set
from tunedin_trainer.errors import PipelineError
from tunedin_trainer.orchestration.definition import FINGERPRINT_LABEL, RUN_LABEL
from tunedin_trainer.orchestration.ensure import EnsureOutcome
from tunedin_trainer.orchestration.runner import Pacing, run_pipeline

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
RUNNER = "tunedin-erase-20260301030000"


def _fake() -> FakeKube:
    fake = FakeKube(scripts={"prepare-train": ["active", "succeeded"], "index-publish": ["succeeded"]})
    [cm] = [c for c in by_kind(render(), "ConfigMap") if c["metadata"]["name"] == PIPELINE_CONFIG_MAP]
    fake.add(copy.deepcopy(cm))
    return fake


def _ensure(fake: FakeKube, ledger: ErasureLedger, at: datetime = NOW) -> EnsureOutcome | None:
    with fake.cluster() as cluster:
        return ensure_erasure_run(cluster, ledger, PIPELINE_CONFIG_MAP, "tunedin", lambda: at)


def _complete(ledger: ErasureLedger, erasure_id: str) -> None:
    ledger.write_progress(
        ErasureProgress(
            erasure_id=erasure_id, removed_from_datasets_at=NOW, retrained_at=NOW, removed_from_models_at=NOW
        )
    )


def test_nothing_pending_starts_nothing(tmp_path: Path) -> None:
    fake, ledger = _fake(), ErasureLedger(tmp_path)
    assert _ensure(fake, ledger) is None
    done = record_erasure(tmp_path, 2)
    _complete(ledger, done.erasure_id)
    assert _ensure(fake, ledger) is None
    assert not fake.jobs() and not [c for c in fake.calls if c.startswith("POST ")]


def test_each_pending_set_gets_one_runner_of_the_pipeline(tmp_path: Path) -> None:
    fake, ledger = _fake(), ErasureLedger(tmp_path)
    first = record_erasure(tmp_path, 2)
    outcome = _ensure(fake, ledger)
    assert outcome == EnsureOutcome(RUNNER, "created")
    runner = fake.jobs()[RUNNER]
    labels = runner["metadata"]["labels"]
    assert labels[ERASURE_SET_LABEL] == erasure_set([first]) and len(labels[ERASURE_SET_LABEL]) == 10
    assert labels[COMPONENT] == "pipeline-runner" and FINGERPRINT_LABEL not in labels
    assert runner["metadata"]["ownerReferences"][0]["name"] == PIPELINE_CONFIG_MAP
    assert runner["spec"]["template"]["spec"]["containers"][0]["command"][-1] == "run"
    # An erasure's retrain must replace the served model: a plain publish, never a challenger.
    assert not [a for a in runner["spec"]["template"]["spec"]["containers"][0]["args"] if "challenger" in a]

    # Checked again while it runs: nothing new.
    assert _ensure(fake, ledger) == EnsureOutcome(RUNNER, "active")
    # A new erasure is a new set: its own runner, which queues behind the first.
    later = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    second = record_erasure(tmp_path, 3)
    outcome = _ensure(fake, ledger, later)
    assert outcome is not None and outcome.state == "created" and outcome.runner != RUNNER
    new_set = fake.jobs()[outcome.runner]["metadata"]["labels"][ERASURE_SET_LABEL]
    assert new_set == erasure_set([first, second]) != erasure_set([first])


def test_the_runner_runs_both_stages_without_being_superseded(tmp_path: Path) -> None:
    fake, ledger = _fake(), ErasureLedger(tmp_path)
    record_erasure(tmp_path, 2)
    _ensure(fake, ledger)
    pacing = Pacing(1, clock=lambda: float(fake.ticks), sleep=fake.tick, now=lambda: NOW)
    with fake.cluster() as cluster:
        created = run_pipeline(cluster, PIPELINE_CONFIG_MAP, RUNNER, "tunedin", 100, pacing)
    assert created == ["tunedin-train-20260301030000", "tunedin-index-20260301030000"]
    for name in created:
        assert fake.jobs()[name]["metadata"]["labels"][RUN_LABEL] == RUNNER


def test_a_failed_run_is_retried_and_a_succeeded_one_still_pending_is_an_error(tmp_path: Path) -> None:
    fake, ledger = _fake(), ErasureLedger(tmp_path)
    request = record_erasure(tmp_path, 2)
    _ensure(fake, ledger)
    fake.states[RUNNER] = ["failed"]
    retry = _ensure(fake, ledger, datetime(2026, 3, 1, 4, 0, tzinfo=UTC))
    assert retry is not None and retry.state == "created" and retry.runner != RUNNER
    fake.states[retry.runner] = ["succeeded"]
    with pytest.raises(PipelineError, match="succeeded, yet 1 erasure"):
        _ensure(fake, ledger)
    _complete(ledger, request.erasure_id)
    assert _ensure(fake, ledger) is None
