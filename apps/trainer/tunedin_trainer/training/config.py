"""The training parameters of one run, taken from ``Settings``, and the run key they hash to."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from tunedin_trainer.model.graph import EdgeWeighting
from tunedin_trainer.settings import Settings

# Settings that change how a run executes but not what it computes: left out of the run key.
_EXECUTION_ONLY = ("threads", "checkpoint_every")


@dataclass(frozen=True)
class TrainConfig:
    """Every knob of a training run: the ``Settings`` fields of the same names (see there for
    what each means), typed as there; a unit test holds the two together."""

    seed: int
    dim: int
    layers: int
    epochs: int
    lr: float
    batch_size: int
    reg: float
    negatives: int
    hard_negative_pool: int
    edge_weight: EdgeWeighting
    friend_edge_weight: float
    tag_edge_weight: float
    contrast_weight: float
    contrast_noise: float
    contrast_temperature: float
    contrast_layer: int
    eval_every: int
    patience: int
    refit: bool
    threads: int
    checkpoint_every: int

    @classmethod
    def from_settings(cls, settings: Settings) -> TrainConfig:
        """The run's knobs, by name from ``Settings`` (each field here is a ``Settings`` field)."""
        return cls(**{field.name: getattr(settings, field.name) for field in fields(cls)})

    def params(self) -> dict[str, Any]:
        """All training settings, as recorded in the manifest."""
        return asdict(self)

    def result_params(self) -> dict[str, Any]:
        """The settings that determine the trained embeddings."""
        return {k: v for k, v in self.params().items() if k not in _EXECUTION_ONLY}


def run_key(dataset_id: str, config: TrainConfig) -> str:
    """16 hex digits naming a run: same dataset and same result-determining params, same key."""
    payload = json.dumps({"dataset_id": dataset_id, "params": config.result_params()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
