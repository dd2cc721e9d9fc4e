"""Recall measured against exact search, the MIPS trap and its fix, size accounting, the gates."""

from __future__ import annotations

import numpy as np
import pytest

from tests.factories import lightgcn_like_embeddings, make_settings, skewed_norm_embeddings
from tunedin_common.contract import ArtifactStore, HnswParams
from tunedin_common.vector_index import serialize
from tunedin_trainer.errors import GateError
from tunedin_trainer.index.build import IndexSpec, build
from tunedin_trainer.index.evaluate import build_best, describe, evaluate, search
from tunedin_trainer.index.gates import check_index_gates, index_gate_failures
from tunedin_trainer.index.measure import exact_top_k, recall_at_k

# Small graphs on 4,000 items show at test speed what M=32/efSearch=256 shows on 17.6k items.
SMALL_HNSW = IndexSpec("hnsw", HnswParams(m=16, ef_construction=100, ef_search=128))


def test_recall_at_k_counts_the_overlap_per_query() -> None:
    exact = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    found = np.array([[4, 3, 9, 1], [5, -1, -1, -1]])
    assert recall_at_k(found, exact, 4) == pytest.approx((3 / 4 + 1 / 4) / 2)
    assert recall_at_k(found, exact, 2) == pytest.approx((0 / 2 + 1 / 2) / 2)
    assert recall_at_k(exact, exact, 4) == 1.0
    with pytest.raises(ValueError):
        recall_at_k(found[:, :2], exact, 4)


def test_exact_top_k_is_the_inner_product_ranking() -> None:
    users, items = lightgcn_like_embeddings(50, 400, 16, seed=5)
    expected = np.argsort(-(users @ items.T), axis=1, kind="stable")[:, :20]
    assert (exact_top_k(items, users, 20) == expected).mean() > 0.999


def test_augmented_hnsw_passes_the_gates_where_plain_inner_product_hnsw_does_not(
    store: ArtifactStore,
) -> None:
    """The measured trap: LightGCN-like norms (popularity direction, ~10× norm spread)."""
    users, items = lightgcn_like_embeddings(400, 4000, 32, seed=1)
    settings = make_settings(store)
    truth = exact_top_k(items, users, 100)

    plain = evaluate(build(items, SMALL_HNSW, "none"), users, truth)
    augmented = evaluate(build(items, SMALL_HNSW, "mips_augment"), users, truth)

    assert plain.recall_at_100 < 0.9 < settings.recall_gate_at_100, "plain IP-HNSW loses the deep list"
    assert augmented.recall_at_100 >= settings.recall_gate_at_100
    assert augmented.recall_at_20 >= settings.recall_gate_at_20
    chosen = build_best(items, users, SMALL_HNSW)
    assert [e.built.transform for e in chosen] == ["mips_augment", "none"]


def test_build_keeps_plain_hnsw_when_heavy_tailed_norms_defeat_the_augmentation(store: ArtifactStore) -> None:
    users, items = skewed_norm_embeddings(300, 2000, 32, seed=0)
    # efSearch 256: a breadth at which the augmented graph visibly gets lost on these norms.
    spec = IndexSpec.from_settings(make_settings(store, hnsw_ef_search=256))

    chosen = build_best(items, users, spec)

    assert [e.built.transform for e in chosen] == ["none", "mips_augment"]
    assert chosen[0].recall_at_100 >= 0.97 > chosen[1].recall_at_100


def test_flat_index_is_exact_and_measured_so() -> None:
    users, items = skewed_norm_embeddings(100, 1000, 16, seed=2)
    (flat,) = build_best(items, users, IndexSpec("flat", None))
    assert flat.recall_at_20 == flat.recall_at_100 == 1.0
    scores, rows = search(flat.built, users, 10)
    np.testing.assert_allclose(
        scores, np.take_along_axis(users @ items.T, rows, axis=1), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="no transform"):
        build(items, IndexSpec("flat", None), "mips_augment")


def test_size_is_the_serialized_index_and_hnsw_pays_for_vectors_plus_graph() -> None:
    users, items = lightgcn_like_embeddings(100, 2000, 32, seed=0)
    spec = IndexSpec("hnsw", HnswParams(m=16, ef_construction=64, ef_search=64))
    best = build_best(items, users, spec)[0]
    data = serialize(best.built.index)
    meta = describe("20260101T000000Z-0123abcd", best, data, users)

    vectors = 2000 * 33 * 4  # float32, one extra coordinate for the augmentation
    level0_links = 2000 * 2 * 16 * 4  # 2·M int32 neighbours per item on the base layer
    assert meta.bytes == len(data)
    assert vectors + level0_links < meta.bytes < 1.2 * (vectors + level0_links)
    assert meta.recall_queries == 100 and meta.n_items == 2000 and meta.dim == 32


def test_gates_report_every_failure_in_one_line(store: ArtifactStore) -> None:
    users, items = lightgcn_like_embeddings(100, 2000, 32, seed=0)
    best = build_best(items, users, SMALL_HNSW)[0]
    meta = describe("20260101T000000Z-0123abcd", best, serialize(best.built.index), users)
    settings = make_settings(store)
    assert index_gate_failures(meta, settings) == []

    strict = make_settings(store, max_index_mb=0.1)
    assert index_gate_failures(meta, strict) == [f"index is {meta.bytes / 1e6:.2f} MB > limit 0.1 MB"]
    worse = meta.model_copy(update={"recall_at_20": 0.95, "recall_at_100": 0.8})
    with pytest.raises(GateError) as failed:
        check_index_gates(worse, strict)
    message = str(failed.value)
    assert "\n" not in message
    assert "recall@20 0.9500 < gate 0.99" in message and "recall@100 0.8000 < gate 0.97" in message
    assert "MB > limit" in message and "M=16 efSearch=128" in message
