"""The quality bar: default training on the real Last.fm data beats the bar and the baselines.

One full ``python -m jobs.train`` with the shipped defaults (a few minutes on two cores).
Training is seeded and deterministic on CPU, so the margins below are not luck of a draw.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import ARCHIVE_NAME
from tests.integration.test_pipeline_real_data import run_stage
from tunedin_common import contract
from tunedin_common.contract import ArtifactStore

pytestmark = pytest.mark.slow

BAR = 0.27


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory, shared_data_dir: Path) -> dict[str, dict[str, float]]:
    root = tmp_path_factory.mktemp("quality") / "artifacts"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TUNEDIN_") or key == "TUNEDIN_TEST_DATA"
    }
    env |= {"TUNEDIN_ARTIFACTS": str(root), "TUNEDIN_DATA_SOURCE": str(shared_data_dir / ARCHIVE_NAME)}
    run_stage("prepare_data", env)
    run_stage("train", env, "--no-progress")
    store = ArtifactStore(root)
    (model_id,) = store.model_ids()
    report = json.loads((store.model_dir(model_id) / contract.METRICS_FILE).read_text())
    return {name: scores["test"] for name, scores in report["models"].items()}


def test_lightgcn_clears_the_bar(metrics: dict[str, dict[str, float]]) -> None:
    lightgcn = metrics["lightgcn"]
    assert lightgcn["recall@20"] >= BAR, lightgcn
    assert lightgcn["ndcg@20"] >= BAR, lightgcn


def test_lightgcn_beats_both_baselines(metrics: dict[str, dict[str, float]]) -> None:
    for baseline in ("most_popular", "ease"):
        for metric in ("recall@20", "ndcg@20", "recall@10", "ndcg@10"):
            assert metrics["lightgcn"][metric] > metrics[baseline][metric], (baseline, metric, metrics)
    # The baselines themselves land where the literature has them on this data.
    assert 0.08 < metrics["most_popular"]["recall@20"] < 0.13
    assert 0.25 < metrics["ease"]["recall@20"] < 0.30
