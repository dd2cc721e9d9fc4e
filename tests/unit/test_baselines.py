"""Most-popular and EASE on toy matrices: the scores are what the definitions say."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tests.train_support import synthetic_inputs
from tunedin_trainer.baselines.ease import EaseGram, ease_item_matrix
from tunedin_trainer.baselines.popular import item_popularity, popularity_scorer
from tunedin_trainer.evaluation.scores import SplitMatrices, ease_scores, popular_scores


def _toy(seed: int = 0, users: int = 30, items: int = 50) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = (rng.random((users, items)) < 0.2).astype(np.float32)
    dense[:, -3:] = 0  # artists nobody listens to
    return sp.csr_matrix(dense)


def test_popularity_counts_users_per_item() -> None:
    x = sp.csr_matrix(np.array([[1, 0, 1], [1, 0, 0], [1, 1, 0]], dtype=np.float32))
    assert item_popularity(x).tolist() == [3.0, 1.0, 1.0]
    scores = popularity_scorer(x)(np.array([0, 2]))
    assert scores.shape == (2, 3)
    assert scores[1].tolist() == [3.0, 1.0, 1.0]


@pytest.mark.parametrize("lam", [0.5, 5.0, 80.0])
def test_dual_ease_equals_the_primal_closed_form(lam: float) -> None:
    x = _toy()
    b = ease_item_matrix(x, lam)
    assert np.allclose(np.diag(b), 0.0)
    primal = x.toarray() @ b
    dual = EaseGram(x).scorer(lam)(np.arange(x.shape[0])).numpy()
    assert np.allclose(dual, primal, atol=1e-4)
    assert np.allclose(dual[:, -3:], 0.0)  # no interactions, no score


def test_ease_primal_solves_its_objective() -> None:
    # EASE: min ||X - XB||² + λ||B||² with diag(B) = 0; its KKT condition is
    # (XᵀX + λI) B = XᵀX - diag(μ) for some μ, i.e. off-diagonal entries of (G+λI)B - G vanish.
    x = _toy(seed=1)
    lam = 3.0
    b = ease_item_matrix(x, lam)
    gram = (x.T @ x).toarray()
    residual = (gram + lam * np.eye(gram.shape[0])) @ b - gram
    off_diagonal = residual - np.diag(np.diag(residual))
    assert np.abs(off_diagonal).max() < 1e-8


def test_ease_rejects_non_positive_lambda() -> None:
    with pytest.raises(ValueError):
        EaseGram(_toy()).scorer(0.0)


def test_baseline_scores_follow_the_protocol() -> None:
    inputs, test = synthetic_inputs()
    splits = SplitMatrices(inputs.n_users, inputs.n_items, inputs.train, inputs.valid, test)
    grid = (1.0, 10.0, 100.0)
    ease = ease_scores(splits, refit=True, grid=grid)
    by_lambda = ease.params["valid_recall@20_by_lambda"]
    assert ease.params["lambda"] == max(grid, key=lambda lam: by_lambda[str(lam)])
    assert ease.test_fitted_on == "train+valid"
    popular = popular_scores(splits, refit=False)
    assert popular.test_fitted_on == "train"
    # clustered tastes: EASE beats popularity clearly
    assert ease.test["recall@20"] > popular.test["recall@20"] + 0.1
    assert set(ease.test) == {
        f"{m}@{k}" for m in ("recall", "ndcg", "precision", "coverage") for k in (10, 20)
    }
