"""prepare-data with erasures on record: the erased users' rows are gone, the dataset id follows the
set of erased subjects (and stays as it was without any), and the count is logged."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.erasure_support import KEY, findings, record_erasure
from tests.prepare_support import FRIENDS, LISTENS, TAGGINGS, tiny_files, write_files
from tunedin_common import contract
from tunedin_common.contract import ArtifactStore, ContractError, dataset_id_for
from tunedin_trainer.data.prepare import PrepareResult, prepare_dataset, split_params
from tunedin_trainer.settings import Settings


@pytest.fixture
def source_dir(tmp_path: Path) -> Path:
    return write_files(tmp_path / "lastfm", tiny_files())


def _prepare(store: ArtifactStore, source: Path, **overrides: Any) -> PrepareResult:
    values: dict[str, Any] = {"pseudonym_key": KEY.decode(), **overrides}
    settings = Settings(artifacts=store.root, data_source=str(source), **values)
    return prepare_dataset(settings, store)


def _table(result: PrepareResult, name: str) -> pd.DataFrame:
    return pd.read_parquet(result.directory / name)


def test_an_erased_users_rows_are_gone_from_every_table(
    store: ArtifactStore, source_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = _prepare(store, source_dir)
    assert findings(before.directory, 2), "user 2 is in the source: the scan must see them"
    assert any(contract.FRIENDS_FILE in f for f in findings(before.directory, 2))
    record_erasure(store.root, 2)
    with caplog.at_level(logging.INFO, logger="tunedin_trainer.data.prepare"):
        after = _prepare(store, source_dir)

    assert findings(after.directory, 2) == []
    for name in (contract.INTERACTIONS_FILE, contract.USERS_FILE, contract.SPLIT_FILE):
        assert sorted(_table(after, name)["user_id"].unique()) == [3, 4, 5, 7], name
    counts = after.manifest.counts
    assert counts["interactions"] == before.manifest.counts["interactions"] - len(LISTENS[2])
    assert counts["users"] == 4 and counts["erased_users_excluded"] == 1
    # Every friendship in the source has user 2 on one side: none is left, on either side.
    assert all(2 in pair for pair in FRIENDS) and counts["friend_pairs"] == 0
    assert (_table(after, contract.USERS_FILE)["n_friends"] == 0).all()
    assert _table(after, contract.FRIENDS_FILE).empty
    # Their tag assignments are gone too: artist 4's only tag was user 2's.
    assert (2, 4, 5) in TAGGINGS and [t for u, a, t in TAGGINGS if a == 4 and u != 2] == []
    artists = _table(after, contract.ARTISTS_FILE).set_index("artist_id")
    assert artists["top_tags"].map(list).to_dict()[4] == []
    listeners = {a: sum(a in listens for u, listens in LISTENS.items() if u != 2) for a in artists.index}
    assert artists["listeners"].to_dict() == listeners
    assert "excluded 1 erased user(s) from the source (1 erasure(s) on record)" in caplog.text


def test_an_erased_friend_is_gone_from_the_friendships(store: ArtifactStore, source_dir: Path) -> None:
    before = _prepare(store, source_dir)
    assert any(contract.FRIENDS_FILE in f for f in findings(before.directory, 3))
    record_erasure(store.root, 3)
    after = _prepare(store, source_dir)
    assert findings(after.directory, 3) == []
    friends = _table(after, contract.FRIENDS_FILE)
    assert list(friends.itertuples(index=False, name=None)) == [p for p in sorted(FRIENDS) if 3 not in p]
    assert after.manifest.counts["friend_pairs"] == len(friends) == 2


def test_the_dataset_id_follows_the_set_of_erased_subjects(store: ArtifactStore, source_dir: Path) -> None:
    plain = _prepare(store, source_dir)
    settings = Settings(artifacts=store.root, data_source=str(source_dir))
    # Without erasures the id is what it always was.
    assert plain.dataset_id == dataset_id_for(plain.manifest.source_sha256, split_params(settings))
    assert "erased_subjects_sha256" not in plain.manifest.split_params

    record_erasure(store.root, 2)
    one = _prepare(store, source_dir)
    assert one.dataset_id != plain.dataset_id
    digest = one.manifest.split_params["erased_subjects_sha256"]
    assert len(digest) == 64

    record_erasure(store.root, 2)  # the same user again: the same set, the same dataset
    again = _prepare(store, source_dir)
    assert (again.dataset_id, again.reused) == (one.dataset_id, True)

    record_erasure(store.root, 999)  # not in the source: the set changes, so does the id
    two = _prepare(store, source_dir)
    assert two.dataset_id not in (plain.dataset_id, one.dataset_id)
    assert two.manifest.split_params["erased_subjects_sha256"] != digest
    assert two.manifest.counts["erased_users_excluded"] == 1
    assert store.read_latest_dataset() == two.dataset_id


def test_erasures_without_a_key_fail_clearly(store: ArtifactStore, source_dir: Path) -> None:
    record_erasure(store.root, 2)
    with pytest.raises(ContractError, match="TUNEDIN_PSEUDONYM_KEY is empty"):
        _prepare(store, source_dir, pseudonym_key="")


def test_another_key_does_not_match_the_erased_user(store: ArtifactStore, source_dir: Path) -> None:
    """The subject is a keyed hash: only the API's key finds the user (the chart shares it)."""
    record_erasure(store.root, 2)
    result = _prepare(store, source_dir, pseudonym_key="some-other-key")
    assert result.manifest.counts["erased_users_excluded"] == 0
    assert 2 in _table(result, contract.USERS_FILE)["user_id"].tolist()
