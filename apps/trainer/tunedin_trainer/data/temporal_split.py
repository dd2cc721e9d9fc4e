"""Per-user temporal split: each user's latest pairs are held out, the earliest are trained on.

A pair's time is its latest timestamp (repeated rows of a pair were merged keeping the latest).
For a user with ``n`` pairs, the same counts as the random split (``split.py``) are held out,
but by time instead of by a draw:

* ``n < min_user_interactions``: every pair stays in ``train``;
* otherwise the latest ``round(test_fraction * n)`` (at least 1) go to ``test`` and, of the
  rest, the latest ``round(valid_fraction * rest)`` (at least 1) to ``valid``; so for every user
  train precedes valid, which precedes test. Pairs at the same time are ordered by item id.

Per user rather than one global cut: a global cut leaves users who stopped before it without
anything to test and users who started after it without anything to train on, while training
and evaluation here assume each held-out user also has training pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tunedin_trainer.data.split import held_out_counts
from tunedin_trainer.errors import DataError


def temporal_split(
    interactions: pd.DataFrame, test_fraction: float, valid_fraction: float, min_user_interactions: int
) -> pd.DataFrame:
    """Return ``user_id, artist_id, split`` for every row of ``interactions`` (which has ``timestamp``)."""
    if "timestamp" not in interactions.columns:
        raise DataError(
            "the temporal split needs a timestamp column in your interactions table and this source "
            "has none: add one, or use --split random (TUNEDIN_SPLIT_STRATEGY=random)"
        )
    ordered = interactions.sort_values(["user_id", "timestamp", "artist_id"], ignore_index=True)
    users = ordered["user_id"].to_numpy(np.int64)
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], len(users)]
    labels = np.full(len(ordered), "train", dtype=object)
    for start, end in zip(starts, ends, strict=True):
        n = int(end - start)
        if n < min_user_interactions:
            continue
        n_test, n_valid = held_out_counts(n, test_fraction, valid_fraction)
        labels[end - n_test : end] = "test"
        labels[end - n_test - n_valid : end - n_test] = "valid"
    out = ordered[["user_id", "artist_id"]].assign(split=pd.Series(labels, dtype="string"))
    return out.sort_values(["user_id", "artist_id"], ignore_index=True)
