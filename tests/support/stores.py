"""Artifact stores for tests and benchmarks: real models built by the pipeline's own code
(train → build-index → publish) on the synthetic dataset, copies of the locally published model,
and clones or damaged copies of a model."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from tests.factories import make_settings
from tests.support.paths import REPO
from tests.train_support import synthetic_interactions, write_dataset
from tunedin_common.contract import (
    INDEX_META_FILE,
    MODEL_MANIFEST_FILE,
    ArtifactStore,
    atomic_write_bytes,
    file_entries,
    new_model_id,
    write_manifest,
)
from tunedin_trainer.index.stage import build_index
from tunedin_trainer.publish.stage import publish
from tunedin_trainer.settings import Settings as TrainerSettings
from tunedin_trainer.training.run import run_train

TRAIN = {
    "epochs": 6,
    "eval_every": 2,
    "patience": 2,
    "checkpoint_every": 2,
    "batch_size": 64,
    "dim": 16,
    "lr": 0.01,
}


def trainer_settings(store: ArtifactStore, seed: int = 7) -> TrainerSettings:
    return make_settings(store, ablations_report=store.root / "no-ablations.json", seed=seed, **TRAIN)


def train_indexed_model(store: ArtifactStore, seed: int) -> str:
    """Train, index and verify a model with the pipeline's own code; return its id (not published)."""
    settings = trainer_settings(store, seed)
    model_id = run_train(settings, progress=False).model_id
    build_index(store, settings, model_id)
    return model_id


def published_store(root: Path) -> tuple[ArtifactStore, str]:
    """An artifact store with the synthetic dataset and one published model."""
    store = ArtifactStore(root)
    write_dataset(store, synthetic_interactions())
    model_id = train_indexed_model(store, seed=7)
    publish(store, trainer_settings(store), model_id)
    return store, model_id


def _configured_store() -> ArtifactStore:
    return ArtifactStore(os.environ.get("TUNEDIN_ARTIFACTS", REPO / "artifacts"))


def prepare_source(root: Path) -> tuple[ArtifactStore, str, str]:
    """A private store with one published model: ``(store, model_id, origin)``.

    A copy of the model published in ``TUNEDIN_ARTIFACTS`` (the full Last.fm model) with its
    dataset when there is one; otherwise a small model the pipeline's own code trains on the
    synthetic graph of the API tests.
    """
    source = _configured_store()
    try:
        model_id = source.read_current()
        manifest = source.require_servable(model_id) if model_id else None
    except Exception:  # an unusable local store: fall back to training a small model
        model_id, manifest = None, None
    if model_id is None or manifest is None:
        store, trained = published_store(root)
        return store, trained, "small model trained on the synthetic graph (tests.support.stores)"
    store = ArtifactStore(root)
    shutil.copytree(source.model_dir(model_id), store.model_dir(model_id))
    shutil.copytree(source.dataset_dir(manifest.dataset_id), store.dataset_dir(manifest.dataset_id))
    store.write_current(model_id)
    return store, model_id, f"copy of {source.root}/models/{model_id}"


def clone_store(source: ArtifactStore, root: Path) -> ArtifactStore:
    shutil.copytree(source.root, root)
    return ArtifactStore(root)


def clone_model(store: ArtifactStore, model_id: str) -> str:
    """A new model id with the same content (what a retrain of the same data publishes)."""
    new_id = new_model_id({"clone_of": model_id})
    manifest = store.read_model_manifest(model_id)
    with store.staging(store.model_dir(new_id)) as stage:
        for path in store.model_dir(model_id).iterdir():
            if path.name != MODEL_MANIFEST_FILE:
                shutil.copy2(path, stage / path.name)
        meta = json.loads((stage / INDEX_META_FILE).read_text())
        meta["model_id"] = new_id
        (stage / INDEX_META_FILE).write_text(json.dumps(meta))
        updated = manifest.model_copy(
            update={
                "model_id": new_id,
                "created_at": datetime.now(UTC),
                "index": meta,
                "files": file_entries(stage, list(manifest.files)),
            }
        )
        write_manifest(stage / MODEL_MANIFEST_FILE, updated)
    return new_id


def corrupt_model(store: ArtifactStore, model_id: str) -> str:
    """A clone whose item embeddings were damaged after the manifest was written."""
    bad = clone_model(store, model_id)
    manifest = store.read_model_manifest(bad, verify=False)
    victim = store.model_dir(bad) / next(n for n in manifest.files if n.endswith("item_embeddings.npy"))
    data = bytearray(victim.read_bytes())
    for i in range(len(data) - 1, max(len(data) - 4096, 128), -7):
        data[i] ^= 0xFF
    victim.write_bytes(bytes(data))
    return bad


def point_current(store: ArtifactStore, model_id: str) -> None:
    """Write CURRENT as publish does (atomic rename) but without its checks: the API must check."""
    atomic_write_bytes(store.current_file, f"{model_id}\n".encode("ascii"))
