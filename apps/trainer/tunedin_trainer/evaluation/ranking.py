"""Scoring every evaluated user against every item and turning the top-K lists into metrics.

A scorer maps a batch of user rows to ``float32 [batch, n_items]`` scores (LightGCN: user
embeddings times item embeddings; baselines: their own scores). Items the user already has
in the "known" splits are set to ``-inf`` before ``torch.topk``, so a ranked list never
holds them; ranks whose score is ``-inf`` are not recommendations at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from tunedin_trainer.evaluation.metrics import catalogue_coverage, ranking_sums

Scorer = Callable[[np.ndarray], Tensor]
KS: tuple[int, ...] = (10, 20)
_CHUNK = 512


def interaction_matrix(pairs: Sequence[np.ndarray], n_users: int, n_items: int) -> sp.csr_matrix:
    """Binary ``[n_users, n_items]`` CSR matrix holding every ``(user, item)`` of ``pairs``."""
    stacked = np.concatenate([np.asarray(p, dtype=np.int64).reshape(-1, 2) for p in pairs])
    data = np.ones(len(stacked), dtype=np.float32)
    matrix = sp.csr_matrix((data, (stacked[:, 0], stacked[:, 1])), shape=(n_users, n_items))
    matrix.data[:] = 1.0  # duplicates were summed
    return matrix


def embedding_scorer(users: Tensor, items: Tensor) -> Scorer:
    """Inner-product scores of user rows against every item embedding."""

    def score(rows: np.ndarray) -> Tensor:
        return users[torch.as_tensor(rows, dtype=torch.long)] @ items.T

    return score


def top_k(scorer: Scorer, rows: np.ndarray, known: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(items int64 [n, k], valid bool [n, k])``: each user's best unknown items, best first.

    ``valid`` is False at ranks that hold no recommendation (known items only, or fewer than
    ``k`` items in the catalogue).
    """
    block = known[rows].tocoo()
    scores = scorer(rows).to(torch.float32).clone()
    scores[
        torch.as_tensor(block.row, dtype=torch.long), torch.as_tensor(block.col, dtype=torch.long)
    ] = -torch.inf
    values, indices = torch.topk(scores, min(k, scores.shape[1]), dim=1)
    items, valid = indices.numpy().astype(np.int64), torch.isfinite(values).numpy()
    if items.shape[1] < k:  # a catalogue smaller than k: the missing ranks hold nothing
        missing = k - items.shape[1]
        items = np.pad(items, ((0, 0), (0, missing)))
        valid = np.pad(valid, ((0, 0), (0, missing)), constant_values=False)
    return items, valid


@dataclass(frozen=True)
class Ranking:
    """What ``rank`` found: the metrics, and the top-``max(ks)`` list of each evaluated user."""

    metrics: dict[str, float]
    items: np.ndarray  # int64 [n_evaluated, max(ks)]
    valid: np.ndarray  # bool, same shape: False where a rank holds no recommendation


def evaluate(
    scorer: Scorer,
    known: sp.csr_matrix,
    held_out: sp.csr_matrix,
    ks: tuple[int, ...] = KS,
    chunk: int = _CHUNK,
) -> dict[str, float]:
    """Recall/precision/NDCG/coverage at each K over users with at least one held-out item.

    Args:
        scorer: scores of user rows against all items.
        known: ``[n_users, n_items]`` items to exclude from the ranking (train, + valid for test).
        held_out: ``[n_users, n_items]`` the items to find (valid or test).
        ks: cut-offs.
        chunk: users scored at once (bounds memory to ``chunk × n_items`` floats).
    """
    return rank(scorer, known, held_out, ks, chunk).metrics


def rank(
    scorer: Scorer,
    known: sp.csr_matrix,
    held_out: sp.csr_matrix,
    ks: tuple[int, ...] = KS,
    chunk: int = _CHUNK,
) -> Ranking:
    """``evaluate``, keeping the ranked lists (for what they say beyond hits: see ``popularity``)."""
    n_items = held_out.shape[1]
    k_max = max(ks)
    n_relevant = np.diff(held_out.indptr)
    users = np.flatnonzero(n_relevant > 0)
    if len(users) == 0:
        raise ValueError("no user has held-out items")
    sums: dict[str, float] = {}
    ranked: list[tuple[np.ndarray, np.ndarray]] = []
    for start in range(0, len(users), chunk):
        rows = users[start : start + chunk]
        items, valid = top_k(scorer, rows, known, k_max)
        relevant = held_out[rows].toarray() > 0
        hits = np.take_along_axis(relevant, items, axis=1) & valid
        for name, value in ranking_sums(hits, n_relevant[rows], ks).items():
            sums[name] = sums.get(name, 0.0) + value
        ranked.append((items, valid))
    metrics = {name: total / len(users) for name, total in sums.items()}
    all_items = np.concatenate([items for items, _ in ranked])
    all_valid = np.concatenate([valid for _, valid in ranked])
    for k in ks:
        metrics[f"coverage@{k}"] = catalogue_coverage(all_items, all_valid, n_items, k)
    return Ranking(metrics, all_items, all_valid)
