"""Reading model directories for build-index and publish: manifests, selection, embeddings.

Every failure is a one-line ``PipelineError`` (the contract's messages can carry a
multi-line validation report; a stage prints one line).
"""

from __future__ import annotations

import numpy as np

from tunedin_common.contract import (
    INDEX_FILES,
    ITEM_EMBEDDINGS_FILE,
    USER_EMBEDDINGS_FILE,
    ArtifactStore,
    ContractError,
    FileEntry,
    IndexMeta,
    ModelManifest,
    verify_files,
)
from tunedin_trainer.errors import PipelineError


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def read_manifest(store: ArtifactStore, model_id: str) -> ModelManifest:
    """A model's manifest, parsed but not yet verified; a one-line error when there is none."""
    try:
        directory = store.model_dir(model_id)
        if not directory.is_dir():
            raise PipelineError(f"no model {model_id} in {store.models_dir}")
        return store.read_model_manifest(model_id, verify=False)
    except ContractError as exc:
        raise PipelineError(f"model {model_id} is unusable: {one_line(exc)}") from exc


def verify(store: ArtifactStore, manifest: ModelManifest, files: dict[str, FileEntry]) -> None:
    """Check ``files`` of ``manifest``'s model against their recorded sizes and sha256."""
    try:
        verify_files(store.model_dir(manifest.model_id), files)
    except ContractError as exc:
        raise PipelineError(f"model {manifest.model_id} is corrupt: {one_line(exc)}") from exc


def split_files(manifest: ModelManifest) -> tuple[dict[str, FileEntry], dict[str, FileEntry]]:
    """``(model files, index files)`` of a manifest's file list."""
    model = {name: entry for name, entry in manifest.files.items() if name not in INDEX_FILES}
    index = {name: entry for name, entry in manifest.files.items() if name in INDEX_FILES}
    return model, index


def index_meta(manifest: ModelManifest) -> IndexMeta:
    """The ``IndexMeta`` a servable manifest carries."""
    if not manifest.servable or manifest.index is None:
        raise PipelineError(f"model {manifest.model_id} has no index: run build-index first")
    try:
        return IndexMeta.model_validate(manifest.index)
    except ValueError as exc:
        raise PipelineError(f"model {manifest.model_id}: invalid index metadata: {one_line(exc)}") from exc


def manifests_newest_first(store: ArtifactStore) -> list[tuple[str, ModelManifest | None]]:
    """Every model with a manifest file, newest first; ``None`` where the manifest does not parse."""
    found: list[tuple[str, ModelManifest | None]] = []
    for model_id in reversed(store.model_ids()):
        try:
            found.append((model_id, store.read_model_manifest(model_id, verify=False)))
        except ContractError:
            found.append((model_id, None))
    return found


def model_to_index(store: ArtifactStore) -> str:
    """The newest model not yet indexed, else the newest model."""
    found = manifests_newest_first(store)
    if not found:
        raise PipelineError(f"no model in {store.models_dir}: run train first")
    return next((mid for mid, m in found if m is None or not m.servable), found[0][0])


def newest_servable(store: ArtifactStore) -> str:
    """The newest model whose manifest lists an index (not verified here)."""
    for model_id, manifest in manifests_newest_first(store):
        if manifest is not None and manifest.servable:
            return model_id
    raise PipelineError(f"no indexed model in {store.models_dir}: run build-index first")


def load_embeddings(store: ArtifactStore, manifest: ModelManifest) -> tuple[np.ndarray, np.ndarray]:
    """``(user_embeddings, item_embeddings)`` of a model, checked against its manifest's shapes."""
    directory = store.model_dir(manifest.model_id)
    arrays = []
    for name, rows in ((USER_EMBEDDINGS_FILE, manifest.n_users), (ITEM_EMBEDDINGS_FILE, manifest.n_items)):
        try:
            array = np.load(directory / name, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise PipelineError(f"model {manifest.model_id}: cannot read {name}: {one_line(exc)}") from exc
        if array.dtype != np.float32 or array.shape != (rows, manifest.dim):
            raise PipelineError(
                f"model {manifest.model_id}: {name} is {array.dtype} {array.shape}, "
                f"the manifest says float32 ({rows}, {manifest.dim})"
            )
        if not np.isfinite(array).all():
            raise PipelineError(f"model {manifest.model_id}: {name} holds NaN or infinite values")
        arrays.append(array)
    return arrays[0], arrays[1]
