r"""Cold start: a query vector, or scores over every artist, from a few artists a listener likes.

Shared by the trainer (which measures every variant offline) and the API (which serves the
one the trainer chose), so what is measured is what is served. numpy only.

* ``mean``: the mean of the seeds' item embeddings; scores :math:`E\bar e`.
* ``least_squares``: the user vector that scores every seed close to 1,
  :math:`u = \arg\min_u \|E_S u - \mathbf 1\|^2 + \lambda\|u\|^2
  = (E_S^\top E_S + \lambda I)^{-1} E_S^\top \mathbf 1`; scores :math:`E u`. With few seeds the
  mean points at whatever the seeds share with the most popular artists (the largest norms);
  the solve instead asks for a vector on which each seed scores the same.
* popularity debiasing: positive scores divided by :math:`(1 + \text{listeners})^\beta`.
"""

from __future__ import annotations

import numpy as np


def mean_vector(items: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    vector: np.ndarray = items[seeds].mean(axis=0).astype(np.float32)
    return vector


def least_squares_vector(items: np.ndarray, seeds: np.ndarray, lam: float) -> np.ndarray:
    """:math:`(E_S^\\top E_S + \\lambda I)^{-1} E_S^\\top \\mathbf 1` in float64, returned as float32."""
    if lam <= 0:
        raise ValueError("least squares fold-in needs lambda > 0")
    seed_rows = items[seeds].astype(np.float64)
    gram = seed_rows.T @ seed_rows + lam * np.eye(seed_rows.shape[1])
    vector: np.ndarray = np.linalg.solve(gram, seed_rows.sum(axis=0)).astype(np.float32)
    return vector


def fold_in_vector(items: np.ndarray, seeds: np.ndarray, method: str, lam: float) -> np.ndarray:
    """The query vector of ``method`` (``mean`` or ``least_squares``) for the seed rows."""
    if method == "mean":
        return mean_vector(items, seeds)
    if method == "least_squares":
        return least_squares_vector(items, seeds, lam)
    raise ValueError(f"not an embedding fold-in: {method!r}")


def popularity_debias(scores: np.ndarray, listeners: np.ndarray, beta: float) -> np.ndarray:
    """``scores`` with the positive ones divided by ``(1 + listeners) ** beta`` (β = 0: unchanged).

    Negative scores are left as they are: dividing them would lift popular artists."""
    if beta == 0:
        return scores
    factor = np.power(1.0 + listeners.astype(np.float32), np.float32(beta))
    out: np.ndarray = np.where(scores > 0, scores / factor, scores).astype(np.float32)
    return out
