"""Ranking metrics against values computed by hand, and full-ranking evaluation with masking."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from tunedin_trainer.evaluation.metrics import catalogue_coverage, ranking_metrics
from tunedin_trainer.evaluation.ranking import Scorer, evaluate, interaction_matrix, top_k

LOG3 = math.log2(3)
LOG5 = math.log2(5)


def test_one_user_two_held_out_items() -> None:
    # held out {a, d}; ranking a b c d → hits at ranks 1 and 4
    hits = np.array([[True, False, False, True]])
    m = ranking_metrics(hits, np.array([2]), (2, 4))
    assert m["recall@2"] == pytest.approx(1 / 2)
    assert m["precision@2"] == pytest.approx(1 / 2)
    assert m["ndcg@2"] == pytest.approx(1 / (1 + 1 / LOG3))  # DCG 1, IDCG 1 + 1/log2(3)
    assert m["recall@4"] == pytest.approx(1.0)
    assert m["precision@4"] == pytest.approx(2 / 4)
    assert m["ndcg@4"] == pytest.approx((1 + 1 / LOG5) / (1 + 1 / LOG3))


def test_recall_divides_by_all_held_out_items_and_ndcg_ideal_by_min_k() -> None:
    # five held-out items, both top-2 ranks hit: recall 2/5 (not 2/min(2, 5)), NDCG perfect
    m = ranking_metrics(np.array([[True, True]]), np.array([5]), (2,))
    assert m["recall@2"] == pytest.approx(0.4)
    assert m["ndcg@2"] == pytest.approx(1.0)
    assert m["precision@2"] == pytest.approx(1.0)


def test_metrics_average_over_users() -> None:
    hits = np.array([[False, True], [False, False]])
    m = ranking_metrics(hits, np.array([1, 3]), (2,))
    assert m["recall@2"] == pytest.approx((1.0 + 0.0) / 2)
    assert m["ndcg@2"] == pytest.approx((1 / LOG3 + 0.0) / 2)
    assert m["precision@2"] == pytest.approx((0.5 + 0.0) / 2)


def test_metrics_refuse_users_without_held_out_items() -> None:
    with pytest.raises(ValueError, match="left out"):
        ranking_metrics(np.array([[True]]), np.array([0]), (1,))


def test_coverage_counts_distinct_valid_items() -> None:
    top = np.array([[0, 1, 2], [1, 0, 5]])
    valid = np.array([[True, True, True], [True, True, False]])
    assert catalogue_coverage(top, valid, n_items=10, k=2) == pytest.approx(2 / 10)
    assert catalogue_coverage(top, valid, n_items=10, k=3) == pytest.approx(3 / 10)  # item 5 invalid


def _scorer(scores: np.ndarray) -> Scorer:
    table = torch.as_tensor(scores, dtype=torch.float32)

    def score(rows: np.ndarray) -> torch.Tensor:
        return table[torch.as_tensor(rows, dtype=torch.long)]

    return score


def test_evaluate_masks_known_items_and_skips_users_without_held_out() -> None:
    # 3 users × 5 items; user 0 knows items 0 and 1, which score highest: they must not be ranked.
    scores = np.array(
        [
            [9.0, 8.0, 1.0, 3.0, 2.0],
            [5.0, 4.0, 3.0, 2.0, 1.0],
            [1.0, 2.0, 3.0, 4.0, 5.0],
        ]
    )
    known = interaction_matrix([np.array([[0, 0], [0, 1], [1, 0]])], 3, 5)
    held_out = interaction_matrix([np.array([[0, 3], [1, 4]])], 3, 5)  # user 2 has none
    m = evaluate(_scorer(scores), known, held_out, ks=(1, 2))
    # user 0 ranks 3, 4, 2 → hit at rank 1; user 1 ranks 1, 2, 3, 4 → no hit in the top 2
    assert m["recall@1"] == pytest.approx(0.5)
    assert m["recall@2"] == pytest.approx(0.5)
    assert m["ndcg@1"] == pytest.approx(0.5)
    assert m["precision@2"] == pytest.approx((0.5 + 0.0) / 2)
    # coverage over the evaluated users only: top-2 are {3, 4} and {1, 2}
    assert m["coverage@2"] == pytest.approx(4 / 5)
    assert m["coverage@1"] == pytest.approx(2 / 5)


def test_top_k_marks_ranks_without_recommendations() -> None:
    known = sp.csr_matrix(np.array([[1, 1, 0]], dtype=np.float32))
    items, valid = top_k(_scorer(np.array([[3.0, 2.0, 1.0]])), np.array([0]), known, k=4)
    assert items[0, 0] == 2
    assert valid.tolist() == [[True, False, False, False]]


def test_evaluate_needs_some_held_out_item() -> None:
    empty = sp.csr_matrix((2, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="no user"):
        evaluate(_scorer(np.zeros((2, 3))), empty, empty, ks=(1,))
