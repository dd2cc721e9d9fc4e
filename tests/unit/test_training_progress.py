"""Training progress: a bar on a terminal, one log line per evaluation in a log."""

from __future__ import annotations

import io
import logging

import pytest

from tests.train_support import fast_config, synthetic_inputs
from tunedin_trainer.training.loop import train_model
from tunedin_trainer.training.progress import EpochProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_each_evaluation_is_one_line_and_no_bar_is_drawn(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs, _ = synthetic_inputs()
    with caplog.at_level(logging.INFO, logger="tunedin_trainer.training"):
        result = train_model(inputs, fast_config(), "0123456789abcdef", progress=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "tunedin_trainer.training"]
    select = [line for line in lines if line.startswith("train (select on valid): ")]
    evaluated = [p["epoch"] for p in result.state.curve if p["valid_recall@20"] is not None]
    assert [int(line.split("epoch ")[1].split("/")[0]) for line in select] == evaluated
    assert all("valid recall@20 " in line and "valid ndcg@20 " in line for line in select)
    refit = [line for line in lines if line.startswith("refit on train+valid: ")]
    best = result.state.best_epoch
    assert refit and refit[-1].startswith(f"refit on train+valid: epoch {best}/{best}, loss ")
    assert len(refit) <= best  # milestones, not every epoch
    assert "\r" not in capsys.readouterr().err  # no bar in the log


def test_on_a_terminal_a_bar_keeps_the_latest_metrics() -> None:
    terminal = _Terminal()
    bar = EpochProgress("train", 0, 3, shown=True, stream=terminal)
    bar.epoch_done(1, 0.5)
    bar.epoch_done(2, 0.4, {"valid recall@20": 0.25})
    bar.epoch_done(3, 0.3)
    bar.close()
    drawn = terminal.getvalue()
    assert "train" in drawn and "3/3" in drawn
    assert drawn.rstrip().endswith("loss=0.3000, valid recall@20=0.2500]")


def test_not_shown_writes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    terminal = _Terminal()
    with caplog.at_level(logging.INFO, logger="tunedin_trainer.training"):
        bar = EpochProgress("train", 0, 2, shown=False, stream=terminal)
        bar.epoch_done(1, 0.5, {"valid recall@20": 0.1}, milestone=True)
        bar.close()
    assert terminal.getvalue() == "" and not caplog.records
