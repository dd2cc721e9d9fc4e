"""What each trained user listened to, from the model's dataset: a CSR of item rows by plays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Listening:
    """``items[indptr[u]:indptr[u+1]]``: item rows of user row ``u``, most played first;
    ``plays`` the same slice's play counts."""

    indptr: np.ndarray
    items: np.ndarray
    plays: np.ndarray

    @classmethod
    def build(
        cls, interactions: pd.DataFrame, user_row: dict[int, int], item_row: dict[int, int]
    ) -> Listening:
        users = interactions["user_id"].map(user_row)
        items = interactions["artist_id"].map(item_row)
        known = users.notna() & items.notna()
        u = users[known].to_numpy(np.int64)
        i = items[known].to_numpy(np.int64)
        w = interactions["weight"][known].to_numpy(np.float64)
        order = np.lexsort((-w, u))
        counts = np.bincount(u, minlength=len(user_row))
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(
            indptr=indptr,
            items=np.ascontiguousarray(i[order]),
            plays=np.ascontiguousarray(w[order].astype(np.int64)),
        )

    def of(self, user_row: int) -> np.ndarray:
        return self.items[self.indptr[user_row] : self.indptr[user_row + 1]]

    def plays_of(self, user_row: int) -> np.ndarray:
        """Play counts of ``of(user_row)``, in the same order."""
        return self.plays[self.indptr[user_row] : self.indptr[user_row + 1]]
