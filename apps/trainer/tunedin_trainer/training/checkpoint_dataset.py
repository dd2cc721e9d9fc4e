"""Which dataset a checkpoint folder belongs to: ``checkpoints/<run_key>/dataset_id`` names it.

The run key is a hash, so without this the folder would not say whose users its embeddings
hold. ``train`` writes it before the first checkpoint; an erasure removes every checkpoint whose
dataset is gone or that does not say. Plain text, no torch: prepare-data reads it.
"""

from __future__ import annotations

from pathlib import Path

from tunedin_common.contract import CHECKPOINT_DATASET_FILE, atomic_write_bytes


def mark_dataset(directory: Path, dataset_id: str) -> None:
    """Record that the run checkpointing into ``directory`` trains on ``dataset_id``."""
    atomic_write_bytes(directory / CHECKPOINT_DATASET_FILE, f"{dataset_id}\n".encode("ascii"))


def dataset_of(directory: Path) -> str | None:
    """The dataset id the checkpoint folder names; None when it names none."""
    try:
        value = (directory / CHECKPOINT_DATASET_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return value or None
