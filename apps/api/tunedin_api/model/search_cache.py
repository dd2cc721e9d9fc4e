"""Bounded in-process LRU of FAISS results, keyed by the query vector's bytes and ``k``.

An HNSW search is deterministic for a given index, query and ``k``, so its answer can be kept:
a trained user's vector depends only on (model, user), a fold-in user's only on the artists in
the history, so the same request shape searches once per model. The cache lives on the
``LoadedModel``, so a hot swap starts with an empty one and never answers from an old index.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from tunedin_api.telemetry import metrics

Result = tuple[np.ndarray, np.ndarray]  # (rows, scores), read-only


class SearchCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[bytes, int], Result] = OrderedDict()

    @staticmethod
    def key(vector: np.ndarray, k: int) -> tuple[bytes, int]:
        return np.ascontiguousarray(vector, dtype=np.float32).tobytes(), k

    def get(self, key: tuple[bytes, int]) -> Result | None:
        found = self._entries.get(key)
        if found is None:
            metrics.CACHE_SEARCH_MISS.inc()
            return None
        self._entries.move_to_end(key)
        metrics.CACHE_SEARCH_HIT.inc()
        return found

    def put(self, key: tuple[bytes, int], rows: np.ndarray, scores: np.ndarray) -> Result:
        rows.flags.writeable = False
        scores.flags.writeable = False
        self._entries[key] = (rows, scores)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return rows, scores

    def __len__(self) -> int:
        return len(self._entries)
