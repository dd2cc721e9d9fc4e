"""The whole batch pipeline on the real Last.fm data, through the same CLIs `make pipeline` runs.

A small epoch budget keeps it quick; the quality bar at default settings is checked by
``test_quality_bar.py`` and measured by ``make bench-train``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ARCHIVE_NAME
from tests.support.jobs import run_job_ok
from tunedin_common import contract
from tunedin_common.contract import ArtifactStore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory, shared_data_dir: Path
) -> tuple[ArtifactStore, dict[str, str]]:
    root = tmp_path_factory.mktemp("pipeline") / "artifacts"
    env = {
        **os.environ,
        "TUNEDIN_ARTIFACTS": str(root),
        "TUNEDIN_DATA_SOURCE": str(shared_data_dir / ARCHIVE_NAME),
        "TUNEDIN_EPOCHS": "6",
        "TUNEDIN_EVAL_EVERY": "3",
        "TUNEDIN_SIMILAR_EVAL_QUERIES": "100",
        "TUNEDIN_COLD_START_EVAL_USERS": "100",
    }
    for stage in ("prepare_data", "train", "build_index", "publish"):
        run_job_ok(stage, env)
    return ArtifactStore(root), env


def test_publishes_a_servable_model(pipeline: tuple[ArtifactStore, dict[str, str]]) -> None:
    store, _ = pipeline
    model_id = store.read_current()
    assert model_id is not None
    manifest = store.require_servable(model_id)
    assert (manifest.n_users, manifest.n_items, manifest.dim) == (1892, 17632, 64)
    assert manifest.dataset_id in store.complete_dataset_ids()


def test_split_follows_the_contract(pipeline: tuple[ArtifactStore, dict[str, str]]) -> None:
    store, _ = pipeline
    (dataset_id,) = store.complete_dataset_ids()
    split = pd.read_parquet(store.dataset_dir(dataset_id) / contract.SPLIT_FILE)
    assert list(split.columns) == list(contract.SPLIT_COLUMNS)
    assert set(split["split"].unique()) == set(contract.SPLIT_VALUES)
    assert len(split) == 92834
    assert not split.duplicated(["user_id", "artist_id"]).any()
    test_share = (split["split"] == "test").mean()
    assert 0.19 < test_share < 0.21


def test_model_files_line_up(pipeline: tuple[ArtifactStore, dict[str, str]]) -> None:
    store, _ = pipeline
    model_id = store.read_current()
    assert model_id is not None
    directory = store.model_dir(model_id)
    users = pd.read_parquet(directory / contract.MODEL_USERS_FILE)
    items = pd.read_parquet(directory / contract.MODEL_ITEMS_FILE)
    user_emb = np.load(directory / contract.USER_EMBEDDINGS_FILE)
    item_emb = np.load(directory / contract.ITEM_EMBEDDINGS_FILE)
    assert user_emb.dtype == np.float32 and item_emb.dtype == np.float32
    assert user_emb.shape == (len(users), 64) and item_emb.shape == (len(items), 64)
    assert set(contract.MODEL_USERS_COLUMNS) <= set(users.columns)
    assert set(contract.MODEL_ITEMS_COLUMNS) <= set(items.columns)
    assert users["user_id"].is_monotonic_increasing and items["artist_id"].is_monotonic_increasing
    radiohead = items.loc[items["name"] == "Radiohead"].iloc[0]
    assert radiohead["listeners"] > 100
    assert len(radiohead["top_tags"]) > 0


def test_metrics_report_model_and_baselines(pipeline: tuple[ArtifactStore, dict[str, str]]) -> None:
    store, _ = pipeline
    model_id = store.read_current()
    assert model_id is not None
    metrics = json.loads((store.model_dir(model_id) / contract.METRICS_FILE).read_text())
    for name in ("lightgcn", "most_popular", "ease"):
        test = metrics["models"][name]["test"]
        for key in ("recall@10", "recall@20", "ndcg@10", "ndcg@20", "precision@10", "precision@20"):
            assert 0.0 <= test[key] <= 1.0
    # Even six epochs of LightGCN learn more than popularity does.
    assert (
        metrics["models"]["lightgcn"]["test"]["recall@20"]
        > metrics["models"]["most_popular"]["test"]["recall@20"]
    )
    assert metrics["training"]["curve"], "no training curve"


def test_index_passes_its_gates(pipeline: tuple[ArtifactStore, dict[str, str]]) -> None:
    store, _ = pipeline
    model_id = store.read_current()
    assert model_id is not None
    meta = json.loads((store.model_dir(model_id) / contract.INDEX_META_FILE).read_text())
    assert meta["recall_at_20"] >= 0.99
    assert meta["recall_at_100"] >= 0.97
    assert (store.model_dir(model_id) / contract.INDEX_FILE).stat().st_size <= 10 * 1024 * 1024


def test_stages_are_idempotent(pipeline: tuple[ArtifactStore, dict[str, str]]) -> None:
    store, env = pipeline
    served = store.read_current()
    before = {p: p.stat().st_mtime_ns for p in store.root.rglob("*.parquet")}
    run_job_ok("prepare_data", env)
    run_job_ok("build_index", env)
    run_job_ok("publish", env)
    assert store.read_current() == served
    assert {p: p.stat().st_mtime_ns for p in store.root.rglob("*.parquet")} == before
    assert len(store.complete_dataset_ids()) == 1
    assert len(store.model_ids()) == 1
