r"""Item–item similarity from co-listening: a shrunk cosine over the binary user–artist matrix.

For artists :math:`i, j` with listener sets :math:`L_i, L_j` in the fitting data,

.. math::
    s_{ij} = \frac{|L_i \cap L_j|}{\sqrt{|L_i|\,|L_j|} + h}

The cosine divides out both artists' popularity (a raw co-listening count would rank the
most listened artists first for every query); the shrinkage :math:`h` keeps an artist with
one or two listeners from looking perfectly similar to everything that listener has.
:math:`s_{ii}` is never a neighbour.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

DEFAULT_SHRINK = 10.0


class CoListening:
    """The binary matrix of the fitting data and the co-listening rows of any query artists."""

    def __init__(self, interactions: sp.csr_matrix, shrink: float = DEFAULT_SHRINK) -> None:
        if shrink < 0:
            raise ValueError("shrink must be ≥ 0")
        self.x = sp.csr_matrix(interactions > 0, dtype=np.float32)
        self.xt = self.x.T.tocsr()  # [n_items, n_users]: each artist's listeners
        self.listeners = np.asarray(self.x.sum(axis=0)).ravel().astype(np.float32)
        self.shrink = float(shrink)

    @property
    def n_items(self) -> int:
        return int(self.x.shape[1])

    def shared(self, rows: np.ndarray) -> np.ndarray:
        """``float32 [len(rows), n_items]``: listeners each query artist shares with every artist."""
        counts: np.ndarray = (self.xt[rows] @ self.x).toarray().astype(np.float32)
        return counts

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """``float32 [len(rows), n_items]`` shrunk cosine of the query artists to every artist
        (0 where nothing is shared; the query itself is set to 0)."""
        shared = self.shared(rows)
        denominator = np.sqrt(self.listeners[rows][:, None] * self.listeners[None, :]) + self.shrink
        scores: np.ndarray = np.divide(
            shared, denominator, out=np.zeros_like(shared), where=denominator > 0
        ).astype(np.float32)
        scores[np.arange(len(rows)), rows] = 0.0
        return scores


def top_neighbours(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rows int64 [n, k], scores float32 [n, k])`` of the ``k`` best per query row, best first
    (ties broken by the lower row)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    picked = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -picked), axis=1)
    rows = np.take_along_axis(part, order, axis=1).astype(np.int64)
    return rows, np.take_along_axis(picked, order, axis=1).astype(np.float32)
