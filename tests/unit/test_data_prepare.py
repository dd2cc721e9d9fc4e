"""The prepare stage on the tiny dataset: tables, manifest, reuse, rebuild, and clean failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.prepare_support import ARTIST_NAMES, FRIENDS, LISTENS, replace_line, tiny_files, write_files
from tunedin_common import contract
from tunedin_common.contract import ArtifactStore, write_manifest
from tunedin_trainer.data.prepare import PrepareResult, prepare_dataset
from tunedin_trainer.data.prepared import load_prepared, newest_dataset_id
from tunedin_trainer.errors import DataError
from tunedin_trainer.settings import Settings

N_INTERACTIONS = sum(len(a) for a in LISTENS.values())


@pytest.fixture
def source_dir(tmp_path: Path) -> Path:
    return write_files(tmp_path / "lastfm", tiny_files())


def _settings(store: ArtifactStore, source: Path, **overrides: Any) -> Settings:
    return Settings(artifacts=store.root, data_source=str(source), **overrides)


def _prepare(store: ArtifactStore, source: Path, force: bool = False, **overrides: Any) -> PrepareResult:
    return prepare_dataset(_settings(store, source, **overrides), store, force=force)


def _read(result: PrepareResult, name: str) -> pd.DataFrame:
    return pd.read_parquet(result.directory / name)


def test_builds_a_complete_verified_dataset(store: ArtifactStore, source_dir: Path) -> None:
    result = _prepare(store, source_dir)
    assert not result.reused
    assert sorted(p.name for p in result.directory.iterdir()) == sorted(
        [*contract.DATASET_FILES, contract.DATASET_MANIFEST_FILE]
    )
    manifest = store.read_dataset_manifest(result.dataset_id)
    assert manifest == result.manifest
    assert manifest.split_params == {
        "seed": 42,
        "test_fraction": 0.2,
        "valid_fraction": 0.1,
        "min_user_interactions": 5,
        "top_tags": 5,
    }
    counts = manifest.counts
    assert (counts["users"], counts["artists"], counts["interactions"]) == (5, 12, N_INTERACTIONS)
    assert counts["train"] + counts["valid"] + counts["test"] == N_INTERACTIONS
    assert counts["cold_users"] == 1  # user 5 has 3 artists, below min_user_interactions
    assert counts["artists_without_listeners"] == 1
    assert (counts["tagged_artists_dropped"], counts["tag_assignments_dropped"]) == (1, 2)
    assert counts["friend_pairs"] == 4
    assert not list(store.datasets_dir.glob(f"{contract.STAGING_PREFIX}*"))


def test_tables_have_the_promised_columns_and_types(store: ArtifactStore, source_dir: Path) -> None:
    result = _prepare(store, source_dir)
    split = pq.read_schema(result.directory / contract.SPLIT_FILE)
    assert split.names == list(contract.SPLIT_COLUMNS)
    assert [str(t) for t in split.types] == ["int64", "int64", "string"]
    interactions = pq.read_schema(result.directory / contract.INTERACTIONS_FILE)
    assert [(f.name, str(f.type)) for f in interactions] == [
        ("user_id", "int64"),
        ("artist_id", "int64"),
        ("weight", "int64"),
    ]
    artists = _read(result, contract.ARTISTS_FILE).set_index("artist_id")
    assert list(artists.columns) == ["name", "url", "picture_url", "listeners", "plays", "top_tags"]
    assert artists["name"].to_dict() == ARTIST_NAMES
    assert artists["top_tags"].map(list).to_dict()[1] == ["rock", "indie", "pop", "fußball"]
    assert (
        artists.loc[1, "listeners"] == sum(1 in a for a in LISTENS.values())
        and artists.loc[12, "listeners"] == 0
    )
    assert artists.loc[1, "plays"] == sum(100 * u + 1 for u, a in LISTENS.items() if 1 in a)
    assert artists["picture_url"].isna().to_dict() == {i: i == 6 for i in ARTIST_NAMES}
    users = _read(result, contract.USERS_FILE).set_index("user_id")
    assert users["n_artists"].to_dict() == {u: len(a) for u, a in LISTENS.items()}
    assert (users["n_train"] + users["n_valid"] + users["n_test"] == users["n_artists"]).all()
    assert users.loc[2, "n_friends"] == 2 and users.loc[7, "n_friends"] == 0
    assert (users.loc[5, "n_valid"], users.loc[5, "n_test"]) == (0, 0)


def test_friendships_are_a_dataset_file(store: ArtifactStore, source_dir: Path) -> None:
    result = _prepare(store, source_dir)
    assert contract.FRIENDS_FILE in contract.DATASET_FILES
    assert contract.FRIENDS_FILE in result.manifest.files  # checksummed with the others
    schema = pq.read_schema(result.directory / contract.FRIENDS_FILE)
    assert [(f.name, str(f.type)) for f in schema] == [(c, "int64") for c in contract.FRIENDS_COLUMNS]
    friends = _read(result, contract.FRIENDS_FILE)
    assert list(friends.itertuples(index=False, name=None)) == sorted(FRIENDS)


def test_a_dataset_without_the_friends_file_is_rebuilt(store: ArtifactStore, source_dir: Path) -> None:
    """A dataset prepared before friendships were a dataset file is rebuilt, not reused."""
    first = _prepare(store, source_dir)
    (first.directory / contract.FRIENDS_FILE).unlink()
    files = {k: v for k, v in first.manifest.files.items() if k != contract.FRIENDS_FILE}
    write_manifest(
        first.directory / contract.DATASET_MANIFEST_FILE, first.manifest.model_copy(update={"files": files})
    )
    again = _prepare(store, source_dir)
    assert not again.reused and again.dataset_id == first.dataset_id
    assert store.read_dataset_manifest(first.dataset_id).files == first.manifest.files


def test_training_reads_it_back(store: ArtifactStore, source_dir: Path) -> None:
    result = _prepare(store, source_dir)
    data = load_prepared(store)
    assert data.dataset_id == result.dataset_id
    assert (data.n_users, data.n_items) == (5, 12)
    assert len(data.train) + len(data.valid) + len(data.test) == N_INTERACTIONS


def test_second_run_reuses_and_becomes_the_newest(store: ArtifactStore, source_dir: Path) -> None:
    first = _prepare(store, source_dir)
    other = _prepare(store, source_dir, seed=7)
    assert newest_dataset_id(store) == other.dataset_id
    parquet = {p: p.stat().st_mtime_ns for p in first.directory.glob("*.parquet")}
    again = _prepare(store, source_dir)
    assert again.reused and again.dataset_id == first.dataset_id
    assert again.manifest == first.manifest
    assert {p: p.stat().st_mtime_ns for p in first.directory.glob("*.parquet")} == parquet
    assert newest_dataset_id(store) == first.dataset_id  # LATEST follows the last run


def test_force_rebuilds(store: ArtifactStore, source_dir: Path) -> None:
    first = _prepare(store, source_dir)
    rebuilt = _prepare(store, source_dir, force=True)
    assert not rebuilt.reused and rebuilt.dataset_id == first.dataset_id
    assert rebuilt.manifest.created_at > first.manifest.created_at
    assert rebuilt.manifest.files == first.manifest.files  # same inputs, same bytes
    assert store.complete_dataset_ids() == [first.dataset_id]


def test_corrupt_dataset_is_rebuilt(store: ArtifactStore, source_dir: Path) -> None:
    first = _prepare(store, source_dir)
    (first.directory / contract.SPLIT_FILE).write_bytes(b"broken")
    again = _prepare(store, source_dir)
    assert not again.reused
    store.read_dataset_manifest(first.dataset_id, verify=True)


def test_split_settings_and_source_bytes_make_the_id(store: ArtifactStore, tmp_path: Path) -> None:
    files = tiny_files()
    base = _prepare(store, write_files(tmp_path / "a", files))
    assert _prepare(store, write_files(tmp_path / "b", files)).dataset_id == base.dataset_id
    assert _prepare(store, tmp_path / "a", top_tags=2).dataset_id != base.dataset_id
    assert _prepare(store, tmp_path / "a", test_fraction=0.3).dataset_id != base.dataset_id
    changed = {**files, "user_artists.dat": files["user_artists.dat"] + b"7\t12\t1\r\n"}
    assert _prepare(store, write_files(tmp_path / "c", changed)).dataset_id != base.dataset_id


def test_split_is_seeded(store: ArtifactStore, source_dir: Path) -> None:
    a = _read(_prepare(store, source_dir), contract.SPLIT_FILE)
    b = _read(_prepare(store, source_dir, force=True), contract.SPLIT_FILE)
    c = _read(_prepare(store, source_dir, seed=1), contract.SPLIT_FILE)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert (a.loc[a["user_id"] == 5, "split"] == "train").all()


def test_without_friends_and_tags(store: ArtifactStore, tmp_path: Path) -> None:
    files = tiny_files()
    del files["user_friends.dat"]
    result = _prepare(store, write_files(tmp_path / "d", files), top_tags=0)
    assert result.manifest.counts["friend_pairs"] == 0
    assert _read(result, contract.FRIENDS_FILE).empty
    assert (_read(result, contract.USERS_FILE)["n_friends"] == 0).all()
    assert _read(result, contract.ARTISTS_FILE)["top_tags"].map(len).sum() == 0


def test_bad_data_leaves_nothing_behind(store: ArtifactStore, tmp_path: Path) -> None:
    files = tiny_files()
    files["user_artists.dat"] = replace_line(files["user_artists.dat"], 9, b"2\t8\tmany")
    with pytest.raises(DataError, match=r"user_artists\.dat line 9"):
        _prepare(store, write_files(tmp_path / "bad", files))
    assert not store.datasets_dir.exists() or list(store.datasets_dir.iterdir()) == []


def test_failure_while_writing_leaves_nothing_behind(
    store: ArtifactStore, source_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("tunedin_trainer.data.prepare.write_manifest", explode)
    with pytest.raises(OSError, match="disk full"):
        _prepare(store, source_dir)
    assert list(store.datasets_dir.iterdir()) == []
