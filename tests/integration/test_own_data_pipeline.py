"""The whole batch pipeline on your own tables (docs/own-data.md), through the CLIs `make pipeline` runs.

A small synthetic set (80 users in four taste groups, an interactions CSV with timestamps and
an items Parquet with tags), the temporal split, one erased user and a few epochs: it checks
that own data reaches a served model, not the model's quality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.erasure_support import findings, pipeline_env, record_erasure, run_pipeline
from tunedin_common import contract
from tunedin_common.contract import ArtifactStore

pytestmark = pytest.mark.slow

N_USERS, N_ITEMS, GROUPS, PER_USER = 80, 40, 4, 12
ERASED = 7


def _write_tables(folder: Path) -> pd.DataFrame:
    """Each user listens mostly within their group (user % 4), a few times to anything."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(1, N_USERS + 1):
        mine = [i for i in range(N_ITEMS) if i % GROUPS == user % GROUPS]
        picks = [*rng.choice(mine, size=8, replace=False), *rng.choice(N_ITEMS, size=PER_USER - 8)]
        for k, item in enumerate(picks):
            when = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=int(k * 7 + user % 5))
            rows.append((user, 100 + int(item), int(rng.integers(1, 50)), when.isoformat()))
    interactions = pd.DataFrame(rows, columns=["user", "item", "count", "timestamp"])
    folder.mkdir(parents=True)
    interactions.to_csv(folder / "interactions.csv", index=False)
    items = pd.DataFrame(
        {
            "id": [100 + i for i in range(N_ITEMS)],
            "name": [f"Artist {i}" for i in range(N_ITEMS)],
            "tags": [[f"group{i % GROUPS}", "synthetic"] for i in range(N_ITEMS)],
        }
    )
    items.to_parquet(folder / "items.parquet", index=False)
    return interactions


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[ArtifactStore, pd.DataFrame]:
    base = tmp_path_factory.mktemp("own-data")
    interactions = _write_tables(base / "tables")
    root = base / "artifacts"
    record_erasure(root, ERASED)
    env = pipeline_env(root, str(base / "tables"), "")
    env.update(
        TUNEDIN_SPLIT_STRATEGY="temporal",
        TUNEDIN_SIMILAR_EVAL_QUERIES="10",
        TUNEDIN_COLD_START_EVAL_USERS="10",
    )
    run_pipeline(env)
    return ArtifactStore(root), interactions


def test_publishes_a_servable_model_of_the_tables(pipeline: tuple[ArtifactStore, pd.DataFrame]) -> None:
    store, interactions = pipeline
    model_id = store.read_current()
    assert model_id is not None
    manifest = store.require_servable(model_id)
    assert (manifest.n_users, manifest.n_items) == (N_USERS - 1, N_ITEMS)
    items = pd.read_parquet(store.model_dir(model_id) / contract.MODEL_ITEMS_FILE)
    by_id = items.set_index("artist_id")
    assert by_id.loc[101, "name"] == "Artist 1"
    assert by_id["top_tags"].map(list)[101] == ["group1", "synthetic"]
    users = pd.read_parquet(store.model_dir(model_id) / contract.MODEL_USERS_FILE)
    assert sorted(users["user_id"]) == sorted(set(interactions["user"]) - {ERASED})


def test_the_erased_user_is_nowhere_in_the_store(pipeline: tuple[ArtifactStore, pd.DataFrame]) -> None:
    store, _ = pipeline
    assert findings(store.root / "datasets", ERASED) == []
    assert findings(store.root / "models", ERASED) == []


def test_the_dataset_holds_out_each_users_latest_pairs(pipeline: tuple[ArtifactStore, pd.DataFrame]) -> None:
    store, interactions = pipeline
    (dataset_id,) = store.complete_dataset_ids()
    manifest = store.read_dataset_manifest(dataset_id)
    assert manifest.split_params["split_strategy"] == "temporal"
    split = pd.read_parquet(store.dataset_dir(dataset_id) / contract.SPLIT_FILE)
    times = interactions.assign(timestamp=pd.to_datetime(interactions["timestamp"]))
    latest = times.groupby(["user", "item"], as_index=False)["timestamp"].max()
    joined = split.merge(latest, left_on=["user_id", "artist_id"], right_on=["user", "item"], validate="1:1")
    for user, rows in joined.groupby("user_id"):
        held_out = rows.loc[rows["split"] != "train", "timestamp"]
        assert not held_out.empty, user
        assert rows.loc[rows["split"] == "train", "timestamp"].max() <= held_out.min(), user
