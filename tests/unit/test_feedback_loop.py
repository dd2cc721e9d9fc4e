"""The feedback loop against a real redis-server: the API's history store appends feedback,
export-feedback copies it into the store (incrementally, erased users left out and purged later),
and prepare-data merges it into the train split only, leaving validation and test as they were."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.erasure_support import KEY, record_erasure
from tests.prepare_support import LISTENS, tiny_files, write_files
from tests.support.jobs import job_env, run_job
from tests.support.redis_server import RedisServer
from tunedin_api.store.history import Event, HistoryStore
from tunedin_api.store.redis_link import RedisLink
from tunedin_common.contract import INTERACTIONS_FILE, SPLIT_FILE, ArtifactStore
from tunedin_common.feedback_log import FEEDBACK_DIR, export_files, pseudonym
from tunedin_trainer.data.prepare import PrepareResult, prepare_dataset
from tunedin_trainer.feedback.export import export_feedback, read_cursor
from tunedin_trainer.settings import Settings


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.client().flushall()
    return redis_server.url


def log_feedback(url: str, events: list[tuple[int, int, Event]]) -> None:
    """What POST /v1/users/{id}/feedback does: the API's own store appends each event."""

    async def write() -> None:
        link = RedisLink(url, 2.0)
        await link.probe()
        history = HistoryStore(link, 50, 3600, 100_000, KEY)
        for user_id, artist_id, event in events:
            await history.add(user_id, artist_id, event)
        await link.close()

    asyncio.run(write())


def exported(store: ArtifactStore) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in export_files(store.root)], ignore_index=True)


def test_export_copies_new_entries_once_under_pseudonyms(store: ArtifactStore, redis_url: str) -> None:
    log_feedback(redis_url, [(2, 11, "play"), (2, 11, "like"), (3, 9, "skip")])
    first = export_feedback(store, redis_url)
    assert (first.exported, first.erased_dropped, first.malformed_dropped) == (3, 0, 0)
    assert first.file is not None and first.file.parent == store.root / FEEDBACK_DIR
    assert read_cursor(store) == first.cursor
    frame = exported(store)
    assert list(frame["event"]) == ["play", "like", "skip"] and list(frame["artist_id"]) == [11, 11, 9]
    assert set(frame["subject"]) == {pseudonym(KEY, 2), pseudonym(KEY, 3)}
    assert not frame["subject"].isin(["2", "3"]).any()

    again = export_feedback(store, redis_url)
    assert again.exported == 0 and again.file is None and again.cursor == first.cursor
    log_feedback(redis_url, [(4, 2, "play")])
    later = export_feedback(store, redis_url)
    assert later.exported == 1 and later.file != first.file
    assert len(export_files(store.root)) == 2 and len(exported(store)) == 4


def test_erased_users_are_left_out_and_purged_from_older_exports(
    store: ArtifactStore, redis_url: str
) -> None:
    log_feedback(redis_url, [(2, 11, "play"), (3, 9, "play"), (4, 2, "like")])
    record_erasure(store.root, 3)
    first = export_feedback(store, redis_url)
    assert (first.exported, first.erased_dropped) == (2, 1)
    assert pseudonym(KEY, 3) not in set(exported(store)["subject"])

    record_erasure(store.root, 2)
    log_feedback(redis_url, [(4, 5, "play")])
    second = export_feedback(store, redis_url)
    assert second.purged == 1 and second.exported == 1
    assert set(exported(store)["subject"]) == {pseudonym(KEY, 4)}


def _prepare(store: ArtifactStore, source: Path, **overrides: Any) -> PrepareResult:
    settings = Settings(
        artifacts=store.root, data_source=str(source), pseudonym_key=KEY.decode(), **overrides
    )
    return prepare_dataset(settings, store)


def _rows(result: PrepareResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(result.directory / INTERACTIONS_FILE), pd.read_parquet(
        result.directory / SPLIT_FILE
    )


def test_prepare_merges_feedback_into_train_only(
    store: ArtifactStore, redis_url: str, tmp_path: Path
) -> None:
    source = write_files(tmp_path / "lastfm", tiny_files())
    plain = _prepare(store, source)
    interactions, split = _rows(plain)
    held = split[split["split"] != "train"].iloc[0]
    held_pair = (int(held["user_id"]), int(held["artist_id"]))
    new_artist = next(a for a in range(1, 12) if a not in LISTENS[2])
    listened = LISTENS[3][0]
    listened_train = split.query("user_id == 3 and artist_id == @listened")["split"].item() == "train"
    log_feedback(
        redis_url,
        [
            (2, new_artist, "play"),
            (2, new_artist, "like"),  # 1 + 5
            (3, listened, "play"),  # adds 1 play to an existing pair
            (*held_pair, "like"),  # a held-out pair: must not leak into train
            (2, 1, "skip"),  # skips are kept in the export, unused in training
            (99, 1, "play"),  # a user the source does not hold
            (2, 4242, "play"),  # an artist outside the catalogue
        ],
    )
    export_feedback(store, redis_url)

    ignored = _prepare(store, source)  # merging is off by default
    assert ignored.dataset_id == plain.dataset_id

    merged = _prepare(store, source, feedback_merge=True)
    assert merged.dataset_id != plain.dataset_id and "feedback_sha256" in merged.manifest.split_params
    m_interactions, m_split = _rows(merged)
    held_out = ["valid", "test"]
    pd.testing.assert_frame_equal(
        split[split["split"].isin(held_out)].reset_index(drop=True),
        m_split[m_split["split"].isin(held_out)].reset_index(drop=True),
    )
    new_row = m_interactions.query("user_id == 2 and artist_id == @new_artist")
    assert new_row["weight"].item() == 6
    assert m_split.query("user_id == 2 and artist_id == @new_artist")["split"].item() == "train"
    before = interactions.query("user_id == 3 and artist_id == @listened")["weight"].item()
    after = m_interactions.query("user_id == 3 and artist_id == @listened")["weight"].item()
    assert after == before + (1 if listened_train else 0)
    counts = merged.manifest.counts
    assert counts["feedback_events"] == 7
    assert counts["feedback_unknown_users_dropped"] == 1
    assert counts["feedback_unknown_artists_dropped"] == 1
    assert counts["feedback_skips_unused"] == 1
    assert counts["feedback_held_out_pairs_dropped"] == 1 + (0 if listened_train else 1)
    assert counts["feedback_new_train_pairs"] == 1
    assert len(m_interactions) == len(interactions) + 1


def test_the_cli_exports_and_fails_in_one_line_without_redis(store: ArtifactStore, redis_url: str) -> None:
    log_feedback(redis_url, [(2, 11, "play")])
    done = run_job("export_feedback", job_env(store.root, TUNEDIN_REDIS_URL=redis_url))
    assert done.returncode == 0, done.stderr
    assert "exported 1 feedback event(s): feedback/events-" in done.stdout
    down = run_job("export_feedback", job_env(store.root, TUNEDIN_REDIS_URL="redis://127.0.0.1:1/0"))
    assert down.returncode == 1 and "Traceback" not in down.stderr
    last = down.stderr.strip().splitlines()[-1]
    assert last.startswith("error: export-feedback failed: reading the feedback stream failed"), last
