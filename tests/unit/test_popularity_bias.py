"""Popularity bias of ranked lists against values computed by hand, and in the model report."""

from __future__ import annotations

import numpy as np
import pytest

from tunedin_common.contract import MetricsReport, RecommenderScores
from tunedin_trainer.evaluation.popularity import head_items, item_users, popularity_bias
from tunedin_trainer.evaluation.ranking import interaction_matrix

# 4 users; item 0 is everyone's, item 1 two users', items 2 and 3 one user's, item 4 nobody's.
FITTED = interaction_matrix(
    [np.array([[0, 0], [1, 0], [2, 0], [3, 0], [0, 1], [1, 1], [2, 2], [3, 3]])], 4, 5
)


def test_popularity_is_users_per_item_and_the_head_the_most_popular_share() -> None:
    assert item_users(FITTED).tolist() == [4, 2, 1, 1, 0]
    assert head_items(item_users(FITTED), 0.2).tolist() == [True, False, False, False, False]
    # ceil(0.5 · 5) = 3: the tie between items 2 and 3 goes to the lower row
    assert head_items(item_users(FITTED), 0.5).tolist() == [True, True, True, False, False]


def test_coverage_novelty_and_long_tail_on_a_tiny_example() -> None:
    items = np.array([[0, 2], [1, 4]])
    valid = np.array([[True, True], [True, False]])  # user 1's second rank holds nothing
    held_out = interaction_matrix([np.array([[0, 3], [1, 4], [2, 0]])], 4, 5)
    bias = popularity_bias(items, valid, FITTED, held_out, k=2, head_fraction=0.2)
    assert bias.k == 2 and bias.head_fraction == 0.2
    assert bias.catalogue_coverage == pytest.approx(3 / 5)  # items 0, 1, 2
    # self-information log2(4 / users): item 0 → 0, item 1 → 1, item 2 → 2 bits
    assert bias.novelty == pytest.approx((0 + 2 + 1) / 3)
    assert bias.long_tail_share == pytest.approx(2 / 3)  # items 2 and 1 are outside the head {0}
    # held out: items 3 (2 bits), 4 (nobody's: counted as one user, 2 bits) and 0 (0 bits)
    assert bias.held_out_novelty == pytest.approx(4 / 3)
    assert bias.held_out_long_tail_share == pytest.approx(2 / 3)
    # the first rank only
    first = popularity_bias(items, valid, FITTED, held_out, k=1, head_fraction=0.2)
    assert first.novelty == pytest.approx(0.5) and first.long_tail_share == pytest.approx(0.5)


def test_nothing_listed_is_refused() -> None:
    with pytest.raises(ValueError, match="no listed"):
        popularity_bias(np.zeros((1, 2), np.int64), np.zeros((1, 2), bool), FITTED, FITTED, k=2)


def test_reports_without_popularity_bias_stay_readable() -> None:
    old = RecommenderScores.model_validate_json('{"valid": {}, "test": {}, "test_fitted_on": "train"}')
    assert old.popularity_bias is None
    assert "popularity_bias" not in MetricsReport.model_fields  # it lives per recommender
