r"""EASE (`Steck, 2019 <https://arxiv.org/abs/1905.03375>`_), exact, through the small user Gram matrix.

EASE learns an item–item matrix :math:`\mathbf{B}` with a zero diagonal from the binary
user–item matrix :math:`\mathbf{X}` (``n_users × n_items``):

.. math::
    \mathbf{P} = (\mathbf{X}^\top\mathbf{X} + \lambda\mathbf{I})^{-1}, \qquad
    \mathbf{B} = \mathbf{I} - \mathbf{P}\,\mathrm{diag}(1/\mathrm{diag}\,\mathbf{P}), \qquad
    \mathbf{S} = \mathbf{X}\mathbf{B}

Inverting the 17.6k × 17.6k item Gram matrix is what makes EASE slow here (minutes on two
cores). With far fewer users than items, the Woodbury identity gives the same scores from
the 1.9k × 1.9k user Gram matrix :math:`\mathbf{A} = \mathbf{X}\mathbf{X}^\top`: with
:math:`\mathbf{K} = (\mathbf{A} + \lambda\mathbf{I})^{-1}`,

.. math::
    \mathbf{X}\mathbf{P} = \mathbf{K}\mathbf{X}, \qquad
    \mathrm{diag}(\mathbf{P})_j = \bigl(1 - \mathbf{x}_j^\top \mathbf{K} \mathbf{x}_j\bigr)/\lambda, \qquad
    \mathbf{S} = \mathbf{X} - \mathbf{K}\mathbf{X}\,\mathrm{diag}(1/\mathrm{diag}\,\mathbf{P})

(:math:`\mathbf{x}_j` is item :math:`j`'s column). This is exact — every artist of the
catalogue stays in the model, no item set is cut — and one eigendecomposition
:math:`\mathbf{A} = \mathbf{V}\,\mathrm{diag}(s)\,\mathbf{V}^\top` serves every :math:`\lambda`
of the tuning grid, since :math:`\mathbf{K} = \mathbf{V}\,\mathrm{diag}(1/(s+\lambda))\,\mathbf{V}^\top`.
Artists without training interactions get score 0.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from tunedin_trainer.evaluation.ranking import Scorer

LAMBDA_GRID: tuple[float, ...] = (10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0)


class EaseGram:
    """The eigendecomposition of :math:`\\mathbf{X}\\mathbf{X}^\\top`, shared by every λ."""

    def __init__(self, interactions: sp.csr_matrix) -> None:
        self.x = sp.csr_matrix(interactions > 0, dtype=np.float64)
        gram = (self.x @ self.x.T).toarray()
        self.eigenvalues, self.eigenvectors = np.linalg.eigh(gram)

    def scorer(self, lam: float) -> Scorer:
        """Scores :math:`\\mathbf{S} = \\mathbf{X}\\mathbf{B}` for regularisation ``lam``."""
        if lam <= 0:
            raise ValueError("EASE needs lambda > 0")
        vectors = self.eigenvectors
        k_inv = (vectors / (self.eigenvalues + lam)) @ vectors.T  # K = (A + λI)^-1, symmetric
        kx = np.asarray(self.x.T @ k_inv).T  # K X, [n_users, n_items]
        diag_p = (1.0 - np.asarray(self.x.multiply(kx).sum(axis=0)).ravel()) / lam
        scores = torch.as_tensor((self.x.toarray() - kx / diag_p).astype(np.float32))

        def score(rows: np.ndarray) -> Tensor:
            return scores[torch.as_tensor(rows, dtype=torch.long)]

        return score


def ease_item_matrix(interactions: sp.csr_matrix, lam: float) -> np.ndarray:
    """The primal :math:`\\mathbf{B}` (``n_items²`` memory): a reference for small catalogues."""
    x = sp.csr_matrix(interactions > 0, dtype=np.float64)
    p = np.linalg.inv((x.T @ x).toarray() + lam * np.eye(x.shape[1]))
    b: np.ndarray = np.eye(x.shape[1]) - p / np.diag(p)
    return b
