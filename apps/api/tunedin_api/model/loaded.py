"""A servable model in memory: verified files, FAISS index, embeddings, catalogue, listening,
friendships."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from tunedin_api.model.catalogue import Catalogue
from tunedin_api.model.fans import Fans
from tunedin_api.model.friends import FriendPlays
from tunedin_api.model.listening import Listening
from tunedin_api.model.result_cache import ResultCache
from tunedin_api.model.search_cache import SearchCache
from tunedin_common.contract import (
    FRIENDS_COLUMNS,
    FRIENDS_FILE,
    INTERACTIONS_FILE,
    ITEM_EMBEDDINGS_FILE,
    METRICS_FILE,
    MODEL_ITEMS_FILE,
    MODEL_USERS_FILE,
    USER_EMBEDDINGS_FILE,
    ArtifactStore,
    ContractError,
    MetricsReport,
    ModelManifest,
)
from tunedin_common.vector_index import VectorIndex


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def _load_matrix(path: Any, rows: int, dim: int) -> np.ndarray:
    matrix = np.load(path, allow_pickle=False)
    if matrix.dtype != np.float32 or matrix.shape != (rows, dim):
        raise ContractError(
            f"{path.name} is {matrix.dtype} {matrix.shape}, the manifest says ({rows}, {dim})"
        )
    if not np.isfinite(matrix).all():
        raise ContractError(f"{path.name} holds NaN or infinite values")
    return np.ascontiguousarray(matrix)


@dataclass(frozen=True)
class LoadedModel:
    """Everything a request needs, immutable once built: a swap replaces the whole object."""

    manifest: ModelManifest
    index: VectorIndex
    user_embeddings: np.ndarray
    item_embeddings: np.ndarray
    item_unit: np.ndarray
    user_row: dict[int, int]
    catalogue: Catalogue
    listening: Listening
    fans: Fans  # the transpose of listening: who listens to each artist
    friends: FriendPlays  # of the model's dataset; none for a dataset prepared without them
    report: MetricsReport  # metrics.json: LightGCN against the baselines, and the training curve
    loaded_at: datetime
    searches: SearchCache = field(default_factory=lambda: SearchCache(4096), compare=False, repr=False)
    results: ResultCache = field(default_factory=lambda: ResultCache(4096), compare=False, repr=False)

    @property
    def model_id(self) -> str:
        return self.manifest.model_id


def load_model(
    store: ArtifactStore, model_id: str, search_cache_size: int = 4096, result_cache_size: int = 4096
) -> LoadedModel:
    """Verify and load ``model_id``; ContractError when it is not servable or inconsistent."""
    manifest = store.require_servable(model_id)
    directory = store.model_dir(model_id)
    users = _load_matrix(directory / USER_EMBEDDINGS_FILE, manifest.n_users, manifest.dim)
    items = _load_matrix(directory / ITEM_EMBEDDINGS_FILE, manifest.n_items, manifest.dim)
    index = VectorIndex.load(directory)
    if index.meta.model_id != model_id or index.n_items != manifest.n_items or index.meta.dim != manifest.dim:
        raise ContractError(f"model {model_id}: index.json does not describe this model")
    user_ids = pd.read_parquet(directory / MODEL_USERS_FILE, columns=["user_id"])["user_id"]
    item_table = pd.read_parquet(directory / MODEL_ITEMS_FILE)
    if len(user_ids) != manifest.n_users or len(item_table) != manifest.n_items:
        raise ContractError(f"model {model_id}: id tables do not match the embeddings")
    catalogue = Catalogue.from_items(item_table)
    user_row = {int(u): row for row, u in enumerate(user_ids.tolist())}
    dataset = store.read_dataset_manifest(manifest.dataset_id, verify=True)
    interactions = pd.read_parquet(store.dataset_dir(dataset.dataset_id) / INTERACTIONS_FILE)
    listening = Listening.build(interactions, user_row, catalogue.row_of)
    if FRIENDS_FILE in dataset.files:
        pairs = pd.read_parquet(
            store.dataset_dir(dataset.dataset_id) / FRIENDS_FILE, columns=list(FRIENDS_COLUMNS)
        )
        friends = FriendPlays.build(pairs, user_row, listening, manifest.n_items)
    else:
        friends = FriendPlays.none(len(user_row))
    try:
        report = MetricsReport.model_validate_json((directory / METRICS_FILE).read_bytes())
    except ValueError as exc:
        raise ContractError(f"model {model_id}: {METRICS_FILE} does not follow the contract: {exc}") from exc
    probe_scores, probe_rows = index.search(users[:1], min(10, manifest.n_items))
    if not np.isfinite(probe_scores).all() or (probe_rows < 0).all():
        raise ContractError(f"model {model_id}: the index answers no probe query")
    return LoadedModel(
        manifest=manifest,
        index=index,
        user_embeddings=users,
        item_embeddings=items,
        item_unit=_unit_rows(items),
        user_row=user_row,
        catalogue=catalogue,
        listening=listening,
        fans=Fans.build(listening, manifest.n_items),
        friends=friends,
        report=report,
        loaded_at=datetime.fromtimestamp(time.time()).astimezone(),
        searches=SearchCache(search_cache_size),
        results=ResultCache(result_cache_size),
    )
