"""Completing an erasure with the pipeline's own stages on the tiny Last.fm data: prepare-data
removes every other dataset, checkpoint and cached archive holding the user; publish, once a model
trained without them is served, removes every model holding them (rollbacks and leftovers too),
and the progress record says what was done, or what it waits for."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.erasure_support import KEY, findings, record_erasure
from tests.prepare_support import LocalServer, http_server, tiny_files, tsv, write_files, write_zip
from tunedin_common import contract
from tunedin_common.contract import STAGING_PREFIX, ArtifactStore, sha256_file
from tunedin_common.erasures import ErasureLedger, ErasureProgress
from tunedin_trainer.data.prepare import PrepareResult, prepare_dataset
from tunedin_trainer.errors import GateError
from tunedin_trainer.index.stage import build_index
from tunedin_trainer.publish.stage import publish
from tunedin_trainer.settings import Settings
from tunedin_trainer.training.checkpoint_dataset import mark_dataset
from tunedin_trainer.training.run import run_train

FAST: dict[str, Any] = {
    "epochs": 4,
    "eval_every": 2,
    "patience": 2,
    "batch_size": 64,
    "dim": 8,
    "lr": 0.01,
    "hard_negative_pool": 4,
    "index_type": "flat",
}


def _settings(store: ArtifactStore, source: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "artifacts": store.root,
        "data_source": source,
        "pseudonym_key": KEY.decode(),
        "ablations_report": store.root.parent / "no-ablations.json",
        **FAST,
        **overrides,
    }
    return Settings.model_validate(values)


def _progress(store: ArtifactStore, erasure_id: str) -> ErasureProgress:
    progress = ErasureLedger(store.root).progress(erasure_id)
    assert progress is not None
    return progress


def _dirs(parent: Path) -> set[str]:
    return {p.name for p in parent.iterdir() if p.is_dir()} if parent.is_dir() else set()


def _checkpoint(store: ArtifactStore, run_key: str, dataset_id: str | None) -> Path:
    """A resumable run's folder, as train leaves it when it is interrupted."""
    folder = store.checkpoint_dir(run_key)
    folder.mkdir(parents=True)
    (folder / "state.pt").write_bytes(b"training state")
    if dataset_id is not None:
        mark_dataset(folder, dataset_id)
    return folder


def _without_user_2() -> dict[str, bytes]:
    """The tiny source as if user 2 had never been there."""
    files = tiny_files()
    for name, keep in (("user_artists.dat", 0), ("user_taggedartists.dat", 0), ("user_friends.dat", 0)):
        lines = files[name].decode().split("\r\n")
        rows = [line for line in lines[1:] if line and line.split("\t")[keep] != "2"]
        rows = [line for line in rows if name != "user_friends.dat" or line.split("\t")[1] != "2"]
        files[name] = tsv(lines[0], rows)
    return files


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    write_zip(tmp_path / "www" / "lastfm.zip", tiny_files())
    with http_server(tmp_path / "www") as running:
        yield running


def test_prepare_removes_every_dataset_checkpoint_and_archive_that_holds_the_user(
    store: ArtifactStore, tmp_path: Path, server: LocalServer
) -> None:
    url = server.url("lastfm.zip")
    sha = sha256_file(tmp_path / "www" / "lastfm.zip")
    dirty = prepare_dataset(_settings(store, url, data_sha256=sha), store)
    other_split = prepare_dataset(_settings(store, url, data_sha256=sha, top_tags=3), store)
    clean_source = write_files(tmp_path / "without-2", _without_user_2())
    unrelated = prepare_dataset(_settings(store, str(clean_source)), store)
    leftover = store.datasets_dir / f"{STAGING_PREFIX}{dirty.dataset_id}-cut-short"
    shutil.copytree(dirty.directory, leftover)
    _checkpoint(store, "a" * 16, dirty.dataset_id)
    _checkpoint(store, "b" * 16, None)  # from before checkpoints named their dataset
    _checkpoint(store, "c" * 16, unrelated.dataset_id)
    assert (store.cache_dir / f"{sha}.zip").is_file()
    before = findings(store.root, 2)
    for place in (dirty.dataset_id, other_split.dataset_id, leftover.name, "cache/", "a" * 16, "b" * 16):
        assert any(place in f for f in before), f"the scan misses {place}: {before}"

    request = record_erasure(store.root, 2)
    clean = prepare_dataset(_settings(store, url, data_sha256=sha), store)

    assert findings(store.root, 2) == []
    assert _dirs(store.datasets_dir) == {clean.dataset_id, unrelated.dataset_id}
    assert store.read_latest_dataset() == clean.dataset_id
    assert list(store.cache_dir.iterdir()) == []
    assert _dirs(store.root / contract.CHECKPOINTS_DIR) == {"c" * 16}  # its dataset never had user 2
    progress = _progress(store, request.erasure_id)
    assert progress.removed_from_datasets_at is not None
    assert sorted(progress.datasets_removed) == sorted(
        [dirty.dataset_id, other_split.dataset_id, leftover.name]
    )
    assert progress.datasets_without_user == [clean.dataset_id]
    assert set(progress.other_files_removed) == {
        f"cache/{sha}.zip",
        f"checkpoints/{'a' * 16}",
        f"checkpoints/{'b' * 16}",
    }
    assert (progress.retrained_at, progress.removed_from_models_at, progress.complete) == (None, None, False)
    assert [r.erasure_id for r in ErasureLedger(store.root).pending()] == [request.erasure_id]

    # The next run downloads the archive again, and removes it again once the dataset is checked.
    again = prepare_dataset(_settings(store, url, data_sha256=sha), store)
    assert (again.dataset_id, again.reused) == (clean.dataset_id, True)
    assert server.requests.count("/lastfm.zip") == 2 and list(store.cache_dir.iterdir()) == []
    assert _progress(store, request.erasure_id).removed_from_datasets_at == progress.removed_from_datasets_at


