"""The similar-artist measures and their popularity-matched baseline on tiny hand-checked data."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from tunedin_trainer.evaluation.similar_artists import (
    SimilarityData,
    _bins,
    evaluate_similar,
    measure,
    popularity_matched,
    query_sample,
    top_k_rows,
)


def _data() -> SimilarityData:
    # 4 users × 4 artists. Fit: artist 0 has users {0,1,2}, 1 {0,1}, 2 {2,3}, 3 {3}.
    fit = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 1, 1]], dtype=np.float32))
    # Held out: user 0 goes on to play artist 2, user 2 artist 3.
    heldout = sp.csr_matrix(
        np.array([[0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=np.float32)
    )
    tags = [frozenset({"rock", "indie"}), frozenset({"rock"}), frozenset({"jazz"}), frozenset()]
    return SimilarityData(fit=fit, heldout=heldout, tags=tags)


def test_measures_by_hand() -> None:
    data = _data()
    returned = np.array([[1, 2]])  # for query artist 0
    got = measure(returned, np.array([0]), data)
    # listener Jaccard: 0–1 shares 2 of 3, 0–2 shares 1 of 4.
    assert np.isclose(got["listener_jaccard"], (2 / 3 + 1 / 4) / 2)
    # held-out fans: of artist 0's listeners {0,1,2}, none has 1 held out, user 0 has 2.
    assert np.isclose(got["heldout_fans"], (0 + 1 / 3) / 2)
    # tags: {rock, indie} vs {rock} = 1/2, vs {jazz} = 0.
    assert np.isclose(got["tag_jaccard"], 0.25)
    assert np.isclose(got["log_listeners"], (np.log1p(2) + np.log1p(2)) / 2)


def test_top_k_never_returns_the_query_and_breaks_ties_by_row() -> None:
    scores = np.array([[9.0, 1.0, 1.0, 0.0], [5.0, 9.0, 5.0, 7.0]], dtype=np.float32)
    rows = top_k_rows(lambda r: scores[r], np.array([0, 1]), 2)
    assert rows.tolist() == [[1, 2], [3, 0]]


def test_baseline_keeps_the_popularity_bin_and_avoids_the_query() -> None:
    rng = np.random.default_rng(0)
    listeners = rng.integers(0, 400, size=300)
    returned = rng.integers(0, 300, size=(20, 10))
    queries = np.arange(20)
    baseline = popularity_matched(returned, queries, listeners, seed=3)
    assert (_bins(listeners)[baseline] == _bins(listeners)[returned]).all()
    assert not (baseline == queries[:, None]).any()
    again = popularity_matched(returned, queries, listeners, seed=3)
    assert (baseline == again).all()


def test_query_sample_is_seeded_and_needs_listeners() -> None:
    listeners = np.array([0, 12, 3, 40, 10, 9])
    assert query_sample(listeners, 10, 5, 0).tolist() == [1, 3, 4]
    picked = query_sample(listeners, 1, 2, 7)
    assert picked.tolist() == query_sample(listeners, 1, 2, 7).tolist() and picked.size == 2


def test_a_popularity_ranking_gains_nothing_over_its_baseline() -> None:
    # Taste blocks: co-listening finds the block, popularity only the popular artists. The
    # block similarity's tag overlap lifts far above its baseline; popularity's does not.
    rng = np.random.default_rng(1)
    n_users, n_items, block = 60, 40, 10
    x = np.zeros((n_users, n_items), dtype=np.float32)
    for u in range(n_users):
        b = u % 4
        x[u, rng.choice(np.arange(b * block, (b + 1) * block), 6, replace=False)] = 1
        x[u, rng.choice(n_items, 2, replace=False)] = 1
    tags = [frozenset({f"block{i // block}"}) for i in range(n_items)]
    data = SimilarityData(fit=sp.csr_matrix(x), heldout=sp.csr_matrix(x), tags=tags)
    popularity = x.sum(axis=0)
    same_block = (np.arange(n_items)[:, None] // block == np.arange(n_items)[None, :] // block).astype(
        np.float32
    )
    scorers = {
        "block": lambda rows: same_block[rows] + 1e-3 * popularity[None, :],
        "popular": lambda rows: np.tile(popularity, (rows.size, 1)),
    }
    result = evaluate_similar(scorers, data, np.arange(n_items), 5, seed=0)
    assert result["block"]["measures"]["tag_jaccard"] == 1.0
    assert result["block"]["baseline"]["tag_jaccard"] < 0.5

    def lift(name: str) -> float:
        return result[name]["measures"]["tag_jaccard"] / result[name]["baseline"]["tag_jaccard"]

    assert result["popular"]["measures"]["tag_jaccard"] < 0.5
    assert lift("block") > 2 * lift("popular")
