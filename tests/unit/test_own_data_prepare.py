"""prepare-data on your own tables: the same dataset files as HetRec's, reuse, the temporal split,
erased users excluded, and bad input failing with one line and nothing left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.erasure_support import KEY, findings, record_erasure
from tests.prepare_support import assert_fails_cleanly, run_prepare, tiny_files, write_files
from tunedin_common import contract
from tunedin_common.contract import ArtifactStore
from tunedin_trainer.data.prepare import PrepareResult, prepare_dataset
from tunedin_trainer.data.prepared import load_prepared
from tunedin_trainer.errors import DataError
from tunedin_trainer.settings import Settings

# user → (item, plays, day of January 2024); user 9 has too few items to hold any out.
LISTENS = {
    1: [(10, 3, 1), (11, 1, 2), (12, 2, 3), (13, 1, 4), (14, 5, 5), (15, 2, 6)],
    2: [(10, 1, 9), (12, 4, 1), (13, 2, 2), (14, 1, 3), (16, 7, 4)],
    3: [(11, 2, 1), (12, 1, 2), (13, 3, 3), (15, 1, 4), (16, 1, 5), (10, 2, 6)],
    9: [(10, 1, 1), (11, 1, 2)],
}
ITEMS = {
    10: "Ten",
    11: "Eleven",
    12: "Twelve",
    13: "Thirteen",
    14: "Fourteen",
    15: "Fifteen",
    16: "Sixteen",
    17: "Unplayed",
}


def _interactions_csv() -> str:
    rows = [f"{u},{i},{n},2024-01-{d:02d}" for u, listens in LISTENS.items() for i, n, d in listens]
    return "\n".join(["user,item,count,timestamp", *rows, "1,10,4,2023-12-01"]) + "\n"


def _items_csv() -> str:
    return "\n".join(["id,name,tags", *[f"{i},{name},tag{i % 3}|all" for i, name in ITEMS.items()]]) + "\n"


@pytest.fixture
def own_dir(tmp_path: Path) -> Path:
    return write_files(
        tmp_path / "own",
        {"interactions.csv": _interactions_csv().encode(), "items.csv": _items_csv().encode()},
    )


def _prepare(store: ArtifactStore, source: Path, **overrides: Any) -> PrepareResult:
    settings = Settings(artifacts=store.root, data_source=str(source), **overrides)
    return prepare_dataset(settings, store)


def _table(result: PrepareResult, name: str) -> pd.DataFrame:
    return pd.read_parquet(result.directory / name)


def test_builds_the_same_dataset_files_training_reads(store: ArtifactStore, own_dir: Path) -> None:
    result = _prepare(store, own_dir)
    assert sorted(p.name for p in result.directory.iterdir()) == sorted(
        [*contract.DATASET_FILES, contract.DATASET_MANIFEST_FILE]
    )
    interactions = _table(result, contract.INTERACTIONS_FILE)
    assert list(interactions.columns) == ["user_id", "artist_id", "weight"]
    assert interactions.set_index(["user_id", "artist_id"]).loc[(1, 10), "weight"] == 3 + 4, "repeats summed"
    artists = _table(result, contract.ARTISTS_FILE).set_index("artist_id")
    assert artists["name"].to_dict() == ITEMS
    assert artists.loc[17, "listeners"] == 0 and artists["top_tags"].map(list)[11] == ["tag2", "all"]
    counts = result.manifest.counts
    assert counts["users"] == 4 and counts["artists"] == len(ITEMS)
    assert counts["interactions"] == sum(len(v) for v in LISTENS.values())
    assert counts["duplicate_rows_merged"] == 1 and counts["friend_pairs"] == 0
    assert result.manifest.source == str(own_dir) and "split_strategy" not in result.manifest.split_params
    prepared = load_prepared(store, result.dataset_id)
    assert prepared.n_users == 4 and prepared.n_items == len(ITEMS)
    assert len(prepared.train) + len(prepared.valid) + len(prepared.test) == counts["interactions"]

    again = _prepare(store, own_dir)
    assert again.reused and again.dataset_id == result.dataset_id


def test_a_single_csv_file_is_an_interactions_table(store: ArtifactStore, own_dir: Path) -> None:
    result = _prepare(store, own_dir / "interactions.csv")
    artists = _table(result, contract.ARTISTS_FILE)
    assert artists["name"].tolist() == [
        str(i) for i in sorted({i for v in LISTENS.values() for i, _, _ in v})
    ]
    assert (artists["top_tags"].map(len) == 0).all()


def test_the_temporal_split_holds_out_each_users_latest_pairs(store: ArtifactStore, own_dir: Path) -> None:
    random = _prepare(store, own_dir)
    temporal = _prepare(store, own_dir, split_strategy="temporal")
    assert temporal.dataset_id != random.dataset_id
    assert temporal.manifest.split_params["split_strategy"] == "temporal"
    split = _table(temporal, contract.SPLIT_FILE).set_index(["user_id", "artist_id"])["split"]
    # User 1: item 15 (Jan 6) is the latest, 14 (Jan 5) the one before; item 10's repeat is older.
    assert (split[(1, 15)], split[(1, 14)]) == ("test", "valid")
    assert (split[(2, 10)], split[(2, 16)]) == ("test", "valid")
    assert set(split[9]) == {"train"}
    counts = [d.manifest.counts for d in (random, temporal)]
    assert [c["test"] for c in counts] == [counts[0]["test"]] * 2


def test_the_temporal_split_refuses_a_source_without_timestamps(store: ArtifactStore, tmp_path: Path) -> None:
    hetrec = write_files(tmp_path / "lastfm", tiny_files())
    with pytest.raises(DataError, match="temporal split needs a timestamp column"):
        _prepare(store, hetrec, split_strategy="temporal")
    assert store.complete_dataset_ids() == []
    assert not store.datasets_dir.exists() or list(store.datasets_dir.iterdir()) == []


def test_an_erased_user_is_left_out(store: ArtifactStore, own_dir: Path) -> None:
    before = _prepare(store, own_dir, pseudonym_key=KEY.decode())
    assert findings(before.directory, 2)
    record_erasure(store.root, 2)
    after = _prepare(store, own_dir, pseudonym_key=KEY.decode())
    assert findings(after.directory, 2) == [] and findings(store.root / "datasets", 2) == []
    assert sorted(_table(after, contract.USERS_FILE)["user_id"]) == [1, 3, 9]
    assert after.manifest.counts["erased_users_excluded"] == 1
    assert after.manifest.counts["interactions"] == before.manifest.counts["interactions"] - len(LISTENS[2])
    listeners = _table(after, contract.ARTISTS_FILE).set_index("artist_id")["listeners"]
    assert listeners[16] == 1, "only user 3 is left listening to 16"


def test_a_folder_with_both_kinds_of_data_is_refused(store: ArtifactStore, own_dir: Path) -> None:
    write_files(own_dir, {"user_artists.dat": tiny_files()["user_artists.dat"]})
    with pytest.raises(DataError, match="keep one kind of data"):
        _prepare(store, own_dir)


def test_bad_input_fails_with_one_line_and_leaves_nothing(tmp_path: Path, own_dir: Path) -> None:
    artifacts = tmp_path / "artifacts"
    (own_dir / "interactions.csv").write_text(_interactions_csv().replace("3,12,1,", "3,12,-1,"))
    result = run_prepare(artifacts, str(own_dir))
    assert_fails_cleanly(result, artifacts, "interactions.csv line 14", "column 'count'", "'-1' is negative")


def test_the_cli_chooses_the_split(tmp_path: Path, own_dir: Path) -> None:
    artifacts = tmp_path / "artifacts"
    result = run_prepare(artifacts, str(own_dir), "--split", "temporal")
    assert result.returncode == 0, result.stderr
    (dataset_id,) = ArtifactStore(artifacts).complete_dataset_ids()
    manifest = ArtifactStore(artifacts).read_dataset_manifest(dataset_id)
    assert manifest.split_params["split_strategy"] == "temporal"
    assert "duplicate_rows_merged" in result.stdout
