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
With ``friend_edge_weight`` :math:`\alpha > 0`, every friendship :math:`\{u, v\}` adds the
user–user edges :math:`u \to v` and :math:`v \to u` with weight :math:`\alpha\,\bar w`
(:math:`\bar w` the mean user–artist edge weight), so a user's embedding also draws on
their friends' (the graph is then no longer bipartite; still symmetric). With
``tag_edge_weight`` :math:`\beta > 0`, each of the ``n_tags`` tags becomes a node after the
items, linked to the artists it is a top tag of with weight :math:`\beta\,\bar w`: artists
that share tags exchange embedding mass through them, which reaches artists with few listeners.
Tag nodes are trained like every node but never served.
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


def friend_edges(friends: np.ndarray) -> np.ndarray:
    """``int64 [n, 2]``: each friendship of ``friends`` (user rows, either or both directions)
    once, as ``(smaller row, larger row)``, sorted; self-friendships dropped."""
    pairs = np.sort(np.asarray(friends, dtype=np.int64).reshape(-1, 2), axis=1)
    unique: np.ndarray = np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)
    return unique


def tag_nodes(item_tags: np.ndarray | None, tag_weight: float) -> int:
    """How many tag nodes the graph gets: the largest tag row + 1 when tags are linked, else 0."""
    if item_tags is None or tag_weight == 0 or len(item_tags) == 0:
        return 0
    return int(np.asarray(item_tags).reshape(-1, 2)[:, 1].max()) + 1


def build_adjacency(
    pairs: np.ndarray,
    n_users: int,
    n_items: int,
    weights: np.ndarray | None = None,
    friends: np.ndarray | None = None,
    friend_weight: float = 0.0,
    item_tags: np.ndarray | None = None,
    tag_weight: float = 0.0,
) -> Tensor:
    r"""The symmetric-normalised adjacency :math:`\hat{\mathbf{A}}` as a CSR tensor.

    Args:
        pairs: ``int64 [n, 2]`` training pairs ``(user row, item row)``, no duplicates.
        n_users: number of user nodes (they come first).
        n_items: number of item nodes.
        weights: optional positive weight of each pair (see :func:`edge_weights`).
        friends: optional ``int64 [m, 2]`` friendships as user rows (see :func:`friend_edges`).
        friend_weight: :math:`\alpha`, a friend edge's weight relative to the mean user–artist
            edge weight; 0 adds no friend edge.
        item_tags: optional ``int64 [k, 2]`` ``(item row, tag row)`` pairs; with ``tag_weight > 0``
            the tags are nodes ``n_users + n_items + tag row`` (``tag_nodes`` of them).
        tag_weight: :math:`\beta`, relative like ``friend_weight``; 0 adds no tag node.

    Returns:
        A ``float32`` sparse CSR tensor of shape ``[n, n]``, ``n = n_users + n_items`` plus
        :func:`tag_nodes` when tags are linked.
    """
    users = torch.as_tensor(pairs[:, 0], dtype=torch.long)
    items = torch.as_tensor(pairs[:, 1], dtype=torch.long) + n_users
    if friend_weight < 0 or tag_weight < 0:
        raise ValueError("friend_weight and tag_weight must be >= 0")
    half = torch.ones(len(pairs)) if weights is None else torch.as_tensor(weights, dtype=torch.float32)
    sources, targets, halves = [users], [items], [half]
    if friends is not None and friend_weight > 0:
        social = torch.as_tensor(friend_edges(friends))
        if len(social) and int(social.max()) >= n_users:
            raise ValueError("a friendship names a user row outside the graph")
        sources.append(social[:, 0])
        targets.append(social[:, 1])
        halves.append(torch.full((len(social),), friend_weight * float(half.mean())))
    n_tags = tag_nodes(item_tags, tag_weight)
    if item_tags is not None and n_tags:
        linked = torch.as_tensor(np.unique(np.asarray(item_tags, dtype=np.int64).reshape(-1, 2), axis=0))
        if int(linked[:, 0].max()) >= n_items:
            raise ValueError("a tag names an item row outside the graph")
        sources.append(linked[:, 0] + n_users)
        targets.append(linked[:, 1] + n_users + n_items)
        halves.append(torch.full((len(linked),), tag_weight * float(half.mean())))
    source, target, one_way = torch.cat(sources), torch.cat(targets), torch.cat(halves)
    edge_index = torch.stack([torch.cat([source, target]), torch.cat([target, source])])
    weight = torch.cat([one_way, one_way])
    n_nodes = n_users + n_items + n_tags
    edge_index, norm = gcn_norm(edge_index, weight, n_nodes, add_self_loops=False)
    # gcn_norm returns (source, target) edges; the propagation matrix is indexed [target, source].
    coo = torch.sparse_coo_tensor(edge_index.flip(0), norm, (n_nodes, n_nodes), check_invariants=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return coo.coalesce().to_sparse_csr()
