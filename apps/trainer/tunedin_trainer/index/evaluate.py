"""Build the candidate indexes of a spec, measure each against exact search, keep the best."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import faiss
import numpy as np

from tunedin_common.contract import IndexMeta, QueryLatency, utcnow
from tunedin_common.vector_index import search_index
from tunedin_trainer.index.build import BuiltIndex, IndexSpec, build
from tunedin_trainer.index.measure import exact_top_k, faiss_threads, latency_us, recall_at_k

log = logging.getLogger(__name__)

RECALL_KS = (20, 100)
LATENCY_K = 100  # what the API asks for before reranking
LATENCY_THREADS = 1
LATENCY_MAX_QUERIES = 2000


@dataclass(frozen=True)
class Evaluation:
    """One built index and its recall against exact inner-product search."""

    built: BuiltIndex
    recall_at_20: float
    recall_at_100: float
    queries: int

    @property
    def label(self) -> str:
        return f"{self.built.spec.type}/{self.built.transform}"


def search(built: BuiltIndex, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Search ``built`` exactly the way the API will (``tunedin_common.vector_index``)."""
    return search_index(built.index, queries, k, transform=built.transform, ef_search=built.spec.ef_search)


def evaluate(built: BuiltIndex, queries: np.ndarray, truth: np.ndarray) -> Evaluation:
    """Recall@20 and @100 of ``built`` over every query; ``truth`` is the exact top-100."""
    recalls = []
    for k in RECALL_KS:
        k = min(k, truth.shape[1])
        _, rows = search(built, queries, k)
        recalls.append(recall_at_k(rows, truth, k))
    return Evaluation(built, recalls[0], recalls[1], len(queries))


def build_best(items: np.ndarray, queries: np.ndarray, spec: IndexSpec) -> list[Evaluation]:
    """Every candidate transform of ``spec``, measured; the chosen one (highest recall) first."""
    truth = exact_top_k(items, queries, max(RECALL_KS))
    evaluations = []
    for transform in spec.transforms:
        evaluation = evaluate(build(items, spec, transform), queries, truth)
        log.info(
            "candidate %s: recall@20 %.4f, recall@100 %.4f, built in %.2f s",
            evaluation.label,
            evaluation.recall_at_20,
            evaluation.recall_at_100,
            evaluation.built.build_seconds,
        )
        evaluations.append(evaluation)
    # sorted() is stable: on equal recall the preferred (earlier) transform stays first
    return sorted(evaluations, key=lambda e: (-e.recall_at_100, -e.recall_at_20))


def passes(evaluation: Evaluation, gate_at_20: float, gate_at_100: float) -> bool:
    return evaluation.recall_at_20 >= gate_at_20 and evaluation.recall_at_100 >= gate_at_100


def cheapest_ef_search(
    chosen: Evaluation, queries: np.ndarray, gate_at_20: float, gate_at_100: float
) -> Evaluation:
    """``chosen`` with the smallest efSearch (halving down to ``LATENCY_K``) that still clears both
    gates: search time grows with efSearch, and the setting is the most the API may spend.

    Returns ``chosen`` itself when it is flat, fails the gates, or no smaller value passes.
    """
    params = chosen.built.spec.hnsw
    if params is None or not passes(chosen, gate_at_20, gate_at_100):
        return chosen
    truth = exact_top_k(_item_matrix(chosen.built), queries, max(RECALL_KS))
    best = chosen
    ef = params.ef_search // 2
    while ef >= LATENCY_K:
        spec = replace(chosen.built.spec, hnsw=params.model_copy(update={"ef_search": ef}))
        candidate = evaluate(replace(chosen.built, spec=spec), queries, truth)
        if not passes(candidate, gate_at_20, gate_at_100):
            break
        best, ef = candidate, ef // 2
    if best is not chosen:
        best.built.index.hnsw.efSearch = best.built.spec.ef_search  # type: ignore[attr-defined]
        log.info(
            "efSearch %d → %d still clears the gates: recall@20 %.4f, recall@100 %.4f",
            params.ef_search,
            best.built.spec.ef_search,
            best.recall_at_20,
            best.recall_at_100,
        )
    return best


def _item_matrix(built: BuiltIndex) -> np.ndarray:
    """The item embeddings back out of the index (without the augmentation's extra coordinate)."""
    stored = built.index.reconstruct_n(0, built.index.ntotal)
    return np.ascontiguousarray(stored[:, : built.dim], dtype=np.float32)


def measure_latency(built: BuiltIndex, queries: np.ndarray) -> QueryLatency:
    """Single-query latency of a top-100 search on one thread, over up to 2000 queries."""
    sample = queries[:LATENCY_MAX_QUERIES]
    with faiss_threads(LATENCY_THREADS):
        latency = latency_us(lambda q: search(built, q, LATENCY_K), sample)
    return QueryLatency(
        p50=round(latency.p50, 1),
        p99=round(latency.p99, 1),
        k=LATENCY_K,
        threads=LATENCY_THREADS,
        queries=latency.queries,
    )


def describe(model_id: str, evaluation: Evaluation, index_bytes: bytes, queries: np.ndarray) -> IndexMeta:
    """The ``index.json`` of an evaluated index, with its latency measured now."""
    built = evaluation.built
    return IndexMeta(
        model_id=model_id,
        type=built.spec.type,
        transform=built.transform,
        max_norm=built.max_norm,
        params=built.spec.hnsw,
        n_items=built.index.ntotal,
        dim=built.dim,
        bytes=len(index_bytes),
        build_seconds=round(built.build_seconds, 4),
        recall_at_20=evaluation.recall_at_20,
        recall_at_100=evaluation.recall_at_100,
        recall_queries=evaluation.queries,
        query_latency_us=measure_latency(built, queries),
        faiss_version=faiss.__version__,
        built_at=utcnow(),
    )
