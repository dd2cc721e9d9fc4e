"""Resumable training state: one file per run key, written atomically, removed when done.

``checkpoints/<run_key>/state.pt`` holds everything needed to continue a run exactly where it
stopped at an epoch boundary: the phase, the model, the optimizer, the sampler's random
generator, the best model so far and the curves. A resumed run therefore produces the same
embeddings as an uninterrupted one. It only holds tensors and plain Python values, so it is
read back with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import io
import logging
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import Tensor

from tunedin_common.contract import atomic_write_bytes

log = logging.getLogger(__name__)

STATE_FILE = "state.pt"
Phase = Literal["select", "refit"]


@dataclass
class TrainState:
    """Where a run stands after a completed epoch of its current phase.

    ``model``/``optimizer``/``generator`` belong to the phase being trained. ``best_*`` is
    the selection phase's best evaluation (by valid Recall@20) and its model.
    """

    run_key: str
    phase: Phase
    epoch: int
    model: dict[str, Tensor]
    optimizer: dict[str, Any]
    generator: Tensor
    best_epoch: int = 0
    best_valid: dict[str, float] = field(default_factory=dict)
    best_model: dict[str, Tensor] = field(default_factory=dict)
    evals_since_best: int = 0
    stopped_early: bool = False
    selection_epochs: int = 0
    curve: list[dict[str, float | None]] = field(default_factory=list)
    refit_curve: list[dict[str, float | None]] = field(default_factory=list)
    select_seconds: float = 0.0
    refit_seconds: float = 0.0


def save_checkpoint(directory: Path, state: TrainState) -> None:
    """Write ``state`` atomically (a crash leaves the previous checkpoint intact)."""
    buffer = io.BytesIO()
    torch.save(asdict(state), buffer)
    atomic_write_bytes(directory / STATE_FILE, buffer.getvalue())


def load_checkpoint(directory: Path, run_key: str) -> TrainState | None:
    """The saved state of run ``run_key``, or None when there is none (or it is unreadable)."""
    path = directory / STATE_FILE
    if not path.is_file():
        return None
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
        state = TrainState(**raw)
    except Exception as exc:  # an unreadable checkpoint only costs the work it held
        log.warning("ignoring unreadable checkpoint %s: %s", path, exc)
        return None
    if state.run_key != run_key:
        log.warning("ignoring checkpoint %s of another run (%s)", path, state.run_key)
        return None
    return state


def clear_checkpoint(directory: Path) -> None:
    """Remove the run's checkpoint folder (after its model directory is written)."""
    shutil.rmtree(directory, ignore_errors=True)
