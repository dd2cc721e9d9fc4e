"""Cold start offline: the fold-ins on hand-checked examples and the protocol on tiny data."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tunedin_common.fold_in import least_squares_vector, mean_vector, popularity_debias
from tunedin_trainer.evaluation.cold_start import (
    Fit,
    Method,
    eligible_users,
    evaluate_method,
    seed_orders,
)
from tunedin_trainer.evaluation.ranking import interaction_matrix
from tunedin_trainer.similar.colisten import CoListening


def test_mean_and_least_squares_fold_in_by_hand() -> None:
    # Seed 0 has a large norm (a popular artist), seed 1 a small one.
    items = np.array([[4.0, 0.0], [0.0, 1.0], [3.0, 0.5], [0.2, 1.0]], dtype=np.float32)
    seeds = np.array([0, 1])
    assert mean_vector(items, seeds).tolist() == [2.0, 0.5]
    # (E_SᵀE_S + λI) u = E_Sᵀ1 with E_S = diag(4, 1), λ = 1: u = (4/17, 1/2).
    u = least_squares_vector(items, seeds, lam=1.0)
    assert np.allclose(u, [4 / 17, 1 / 2], atol=1e-6)
    # The mean is pulled to the big seed: item 2 (next to it) wins; the solve scores each
    # seed about the same (16/17 and 1/2) and ranks item 3, next to the small seed, higher.
    mean_scores = items @ mean_vector(items, seeds)
    ls_scores = items @ u
    assert mean_scores[2] > mean_scores[3]
    assert ls_scores[3] > mean_scores[3] / mean_scores[2] * ls_scores[2]
    with pytest.raises(ValueError, match="lambda"):
        least_squares_vector(items, seeds, lam=0.0)


def test_least_squares_matches_the_normal_equations_on_random_data() -> None:
    rng = np.random.default_rng(0)
    items = rng.normal(size=(30, 6)).astype(np.float32)
    seeds = np.array([3, 7, 11, 19])
    e = items[seeds].astype(np.float64)
    expected = np.linalg.lstsq(
        np.vstack([e, np.sqrt(0.5) * np.eye(6)]), np.concatenate([np.ones(4), np.zeros(6)]), rcond=None
    )[0]
    assert np.allclose(least_squares_vector(items, seeds, lam=0.5), expected, atol=1e-5)


def test_popularity_debias_divides_positive_scores_only() -> None:
    scores = np.array([2.0, 2.0, -1.0, 0.0], dtype=np.float32)
    listeners = np.array([0, 3, 3, 3])
    assert popularity_debias(scores, listeners, 0.0) is scores
    assert popularity_debias(scores, listeners, 0.5).tolist() == [2.0, 1.0, -1.0, 0.0]


def test_colisten_shrunk_cosine_by_hand() -> None:
    # users × artists: artist 0 and 1 share 2 listeners; artist 2 shares 1 with 0.
    x = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 1], [1, 0, 0], [0, 0, 1]], dtype=np.float32))
    model = CoListening(x, shrink=1.0)
    scores = model.scores(np.array([0]))
    # |L0| = 3, |L1| = 2, |L2| = 2: s01 = 2 / (√6 + 1), s02 = 1 / (√6 + 1), s00 = 0.
    assert np.allclose(scores[0], [0.0, 2 / (np.sqrt(6) + 1), 1 / (np.sqrt(6) + 1)])
    assert model.shared(np.array([0])).tolist() == [[3.0, 2.0, 1.0]]


def test_seed_orders_are_seeded_and_nested() -> None:
    train = interaction_matrix([np.array([[0, a] for a in range(12)])], 1, 12)
    first, again = seed_orders(train, np.array([0]), 3), seed_orders(train, np.array([0]), 3)
    assert first[0].tolist() == again[0].tolist()
    assert sorted(first[0].tolist()) == list(range(12))


def test_the_protocol_scores_a_method_that_finds_the_held_out_artist() -> None:
    # Two taste blocks of 4 artists; users 0 and 1 hold out one artist of their block. The
    # embeddings put each block on its own axis; users 2 and 3 (too few artists to be
    # evaluated) link each held-out artist to one artist of its block by co-listening.
    n_items = 8
    items = np.zeros((n_items, 2), dtype=np.float32)
    items[:4, 0] = 1.0
    items[4:, 1] = 1.0
    train_pairs = np.array([[0, 0], [0, 1], [0, 2], [1, 4], [1, 5], [1, 6], [2, 2], [2, 3], [3, 6], [3, 7]])
    held_pairs = np.array([[0, 3], [1, 7]])
    train = interaction_matrix([train_pairs], 4, n_items)
    held = interaction_matrix([held_pairs], 4, n_items)
    users = eligible_users(train, held, min_seeds=3)
    assert users.tolist() == [0, 1]
    fit = Fit(items=items, colisten=CoListening(train, shrink=0.0))
    orders = seed_orders(train, users, seed=1)
    by_k = evaluate_method(Method("mean"), fit, users, orders, train, held, ks=(1, 3))
    # The seeds and the other training artists are masked: the held-out one ranks first.
    assert by_k[1]["ndcg@10"] == 1.0 and by_k[3]["ndcg@10"] == 1.0
    assert by_k[1]["recall@20"] == 1.0
    # Embeddings that put user 0's seeds next to the other block rank their held-out artist
    # after that block's four: rank 5, NDCG 1 / log2(6).
    misleading = items.copy()
    misleading[:3] = [0.0, 1.0]
    other = evaluate_method(
        Method("mean"), Fit(misleading, fit.colisten), users[:1], orders, train, held, ks=(1,)
    )
    assert other[1]["recall@10"] == 1.0 and other[1]["ndcg@10"] == pytest.approx(1 / np.log2(6))
    # Co-listening from all three seeds: only the held-out artist shares a listener with them.
    knn = evaluate_method(Method("colisten"), fit, users, orders, train, held, ks=(3,))
    assert knn[3]["ndcg@10"] == 1.0
