"""Top tags per artist: by distinct users, ties by name, unknown artists and tags dropped."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from tests.prepare_support import ARTIST_NAMES, tiny_files
from tunedin_trainer.data.parse import RawData, parse_files
from tunedin_trainer.data.tags import top_tags


@pytest.fixture
def raw() -> RawData:
    return parse_files(tiny_files())


def test_ranks_by_distinct_users_then_name(raw: RawData) -> None:
    features = top_tags(raw.taggings, raw.tags, raw.artists["artist_id"], 3)
    # rock: 3 users (user 2 twice counts once); indie and pop: 2 each, indie first by name.
    assert features.top_tags.loc[1] == ["rock", "indie", "pop"]
    assert features.top_tags.loc[4] == ["électro"]
    assert features.top_tags.loc[12] == []


def test_keeps_every_artist_and_only_lists_of_strings(raw: RawData) -> None:
    features = top_tags(raw.taggings, raw.tags, raw.artists["artist_id"], 10)
    assert features.top_tags.index.tolist() == sorted(ARTIST_NAMES)
    assert all(isinstance(tags, list) for tags in features.top_tags)
    assert features.top_tags.loc[1] == ["rock", "indie", "pop", "fußball"]


def test_drops_artists_missing_from_artists_dat_with_a_log_line(
    raw: RawData, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="tunedin_trainer.data.tags"):
        features = top_tags(raw.taggings, raw.tags, raw.artists["artist_id"], 5)
    assert (features.dropped_artists, features.dropped_taggings) == (1, 2)
    assert features.used_taggings == len(raw.taggings) - 2
    assert 999 not in features.top_tags.index
    assert "missing from artists.dat" in caplog.text


def test_drops_unknown_tag_ids(raw: RawData, caplog: pytest.LogCaptureFixture) -> None:
    taggings = pd.concat(
        [raw.taggings, pd.DataFrame({"user_id": [7], "artist_id": [2], "tag_id": [4242]})], ignore_index=True
    )
    with caplog.at_level(logging.WARNING, logger="tunedin_trainer.data.tags"):
        features = top_tags(taggings, raw.tags, raw.artists["artist_id"], 5)
    assert features.top_tags.loc[2] == []
    assert features.dropped_taggings == 3
    assert "missing from tags.dat" in caplog.text


def test_zero_top_tags_gives_empty_lists(raw: RawData) -> None:
    features = top_tags(raw.taggings, raw.tags, raw.artists["artist_id"], 0)
    assert features.top_tags.map(len).sum() == 0
    assert len(features.top_tags) == len(ARTIST_NAMES)
