r"""LightGCN with a propagation that exploits the symmetric, pre-normalised adjacency.

LightGCN (`He et al., 2020 <https://arxiv.org/abs/2002.02126>`_) keeps one learnable ego
embedding :math:`\mathbf{x}^{(0)}_v` per node, propagates it with no weights and no
non-linearity, and averages the layers:

.. math::
    \mathbf{X}^{(l+1)} = \hat{\mathbf{A}} \mathbf{X}^{(l)}, \qquad
    \mathbf{x}_v = \frac{1}{L+1} \sum_{l=0}^{L} \mathbf{x}^{(l)}_v, \qquad
    \hat{y}_{ui} = \mathbf{x}_u^\top \mathbf{x}_i

This is PyG's :class:`~torch_geometric.nn.models.LightGCN` with two speed-ups for training
on CPU, neither of which changes the maths:

* the adjacency :math:`\hat{\mathbf{A}}` is normalised once per run
  (:func:`~tunedin_trainer.model.graph.build_adjacency`), not on every forward call;
* since :math:`\hat{\mathbf{A}}^\top = \hat{\mathbf{A}}`, the gradient of a propagation step,
  :math:`\hat{\mathbf{A}}^\top \mathbf{G}`, is computed with the same CSR matrix instead of
  letting autograd transpose the sparse matrix on every backward pass;
* both products use ``torch.sparse.mm(adj, x, "sum")``, the row-parallel CSR kernel that
  PyTorch added for PyG (measured ~7× faster on two cores than the plain ``torch.sparse.mm``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch_geometric.nn.conv import LGConv
from torch_geometric.nn.models import LightGCN


class _SymmetricSpmm(torch.autograd.Function):
    """``adj @ x`` for a symmetric sparse ``adj`` that needs no gradient itself."""

    @staticmethod
    def forward(ctx: Any, adj: Tensor, x: Tensor) -> Tensor:
        ctx.adj = adj
        out: Tensor = torch.sparse.mm(adj, x, "sum")
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[None, Tensor]:
        return None, torch.sparse.mm(ctx.adj, grad, "sum")


def symmetric_spmm(adj: Tensor, x: Tensor) -> Tensor:
    """Multiply ``x`` by the symmetric sparse matrix ``adj``, differentiable in ``x``."""
    result: Tensor = _SymmetricSpmm.apply(adj, x)  # type: ignore[no-untyped-call]
    return result


class SymmetricLGConv(LGConv):  # type: ignore[misc]
    r"""PyG's :class:`~torch_geometric.nn.conv.LGConv`,
    :math:`\mathbf{X}' = \hat{\mathbf{A}} \mathbf{X}`, for an adjacency that is already
    normalised and symmetric (pass it as a sparse CSR tensor)."""

    def __init__(self) -> None:
        super().__init__(normalize=False)

    def message_and_aggregate(self, adj_t: Tensor, x: Tensor) -> Tensor:
        return symmetric_spmm(adj_t, x)


class TunedInLightGCN(LightGCN):  # type: ignore[misc]
    """LightGCN over ``n_users + n_items`` nodes (users first), then ``n_side`` side nodes (tags;
    trained, never served), seeded initialisation.

    Args:
        n_users: number of user nodes.
        n_items: number of item nodes.
        n_side: number of side nodes after the items (default none).
        dim: embedding size.
        layers: number of propagation layers :math:`L`.
        generator: the random generator that draws the Xavier-uniform initial embeddings.
    """

    def __init__(
        self, n_users: int, n_items: int, dim: int, layers: int, generator: torch.Generator, n_side: int = 0
    ) -> None:
        super().__init__(n_users + n_items + n_side, dim, layers)
        self.n_users = n_users
        self.n_items = n_items
        self.convs = torch.nn.ModuleList([SymmetricLGConv() for _ in range(layers)])
        torch.nn.init.xavier_uniform_(self.embedding.weight, generator=generator)

    def get_embedding(self, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        r"""Final embeddings :math:`\frac{1}{L+1}\sum_l \mathbf{X}^{(l)}` (the layer weights are equal,
        so the layers are summed and scaled once instead of scaling each)."""
        x: Tensor = self.embedding.weight
        out = x
        for conv in self.convs:
            x = conv(x, edge_index, edge_weight)
            out = out + x
        scaled: Tensor = out * self.alpha[0]
        return scaled

    @property
    def ego(self) -> Tensor:
        """The learnable layer-0 embeddings, ``[n_nodes, dim]`` (users, items, side nodes)."""
        weight: Tensor = self.embedding.weight
        return weight

    def propagate_all(self, adj: Tensor) -> Tensor:
        """Final (layer-averaged) embeddings of every node, ``[n_nodes, dim]``."""
        out: Tensor = self.get_embedding(adj)
        return out

    def propagate_noised(
        self, adj: Tensor, noise: float, layer: int, generator: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        r"""XSimGCL's training-time propagation: after each layer,
        :math:`\mathbf{x}^{(l)} \leftarrow \mathbf{x}^{(l)} + \varepsilon\,\mathrm{sign}(\mathbf{x}^{(l)})
        \odot \boldsymbol{\delta}/\lVert\boldsymbol{\delta}\rVert`, :math:`\boldsymbol{\delta}`
        uniform in :math:`[0, 1)^d` per node (drawn from ``generator``).

        Returns the layer-averaged final embeddings and the noised embeddings of ``layer``
        (1 … L), both ``[n_nodes, dim]``.
        """
        if not 1 <= layer <= len(self.convs):
            raise ValueError(f"layer {layer} is not one of the {len(self.convs)} layers")
        x: Tensor = self.embedding.weight
        out, view = x, x
        for depth, conv in enumerate(self.convs, start=1):
            x = conv(x, adj)
            delta = torch.rand(x.shape, generator=generator, dtype=x.dtype)
            x = x + noise * torch.sign(x.detach()) * torch.nn.functional.normalize(delta, dim=-1)
            out = out + x
            if depth == layer:
                view = x
        final: Tensor = out * self.alpha[0]
        return final, view

    @torch.no_grad()
    def user_item_embeddings(self, adj: Tensor) -> tuple[Tensor, Tensor]:
        """Detached final embeddings ``(users [n_users, dim], items [n_items, dim])``."""
        out = self.propagate_all(adj)
        return out[: self.n_users].clone(), out[self.n_users : self.n_users + self.n_items].clone()
