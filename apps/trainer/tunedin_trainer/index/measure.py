"""Measuring an index: exact ground truth, recall@k, and single-query latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import faiss
import numpy as np

from tunedin_common.vector_index import as_matrix

_RECALL_CHUNK = 512  # queries compared at once: keeps the [chunk, k, k] comparison small


@contextmanager
def faiss_threads(threads: int) -> Iterator[None]:
    """Run faiss (OpenMP) with ``threads`` threads inside the block, then restore the setting."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def exact_top_k(items: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` items with the largest inner product per query, exact (``IndexFlatIP``)."""
    matrix = as_matrix(items, np.shape(items)[-1])
    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(matrix)
    _, rows = index.search(as_matrix(queries, matrix.shape[1]), min(k, matrix.shape[0]))
    return np.asarray(rows, dtype=np.int64)


def recall_at_k(found: np.ndarray, exact: np.ndarray, k: int) -> float:
    """Mean over queries of |found top-k ∩ exact top-k| / k (rows of -1 never match)."""
    if found.shape[0] != exact.shape[0] or min(found.shape[1], exact.shape[1]) < k:
        raise ValueError(f"need {k} results per query, got {found.shape} and {exact.shape}")
    hits = 0
    for start in range(0, found.shape[0], _RECALL_CHUNK):
        a = found[start : start + _RECALL_CHUNK, :k]
        b = exact[start : start + _RECALL_CHUNK, :k]
        hits += int(((a[:, :, None] == b[:, None, :]) & (a[:, :, None] >= 0)).any(axis=2).sum())
    return hits / (int(found.shape[0]) * k)


@dataclass(frozen=True)
class Latency:
    """Percentiles of single-query search time, in microseconds."""

    p50: float
    p99: float
    queries: int


def latency_us(search: Callable[[np.ndarray], object], queries: np.ndarray, warmup: int = 20) -> Latency:
    """Time ``search`` on each query alone (batch of one), as the API issues them."""
    for row in queries[:warmup]:
        search(row[None, :])
    timings = np.empty(len(queries), dtype=np.float64)
    for i, row in enumerate(queries):
        query = row[None, :]
        started = time.perf_counter_ns()
        search(query)
        timings[i] = (time.perf_counter_ns() - started) / 1000
    p50, p99 = np.percentile(timings, [50, 99])
    return Latency(float(p50), float(p99), len(queries))
