"""What the friends of each user play, from the model's dataset: for user row ``u``, the item
rows its friends (users the model knows) listen to, with how many friends listen to each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tunedin_api.model.listening import Listening


@dataclass(frozen=True)
class FriendPlays:
    """``items[indptr[u]:indptr[u+1]]``: sorted item rows played by friends of user row ``u``;
    ``counts`` beside them: by how many of those friends."""

    indptr: np.ndarray
    items: np.ndarray
    counts: np.ndarray
    friendships: int  # (user, friend) pairs between users the model knows
    mates_indptr: np.ndarray  # ``mates[mates_indptr[u]:mates_indptr[u+1]]``: friend rows of ``u``
    mates: np.ndarray

    @classmethod
    def build(
        cls, friends: pd.DataFrame, user_row: dict[int, int], listening: Listening, n_items: int
    ) -> FriendPlays:
        """From ``user_id, friend_id`` pairs; pairs naming a user the model lacks are left out."""
        users = friends["user_id"].map(user_row)
        mates = friends["friend_id"].map(user_row)
        known = users.notna() & mates.notna()
        pairs = np.stack([users[known].to_numpy(np.int64), mates[known].to_numpy(np.int64)], axis=1)
        pairs = np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        starts = listening.indptr[pairs[:, 1]]
        lengths = listening.indptr[pairs[:, 1] + 1] - starts
        total = int(lengths.sum())
        # Every friend's slice of the listening CSR, gathered by one index array.
        gather = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
        keys = np.repeat(pairs[:, 0], lengths) * n_items + listening.items[gather]
        distinct, counts = np.unique(keys, return_counts=True)
        owners = distinct // n_items
        indptr = np.concatenate([[0], np.cumsum(np.bincount(owners, minlength=len(user_row)))])
        mates_indptr = np.concatenate([[0], np.cumsum(np.bincount(pairs[:, 0], minlength=len(user_row)))])
        return cls(
            indptr=indptr.astype(np.int64),
            items=(distinct % n_items).astype(np.int32),
            counts=counts.astype(np.int32),
            friendships=len(pairs),
            mates_indptr=mates_indptr.astype(np.int64),
            mates=pairs[:, 1].astype(np.int64),  # np.unique sorted the pairs by user
        )

    @classmethod
    def none(cls, n_users: int) -> FriendPlays:
        """No friendships (a dataset prepared before they were a dataset file)."""
        empty = np.empty(0, dtype=np.int32)
        bounds = np.zeros(n_users + 1, dtype=np.int64)
        return cls(bounds, empty, empty, 0, bounds, np.empty(0, dtype=np.int64))

    def of(self, user_row: int) -> np.ndarray:
        """The rows of the friends of ``user_row``."""
        return self.mates[self.mates_indptr[user_row] : self.mates_indptr[user_row + 1]]

    def playing(
        self,
        user_row: int,
        items: np.ndarray,
        without: tuple[int, ...] = (),
        listening: Listening | None = None,
    ) -> np.ndarray:
        """``int [len(items)]``: how many friends of ``user_row`` play each of ``items``, leaving
        out the friend rows ``without`` (erased users: their listening must not show), whose
        listening is looked up in ``listening``."""
        start, end = int(self.indptr[user_row]), int(self.indptr[user_row + 1])
        if start == end:
            return np.zeros(items.size, dtype=np.int32)
        played = self.items[start:end]
        at = np.minimum(np.searchsorted(played, items), end - start - 1)
        found: np.ndarray = np.where(played[at] == items, self.counts[start:end][at], 0)
        if without and listening is None:
            raise ValueError("leaving friends out needs the listening to take away")
        for mate in without:
            assert listening is not None
            found = found - np.isin(items, listening.of(mate)).astype(found.dtype)
        return found
