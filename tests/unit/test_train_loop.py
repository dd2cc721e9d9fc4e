"""The training loop: determinism, selection on valid, early stopping, checkpoint resume."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tunedin_trainer.training.loop as loop
from tests.train_support import fast_config, synthetic_inputs
from tunedin_trainer.training.checkpoint import STATE_FILE, load_checkpoint
from tunedin_trainer.training.config import TrainConfig, run_key
from tunedin_trainer.training.loop import Evaluation, TrainingResult, train_model

KEY = "0123456789abcdef"


def _train(config: TrainConfig, checkpoint_dir: Path | None = None) -> TrainingResult:
    inputs, _ = synthetic_inputs()
    return train_model(inputs, config, KEY, checkpoint_dir)


def test_same_seed_same_embeddings_and_another_seed_differs() -> None:
    a, b = _train(fast_config()), _train(fast_config())
    assert np.array_equal(a.users, b.users) and np.array_equal(a.items, b.items)
    assert a.users.dtype == np.float32 and a.users.shape == (48, 16) and a.items.shape == (80, 16)
    c = _train(fast_config(seed=8))
    assert not np.array_equal(a.items, c.items)


def test_best_epoch_is_the_best_valid_evaluation_and_stopping_follows_patience() -> None:
    result = _train(fast_config(epochs=40, patience=2, refit=False, lr=0.002))
    state = result.state
    evaluated = [p for p in state.curve if p["valid_recall@20"] is not None]
    assert [p["epoch"] for p in evaluated] == list(range(2, state.selection_epochs + 1, 2))
    best = max(evaluated, key=lambda p: p["valid_recall@20"] or 0.0)  # first maximum
    assert state.best_epoch == best["epoch"]
    assert state.best_valid["recall@20"] == best["valid_recall@20"]
    if state.stopped_early:
        assert state.selection_epochs == state.best_epoch + 2 * 2
    # without refit the final model is the selected one
    assert np.array_equal(result.users, result.selected_users)


def test_refit_trains_the_selected_number_of_epochs_on_train_and_valid() -> None:
    result = _train(fast_config())
    assert len(result.state.refit_curve) == result.state.best_epoch
    assert not np.array_equal(result.users, result.selected_users)


def test_observer_sees_every_evaluation_without_changing_the_result() -> None:
    seen: list[Evaluation] = []
    inputs, _ = synthetic_inputs()
    observed = train_model(inputs, fast_config(), KEY, observer=seen.append)
    plain = _train(fast_config())
    assert [e.epoch for e in seen] == [p["epoch"] for p in observed.state.curve if p["valid_recall@20"]]
    assert all(e.users.shape == (48, 16) for e in seen)
    assert np.array_equal(observed.users, plain.users)


class _InterruptedError(Exception):
    pass


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, epochs: int) -> None:
    """Make the loop's epoch function raise after ``epochs`` epochs (a killed Job)."""
    real = loop.train_epoch
    calls = {"n": 0}

    def epoch(setup: object, reg: float) -> float:
        if calls["n"] >= epochs:
            raise _InterruptedError
        calls["n"] += 1
        return real(setup, reg)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "train_epoch", epoch)


@pytest.mark.parametrize("interrupt_after", [5, 15])  # in the selection phase / in the refit
def test_resumed_run_ends_like_an_uninterrupted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupt_after: int
) -> None:
    config = fast_config(epochs=10, patience=10, checkpoint_every=2, lr=0.002)  # best epoch: 10
    uninterrupted = _train(config)
    checkpoints = tmp_path / "ckpt"
    with monkeypatch.context() as patch:
        _interrupt_after(patch, interrupt_after)
        with pytest.raises(_InterruptedError):
            _train(config, checkpoints)
    assert (checkpoints / STATE_FILE).is_file()
    resumed = _train(config, checkpoints)
    assert resumed.resumed_from is not None
    expected_phase = "select" if interrupt_after < 10 else "refit"
    assert resumed.resumed_from[0] == expected_phase
    assert np.array_equal(resumed.users, uninterrupted.users)
    assert np.array_equal(resumed.items, uninterrupted.items)
    assert np.array_equal(resumed.selected_items, uninterrupted.selected_items)

    def trace(result: TrainingResult) -> list[tuple[object, ...]]:
        return [(p["epoch"], p["loss"], p["valid_recall@20"]) for p in result.state.curve]

    assert trace(resumed) == trace(uninterrupted)
    assert resumed.state.best_epoch == uninterrupted.state.best_epoch == 10


def test_checkpoint_of_another_run_is_ignored(tmp_path: Path) -> None:
    config = fast_config(epochs=4, refit=False)
    _train(config, tmp_path)
    assert load_checkpoint(tmp_path, KEY) is not None
    assert load_checkpoint(tmp_path, "fedcba9876543210") is None
    (tmp_path / STATE_FILE).write_bytes(b"not a checkpoint")
    assert load_checkpoint(tmp_path, KEY) is None


def test_run_key_depends_on_dataset_and_result_params_only() -> None:
    base = fast_config()
    assert run_key("a" * 16, base) == run_key("a" * 16, fast_config(threads=2, checkpoint_every=7))
    assert run_key("a" * 16, base) != run_key("b" * 16, base)
    assert run_key("a" * 16, base) != run_key("a" * 16, fast_config(lr=0.03))
    assert len(run_key("a" * 16, base)) == 16
