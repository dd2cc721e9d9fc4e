"""LightGCN and the baselines scored under one protocol, as ``RecommenderScores``.

Every recommender is fitted on train and scored on valid (train masked) to choose what it
may choose — LightGCN its epoch count, EASE its λ — then, like LightGCN with ``refit``,
fitted again on train + valid and scored once on test with train and valid masked.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
import scipy.sparse as sp
import torch

from tunedin_common.contract import PopularityBias, RecommenderScores
from tunedin_trainer.baselines.ease import LAMBDA_GRID, EaseGram
from tunedin_trainer.baselines.popular import popularity_scorer
from tunedin_trainer.evaluation.popularity import popularity_bias
from tunedin_trainer.evaluation.ranking import (
    KS,
    Scorer,
    embedding_scorer,
    evaluate,
    interaction_matrix,
    rank,
)


class SplitMatrices:
    """The binary matrices of one dataset: what is known and what is held out, per protocol."""

    def __init__(
        self, n_users: int, n_items: int, train: np.ndarray, valid: np.ndarray, test: np.ndarray
    ) -> None:
        self.train = interaction_matrix([train], n_users, n_items)
        self.valid = interaction_matrix([valid], n_users, n_items)
        self.test = interaction_matrix([test], n_users, n_items)
        self.train_valid = interaction_matrix([train, valid], n_users, n_items)

    def test_fit(self, refit: bool) -> sp.csr_matrix:
        """What a model is fitted on before it is scored on test."""
        return self.train_valid if refit else self.train


def _fitted_on(refit: bool) -> Literal["train", "train+valid"]:
    return "train+valid" if refit else "train"


def _test(splits: SplitMatrices, scorer: Scorer, refit: bool) -> tuple[dict[str, float], PopularityBias]:
    """Test metrics (train and valid masked) and the popularity bias of the test top-20 lists,
    popularity counted in what the recommender was fitted on."""
    ranking = rank(scorer, splits.train_valid, splits.test)
    bias = popularity_bias(ranking.items, ranking.valid, splits.test_fit(refit), splits.test, max(KS))
    return ranking.metrics, bias


def lightgcn_scores(
    splits: SplitMatrices,
    selected: tuple[np.ndarray, np.ndarray],
    final: tuple[np.ndarray, np.ndarray],
    refit: bool,
) -> RecommenderScores:
    """Valid metrics of the selected model; test metrics of the final (possibly refitted) one."""
    started = time.perf_counter()
    valid = evaluate(embedding_scorer(*map(torch.as_tensor, selected)), splits.train, splits.valid)
    test, bias = _test(splits, embedding_scorer(*map(torch.as_tensor, final)), refit)
    extra = {}
    if refit:  # for the record: what the refit adds; never used to choose anything
        extra["test_of_selected_model"] = evaluate(
            embedding_scorer(*map(torch.as_tensor, selected)), splits.train_valid, splits.test
        )
    return RecommenderScores(
        valid=valid,
        test=test,
        test_fitted_on=_fitted_on(refit),
        notes="valid: the selection-phase model at its best epoch; test: the final model",
        seconds=time.perf_counter() - started,
        extra=extra,
        popularity_bias=bias,
    )


def popular_scores(splits: SplitMatrices, refit: bool) -> RecommenderScores:
    """Most-popular: items ranked by how many users have them in the fitting data."""
    started = time.perf_counter()
    valid = evaluate(popularity_scorer(splits.train), splits.train, splits.valid)
    test, bias = _test(splits, popularity_scorer(splits.test_fit(refit)), refit)
    return RecommenderScores(
        valid=valid,
        test=test,
        test_fitted_on=_fitted_on(refit),
        notes="popularity = number of users with the artist in the fitting data",
        seconds=time.perf_counter() - started,
        popularity_bias=bias,
    )


def ease_scores(
    splits: SplitMatrices, refit: bool, grid: tuple[float, ...] = LAMBDA_GRID
) -> RecommenderScores:
    """EASE with λ chosen on valid Recall@20 over ``grid``; exact over the whole catalogue."""
    started = time.perf_counter()
    gram = EaseGram(splits.train)
    by_lambda = {lam: evaluate(gram.scorer(lam), splits.train, splits.valid) for lam in grid}
    best = max(grid, key=lambda lam: by_lambda[lam]["recall@20"])
    final = EaseGram(splits.train_valid) if refit else gram
    test, bias = _test(splits, final.scorer(best), refit)
    return RecommenderScores(
        valid=by_lambda[best],
        test=test,
        test_fitted_on=_fitted_on(refit),
        params={
            "lambda": best,
            "lambda_grid": list(grid),
            "valid_recall@20_by_lambda": {str(lam): m["recall@20"] for lam, m in by_lambda.items()},
        },
        notes="exact EASE on all artists, solved through the user Gram matrix (Woodbury); "
        "artists without training interactions score 0",
        seconds=time.perf_counter() - started,
        popularity_bias=bias,
    )
