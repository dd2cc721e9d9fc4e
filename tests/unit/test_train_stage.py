"""The train stage end to end on a small synthetic dataset: model directory, manifest, metrics, CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tunedin_trainer.training.model_writer as model_writer
from tests.support.jobs import job_env, run_job
from tests.support.stores import TRAIN
from tests.train_support import synthetic_interactions, write_dataset
from tunedin_common.contract import (
    HEADLINE_METRICS,
    MODEL_FILES,
    MODEL_ITEMS_COLUMNS,
    MODEL_MANIFEST_FILE,
    AblationRow,
    AblationTable,
    ArtifactStore,
    ContractError,
    MetricsReport,
    utcnow,
)
from tunedin_trainer.settings import Settings
from tunedin_trainer.training.checkpoint_dataset import dataset_of
from tunedin_trainer.training.config import TrainConfig, run_key
from tunedin_trainer.training.model_writer import data_hash
from tunedin_trainer.training.run import run_train

FAST = {**TRAIN, "epochs": 8, "hard_negative_pool": 4}  # the small model of the API tests, longer


def _settings(store: ArtifactStore, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "artifacts": store.root,
        "ablations_report": store.root / "no-ablations.json",
        **FAST,
        **overrides,
    }
    return Settings.model_validate(values)


def test_train_writes_a_complete_verified_model_directory(store: ArtifactStore) -> None:
    interactions = synthetic_interactions()
    dataset_id = write_dataset(store, interactions)
    settings = _settings(store)
    outcome = run_train(settings, progress=False)

    directory = store.model_dir(outcome.model_id)
    assert sorted(p.name for p in directory.iterdir()) == sorted([*MODEL_FILES, MODEL_MANIFEST_FILE])
    assert not [p for p in store.models_dir.iterdir() if p.name.startswith(".staging")]
    manifest = store.read_model_manifest(outcome.model_id, verify=True)
    assert manifest.index is None and not manifest.servable
    assert manifest.dataset_id == dataset_id
    assert manifest.data_hash == data_hash(store.read_dataset_manifest(dataset_id))
    assert (manifest.n_users, manifest.n_items, manifest.dim) == (48, 80, 16)
    assert manifest.params == TrainConfig.from_settings(settings).params()
    assert tuple(manifest.headline_metrics) == HEADLINE_METRICS

    users = np.load(directory / "user_embeddings.npy")
    items = np.load(directory / "item_embeddings.npy")
    assert users.dtype == np.float32 and users.shape == (48, 16)
    assert items.dtype == np.float32 and items.shape == (80, 16)
    user_table = pd.read_parquet(directory / "users.parquet")
    assert user_table["user_id"].tolist() == sorted(interactions["user_id"].unique())
    assert int(user_table[["n_train", "n_valid", "n_test"]].to_numpy().sum()) == len(interactions)
    item_table = pd.read_parquet(directory / "items.parquet")
    assert set(MODEL_ITEMS_COLUMNS) <= set(item_table.columns)
    assert item_table["artist_id"].tolist() == list(range(1, 81))
    assert list(item_table["top_tags"].iloc[0]) == ["rock", "tag1"]
    assert (item_table["graph_listeners"].iloc[-8:] == 0).all()  # artists nobody listens to

    report = MetricsReport.model_validate_json((directory / "metrics.json").read_bytes())
    assert report.model_id == outcome.model_id and report.dataset_id == dataset_id
    assert set(report.models) == {"lightgcn", "most_popular", "ease"}
    assert report.k == [10, 20]
    test = report.models["lightgcn"].test
    assert manifest.headline_metrics == {name: test[name] for name in HEADLINE_METRICS}
    assert report.models["lightgcn"].test_fitted_on == "train+valid"
    assert report.training.curve[0].epoch == 1
    assert report.training.refit_epochs == report.training.best_epoch
    assert report.ablations is None
    # the checkpoint is gone once the model is written
    key = run_key(dataset_id, TrainConfig.from_settings(settings))
    assert not store.checkpoint_dir(key).exists()
    # learning beats popularity on clustered tastes
    assert test["recall@20"] > report.models["most_popular"].test["recall@20"]
    # every recommender's test lists are described by their popularity bias
    bias = {name: scores.popularity_bias for name, scores in report.models.items()}
    assert all(b is not None and b.k == 20 for b in bias.values())
    assert bias["most_popular"].novelty < bias["lightgcn"].novelty  # type: ignore[union-attr]
    assert bias["lightgcn"].catalogue_coverage == test["coverage@20"]  # type: ignore[union-attr]


def test_a_failed_write_leaves_no_model_and_keeps_the_checkpoint(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset_id = write_dataset(store, synthetic_interactions())
    settings = _settings(store)

    def broken(*args: object, **kwargs: object) -> None:
        raise ContractError("disk full")

    monkeypatch.setattr(model_writer, "file_entries", broken)
    with pytest.raises(ContractError):
        run_train(settings, progress=False)
    assert list(store.models_dir.iterdir()) == []
    key = run_key(dataset_id, TrainConfig.from_settings(settings))
    assert store.checkpoint_dir(key).is_dir()  # a rerun resumes instead of starting over
    assert dataset_of(store.checkpoint_dir(key)) == dataset_id  # whose users its state holds


def test_the_ablation_table_is_copied_into_the_metrics(store: ArtifactStore) -> None:
    dataset_id = write_dataset(store, synthetic_interactions())
    metrics = {"recall@20": 0.3, "ndcg@20": 0.3}
    table = AblationTable(
        dataset_id=dataset_id,
        measured_at=utcnow(),
        protocol="test",
        rows=[
            AblationRow(
                name="x", description="y", settings={}, best_epoch=1, seconds=1.0, valid=metrics, test=metrics
            )
        ],
    )
    path = store.root / "ablations.json"
    path.write_text(table.model_dump_json(), encoding="utf-8")
    outcome = run_train(_settings(store, ablations_report=path, refit=False), progress=False)
    assert outcome.report.ablations == table
    assert outcome.report.models["lightgcn"].test_fitted_on == "train"


def _cli(store: ArtifactStore, *args: str) -> subprocess.CompletedProcess[str]:
    env = job_env(store.root, **{f"TUNEDIN_{k.upper()}": str(v) for k, v in FAST.items()})
    return run_job("train", env, *args, timeout_s=300)


def test_cli_trains_and_prints_the_metrics_table(store: ArtifactStore, tmp_path: Path) -> None:
    write_dataset(store, synthetic_interactions())
    result = _cli(store, "--no-progress", "--epochs", "4")
    assert result.returncode == 0, result.stderr
    assert "most_popular" in result.stdout and "ease" in result.stdout
    assert "headline (LightGCN, test): recall@10" in result.stdout
    assert len(store.model_ids()) == 1


def test_cli_without_a_dataset_fails_in_one_line(store: ArtifactStore) -> None:
    result = _cli(store, "--no-progress")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: train failed: no prepared dataset")


def test_cli_help_lists_the_options() -> None:
    result = run_job("train", os.environ, "--help", timeout_s=120)
    assert result.returncode == 0
    assert "--dataset-id" in result.stdout and "--refit" in result.stdout
