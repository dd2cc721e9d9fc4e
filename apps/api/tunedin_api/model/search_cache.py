"""Bounded in-process LRU of FAISS results, keyed by the query vector's bytes and ``k``.

An HNSW search is deterministic for a given index, query and ``k``, so its answer can be kept:
a trained user's vector depends only on (model, user), a fold-in user's only on the artists in
the history, so the same request shape searches once per model. The cache lives on the
``LoadedModel``, so a hot swap starts with an empty one and never answers from an old index.
"""

from __future__ import annotations

import numpy as np

from tunedin_api.model.lru import Lru

Result = tuple[np.ndarray, np.ndarray]  # (rows, scores), read-only
Key = tuple[bytes, int]


class SearchCache:
    def __init__(self, size: int) -> None:
        self._lru: Lru[Key, Result] = Lru(size, "search")

    @property
    def size(self) -> int:
        return self._lru.size

    @staticmethod
    def key(vector: np.ndarray, k: int) -> Key:
        return np.ascontiguousarray(vector, dtype=np.float32).tobytes(), k

    def get(self, key: Key) -> Result | None:
        return self._lru.get(key)

    def put(self, key: Key, rows: np.ndarray, scores: np.ndarray) -> Result:
        rows.flags.writeable = False
        scores.flags.writeable = False
        return self._lru.put(key, (rows, scores))

    def forget(self, vector: np.ndarray) -> int:
        """Drop the results searched for ``vector`` (an erased user's embedding); how many."""
        wanted = self.key(vector, 0)[0]
        return self._lru.drop(lambda key: key[0] == wanted)

    def __len__(self) -> int:
        return len(self._lru)
