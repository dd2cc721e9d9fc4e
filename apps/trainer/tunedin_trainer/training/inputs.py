"""From a ``PreparedData`` to the arrays training needs, play counts of valid pairs included.

``PreparedData`` carries the play counts of train pairs only. The refit on train + valid
weights valid edges like train edges, so their play counts are read from the same dataset's
``interactions.parquet`` (the verified file ``load_prepared`` read). Friendships come from
the dataset's ``friends.parquet`` as user rows (none for a dataset prepared without it), and
the artists' top tags from its artists table, tags numbered in sorted order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tunedin_common.contract import FRIENDS_COLUMNS, FRIENDS_FILE, INTERACTIONS_FILE, ArtifactStore
from tunedin_trainer.data.prepared import PreparedData
from tunedin_trainer.errors import PipelineError
from tunedin_trainer.training.loop import TrainingInputs


def pair_plays(store: ArtifactStore, data: PreparedData, pairs: np.ndarray) -> np.ndarray:
    """``float32 [n]``: the play count of each ``(user row, item row)`` pair."""
    path = store.dataset_dir(data.dataset_id) / INTERACTIONS_FILE
    table = pd.read_parquet(path, columns=["user_id", "artist_id", "weight"])
    wanted = pd.DataFrame({"user_id": data.user_ids[pairs[:, 0]], "artist_id": data.artist_ids[pairs[:, 1]]})
    merged = wanted.merge(table, on=["user_id", "artist_id"], how="left", validate="one_to_one")
    if merged["weight"].isna().any():
        raise PipelineError(f"dataset {data.dataset_id}: pairs without a play count")
    plays: np.ndarray = merged["weight"].to_numpy(np.float32)
    return plays


def friend_rows(store: ArtifactStore, data: PreparedData) -> np.ndarray:
    """``int64 [n, 2]``: the dataset's friendships as user rows; pairs naming a user the
    dataset does not list are left out."""
    if FRIENDS_FILE not in data.manifest.files:
        return np.empty((0, 2), dtype=np.int64)
    path = store.dataset_dir(data.dataset_id) / FRIENDS_FILE
    table = pd.read_parquet(path, columns=list(FRIENDS_COLUMNS)).to_numpy(np.int64).reshape(-1, 2)
    rows = np.searchsorted(data.user_ids, table).clip(max=max(data.n_users - 1, 0))
    known = (data.user_ids[rows] == table).all(axis=1)
    friends: np.ndarray = rows[known].astype(np.int64)
    return friends


def item_tag_rows(data: PreparedData) -> np.ndarray:
    """``int64 [n, 2]``: ``(item row, tag row)`` for each top tag of each artist; tag rows
    number the distinct tags in sorted order."""
    tags = data.artists["top_tags"] if "top_tags" in data.artists.columns else pd.Series([], dtype=object)
    exploded = tags.explode().dropna()
    if exploded.empty:
        return np.empty((0, 2), dtype=np.int64)
    vocabulary = np.sort(exploded.astype(str).unique())
    rows = np.stack([exploded.index.to_numpy(), np.searchsorted(vocabulary, exploded.astype(str))], axis=1)
    pairs: np.ndarray = np.unique(rows.astype(np.int64), axis=0)
    return pairs


def training_inputs(store: ArtifactStore, data: PreparedData) -> TrainingInputs:
    """The train and valid pairs of ``data`` with their play counts."""
    return TrainingInputs(
        n_users=data.n_users,
        n_items=data.n_items,
        train=data.train,
        train_plays=data.train_weight,
        valid=data.valid,
        valid_plays=pair_plays(store, data, data.valid),
        friends=friend_rows(store, data),
        item_tags=item_tag_rows(data),
    )
