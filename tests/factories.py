"""Test data: embeddings with realistic norms and complete model directories in an artifact store.

A model directory is written the way the train stage writes one: files in a staging
directory, ``manifest.json`` (with the files' checksums) last, then a rename into place.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from tunedin_common.contract import (
    ITEM_EMBEDDINGS_FILE,
    METRICS_FILE,
    MODEL_FILES,
    MODEL_ITEMS_FILE,
    MODEL_MANIFEST_FILE,
    MODEL_USERS_FILE,
    USER_EMBEDDINGS_FILE,
    ArtifactStore,
    ModelManifest,
    file_entries,
    new_model_id,
    utcnow,
    write_manifest,
)
from tunedin_trainer.settings import Settings


class ModelSize(TypedDict, total=False):
    """Shape of a factory model, for ``make_model(store, **size)``."""

    n_users: int
    n_items: int
    dim: int


DEFAULT_METRICS = {"recall@10": 0.12, "recall@20": 0.18, "ndcg@10": 0.14, "ndcg@20": 0.16}


def _cluster_directions(rng: np.random.Generator, n: int, centers: np.ndarray, spread: float) -> np.ndarray:
    directions = centers[rng.integers(0, len(centers), n)] + rng.normal(size=(n, centers.shape[1])) * spread
    unit: np.ndarray = directions / np.linalg.norm(directions, axis=1, keepdims=True)
    return unit


def lightgcn_like_embeddings(
    n_users: int, n_items: int, dim: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(users, items)`` float32 shaped like trained LightGCN embeddings of a long-tail catalogue.

    Item popularity follows a Zipf law (like Last.fm listener counts); an item's norm grows
    with its log-popularity (norms span ~10×) and popular items share a "popularity"
    direction that every user leans towards, on top of taste clusters. This is where plain
    inner-product HNSW loses recall deep in the list.
    """
    rng = np.random.default_rng(seed)
    centers = _cluster_directions(rng, 20, rng.normal(size=(20, dim)), 0.0)
    popular = rng.normal(size=dim)
    popular /= np.linalg.norm(popular)
    log_pop = np.log1p(np.minimum(rng.zipf(1.8, n_items), 600))
    scale = (0.3 + 0.1 * log_pop) * rng.lognormal(0.0, 0.2, n_items)
    items = _cluster_directions(rng, n_items, centers, 0.12) * scale[:, None] + np.outer(
        0.25 * log_pop, popular
    )
    tastes = centers[rng.integers(0, len(centers), (n_users, 3))].sum(axis=1)
    tastes += rng.normal(size=(n_users, dim)) * 0.2
    tastes /= np.linalg.norm(tastes, axis=1, keepdims=True)
    users = (tastes + 0.8 * popular) * rng.lognormal(0.0, 0.3, n_users)[:, None]
    return users.astype(np.float32), items.astype(np.float32)


def skewed_norm_embeddings(
    n_users: int, n_items: int, dim: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(users, items)`` with heavy-tailed item norms and no shared direction.

    Tight taste clusters, norms log-normal (max ≈ 10× median); users sit in the clusters.
    Here the MIPS augmentation crowds the items around its extra axis and plain
    inner-product HNSW is the better graph.
    """
    rng = np.random.default_rng(seed)
    centers = _cluster_directions(rng, 40, rng.normal(size=(40, dim)), 0.0)
    items = _cluster_directions(rng, n_items, centers, 0.12) * rng.lognormal(-0.6, 0.6, n_items)[:, None]
    tastes = centers[rng.integers(0, len(centers), (n_users, 3))].sum(axis=1)
    tastes += rng.normal(size=(n_users, dim)) * 0.2
    tastes /= np.linalg.norm(tastes, axis=1, keepdims=True)
    users = tastes * rng.lognormal(0.4, 0.3, n_users)[:, None]
    return users.astype(np.float32), items.astype(np.float32)


def make_model(
    store: ArtifactStore,
    *,
    n_users: int = 150,
    n_items: int = 1000,
    dim: int = 32,
    seed: int = 0,
    embeddings: tuple[np.ndarray, np.ndarray] | None = None,
    metrics: dict[str, float] | None = None,
    created_at: datetime | None = None,
) -> str:
    """Write a complete, not yet indexed model directory; return its id.

    ``embeddings`` (users, items) defaults to :func:`lightgcn_like_embeddings`; ``metrics``
    become the manifest's headline (test) metrics; ``created_at`` orders model ids.
    """
    users, items = embeddings or lightgcn_like_embeddings(n_users, n_items, dim, seed)
    n_users, dim = users.shape
    n_items = items.shape[0]
    created = created_at or utcnow()
    params: dict[str, Any] = {"dim": dim, "seed": seed}
    model_id = new_model_id(params, now=created)
    headline = dict(DEFAULT_METRICS if metrics is None else metrics)
    with store.staging(store.model_dir(model_id)) as stage:
        np.save(stage / USER_EMBEDDINGS_FILE, users)
        np.save(stage / ITEM_EMBEDDINGS_FILE, items)
        pd.DataFrame({"user_id": np.arange(2, 2 + n_users, dtype=np.int64)}).to_parquet(
            stage / MODEL_USERS_FILE
        )
        pd.DataFrame(
            {
                "artist_id": np.arange(1, 1 + n_items, dtype=np.int64),
                "name": [f"artist {i}" for i in range(n_items)],
                "top_tags": [["rock", "indie"] if i % 2 else ["pop"] for i in range(n_items)],
                "listeners": np.arange(n_items, 0, -1, dtype=np.int64),
            }
        ).to_parquet(stage / MODEL_ITEMS_FILE)
        (stage / METRICS_FILE).write_text(json.dumps({"test": headline}), encoding="utf-8")
        manifest = ModelManifest(
            model_id=model_id,
            dataset_id="0123456789abcdef",
            data_hash="d" * 64,
            created_at=created,
            n_users=n_users,
            n_items=n_items,
            dim=dim,
            params=params,
            headline_metrics=headline,
            files=file_entries(stage, MODEL_FILES),
        )
        write_manifest(stage / MODEL_MANIFEST_FILE, manifest)
    return model_id


def make_models(store: ArtifactStore, count: int, **kwargs: Any) -> list[str]:
    """``count`` models an hour apart, oldest first (their ids sort in that order)."""
    start = utcnow() - timedelta(hours=count)
    return [make_model(store, created_at=start + timedelta(hours=i), seed=i, **kwargs) for i in range(count)]


def make_settings(store: ArtifactStore, **overrides: Any) -> Settings:
    """Trainer settings on ``store``: the defaults (and TUNEDIN_* of the shell), then ``overrides``."""
    return Settings(artifacts=store.root, **overrides)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The ``error:`` lines a failed job printed on stderr (a stage prints exactly one)."""
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]
