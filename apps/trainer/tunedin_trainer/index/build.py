"""Constructing the FAISS index for maximum-inner-product search (MIPS) over item embeddings.

The API asks for the ~100 items with the largest inner product ``user · item`` and reranks
them. LightGCN item embeddings are not normalised: their norms grow with popularity, so the
search is MIPS, not cosine and not L2.

The trap: HNSW with ``METRIC_INNER_PRODUCT`` on the raw vectors ("plain IP-HNSW") builds its
graph with a non-metric similarity. Items link towards a few large-norm hubs, and the
mid-norm items that fill a user's top-100 are poorly reachable: recall@100 falls while
the top-20 stays mostly right (≈0.80 as measured in the issue that asked for this stage;
0.69-0.92 on our synthetic LightGCN-like sets, depending on graph size and norm spread).

The standard fix, used here (transform ``mips_augment``, see ``tunedin_common.vector_index``):
append ``sqrt(max_norm² − ‖x‖²)`` to every item and 0 to every query. All items then lie on
one sphere, the inner product equals the true one exactly (so the ranking and the scores are
exact) and the graph is an ordinary angular-neighbour graph.

The augmentation is not universally better, and that is measured too: when norms are
heavy-tailed without a shared popularity direction (e.g. max norm 10× the median and
users spread over unrelated clusters) almost every augmented item sits next to the extra
axis, the query (extra coordinate 0) is far from all of them, and greedy graph search gets
lost (recall@100 ≈ 0.6) while plain IP-HNSW is fine. So ``hnsw`` builds both graphs,
measures each against exact search over every user, and keeps the one with the higher
recall (ties: the augmented one). The build is a few seconds; the gate decides the rest.

Measured with ``python -m jobs.build_index --compare`` on 17,632 items × 64 dims and 1,892
users (the Last.fm sizes), embeddings from ``tests.factories``, M=32, efConstruction=200,
efSearch=256, recall over all users, latency of single top-100 queries on one thread (p99 is
noisy: a 2-core machine shared with a training job), faiss 1.15.1:

LightGCN-like (``lightgcn_like_embeddings``: item norms 0.22-2.15, median 0.47)

=====================  =========  ==========  =======  =======  ======  =======
index                  recall@20  recall@100  MB       build s  p50 µs  p99 µs
=====================  =========  ==========  =======  =======  ======  =======
hnsw/mips_augment  ✓   1.0000     0.9993      9.38     1.6      66      111-123
hnsw/none              0.9940     0.9858      9.31     1.0      94      150
flat (exact)           1.0000     1.0000      4.51     0.00     82      134-147
=====================  =========  ==========  =======  =======  ======  =======

Heavy-tailed norms, no shared direction (``skewed_norm_embeddings``: 0.06-7.45, median 0.55)

=====================  =========  ==========  =======  =======  ======  =======
index                  recall@20  recall@100  MB       build s  p50 µs  p99 µs
=====================  =========  ==========  =======  =======  ======  =======
hnsw/none  ✓ (fails)   0.9982     0.9362      9.31     1.7-2.4  143     228
hnsw/mips_augment      0.5876     0.5585      9.38     1.3-1.6  104     207-220
flat (exact)           1.0000     1.0000      4.51     0.00     84      137-141
=====================  =========  ==========  =======  =======  ======  =======

On the trained Last.fm LightGCN (default settings) the two graphs trade places by depth:
at efSearch=256 augmented HNSW gave recall@20 0.988 / @100 0.989 (fails the @20 gate) and
plain IP-HNSW 0.996 / 0.973 (passes, narrowly); at efSearch=512 (the default) 0.992 / 0.995
and 0.999 / 0.987. So the stage keeps, of the candidates that clear both gates, the one that
still clears them with the smallest efSearch (``stage._choose``, ``evaluate.cheapest_ef_search``):
here plain IP-HNSW at 256. Not simply the one with the highest recall@100.

On small graphs the gap is wider: 4,000 LightGCN-like items with M=16, efSearch=128 give
plain recall@100 0.69-0.85 against 0.99 augmented (``tests/unit/test_index_recall.py``).

``flat`` (``IndexFlatIP``, exact) is as fast as HNSW at this catalogue size and half the
size; it is the fallback when a model's embeddings defeat both graphs
(``TUNEDIN_INDEX_TYPE=flat``). HNSW keeps the latency flat as the catalogue grows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import faiss
import numpy as np

from tunedin_common.contract import HnswParams
from tunedin_common.vector_index import MIPS_AUGMENT, NO_TRANSFORM, as_matrix, augment_items
from tunedin_trainer.settings import Settings

IndexType = Literal["hnsw", "flat"]
Transform = Literal["none", "mips_augment"]


@dataclass(frozen=True)
class IndexSpec:
    """What to build: the index type and, for HNSW, its graph parameters."""

    type: IndexType
    hnsw: HnswParams | None

    @classmethod
    def from_settings(cls, settings: Settings) -> IndexSpec:
        if settings.index_type == "flat":
            return cls("flat", None)
        params = HnswParams(
            m=settings.hnsw_m,
            ef_construction=settings.hnsw_ef_construction,
            ef_search=settings.hnsw_ef_search,
        )
        return cls("hnsw", params)

    @property
    def transforms(self) -> tuple[Transform, ...]:
        """The candidate transforms, in order of preference (see the module docstring)."""
        return ("mips_augment", "none") if self.type == "hnsw" else ("none",)

    def __str__(self) -> str:
        if self.hnsw is None:
            return self.type
        h = self.hnsw
        return f"hnsw M={h.m} efConstruction={h.ef_construction} efSearch={h.ef_search}"

    @property
    def ef_search(self) -> int | None:
        return self.hnsw.ef_search if self.hnsw is not None else None


@dataclass(frozen=True)
class BuiltIndex:
    """A faiss index in memory, with what a reader needs to query it."""

    index: faiss.Index
    spec: IndexSpec
    transform: Transform
    max_norm: float | None
    dim: int  # embedding dimension, before any transform
    build_seconds: float


def build(items: np.ndarray, spec: IndexSpec, transform: Transform) -> BuiltIndex:
    """Build an inner-product index over ``items`` ([n_items, dim] float32) with ``transform``."""
    matrix = as_matrix(items, np.shape(items)[-1])
    dim = matrix.shape[1]
    started = time.perf_counter()
    max_norm: float | None = None
    if transform == MIPS_AUGMENT:
        matrix, max_norm = augment_items(matrix)
    elif transform != NO_TRANSFORM:
        raise ValueError(f"unknown transform {transform!r}")
    index: faiss.Index
    if spec.hnsw is None:
        if transform != NO_TRANSFORM:
            raise ValueError("a flat index is exact and takes no transform")
        index = faiss.IndexFlatIP(matrix.shape[1])
    else:
        hnsw = faiss.IndexHNSWFlat(matrix.shape[1], spec.hnsw.m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = spec.hnsw.ef_construction
        hnsw.hnsw.efSearch = spec.hnsw.ef_search
        index = hnsw
    index.add(matrix)
    return BuiltIndex(index, spec, transform, max_norm, dim, time.perf_counter() - started)
