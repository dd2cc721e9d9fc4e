r"""Top-K ranking metrics with binary relevance, as in the LightGCN paper's evaluation code.

For a user :math:`u` with held-out items :math:`T_u` (:math:`|T_u| \ge 1`) and top-K list
:math:`R_u` (training items, and for test also validation items, never appear in it):

* ``recall@K``    :math:`= |R_u \cap T_u| \,/\, |T_u|` — the LightGCN definition; it stays
  below 1 when :math:`|T_u| > K` (it is *not* divided by :math:`\min(K, |T_u|)`).
* ``precision@K`` :math:`= |R_u \cap T_u| \,/\, K`.
* ``ndcg@K``      :math:`= \mathrm{DCG}/\mathrm{IDCG}` with
  :math:`\mathrm{DCG} = \sum_{r=1}^{K} [R_u(r) \in T_u] / \log_2(r+1)` and
  :math:`\mathrm{IDCG} = \sum_{r=1}^{\min(K, |T_u|)} 1/\log_2(r+1)`.

Each is averaged over the users with at least one held-out item; users without any are
skipped. ``coverage@K`` is the share of the catalogue that appears in at least one
evaluated user's top-K.
"""

from __future__ import annotations

import numpy as np

METRIC_DEFINITIONS = {
    "recall@K": "hits in the top K / number of held-out items of the user (LightGCN definition), "
    "averaged over users with at least one held-out item",
    "precision@K": "hits in the top K / K, averaged over users with at least one held-out item",
    "ndcg@K": "binary-relevance DCG of the top K (gain 1/log2(rank+1)) / ideal DCG over "
    "min(K, number of held-out items), averaged over users with at least one held-out item",
    "coverage@K": "distinct items in anyone's top K / number of items in the catalogue",
    "masking": "ranking is over every artist; training items are excluded, and for test also "
    "validation items",
}


def _discounts(k: int) -> np.ndarray:
    discounts: np.ndarray = 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))
    return discounts


def ranking_sums(hits: np.ndarray, n_relevant: np.ndarray, ks: tuple[int, ...]) -> dict[str, float]:
    """Per-metric sums over users (divide by the user count for the averages).

    Args:
        hits: ``bool [n_users, max(ks)]``, whether the item at each rank is a held-out item.
        n_relevant: ``int [n_users]``, held-out items per user; every entry must be ≥ 1.
        ks: cut-offs, each ≤ ``hits.shape[1]``.
    """
    if hits.ndim != 2 or len(hits) != len(n_relevant):
        raise ValueError("hits must be [n_users, K] with one n_relevant per user")
    if (n_relevant < 1).any():
        raise ValueError("users without held-out items must be left out")
    if ks and max(ks) > hits.shape[1]:
        raise ValueError(f"need {max(ks)} ranks, got {hits.shape[1]}")
    sums: dict[str, float] = {}
    for k in ks:
        top = hits[:, :k]
        n_hits = top.sum(axis=1)
        discounts = _discounts(k)
        ideal = np.cumsum(discounts)[np.minimum(n_relevant, k) - 1]
        sums[f"recall@{k}"] = float((n_hits / n_relevant).sum())
        sums[f"precision@{k}"] = float((n_hits / k).sum())
        sums[f"ndcg@{k}"] = float(((top * discounts).sum(axis=1) / ideal).sum())
    return sums


def ranking_metrics(hits: np.ndarray, n_relevant: np.ndarray, ks: tuple[int, ...]) -> dict[str, float]:
    """Recall, precision and NDCG at each K, averaged over the given users (see module doc)."""
    if len(hits) == 0:
        raise ValueError("no user to evaluate")
    return {name: total / len(hits) for name, total in ranking_sums(hits, n_relevant, ks).items()}


def catalogue_coverage(top_items: np.ndarray, valid: np.ndarray, n_items: int, k: int) -> float:
    """Share of the ``n_items`` catalogue found in at least one user's top ``k``.

    Args:
        top_items: ``int [n_users, ≥k]`` ranked item rows.
        valid: ``bool`` of the same shape: False where a rank holds no real recommendation
            (fewer than ``k`` rankable items).
        n_items: catalogue size.
        k: the cut-off.
    """
    items = top_items[:, :k][valid[:, :k]]
    return float(np.unique(items).size / n_items)
