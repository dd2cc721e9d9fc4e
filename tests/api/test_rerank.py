"""MMR reranking on hand-checked examples, and against a naive reference on random candidates."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import numpy as np
import pandas as pd

from tunedin_api.model.catalogue import Catalogue
from tunedin_api.model.loaded import LoadedModel
from tunedin_api.recommend.rerank import EMBEDDING_WEIGHT, TAG_WEIGHT, select, tag_jaccard


def _model(unit: np.ndarray, tags: list[list[str]]) -> LoadedModel:
    items = pd.DataFrame(
        {
            "artist_id": np.arange(len(tags), dtype=np.int64) + 100,
            "name": [f"artist {i}" for i in range(len(tags))],
            "top_tags": tags,
            "listeners": np.arange(len(tags), dtype=np.int64),
        }
    )
    catalogue = Catalogue.from_items(items)
    return cast(LoadedModel, SimpleNamespace(item_unit=unit.astype(np.float32), catalogue=catalogue))


def _hand_model() -> LoadedModel:
    # a and b are the same artist twice; c is far from a; d sits between them.
    unit = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    return _model(unit, [["rock"], ["Rock"], ["jazz"], ["rock", "jazz"]])


def test_mmr_order_on_a_hand_checked_example() -> None:
    # λ = 0.5. Step 1: a (best relevance). Similarity to a: b 0.8·1 + 0.2·1 = 1.0, c 0,
    # d 0.8·0.6 + 0.2·½ = 0.58 → MMR b 0.45 − 0.5 = −0.05, c 0.25, d 0.3 − 0.29 = 0.01: c.
    # Similarity to c: b 0, d 0.8·0.8 + 0.2·½ = 0.74 → MMR b −0.05, d 0.3 − 0.37 = −0.07: b, then d.
    model = _hand_model()
    rows = np.arange(4)
    relevance = np.array([1.0, 0.9, 0.5, 0.6], dtype=np.float32)
    assert select(model, rows, relevance, 4, 0.5).tolist() == [0, 2, 1, 3]
    assert select(model, rows, relevance, 2, 0.5).tolist() == [0, 2]


def test_diversity_zero_is_the_plain_ranking() -> None:
    model = _hand_model()
    rows = np.arange(4)
    relevance = np.array([1.0, 0.9, 0.5, 0.6], dtype=np.float32)
    assert select(model, rows, relevance, 4, 0.0).tolist() == [0, 1, 3, 2]
    assert select(model, rows, relevance, 10, 0.0).tolist() == [0, 1, 3, 2]
    # ties keep the model's order
    flat = np.array([0.5, 0.5, 0.5, 0.5], dtype=np.float32)
    assert select(model, rows, flat, 3, 0.0).tolist() == [0, 1, 2]


def test_tag_jaccard_is_over_distinct_case_insensitive_tags() -> None:
    tags = [["rock", "indie"], ["rock"], ["jazz"], [], ["Rock", "rock", "indie"]]
    model = _model(np.eye(5), tags)
    matrix = tag_jaccard(model.catalogue, np.arange(5))
    # against {rock, indie}: 2/2, 1/2, 0/3, 0/2, {rock, indie} again (Rock = rock): 2/2
    assert np.allclose(matrix[0], [1.0, 0.5, 0.0, 0.0, 1.0])
    assert np.allclose(matrix, matrix.T)
    assert np.allclose(matrix[3], 0.0)  # no tags: similar to nothing by tags, itself included
    # only a subset of the catalogue as candidates, in any order
    assert np.allclose(
        tag_jaccard(model.catalogue, np.array([2, 0, 1])), np.array([[1, 0, 0], [0, 1, 0.5], [0, 0.5, 1]])
    )
    assert tag_jaccard(model.catalogue, np.array([3, 3])).tolist() == [[0, 0], [0, 0]]


def test_the_pool_keeps_the_most_relevant_candidates_in_their_order() -> None:
    rng = np.random.default_rng(3)
    n_items = 80
    vectors = rng.normal(size=(n_items, 8))
    model = _model(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), [["x"]] * n_items)
    rows = rng.permutation(n_items)
    relevance = rng.random(n_items).astype(np.float32)
    top = np.sort(np.argsort(-relevance)[:20])
    picks = select(model, rows, relevance, 10, 0.5, pool=20)
    assert set(picks.tolist()) <= set(top.tolist())
    assert picks.tolist() == top[select(model, rows[top], relevance[top], 10, 0.5)].tolist()
    # a pool smaller than k widens to k; a pool at least the candidates changes nothing
    assert select(model, rows, relevance, 30, 0.5, pool=20).size == 30
    assert (
        select(model, rows, relevance, 10, 0.5, pool=500).tolist()
        == select(model, rows, relevance, 10, 0.5).tolist()
    )


def _reference(
    unit: np.ndarray, tags: list[set[str]], relevance: np.ndarray, k: int, lam: float
) -> list[int]:
    """MMR written out pair by pair (distinct tags, so slot counts are set sizes)."""
    picks: list[int] = []
    nearest = [-np.inf] * len(tags)
    for step in range(k):
        best, best_score = -1, -np.inf
        for j in range(len(tags)):
            if j in picks:
                continue
            score = relevance[j] if step == 0 else (1 - lam) * relevance[j] - lam * nearest[j]
            if score > best_score:
                best, best_score = j, score
        picks.append(best)
        for j in range(len(tags)):
            union = len(tags[j] | tags[best])
            jaccard = len(tags[j] & tags[best]) / union if union else 0.0
            similarity = EMBEDDING_WEIGHT * float(unit[j] @ unit[best]) + TAG_WEIGHT * jaccard
            nearest[j] = max(nearest[j], similarity)
    return picks


def test_mmr_matches_a_naive_reference() -> None:
    rng = np.random.default_rng(7)
    vocabulary = [f"tag{i}" for i in range(12)]
    n_items = 300
    vectors = rng.normal(size=(n_items, 8))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    tags = [list(rng.choice(vocabulary, size=rng.integers(0, 6), replace=False)) for _ in range(n_items)]
    model = _model(unit, tags)
    for trial in range(12):
        rows = rng.choice(n_items, size=int(rng.integers(5, 120)), replace=False)
        relevance = rng.random(rows.size).astype(np.float32)
        k = int(rng.integers(2, 25))
        lam = float(rng.choice([0.1, 0.3, 0.7, 1.0]))
        got = select(model, rows, relevance, k, lam).tolist()
        expected = _reference(
            unit[rows].astype(np.float32), [set(tags[r]) for r in rows], relevance, min(k, rows.size), lam
        )
        assert got == expected, (trial, k, lam)


def test_tag_mask_is_case_insensitive_and_ignores_unknown_tags() -> None:
    model = _hand_model()
    assert model.catalogue.tag_mask(["ROCK"]).tolist() == [True, True, False, True]
    assert model.catalogue.tag_mask(["jazz", "nope"]).tolist() == [False, False, True, True]
    assert not model.catalogue.tag_mask(["nope"]).any()


def test_name_search_ranks_prefix_matches_first_then_listeners() -> None:
    names = ["Radiohead", "The Radio Dept.", "Radio Moscow", "Audioslave", "radiant", "Nirvana", "Zed"]
    items = pd.DataFrame(
        {
            "artist_id": np.arange(len(names), dtype=np.int64),
            "name": names,
            "top_tags": [[] for _ in names],
            "listeners": np.array([50, 90, 10, 70, 5, 100, 1], dtype=np.int64),
        }
    )
    catalogue = Catalogue.from_items(items)
    assert [names[r] for r in catalogue.search("RADI", 10)] == [
        "Radiohead",
        "Radio Moscow",
        "radiant",
        "The Radio Dept.",
    ]
    assert [names[r] for r in catalogue.search("radi", 2)] == ["Radiohead", "Radio Moscow"]
    assert [names[r] for r in catalogue.search("a", 3)] == ["Audioslave", "Nirvana", "The Radio Dept."]
    assert catalogue.search("d\nr", 5) == [] and catalogue.search("qqq", 5) == []
    assert [names[r] for r in catalogue.search("zed", 5)] == ["Zed"]  # the last name too
