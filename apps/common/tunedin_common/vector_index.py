"""The item index both sides share: the MIPS transform, loading ``index.faiss``, and search.

``build-index`` (trainer) writes the index with :func:`augment_items`; the API loads it with
:meth:`VectorIndex.load` and asks :meth:`VectorIndex.search` for the items with the largest
inner product with a user embedding. This module needs only numpy and faiss (no torch, no
trainer code), so the API image stays small.

Transforms (``IndexMeta.transform``):

* ``none``: the index holds the item embeddings as they are and searches by inner product.
* ``mips_augment``: the maximum-inner-product to nearest-neighbour reduction. Each item ``x``
  gets one more coordinate ``sqrt(max_norm² − ‖x‖²)``, so every item has norm ``max_norm``;
  queries get a ``0``. Then ``q̃·x̃ = q·x``: the index still searches by inner product, its
  scores are the true inner products and the ranking is exactly the inner-product ranking,
  but the HNSW graph is built over points on one sphere, where its neighbourhoods behave.

Either way :meth:`VectorIndex.search` returns true inner-product scores, best first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from tunedin_common.contract import INDEX_FILE, INDEX_META_FILE, ContractError, IndexMeta

MIPS_AUGMENT = "mips_augment"
NO_TRANSFORM = "none"


def as_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    """``vectors`` as a C-contiguous float32 ``[n, dim]`` matrix (a single vector becomes one row)."""
    matrix = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != dim:
        raise ValueError(f"expected vectors of dimension {dim}, got shape {np.shape(vectors)}")
    return matrix


def augment_items(items: np.ndarray) -> tuple[np.ndarray, float]:
    """Lift every item to the same norm: ``[x, sqrt(max_norm² − ‖x‖²)]``; return it and ``max_norm``.

    Norms are computed in float64 so the extra coordinate of the largest items does not
    come out as the square root of a rounding error.
    """
    matrix = as_matrix(items, np.shape(items)[-1])
    squared = np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64)
    max_norm = float(np.sqrt(squared.max()))
    extra = np.sqrt(np.maximum(max_norm * max_norm - squared, 0.0))
    return np.hstack([matrix, extra[:, None].astype(np.float32)]), max_norm


def augment_queries(queries: np.ndarray) -> np.ndarray:
    """The query side of :func:`augment_items`: append a zero, which keeps every inner product."""
    matrix = as_matrix(queries, np.shape(queries)[-1])
    return np.hstack([matrix, np.zeros((matrix.shape[0], 1), dtype=np.float32)])


def index_dim(meta: IndexMeta) -> int:
    """Dimension of the vectors stored in the faiss index (the embedding dim, plus one when augmented)."""
    return meta.dim + (1 if meta.transform == MIPS_AUGMENT else 0)


def serialize(index: faiss.Index) -> bytes:
    """The bytes of ``index.faiss`` for a faiss index (write them with an atomic write)."""
    return bytes(faiss.serialize_index(index).tobytes())


def read_index_meta(directory: Path) -> IndexMeta:
    """``index.json`` of a model directory, validated; ContractError when missing or invalid."""
    path = directory / INDEX_META_FILE
    try:
        return IndexMeta.model_validate_json(path.read_bytes())
    except FileNotFoundError as exc:
        raise ContractError(f"{path} is missing: the model has no index") from exc
    except ValueError as exc:
        reason = " ".join(str(exc).split())
        raise ContractError(f"{path} does not follow the contract: {reason}") from exc


@dataclass(frozen=True)
class VectorIndex:
    """A loaded item index and its metadata; ``search`` is safe to call from several threads."""

    index: faiss.Index  # IndexHNSWFlat or IndexFlatIP, metric inner product
    meta: IndexMeta

    def __post_init__(self) -> None:
        if self.index.ntotal != self.meta.n_items or self.index.d != index_dim(self.meta):
            raise ContractError(
                f"index holds {self.index.ntotal} vectors of dim {self.index.d}, its metadata says "
                f"{self.meta.n_items} of dim {index_dim(self.meta)}"
            )
        if self.index.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ContractError("index does not search by inner product")

    @classmethod
    def load(cls, directory: Path) -> VectorIndex:
        """Load ``index.faiss`` + ``index.json`` from a model directory.

        Checksums are the manifest's business: verify the model (``ArtifactStore.require_servable``)
        before loading it.
        """
        meta = read_index_meta(directory)
        path = directory / INDEX_FILE
        if not path.is_file():
            raise ContractError(f"{path} is missing: the model has no index")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise ContractError(f"{path} is not a faiss index: {str(exc).splitlines()[0]}") from exc
        return cls(index, meta)

    @property
    def n_items(self) -> int:
        return self.meta.n_items

    def search(self, user_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` items by inner product for each user vector: see :func:`search_index`."""
        ef_search = self.meta.params.ef_search if self.meta.params is not None else None
        return search_index(self.index, user_vectors, k, transform=self.meta.transform, ef_search=ef_search)


def search_index(
    index: faiss.Index, user_vectors: np.ndarray, k: int, *, transform: str, ef_search: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` items by inner product for each user vector: ``(scores, item_rows)``.

    ``user_vectors`` is ``[dim]`` or ``[n, dim]``; both results are ``[n, min(k, n_items)]``,
    best first. ``scores`` (float32) are the true inner products ``user · item``;
    ``item_rows`` (int64) are rows of ``item_embeddings.npy`` / ``items.parquet``. A slot the
    approximate search could not fill holds row ``-1`` (not seen with ``efSearch ≥ k``).
    An HNSW index searches with ``max(ef_search, k)`` candidates, passed per call, so
    concurrent searches share no mutable state.
    """
    if k < 1:
        raise ValueError(f"k must be positive, got {k}")
    augmented = transform == MIPS_AUGMENT
    queries = as_matrix(user_vectors, index.d - 1 if augmented else index.d)
    if augmented:
        queries = augment_queries(queries)
    k = min(k, index.ntotal)
    params = None
    if ef_search is not None:  # faiss's bundled stubs lack SearchParametersHNSW
        params = faiss.SearchParametersHNSW(efSearch=max(ef_search, k))  # type: ignore[attr-defined]
    scores, rows = index.search(queries, k, params=params)
    return np.asarray(scores, dtype=np.float32), np.asarray(rows, dtype=np.int64)
