"""Who listens to each artist: the transpose of ``Listening``, for "shared listeners" reasons."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunedin_api.model.listening import Listening


@dataclass(frozen=True)
class Fans:
    """``users[indptr[i]:indptr[i+1]]``: the user rows listening to item row ``i``, sorted."""

    indptr: np.ndarray
    users: np.ndarray
    n_users: int

    @classmethod
    def build(cls, listening: Listening, n_items: int) -> Fans:
        owners = np.repeat(np.arange(listening.indptr.size - 1, dtype=np.int64), np.diff(listening.indptr))
        order = np.lexsort((owners, listening.items))
        counts = np.bincount(listening.items, minlength=n_items)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(
            indptr=indptr, users=np.ascontiguousarray(owners[order]), n_users=listening.indptr.size - 1
        )

    def of(self, item_row: int) -> np.ndarray:
        return self.users[self.indptr[item_row] : self.indptr[item_row + 1]]

    def count(self, item_row: int) -> int:
        return int(self.indptr[item_row + 1] - self.indptr[item_row])

    def shared(self, item_row: int, others: np.ndarray) -> np.ndarray:
        """``int64 [len(others)]``: listeners each of ``others`` shares with ``item_row``."""
        mine = np.zeros(self.n_users, dtype=bool)
        mine[self.of(item_row)] = True
        return np.fromiter(
            (int(mine[self.of(int(o))].sum()) for o in others.tolist()), dtype=np.int64, count=others.size
        )
