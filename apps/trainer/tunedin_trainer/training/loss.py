r"""The BPR objective with L2 on the batch's ego embeddings, as in LightGCN.

For a batch :math:`\mathcal{B}` of triples :math:`(u, i, j)` — user, positive item, and
:math:`N` negatives :math:`j_1 \dots j_N` — with final embeddings :math:`\mathbf{x}` and
layer-0 (ego) embeddings :math:`\mathbf{x}^{(0)}`:

.. math::
    \mathcal{L} = -\frac{1}{|\mathcal{B}| N} \sum_{(u,i)} \sum_{n=1}^{N}
        \ln \sigma\bigl(\mathbf{x}_u^\top \mathbf{x}_i - \mathbf{x}_u^\top \mathbf{x}_{j_n}\bigr)
    + \frac{\lambda}{2|\mathcal{B}|} \sum_{(u,i)} \Bigl(\lVert \mathbf{x}^{(0)}_u \rVert^2
        + \lVert \mathbf{x}^{(0)}_i \rVert^2
        + \frac{1}{N}\sum_{n} \lVert \mathbf{x}^{(0)}_{j_n} \rVert^2\Bigr)

Only the embeddings the batch touches are regularised, not the whole table.

With XSimGCL (`Yu et al., 2023 <https://arxiv.org/abs/2209.02544>`_) the objective adds
:math:`\lambda_c` times :func:`info_nce` of the batch's distinct users and of its distinct
positive items, between two noised views of the same propagation.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.functional import cross_entropy, logsigmoid, normalize


def bpr_loss(user: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
    """Mean BPR loss: ``user``/``positive`` are ``[B, d]``, ``negative`` is ``[B, N, d]``."""
    pos_score = (user * positive).sum(dim=-1, keepdim=True)
    neg_score = (user.unsqueeze(1) * negative).sum(dim=-1)
    return -logsigmoid(pos_score - neg_score).mean()


def ego_l2(user: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
    """Half the squared L2 norm of the batch's ego embeddings, per triple (see module doc)."""
    per_triple = user.pow(2).sum(-1) + positive.pow(2).sum(-1) + negative.pow(2).sum(-1).mean(-1)
    return per_triple.mean() / 2


def info_nce(view: Tensor, other: Tensor, temperature: float) -> Tensor:
    r"""Mean InfoNCE of rows ``[n, d]`` of two views: each row of ``view`` must pick its own row
    of ``other`` among all ``n`` (cosine similarity / ``temperature``), i.e.
    :math:`-\frac1n\sum_a \ln \frac{\exp(s_{aa}/\tau)}{\sum_b \exp(s_{ab}/\tau)}`."""
    logits = normalize(view, dim=-1) @ normalize(other, dim=-1).T / temperature
    return cross_entropy(logits, torch.arange(len(view)))
