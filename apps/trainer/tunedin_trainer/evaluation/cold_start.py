"""Cold start measured offline: recommendations from ``k`` seed artists, scored on held-out artists.

Protocol (``PROTOCOL``): the evaluated users have at least ``max(ks)`` training artists and at
least one held-out artist. Each user's training artists are shuffled once by a seeded RNG and
the first ``k`` are the seeds, so the seeds of a smaller ``k`` are among those of a larger
one. A method scores every artist from the seeds alone; the user's known artists (train,
and for test also valid) are masked and Recall/NDCG at 10 and 20 are computed on the
held-out artists as in the main evaluation. Tunable settings (λ of the least-squares fold-in,
β of the popularity debiasing) are chosen on valid — embeddings fitted on train, valid
artists held out, the mean valid Recall@20 over ``ks`` — then each method is scored once on
test with the final embeddings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from tunedin_common.fold_in import fold_in_vector, popularity_debias
from tunedin_trainer.evaluation.metrics import ranking_sums
from tunedin_trainer.evaluation.ranking import top_k
from tunedin_trainer.similar.colisten import CoListening

KS = (1, 3, 5, 10)
BETAS = (0.0, 0.05, 0.1)
LAMBDAS = (1.0, 3.0, 10.0)
CUTOFFS = (10, 20)
PROTOCOL = " ".join((__doc__ or "\n\n").split("\n\n", 1)[1].split())


@dataclass(frozen=True)
class Fit:
    """What one fitting of the models offers the methods: embeddings and co-listening."""

    items: np.ndarray  # float32 [n_items, dim]
    colisten: CoListening

    @property
    def listeners(self) -> np.ndarray:
        return self.colisten.listeners


@dataclass(frozen=True)
class Method:
    """A cold-start method and its settings: ``mean``, ``least_squares`` or ``colisten``."""

    name: str
    lam: float = 0.0
    beta: float = 0.0

    def scores(self, fit: Fit, seeds: np.ndarray) -> np.ndarray:
        """``float32 [n_users, n_items]`` from ``seeds`` (``int [n_users, k]``: each row one user's)."""
        if self.name == "colisten":
            n, k = seeds.shape
            raw: np.ndarray = fit.colisten.scores(seeds.ravel()).reshape(n, k, -1).sum(axis=1)
        else:
            vectors = np.stack([fold_in_vector(fit.items, row, self.name, self.lam) for row in seeds])
            raw = vectors @ fit.items.T
        return popularity_debias(raw, fit.listeners, self.beta)

    def params(self) -> dict[str, float]:
        return (
            {"lambda": self.lam, "beta": self.beta} if self.name == "least_squares" else {"beta": self.beta}
        )


def seed_orders(train: sp.csr_matrix, users: np.ndarray, seed: int) -> dict[int, np.ndarray]:
    """Each user's training artists in a seeded random order (the first ``k`` are their seeds)."""
    rng = np.random.default_rng(seed)
    return {int(u): rng.permutation(train.indices[train.indptr[u] : train.indptr[u + 1]]) for u in users}


def eligible_users(train: sp.csr_matrix, held_out: sp.csr_matrix, min_seeds: int) -> np.ndarray:
    counts = np.diff(train.indptr)
    users: np.ndarray = np.flatnonzero((counts >= min_seeds) & (np.diff(held_out.indptr) > 0))
    return users


def score_users(
    method: Method,
    fit: Fit,
    users: np.ndarray,
    orders: dict[int, np.ndarray],
    k: int,
    known: sp.csr_matrix,
    held_out: sp.csr_matrix,
) -> dict[str, float]:
    """Recall/NDCG at ``CUTOFFS`` of ``method`` from each user's first ``k`` seeds, averaged."""
    seeds = np.stack([orders[int(u)][:k] for u in users])
    scores = torch.as_tensor(method.scores(fit, seeds))
    items, valid = top_k(lambda _rows: scores, users, known, max(CUTOFFS))
    relevant = held_out[users].toarray() > 0
    hits = np.take_along_axis(relevant, items, axis=1) & valid
    sums = ranking_sums(hits, np.diff(held_out.indptr)[users], CUTOFFS)
    return {name: value / users.size for name, value in sums.items() if not name.startswith("precision")}


def evaluate_method(
    method: Method,
    fit: Fit,
    users: np.ndarray,
    orders: dict[int, np.ndarray],
    known: sp.csr_matrix,
    held_out: sp.csr_matrix,
    ks: Iterable[int] = KS,
    chunk: int = 128,
) -> dict[int, dict[str, float]]:
    """``{k: metrics}`` of one method, users scored ``chunk`` at a time (empty without users)."""
    out: dict[int, dict[str, float]] = {}
    for k in ks:
        if users.size == 0:
            out[k] = {}
            continue
        totals: dict[str, float] = {}
        step = max(1, chunk // k) if method.name == "colisten" else chunk  # bounds [chunk·k, n_items]
        for start in range(0, users.size, step):
            block = users[start : start + step]
            for name, value in score_users(method, fit, block, orders, k, known, held_out).items():
                totals[name] = totals.get(name, 0.0) + value * block.size
        out[k] = {name: total / users.size for name, total in totals.items()}
    return out


def candidate_methods(betas: Iterable[float] = BETAS, lambdas: Iterable[float] = LAMBDAS) -> list[Method]:
    """Every setting tried on valid: each method × β, and λ for the least-squares fold-in."""
    betas, lambdas = tuple(betas), tuple(lambdas)
    methods = [Method("mean", beta=b) for b in betas]
    methods += [Method("least_squares", lam=lam, beta=b) for lam in lambdas for b in betas]
    methods += [Method("colisten", beta=b) for b in betas]
    return methods


def mean_recall(by_k: dict[int, dict[str, float]]) -> float:
    """Mean recall@20 over the seed counts (0 when nothing was measured)."""
    values = [metrics["recall@20"] for metrics in by_k.values() if metrics]
    return float(np.mean(values)) if values else 0.0
