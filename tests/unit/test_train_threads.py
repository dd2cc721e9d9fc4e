"""The trainer's CPU thread count: TUNEDIN_THREADS (which the chart sets from the container's CPU
limit) reaches Settings and the torch thread pool training runs on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from pydantic import ValidationError

from tests.train_support import synthetic_interactions, write_dataset
from tunedin_common.contract import ArtifactStore, MetricsReport
from tunedin_trainer.settings import Settings
from tunedin_trainer.training.run import run_train

FAST = {"epochs": 2, "eval_every": 1, "patience": 1, "batch_size": 64, "dim": 8, "hard_negative_pool": 2}


@pytest.fixture
def torch_threads() -> Iterator[int]:
    """The process's torch thread count, restored after the test (training changes it)."""
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def test_the_thread_knob_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNEDIN_THREADS", "3")
    assert Settings().threads == 3
    monkeypatch.setenv("TUNEDIN_THREADS", "-1")
    with pytest.raises(ValidationError, match="threads"):
        Settings()


def test_training_runs_on_the_configured_threads(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch, torch_threads: int
) -> None:
    wanted = 1 if torch_threads > 1 else 2
    monkeypatch.setenv("TUNEDIN_THREADS", str(wanted))
    write_dataset(store, synthetic_interactions())
    settings = Settings.model_validate(
        {
            **Settings().model_dump(),
            "artifacts": store.root,
            "ablations_report": store.root / "none.json",
            **FAST,
        }
    )
    outcome = run_train(settings, progress=False)
    assert torch.get_num_threads() == wanted
    metrics = MetricsReport.model_validate_json(
        (store.model_dir(outcome.model_id) / "metrics.json").read_bytes()
    )
    assert metrics.training.threads == wanted
