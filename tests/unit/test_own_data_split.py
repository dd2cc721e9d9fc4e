"""The temporal split: each user's latest pairs are held out, as many as the random split holds out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunedin_trainer.data.split import split_interactions
from tunedin_trainer.data.temporal_split import temporal_split
from tunedin_trainer.errors import DataError


def _interactions(n_per_user: dict[int, int], seed: int = 3) -> pd.DataFrame:
    """Pairs with shuffled, distinct times per user (items 1..n, times unrelated to item ids)."""
    rng = np.random.default_rng(seed)
    rows = [
        (user, item, pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=int(day)))
        for user, n in n_per_user.items()
        for item, day in zip(range(1, n + 1), rng.permutation(n), strict=True)
    ]
    frame = pd.DataFrame(rows, columns=["user_id", "artist_id", "timestamp"])
    return frame.assign(weight=1).sample(frac=1, random_state=seed, ignore_index=True)


def _split(frame: pd.DataFrame, min_user_interactions: int = 5) -> pd.DataFrame:
    return temporal_split(
        frame, test_fraction=0.2, valid_fraction=0.1, min_user_interactions=min_user_interactions
    )


def test_every_users_latest_pairs_are_test_then_valid() -> None:
    frame = _interactions({1: 20, 2: 11, 3: 5})
    split = _split(frame).merge(frame, on=["user_id", "artist_id"], validate="one_to_one")
    for user, rows in split.groupby("user_id"):
        by_time = rows.sort_values("timestamp")["split"].tolist()
        n_test = (np.array(by_time) == "test").sum()
        n_valid = (np.array(by_time) == "valid").sum()
        assert n_test >= 1 and n_valid >= 1, user
        assert (
            by_time == ["train"] * (len(by_time) - n_test - n_valid) + ["valid"] * n_valid + ["test"] * n_test
        )


def test_it_holds_out_as_many_pairs_as_the_random_split() -> None:
    frame = _interactions({1: 20, 2: 11, 3: 5, 4: 4, 5: 37})
    temporal = _split(frame)
    random = split_interactions(frame, seed=7, test_fraction=0.2, valid_fraction=0.1, min_user_interactions=5)
    assert temporal[["user_id", "artist_id"]].equals(random[["user_id", "artist_id"]])
    assert temporal["split"].dtype == random["split"].dtype
    counts = [s.groupby(["user_id", "split"]).size().to_dict() for s in (temporal, random)]
    assert counts[0] == counts[1]
    assert set(temporal.loc[temporal["user_id"] == 4, "split"]) == {"train"}, "below min_user_interactions"


def test_ties_in_time_are_broken_by_item_id() -> None:
    same_time = pd.Timestamp("2024-05-01", tz="UTC")
    frame = pd.DataFrame(
        {"user_id": [1] * 5, "artist_id": [5, 3, 1, 4, 2], "timestamp": [same_time] * 5, "weight": 1}
    )
    split = _split(frame).set_index("artist_id")["split"].to_dict()
    assert split == {1: "train", 2: "train", 3: "train", 4: "valid", 5: "test"}


def test_it_needs_timestamps() -> None:
    frame = pd.DataFrame({"user_id": [1, 1], "artist_id": [1, 2], "weight": [1, 1]})
    with pytest.raises(DataError, match="temporal split needs a timestamp column"):
        _split(frame)
