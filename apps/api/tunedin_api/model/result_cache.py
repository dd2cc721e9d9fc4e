"""Bounded in-process LRU of rendered recommendation responses, per model.

A user's recommendations are a pure function of the model, the query (``k``, ``diversity``,
``exclude_listened``, tags) and the user's recent history: the embedding is the model's, the
FAISS answer is deterministic, and reranking and reasons use no clock. The key therefore holds
the history exactly as Redis returned it (read with the rate-limit hit on every request): a
feedback event changes the history, hence the key, and the next request is computed afresh.
The cache lives on the ``LoadedModel`` (a swap starts empty); deleting a user drops their entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunedin_api.model.lru import Lru


@dataclass(frozen=True)
class ResultKey:
    user_id: int
    in_model: bool  # False: served without the model's user embedding (unknown or erased user)
    k: int
    diversity: float
    exclude_listened: bool
    tags: tuple[str, ...] | None
    history: bytes | None  # the raw events; None: Redis was down, the history unknown
    erased_friends: tuple[int, ...] = ()  # friend rows left out of the friend counts


class ResultCache:
    def __init__(self, size: int) -> None:
        self._lru: Lru[ResultKey, bytes] = Lru(size, "result")

    @property
    def size(self) -> int:
        return self._lru.size

    def get(self, key: ResultKey) -> bytes | None:
        return self._lru.get(key)

    def put(self, key: ResultKey, body: bytes) -> bytes:
        return self._lru.put(key, body)

    def forget(self, user_id: int) -> int:
        return self._lru.drop(lambda key: key.user_id == user_id)

    def __len__(self) -> int:
        return len(self._lru)
