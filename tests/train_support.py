"""Synthetic data for the training tests: a small dataset with taste clusters, in the contract format.

Users fall into taste groups, each listening mostly to its own block of artists, so a model
that learns anything ranks held-out artists of the user's block first. Some artists have no
listener at all, like in the real data.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from tunedin_common.contract import (
    ARTISTS_FILE,
    DATASET_FILES,
    DATASET_MANIFEST_FILE,
    FRIENDS_FILE,
    INTERACTIONS_FILE,
    SPLIT_FILE,
    USERS_FILE,
    ArtifactStore,
    DatasetManifest,
    dataset_id_for,
    file_entries,
    utcnow,
    write_manifest,
)
from tunedin_trainer.data.split import split_interactions
from tunedin_trainer.training.config import TrainConfig
from tunedin_trainer.training.loop import TrainingInputs

SPLIT_PARAMS: dict[str, float] = {
    "seed": 42,
    "test_fraction": 0.2,
    "valid_fraction": 0.1,
    "min_user_interactions": 5,
}


def _split(interactions: pd.DataFrame) -> pd.DataFrame:
    return split_interactions(
        interactions, seed=42, test_fraction=0.2, valid_fraction=0.1, min_user_interactions=5
    )


def synthetic_interactions(
    n_users: int = 48, n_items: int = 80, groups: int = 4, seed: int = 0
) -> pd.DataFrame:
    """``user_id, artist_id, weight`` with clustered tastes; the last 8 artists have no listener."""
    rng = np.random.default_rng(seed)
    listened = n_items - 8
    block = listened // groups
    rows = []
    for user in range(n_users):
        group = user % groups
        own = np.arange(group * block, (group + 1) * block)
        n = int(rng.integers(8, 16))
        n_own = round(0.8 * n)
        chosen = set(rng.choice(own, n_own, replace=False).tolist())
        chosen |= set(rng.choice(listened, n - n_own, replace=False).tolist())
        for item in sorted(chosen):
            rows.append((2 + 3 * user, 1 + item, int(rng.integers(1, 2000))))
    return pd.DataFrame(rows, columns=["user_id", "artist_id", "weight"])


def synthetic_friends(interactions: pd.DataFrame, groups: int = 4, per_user: int = 3) -> pd.DataFrame:
    """``user_id, friend_id`` both ways: each user befriends the next ``per_user`` users of their
    taste group (users are ``2 + 3 * n`` in group ``n % groups``, as ``synthetic_interactions``)."""
    users = np.sort(interactions["user_id"].unique())
    index = {int(u): n for n, u in enumerate(users.tolist())}
    pairs = set()
    for user, n in index.items():
        for step in range(1, per_user + 1):
            other = n + step * groups
            if other < len(users):
                pairs |= {(user, int(users[other])), (int(users[other]), user)}
    return pd.DataFrame(sorted(pairs), columns=["user_id", "friend_id"], dtype="int64")


def write_dataset(
    store: ArtifactStore, interactions: pd.DataFrame, n_items: int = 80, friends: pd.DataFrame | None = None
) -> str:
    """Write a complete dataset (files, dataset.json, LATEST) as prepare-data would; return its id.
    ``friends`` defaults to ``synthetic_friends``."""
    split = _split(interactions)
    dataset_id = dataset_id_for("0" * 64, {**SPLIT_PARAMS, "n": len(interactions)})
    artists = pd.DataFrame(
        {
            "artist_id": np.arange(1, n_items + 1, dtype=np.int64),
            "name": [f"Artist {i}" for i in range(1, n_items + 1)],
            "listeners": interactions.groupby("artist_id")["user_id"]
            .nunique()
            .reindex(np.arange(1, n_items + 1), fill_value=0)
            .to_numpy(np.int64),
            "top_tags": [["rock", f"tag{i % 5}"] if i % 3 else [] for i in range(1, n_items + 1)],
        }
    )
    users = pd.DataFrame({"user_id": np.sort(interactions["user_id"].unique()).astype(np.int64)})
    with store.staging(store.dataset_dir(dataset_id)) as stage:
        interactions.to_parquet(stage / INTERACTIONS_FILE, index=False)
        users.to_parquet(stage / USERS_FILE, index=False)
        artists.to_parquet(stage / ARTISTS_FILE, index=False)
        split.to_parquet(stage / SPLIT_FILE, index=False)
        (synthetic_friends(interactions) if friends is None else friends).to_parquet(
            stage / FRIENDS_FILE, index=False
        )
        manifest = DatasetManifest(
            dataset_id=dataset_id,
            created_at=utcnow(),
            source="synthetic",
            source_sha256="0" * 64,
            seed=42,
            split_params=SPLIT_PARAMS,
            counts={"interactions": len(interactions)},
            files=file_entries(stage, DATASET_FILES),
        )
        write_manifest(stage / DATASET_MANIFEST_FILE, manifest)
    store.write_latest_dataset(dataset_id)
    return dataset_id


def synthetic_inputs(seed: int = 0) -> tuple[TrainingInputs, np.ndarray]:
    """Training inputs over the synthetic data (rows = sorted ids) and the test pairs."""
    interactions = synthetic_interactions(seed=seed)
    split = _split(interactions).merge(interactions, on=["user_id", "artist_id"])
    user_ids = np.sort(split["user_id"].unique())
    rows = np.stack(
        [np.searchsorted(user_ids, split["user_id"]), split["artist_id"].to_numpy() - 1], axis=1
    ).astype(np.int64)
    part = {name: (split["split"] == name).to_numpy() for name in ("train", "valid", "test")}
    plays = split["weight"].to_numpy(np.float32)
    inputs = TrainingInputs(
        n_users=len(user_ids),
        n_items=80,
        train=rows[part["train"]],
        train_plays=plays[part["train"]],
        valid=rows[part["valid"]],
        valid_plays=plays[part["valid"]],
    )
    return inputs, rows[part["test"]]


FAST = TrainConfig(
    seed=7,
    dim=16,
    layers=3,
    epochs=12,
    lr=0.02,
    batch_size=64,
    reg=1e-3,
    negatives=2,
    hard_negative_pool=4,
    edge_weight="log_plays",
    friend_edge_weight=0.0,
    tag_edge_weight=0.0,
    contrast_weight=0.0,
    contrast_noise=0.1,
    contrast_temperature=0.2,
    contrast_layer=1,
    eval_every=2,
    patience=3,
    refit=True,
    threads=0,
    checkpoint_every=2,
)


def fast_config(**overrides: Any) -> TrainConfig:
    """A configuration that trains the synthetic data in well under a second."""
    return replace(FAST, **overrides)