def _pipeline(settings: Settings, store: ArtifactStore, seed: int = 42) -> tuple[PrepareResult, str]:
    """prepare-data, train, build-index and publish, as `make pipeline` runs them."""
    prepared = prepare_dataset(settings, store)
    model_id = run_train(settings.model_copy(update={"seed": seed}), progress=False).model_id
    build_index(store, settings, model_id)
    # Tiny data: the quality gate is not what is tested here. Ids of one second need not sort.
    publish(store, settings, model_id=model_id, force=True)
    return prepared, model_id


def test_publish_completes_the_erasure_once_a_model_without_the_user_is_served(
    store: ArtifactStore, tmp_path: Path
) -> None:
    settings = _settings(store, str(write_files(tmp_path / "lastfm", tiny_files())))
    _, rollback = _pipeline(settings, store, seed=1)
    dirty, served = _pipeline(settings, store, seed=2)
    leftover = store.models_dir / f"{STAGING_PREFIX}gc-{rollback}"  # a collection cut short
    shutil.copytree(store.model_dir(rollback), leftover)
    (leftover / contract.MODEL_USERS_FILE).unlink()  # the id map already gone: cannot be cleared
    assert store.read_current() == served

    request = record_erasure(store.root, 2)
    # No retrain yet: nothing is removed, the erasure says what it waits for. (By id: the default
    # choice is the newest id, and ids of one second need not sort.)
    publish(store, settings, model_id=served)
    waiting = _progress(store, request.erasure_id)
    assert waiting.retrained_at is None and waiting.waiting_for is not None
    assert f"the served model {served} was trained on dataset {dirty.dataset_id}" in waiting.waiting_for
    assert _dirs(store.models_dir) == {rollback, served, leftover.name}

    clean, retrained = _pipeline(settings, store, seed=3)

    assert findings(store.root, 2) == []
    assert store.read_current() == retrained
    assert _dirs(store.models_dir) == {retrained}
    progress = _progress(store, request.erasure_id)
    assert progress.complete and progress.waiting_for is None
    assert progress.retrained_model_id == retrained
    assert progress.datasets_without_user == [clean.dataset_id]
    assert sorted(progress.models_removed) == sorted([rollback, served, leftover.name])
    assert progress.datasets_removed == [dirty.dataset_id]
    assert progress.removed_from_datasets_at is not None and progress.retrained_at is not None
    assert progress.removed_from_models_at is not None
    assert ErasureLedger(store.root).pending() == []

    # Complete stays complete: another publish records nothing new.
    publish(store, settings)
    assert _progress(store, request.erasure_id) == progress


def test_a_refused_model_leaves_the_erasure_incomplete_and_says_why(
    store: ArtifactStore, tmp_path: Path
) -> None:
    settings = _settings(store, str(write_files(tmp_path / "lastfm", tiny_files())))
    _, served = _pipeline(settings, store)
    request = record_erasure(store.root, 2)
    prepare_dataset(settings, store)
    unindexed = run_train(settings, progress=False).model_id

    with pytest.raises(GateError, match="no index"):
        publish(store, settings, model_id=unindexed)

    progress = _progress(store, request.erasure_id)
    assert not progress.complete and progress.retrained_at is None
    assert progress.waiting_for is not None
    assert progress.waiting_for.startswith(
        f"publish refused the newest model (model {unindexed} has no index"
    )
    assert store.read_current() == served and store.model_dir(served).is_dir()
    assert any(f"models/{served}/" in f for f in findings(store.root, 2))

    build_index(store, settings, unindexed)
    publish(store, settings, model_id=unindexed, force=True)
    assert _progress(store, request.erasure_id).complete
    assert findings(store.root, 2) == []
