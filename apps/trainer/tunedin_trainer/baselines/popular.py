"""Most-popular: every user gets the artists with the most listeners in the training data."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from tunedin_trainer.evaluation.ranking import Scorer


def item_popularity(interactions: sp.csr_matrix) -> np.ndarray:
    """``float32 [n_items]``: how many users have each item in ``interactions``."""
    counts: np.ndarray = np.asarray((interactions > 0).sum(axis=0), dtype=np.float32).ravel()
    return counts


def popularity_scorer(interactions: sp.csr_matrix) -> Scorer:
    """The same popularity scores for every user (known items are masked by the evaluation)."""
    scores = torch.as_tensor(item_popularity(interactions))

    def score(rows: np.ndarray) -> Tensor:
        return scores.expand(len(rows), -1)

    return score
