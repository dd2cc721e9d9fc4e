"""prepare-data on the real HetRec 2011 Last.fm data: counts, split, reuse, tags, downloads.

The expected numbers are the ones ``shared/data/lastfm-hetrec2011/SOURCE.md`` verified.
Downloads go to a local HTTP server serving the shared zip (this machine has no internet).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ARCHIVE_NAME
from tests.prepare_support import LocalServer, assert_fails_cleanly, http_server, run_prepare
from tunedin_common import contract
from tunedin_common.contract import ArtifactStore
from tunedin_trainer.data.prepare import PrepareResult, prepare_dataset
from tunedin_trainer.data.prepared import load_prepared
from tunedin_trainer.data.split import split_interactions
from tunedin_trainer.settings import OFFICIAL_SHA256, Settings

pytestmark = pytest.mark.slow


USERS, ARTISTS, INTERACTIONS, PLAYS = 1892, 17632, 92834, 69_183_975


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, shared_zip: Path) -> PrepareResult:
    store = ArtifactStore(tmp_path_factory.mktemp("real") / "artifacts")
    return prepare_dataset(Settings(artifacts=store.root, data_source=str(shared_zip)), store)


@pytest.fixture(scope="module")
def tables(prepared: PrepareResult) -> dict[str, pd.DataFrame]:
    names = {"split": contract.SPLIT_FILE, "interactions": contract.INTERACTIONS_FILE}
    names |= {"users": contract.USERS_FILE, "artists": contract.ARTISTS_FILE}
    return {key: pd.read_parquet(prepared.directory / name) for key, name in names.items()}


@pytest.fixture(scope="module")
def server(shared_data_dir: Path) -> Iterator[LocalServer]:
    with http_server(shared_data_dir) as running:
        yield running


def test_counts_match_the_source(prepared: PrepareResult, tables: dict[str, pd.DataFrame]) -> None:
    counts = prepared.manifest.counts
    assert (counts["users"], counts["artists"], counts["interactions"]) == (USERS, ARTISTS, INTERACTIONS)
    assert counts["plays"] == PLAYS == int(tables["interactions"]["weight"].sum())
    assert counts["tags"] == 11946 and counts["friend_pairs"] == 25434
    assert counts["tagged_artists_dropped"] == 390
    assert counts["artists_without_listeners"] == 0
    assert prepared.manifest.source_sha256 == OFFICIAL_SHA256
    assert (tables["artists"]["listeners"] == 1).sum() == 10679
    assert tables["users"]["n_friends"].sum() == 25434


def test_split_partitions_the_interactions(tables: dict[str, pd.DataFrame]) -> None:
    split, interactions = tables["split"], tables["interactions"]
    assert list(split.columns) == list(contract.SPLIT_COLUMNS)
    assert set(split["split"]) == set(contract.SPLIT_VALUES)
    assert not split.duplicated(["user_id", "artist_id"]).any()  # no pair in two splits
    keys = ["user_id", "artist_id"]
    pd.testing.assert_frame_equal(
        split[keys].sort_values(keys, ignore_index=True),
        interactions[keys].sort_values(keys, ignore_index=True),
    )


def test_split_fractions_per_user(prepared: PrepareResult, tables: dict[str, pd.DataFrame]) -> None:
    per_user = pd.crosstab(tables["split"]["user_id"], tables["split"]["split"])
    n = per_user.sum(axis=1)
    warm = n >= 5
    expected_test = np.maximum(1, np.floor(0.2 * n + 0.5))
    expected_valid = np.maximum(1, np.floor(0.1 * (n - expected_test) + 0.5))
    assert (per_user.loc[warm, "test"] == expected_test[warm]).all()
    assert (per_user.loc[warm, "valid"] == expected_valid[warm]).all()
    assert (per_user.loc[~warm, "train"] == n[~warm]).all()  # below the minimum: all train
    assert int((~warm).sum()) == prepared.manifest.counts["cold_users"] == 15
    assert 0.19 < per_user["test"].sum() / INTERACTIONS < 0.21


def test_split_is_seeded(tables: dict[str, pd.DataFrame]) -> None:
    def split(seed: int) -> pd.DataFrame:
        return split_interactions(tables["interactions"], seed, 0.2, 0.1, 5)

    written = tables["split"].sort_values(["user_id", "artist_id"], ignore_index=True)
    pd.testing.assert_frame_equal(split(42), written)
    assert (split(43)["split"] != written["split"]).mean() > 0.2


def test_top_tags_of_a_known_artist(tables: dict[str, pd.DataFrame]) -> None:
    artists = tables["artists"].set_index("artist_id")
    britney = artists.loc[289]
    assert britney["name"] == "Britney Spears" and britney["listeners"] == 522
    assert list(britney["top_tags"]) == ["pop", "dance", "female vocalists", "legend", "britney spears"]
    assert artists.loc[11681, "name"] == "Ballak\u00c3\u00a9 Sissoko"  # double-encoded upstream, kept
    assert artists["top_tags"].map(len).max() == 5


def test_training_reads_it_back(prepared: PrepareResult) -> None:
    data = load_prepared(ArtifactStore(prepared.directory.parent.parent), prepared.dataset_id)
    assert (data.n_users, data.n_items) == (USERS, ARTISTS)
    assert len(data.train) + len(data.valid) + len(data.test) == INTERACTIONS


def test_cli_reuses_the_dataset(prepared: PrepareResult, shared_zip: Path) -> None:
    artifacts = prepared.directory.parent.parent
    parquet = {p: p.stat().st_mtime_ns for p in prepared.directory.glob("*.parquet")}
    result = run_prepare(artifacts, str(shared_zip))
    assert result.returncode == 0, result.stderr
    assert f"dataset {prepared.dataset_id} (reused" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in prepared.directory.glob("*.parquet")} == parquet


def test_folder_of_extracted_files(shared_data_dir: Path, prepared: PrepareResult, tmp_path: Path) -> None:
    result = run_prepare(tmp_path / "artifacts", str(shared_data_dir))
    assert result.returncode == 0, result.stderr
    assert re.search(rf"^\s+interactions\s+{INTERACTIONS:,}$", result.stdout, re.MULTILINE)
    assert f"dataset {prepared.dataset_id}" not in result.stdout  # another source checksum


def test_download_caches_and_reuses(server: LocalServer, prepared: PrepareResult, tmp_path: Path) -> None:
    artifacts, url = tmp_path / "artifacts", server.url(ARCHIVE_NAME)
    before = len(server.requests)
    first = run_prepare(artifacts, url)
    assert first.returncode == 0, first.stderr
    # Same bytes as the local zip, same split settings: the same dataset id.
    assert f"dataset {prepared.dataset_id} (prepared" in first.stdout
    assert sorted(p.name for p in (artifacts / "cache").iterdir()) == [f"{OFFICIAL_SHA256}.zip"]
    second = run_prepare(artifacts, url)
    assert f"dataset {prepared.dataset_id} (reused" in second.stdout
    assert len(server.requests) == before + 1  # the cached zip was used, no second download


def test_download_with_the_wrong_checksum(server: LocalServer, tmp_path: Path) -> None:
    result = run_prepare(tmp_path / "artifacts", server.url(ARCHIVE_NAME), sha256="0" * 64)
    assert_fails_cleanly(result, tmp_path / "artifacts", "checksum mismatch", OFFICIAL_SHA256)


@pytest.mark.parametrize(("sha256", "reason"), [(None, "checksum mismatch"), ("", "truncated or corrupt")])
def test_download_of_a_truncated_copy(
    shared_zip: Path, tmp_path: Path, sha256: str | None, reason: str
) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / ARCHIVE_NAME).write_bytes(shared_zip.read_bytes()[:1_000_000])
    with http_server(www) as truncated:
        result = run_prepare(tmp_path / "artifacts", truncated.url(ARCHIVE_NAME), sha256=sha256)
    assert_fails_cleanly(result, tmp_path / "artifacts", reason)


def test_download_cut_short(shared_data_dir: Path, tmp_path: Path) -> None:
    with http_server(shared_data_dir, cut_body_at=1_000_000) as cut:
        result = run_prepare(tmp_path / "artifacts", cut.url(ARCHIVE_NAME))
    assert_fails_cleanly(result, tmp_path / "artifacts", "download of", "failed")


def test_download_not_found(server: LocalServer, tmp_path: Path) -> None:
    result = run_prepare(tmp_path / "artifacts", server.url("nothing-here.zip"))
    assert_fails_cleanly(result, tmp_path / "artifacts", "HTTP 404")


def test_local_copy_with_a_flipped_byte(shared_zip: Path, tmp_path: Path) -> None:
    copy = tmp_path / ARCHIVE_NAME
    shutil.copyfile(shared_zip, copy)
    data = bytearray(copy.read_bytes())
    data[500_000] ^= 0x01
    copy.write_bytes(bytes(data))
    result = run_prepare(tmp_path / "artifacts", str(copy))
    assert_fails_cleanly(result, tmp_path / "artifacts", "checksum mismatch")
