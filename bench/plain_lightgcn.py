"""The speed baseline: a plain PyG LightGCN loop in the style of PyG's ``examples/lightgcn.py``.

Every batch calls ``LightGCN.forward`` on the full ``edge_index`` (both directions), so each
of the three ``LGConv`` layers recomputes ``gcn_norm`` and propagates with scatter over an
edge list; negatives are uniform; the loss is ``LightGCN.recommendation_loss`` with L2 on the
unique nodes of the batch. Nothing else is changed, so its time per epoch is what "plain PyG"
costs on the same graph and batch size.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch_geometric.nn.models import LightGCN


def plain_epoch(
    train: np.ndarray,
    n_users: int,
    n_items: int,
    batch_size: int,
    seed: int,
    max_batches: int | None = None,
) -> dict[str, float]:
    """Train one epoch (or its first ``max_batches`` batches) and time it.

    Returns the batches run, batches in a full epoch, measured seconds, and seconds per
    epoch (measured when the full epoch ran, otherwise extrapolated from the batches run).
    """
    torch.manual_seed(seed)
    users = torch.as_tensor(train[:, 0], dtype=torch.long)
    items = torch.as_tensor(train[:, 1], dtype=torch.long) + n_users
    edge_index = torch.stack([torch.cat([users, items]), torch.cat([items, users])])
    edge_label_index = torch.stack([users, items])
    model = LightGCN(n_users + n_items, embedding_dim=64, num_layers=3)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    n_pairs = edge_label_index.size(1)
    full = -(-n_pairs // batch_size)
    run = 0
    started = time.perf_counter()
    order = torch.randperm(n_pairs)
    for start in range(0, n_pairs, batch_size):  # the batches a shuffling DataLoader yields
        index = order[start : start + batch_size]
        positive = edge_label_index[:, index]
        negative = torch.stack(
            [positive[0], torch.randint(n_users, n_users + n_items, (index.numel(),))], dim=0
        )
        label_index = torch.cat([positive, negative], dim=1)
        optimizer.zero_grad()
        pos_rank, neg_rank = model(edge_index, label_index).chunk(2)
        loss = model.recommendation_loss(pos_rank, neg_rank, node_id=torch.unique(label_index))
        torch.autograd.backward(loss)
        optimizer.step()
        run += 1
        if max_batches is not None and run >= max_batches:
            break
    seconds = time.perf_counter() - started
    return {
        "batches_run": float(run),
        "batches_per_epoch": float(full),
        "seconds_measured": seconds,
        "seconds_per_epoch": seconds / run * full,
    }
