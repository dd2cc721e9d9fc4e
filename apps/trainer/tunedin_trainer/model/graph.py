r"""The user–item graph LightGCN propagates over, built once per training run.

Nodes are users first (rows ``0 … n_users-1``), then items (``n_users … n_users+n_items-1``).
Every training pair :math:`(u, i)` becomes the two directed edges :math:`u \to i` and
:math:`i \to u`, so the graph is homogeneous, bipartite and undirected. PyG's ``gcn_norm``
normalises it symmetrically, without self-loops:

.. math::
    \hat{\mathbf{A}} = \mathbf{D}^{-1/2} \mathbf{A} \mathbf{D}^{-1/2},
    \qquad \mathbf{D}_{vv} = \textstyle\sum_w \mathbf{A}_{vw}

where :math:`\mathbf{A}_{ui} = \mathbf{A}_{iu}` is 1, or a weight derived from the play count
(``edge_weight="log_plays"``: :math:`1 + \ln(1 + \text{plays})`, so a user's favourite
artists pull harder on the user than artists they played once, and no edge fades away).
The result is stored as a CSR sparse tensor; since :math:`\hat{\mathbf{A}}` is symmetric
it is its own transpose, which the fast backward pass of
:class:`~tunedin_trainer.model.lightgcn.SymmetricLGConv` uses.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import torch
from torch import Tensor
from torch_geometric.nn.conv.gcn_conv import gcn_norm

EdgeWeighting = Literal["none", "log_plays"]


def edge_weights(plays: np.ndarray, weighting: EdgeWeighting) -> np.ndarray | None:
    """Weights of the training pairs under ``weighting`` (None: every edge counts 1)."""
    if weighting == "none":
        return None
    if weighting == "log_plays":
        weights: np.ndarray = (1.0 + np.log1p(np.maximum(plays.astype(np.float64), 0.0))).astype(np.float32)
        return weights
    raise ValueError(f"unknown edge weighting {weighting!r}")


def build_adjacency(
    pairs: np.ndarray, n_users: int, n_items: int, weights: np.ndarray | None = None
) -> Tensor:
    r"""The symmetric-normalised adjacency :math:`\hat{\mathbf{A}}` as a CSR tensor.

    Args:
        pairs: ``int64 [n, 2]`` training pairs ``(user row, item row)``, no duplicates.
        n_users: number of user nodes (they come first).
        n_items: number of item nodes.
        weights: optional positive weight of each pair (see :func:`edge_weights`).

    Returns:
        A ``float32`` sparse CSR tensor of shape ``[n_users + n_items, n_users + n_items]``.
    """
    users = torch.as_tensor(pairs[:, 0], dtype=torch.long)
    items = torch.as_tensor(pairs[:, 1], dtype=torch.long) + n_users
    edge_index = torch.stack([torch.cat([users, items]), torch.cat([items, users])])
    weight = None
    if weights is not None:
        half = torch.as_tensor(weights, dtype=torch.float32)
        weight = torch.cat([half, half])
    n_nodes = n_users + n_items
    edge_index, norm = gcn_norm(edge_index, weight, n_nodes, add_self_loops=False)
    # gcn_norm returns (source, target) edges; the propagation matrix is indexed [target, source].
    coo = torch.sparse_coo_tensor(edge_index.flip(0), norm, (n_nodes, n_nodes), check_invariants=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return coo.coalesce().to_sparse_csr()
