"""Writing a model directory: embeddings, id maps, metrics, and the manifest last.

Everything is written into a staging directory that is renamed into place only when
complete (``ArtifactStore.staging``), so a crash never leaves a partial model visible.

``data_hash`` identifies the training data: the sha256 of the lines ``"<file> <sha256>\\n"``,
one per file listed in the dataset's ``dataset.json`` (the files' own checksums), sorted
by file name. Two models have the same ``data_hash`` exactly when they were trained on
byte-identical dataset files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tunedin_common.contract import (
    HEADLINE_METRICS,
    ITEM_EMBEDDINGS_FILE,
    METRICS_FILE,
    MODEL_FILES,
    MODEL_ITEMS_COLUMNS,
    MODEL_ITEMS_FILE,
    MODEL_MANIFEST_FILE,
    MODEL_USERS_FILE,
    USER_EMBEDDINGS_FILE,
    ArtifactStore,
    DatasetManifest,
    MetricsReport,
    ModelManifest,
    file_entries,
    utcnow,
    write_manifest,
)
from tunedin_trainer.data.prepared import PreparedData
from tunedin_trainer.errors import PipelineError


def data_hash(manifest: DatasetManifest) -> str:
    """sha256 over the dataset files' checksums (see the module docstring)."""
    lines = "".join(f"{name} {entry.sha256}\n" for name, entry in sorted(manifest.files.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def _counts(pairs: np.ndarray, column: int, n: int) -> np.ndarray:
    counts: np.ndarray = np.bincount(pairs[:, column], minlength=n).astype(np.int64)
    return counts


def users_table(data: PreparedData) -> pd.DataFrame:
    """One row per embedding row: the dataset's user columns, plus the split counts."""
    users = data.users.reset_index(drop=True).copy()
    users["user_id"] = data.user_ids
    for split in ("train", "valid", "test"):
        users[f"n_{split}"] = _counts(data.pairs(split), 0, data.n_users)
    return users


def items_table(data: PreparedData, refit: bool) -> pd.DataFrame:
    """One row per embedding row: artist id, name, top tags, listeners and the dataset's extras.

    ``graph_listeners`` counts the users linked to the artist in the final model's graph
    (train, plus valid when the model was refitted): artists with 0 have an untrained embedding.
    """
    missing = [c for c in MODEL_ITEMS_COLUMNS if c not in data.artists.columns]
    if missing:
        raise PipelineError(f"dataset {data.dataset_id}: artists lack {', '.join(missing)}")
    items = data.artists.reset_index(drop=True).copy()
    items["artist_id"] = data.artist_ids
    graph = np.concatenate([data.train, data.valid]) if refit else data.train
    items["graph_listeners"] = _counts(graph, 1, data.n_items)
    return items


def write_model(
    store: ArtifactStore,
    data: PreparedData,
    model_id: str,
    users: np.ndarray,
    items: np.ndarray,
    report: MetricsReport,
    params: dict[str, Any],
    refit: bool,
) -> tuple[Path, ModelManifest]:
    """Write ``models/<model_id>/`` and return its path and manifest.

    ``refit`` says whether the embeddings were trained on train + valid (see ``items_table``).
    """
    if users.shape[0] != data.n_users or items.shape[0] != data.n_items or users.shape[1] != items.shape[1]:
        raise PipelineError("embedding shapes do not match the dataset")
    final = store.model_dir(model_id)
    with store.staging(final) as stage:
        np.save(stage / USER_EMBEDDINGS_FILE, np.ascontiguousarray(users, dtype=np.float32))
        np.save(stage / ITEM_EMBEDDINGS_FILE, np.ascontiguousarray(items, dtype=np.float32))
        users_table(data).to_parquet(stage / MODEL_USERS_FILE, index=False)
        items_table(data, refit).to_parquet(stage / MODEL_ITEMS_FILE, index=False)
        (stage / METRICS_FILE).write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
        test = report.models["lightgcn"].test
        manifest = ModelManifest(
            model_id=model_id,
            dataset_id=data.dataset_id,
            data_hash=data_hash(data.manifest),
            created_at=utcnow(),
            n_users=data.n_users,
            n_items=data.n_items,
            dim=int(users.shape[1]),
            params=params,
            headline_metrics={name: test[name] for name in HEADLINE_METRICS},
            index=None,
            files=file_entries(stage, MODEL_FILES),
        )
        write_manifest(stage / MODEL_MANIFEST_FILE, manifest)
    return final, manifest
