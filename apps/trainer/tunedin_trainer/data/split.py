"""Per-user, seeded train/valid/test split of user–artist pairs.

Each user's split depends only on ``(seed, user_id)`` and that user's artists, so adding or
removing other users never reshuffles anyone else. For a user with ``n`` artists:

* ``n < min_user_interactions``: every pair stays in ``train`` (too few to hold any out);
* otherwise ``round(test_fraction * n)`` (at least 1) go to ``test`` and, of the rest,
  ``round(valid_fraction * rest)`` (at least 1) to ``valid``; the remainder is ``train``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _round_half_up(x: float) -> int:
    return int(np.floor(x + 0.5))


def held_out_counts(n: int, test_fraction: float, valid_fraction: float) -> tuple[int, int]:
    """How many of a user's ``n`` pairs go to test and to valid."""
    n_test = max(1, _round_half_up(test_fraction * n))
    n_valid = max(1, _round_half_up(valid_fraction * (n - n_test)))
    return n_test, n_valid


def split_interactions(
    interactions: pd.DataFrame,
    seed: int,
    test_fraction: float,
    valid_fraction: float,
    min_user_interactions: int,
) -> pd.DataFrame:
    """Return ``user_id, artist_id, split`` for every row of ``interactions`` (same pairs)."""
    pairs = interactions[["user_id", "artist_id"]].sort_values(["user_id", "artist_id"], ignore_index=True)
    labels = np.empty(len(pairs), dtype=object)
    users = pairs["user_id"].to_numpy(np.int64)
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], len(users)]
    for start, end in zip(starts, ends, strict=True):
        n = int(end - start)
        block = np.full(n, "train", dtype=object)
        if n >= min_user_interactions:
            order = np.random.default_rng([seed, int(users[start])]).permutation(n)
            n_test, n_valid = held_out_counts(n, test_fraction, valid_fraction)
            block[order[:n_test]] = "test"
            block[order[n_test : n_test + n_valid]] = "valid"
        labels[start:end] = block
    out = pairs.assign(split=pd.Categorical(labels, categories=["train", "valid", "test"]))
    return out.astype({"split": "string"})
