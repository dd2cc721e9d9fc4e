"""A prepared dataset read back from the artifact store, as index arrays ready for training.

Rows are contiguous: user ``u`` is ``user_ids[u]`` (sorted original Last.fm ids), item ``i``
is ``artist_ids[i]`` (every artist of ``artists.parquet``, sorted by id). The model files
``users.parquet`` / ``items.parquet`` keep this order, so embedding rows line up with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tunedin_common.contract import (
    ARTISTS_FILE,
    INTERACTIONS_FILE,
    SPLIT_FILE,
    SPLIT_VALUES,
    USERS_FILE,
    ArtifactStore,
    DatasetManifest,
)
from tunedin_trainer.errors import PipelineError


@dataclass(frozen=True)
class PreparedData:
    dataset_id: str
    manifest: DatasetManifest
    user_ids: np.ndarray  # int64 [n_users], original ids, sorted
    artist_ids: np.ndarray  # int64 [n_items], original ids, sorted
    users: pd.DataFrame  # one row per user, in row order
    artists: pd.DataFrame  # one row per item, in row order: artist_id, name, top_tags, listeners, ...
    train: np.ndarray  # int64 [n_train, 2]: (user row, item row)
    valid: np.ndarray  # int64 [n_valid, 2]
    test: np.ndarray  # int64 [n_test, 2]
    train_weight: np.ndarray  # float32 [n_train]: play count of each train pair

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.artist_ids)

    def pairs(self, split: str) -> np.ndarray:
        if split not in SPLIT_VALUES:
            raise ValueError(f"unknown split {split!r}")
        result: np.ndarray = getattr(self, split)
        return result


def newest_dataset_id(store: ArtifactStore) -> str:
    """The dataset prepare-data last built or confirmed (``datasets/LATEST``)."""
    latest = store.read_latest_dataset()
    if latest is None:
        raise PipelineError(f"no prepared dataset in {store.datasets_dir}: run prepare-data first")
    return latest


def load_prepared(store: ArtifactStore, dataset_id: str | None = None) -> PreparedData:
    """Read and verify a dataset (the newest when ``dataset_id`` is None)."""
    dataset_id = dataset_id or newest_dataset_id(store)
    manifest = store.read_dataset_manifest(dataset_id, verify=True)
    directory = store.dataset_dir(dataset_id)

    users = pd.read_parquet(directory / USERS_FILE).sort_values("user_id", ignore_index=True)
    artists = pd.read_parquet(directory / ARTISTS_FILE).sort_values("artist_id", ignore_index=True)
    split = pd.read_parquet(directory / SPLIT_FILE)
    weights = pd.read_parquet(directory / INTERACTIONS_FILE, columns=["user_id", "artist_id", "weight"])

    user_ids = users["user_id"].to_numpy(np.int64)
    artist_ids = artists["artist_id"].to_numpy(np.int64)
    split = split.merge(weights, on=["user_id", "artist_id"], how="left", validate="one_to_one")
    if split["weight"].isna().any():
        raise PipelineError(f"dataset {dataset_id}: split rows without an interaction")

    u = np.searchsorted(user_ids, split["user_id"].to_numpy(np.int64))
    i = np.searchsorted(artist_ids, split["artist_id"].to_numpy(np.int64))
    if (
        (u >= len(user_ids)).any()
        or (i >= len(artist_ids)).any()
        or (user_ids[np.minimum(u, len(user_ids) - 1)] != split["user_id"].to_numpy()).any()
        or (artist_ids[np.minimum(i, len(artist_ids) - 1)] != split["artist_id"].to_numpy()).any()
    ):
        raise PipelineError(f"dataset {dataset_id}: split names users or artists it does not list")

    pairs = np.stack([u, i], axis=1).astype(np.int64)
    labels = split["split"].to_numpy()
    weight = split["weight"].to_numpy(np.float32)
    # Stable order inside each split (user, then item) so training is deterministic.
    out = {}
    for name in SPLIT_VALUES:
        sel = labels == name
        p = pairs[sel]
        order = np.lexsort((p[:, 1], p[:, 0]))
        out[name] = (p[order], weight[sel][order])

    return PreparedData(
        dataset_id=dataset_id,
        manifest=manifest,
        user_ids=user_ids,
        artist_ids=artist_ids,
        users=users,
        artists=artists,
        train=out["train"][0],
        valid=out["valid"][0],
        test=out["test"][0],
        train_weight=out["train"][1],
    )
