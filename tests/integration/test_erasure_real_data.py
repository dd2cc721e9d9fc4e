"""A user's erasure end to end on the real Last.fm data, through the same CLIs `make pipeline` runs.

User 2 is trained into a served model from a downloaded archive (a local HTTP server serves the
shared zip, so cache/ holds it); then their erasure is recorded as the API records it, and the
pipeline runs again. Afterwards a scan of every file under the artifact store finds nothing keyed
to them (tests/erasure_support.findings: Parquet user columns, embedding rows against their id
maps, JSON, checkpoints, archives, and any file of a kind it does not know), and the ledger says
the erasure is complete. Small training settings keep it quick; quality is not what is tested.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ARCHIVE_NAME
from tests.erasure_support import (
    findings,
    pipeline_env,
    record_erasure,
    run_job,
    run_pipeline,
    scanned_kinds,
)
from tests.prepare_support import http_server
from tunedin_common import contract
from tunedin_common.contract import ArtifactStore
from tunedin_common.erasures import ErasureLedger, ErasureRequest
from tunedin_trainer.settings import OFFICIAL_SHA256

pytestmark = pytest.mark.slow

USER = 2
USER_2_ARTISTS = 50  # user 2's rows in user_artists.dat


@dataclass(frozen=True)
class Erased:
    store: ArtifactStore
    request: ErasureRequest
    first_model: str
    first_dataset: str
    before: list[str]
    status: str


@pytest.fixture(scope="module")
def erased(tmp_path_factory: pytest.TempPathFactory, shared_data_dir: Path) -> Iterator[Erased]:
    root = tmp_path_factory.mktemp("erasure") / "artifacts"
    with http_server(shared_data_dir) as server:
        env = pipeline_env(root, server.url(ARCHIVE_NAME), OFFICIAL_SHA256)
        run_pipeline(env)
        store = ArtifactStore(root)
        first_model = store.read_current()
        first_dataset = store.read_latest_dataset()
        assert first_model is not None and first_dataset is not None
        before = findings(root, USER)

        request = record_erasure(root, USER)
        run_pipeline(env)
        yield Erased(store, request, first_model, first_dataset, before, run_job("erasures", env, "status"))


def test_the_scan_sees_the_user_before_the_erasure(erased: Erased) -> None:
    places = {f.split("/")[0] for f in erased.before}
    assert places == {contract.DATASETS_DIR, contract.MODELS_DIR, contract.CACHE_DIR}, erased.before
    assert any(f"{erased.first_model}/{contract.MODEL_USERS_FILE}" in f for f in erased.before)


def test_nothing_under_the_store_is_keyed_to_the_user(erased: Erased) -> None:
    assert findings(erased.store.root, USER) == []
    # The scan looked at every kind the pipeline writes.
    assert {".parquet", ".npy", ".json", ".faiss", contract.CURRENT_FILE} <= scanned_kinds(erased.store.root)


def test_the_served_model_is_trained_without_the_user(erased: Erased) -> None:
    store = erased.store
    served = store.read_current()
    assert served is not None and served != erased.first_model
    manifest = store.require_servable(served)
    assert manifest.n_users == 1892 - 1
    users = pd.read_parquet(store.model_dir(served) / contract.MODEL_USERS_FILE)
    assert USER not in set(users["user_id"]) and len(users) == manifest.n_users
    dataset = store.read_dataset_manifest(manifest.dataset_id)
    assert manifest.dataset_id == store.read_latest_dataset() != erased.first_dataset
    assert dataset.counts["erased_users_excluded"] == 1
    assert dataset.counts["interactions"] == 92834 - USER_2_ARTISTS
    assert store.complete_dataset_ids() == [manifest.dataset_id]
    assert store.model_ids() == [served]


def test_the_ledger_says_the_erasure_is_complete(erased: Erased) -> None:
    ledger = ErasureLedger(erased.store.root)
    assert ledger.pending() == []
    progress = ledger.progress(erased.request.erasure_id)
    assert progress is not None and progress.complete and progress.waiting_for is None
    assert progress.retrained_model_id == erased.store.read_current()
    assert progress.models_removed == [erased.first_model]
    assert progress.datasets_removed == [erased.first_dataset]
    assert f"{contract.CACHE_DIR}/{OFFICIAL_SHA256}.zip" in progress.other_files_removed
    [row] = [line for line in erased.status.splitlines() if line.startswith(erased.request.erasure_id)]
    assert row.split()[-1] == "complete" and "pending" not in row
