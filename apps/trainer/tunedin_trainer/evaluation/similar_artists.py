"""How good a "similar artists" list is, measured offline on data its candidates can be checked on.

Protocol: a seeded sample of query artists with at least ``min_listeners`` listeners in the
fitting data; each candidate similarity returns its top ``k`` for every query (never the
query itself). For each returned artist ``j`` of query ``q``:

* ``listener_jaccard``: Jaccard of the listener sets of ``q`` and ``j`` in the fitting data
  (a co-listening model is fitted on exactly these sets, so it is favoured here);
* ``heldout_fans``: share of ``q``'s listeners (fitting data) who have ``j`` among their
  held-out test artists, which no candidate was fitted on;
* ``tag_jaccard``: Jaccard of the two artists' top-tag sets (0 when either has none);
  co-listening uses no tags, but embeddings trained with tag nodes (``tag_edge_weight`` > 0)
  are fitted on them, so it favours those;
* ``log_listeners``: ``ln(1 + listeners of j)``, how popular the returned artists are.

Each is averaged over the returned pairs. The **baseline** of a candidate replaces every
returned artist by a random artist (seeded) of the same popularity bin (bins of
``ln(1 + listeners)`` of width ``BIN_WIDTH``, the query excluded), so a candidate's lift over
its baseline is what it finds beyond the popularity of what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

SimilarityScorer = Callable[[np.ndarray], np.ndarray]  # query rows → float32 [n, n_items]
PROTOCOL = " ".join((__doc__ or "\n\n").split("\n\n", 1)[1].split())
MEASURES = ("listener_jaccard", "heldout_fans", "tag_jaccard", "log_listeners")
BIN_WIDTH = 0.5
_CHUNK = 256


@dataclass(frozen=True)
class SimilarityData:
    """What the measures read: fitting-data listeners, held-out pairs, tags."""

    fit: sp.csr_matrix  # binary [n_users, n_items]: what the candidates were fitted on
    heldout: sp.csr_matrix  # binary [n_users, n_items]: test pairs
    tags: list[frozenset[str]]  # per item row: its top tags, lower-cased

    @property
    def listeners(self) -> np.ndarray:
        counts: np.ndarray = np.asarray(self.fit.sum(axis=0)).ravel().astype(np.int64)
        return counts


def query_sample(listeners: np.ndarray, min_listeners: int, size: int, seed: int) -> np.ndarray:
    """Up to ``size`` item rows with at least ``min_listeners`` listeners, sorted, seeded."""
    eligible = np.flatnonzero(listeners >= min_listeners)
    if eligible.size <= size:
        return eligible
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(eligible, size, replace=False))


def top_k_rows(scorer: SimilarityScorer, queries: np.ndarray, k: int) -> np.ndarray:
    """``int64 [n_queries, k]``: each query's ``k`` best rows by ``scorer``, never itself."""
    chunks = []
    for start in range(0, queries.size, _CHUNK):
        rows = queries[start : start + _CHUNK]
        scores = np.array(scorer(rows), dtype=np.float32)
        scores[np.arange(rows.size), rows] = -np.inf
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.lexsort((part, -np.take_along_axis(scores, part, axis=1)), axis=1)
        chunks.append(np.take_along_axis(part, order, axis=1))
    return np.concatenate(chunks).astype(np.int64)


def _bins(listeners: np.ndarray) -> np.ndarray:
    binned: np.ndarray = np.floor(np.log1p(listeners) / BIN_WIDTH).astype(np.int64)
    return binned


def popularity_matched(
    returned: np.ndarray, queries: np.ndarray, listeners: np.ndarray, seed: int
) -> np.ndarray:
    """``returned`` with every artist replaced by a random one of its popularity bin (never the query)."""
    rng = np.random.default_rng(seed)
    bins = _bins(listeners)
    members = {int(b): np.flatnonzero(bins == b) for b in np.unique(bins[returned])}
    out = np.empty_like(returned)
    for (q, slot), row in np.ndenumerate(returned):
        pool = members[int(bins[row])]
        pick = int(pool[rng.integers(pool.size)])
        while pick == queries[q] and pool.size > 1:
            pick = int(pool[rng.integers(pool.size)])
        out[q, slot] = pick
    return out


def measure(returned: np.ndarray, queries: np.ndarray, data: SimilarityData) -> dict[str, float]:
    """The ``MEASURES`` averaged over every (query, returned artist) pair."""
    fit_items = data.fit.T.tocsr()
    held_items = data.heldout.T.tocsr()
    listeners = data.listeners
    jaccard, fans, tags = [], [], []
    for q, row in enumerate(queries.tolist()):
        picks = returned[q]
        shared = np.asarray((fit_items[picks] @ fit_items[row].T).todense()).ravel()
        union = listeners[picks] + listeners[row] - shared
        jaccard.append(np.divide(shared, union, out=np.zeros(picks.size), where=union > 0))
        fans_of_q = fit_items[row].indices
        held = np.asarray(held_items[picks][:, fans_of_q].sum(axis=1)).ravel()
        fans.append(held / max(fans_of_q.size, 1))
        mine = data.tags[row]
        tags.append(
            np.array(
                [
                    len(mine & data.tags[p]) / len(mine | data.tags[p]) if mine and data.tags[p] else 0.0
                    for p in picks
                ]
            )
        )
    return {
        "listener_jaccard": float(np.concatenate(jaccard).mean()),
        "heldout_fans": float(np.concatenate(fans).mean()),
        "tag_jaccard": float(np.concatenate(tags).mean()),
        "log_listeners": float(np.log1p(listeners[returned]).mean()),
    }


def evaluate_similar(
    scorers: dict[str, SimilarityScorer], data: SimilarityData, queries: np.ndarray, k: int, seed: int
) -> dict[str, dict[str, dict[str, float]]]:
    """``{candidate: {"measures": …, "baseline": …}}`` for every candidate scorer (empty
    measures without queries)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, scorer in scorers.items():
        if queries.size == 0:
            out[name] = {"measures": {}, "baseline": {}}
            continue
        returned = top_k_rows(scorer, queries, k)
        baseline = popularity_matched(returned, queries, data.listeners, seed)
        out[name] = {
            "measures": measure(returned, queries, data),
            "baseline": measure(baseline, queries, data),
        }
    return out
