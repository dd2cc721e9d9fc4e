"""Similar artists: cosine over the normalised item embeddings, one 0–1 score per artist.

The raw inner product favours artists with large embeddings, and LightGCN's norms grow with
popularity (Enya's nearest by inner product are Madonna and Lady Gaga); the cosine compares
directions only. The trainer measures both (metrics.json ``similar_artists``). Exact over
the whole catalogue: one ``[n_items, dim]`` product (17.6k × 64: well under a millisecond).
"""

from __future__ import annotations

import numpy as np

from tunedin_api.model.loaded import LoadedModel


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best positions of ``scores``, best first, the lower position on ties."""
    k = min(k, scores.size)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    order = np.lexsort((part, -scores[part]))
    rows: np.ndarray = part[order].astype(np.int64)
    return rows


def similar_rows(model: LoadedModel, row: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, scores)``: the ``k`` artists most similar to ``row`` (never itself), scores in [0, 1]."""
    scores = model.item_unit @ model.item_unit[row]
    scores[row] = -np.inf
    rows = top_rows(scores, k)
    return rows, np.clip(scores[rows], 0.0, 1.0).astype(np.float32)
