"""The graph, the LightGCN model, BPR sampling and the loss on tiny inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch_geometric.nn.models import LightGCN

from tunedin_trainer.model.graph import build_adjacency, edge_weights
from tunedin_trainer.model.lightgcn import TunedInLightGCN
from tunedin_trainer.training.loss import bpr_loss, ego_l2
from tunedin_trainer.training.sampling import BprSampler

PAIRS = np.array([[0, 0], [0, 1], [1, 1], [2, 2], [2, 0]])  # 3 users, 4 items (item 3 unseen)


def test_adjacency_is_the_symmetric_normalised_bipartite_graph() -> None:
    adj = build_adjacency(PAIRS, 3, 4).to_dense().numpy()
    a = np.zeros((7, 7))
    for u, i in PAIRS:
        a[u, 3 + i] = a[3 + i, u] = 1.0
    degree = a.sum(axis=1)
    inv_sqrt = np.where(degree > 0, 1 / np.sqrt(np.maximum(degree, 1e-12)), 0.0)
    assert np.allclose(adj, inv_sqrt[:, None] * a * inv_sqrt[None, :])
    assert np.allclose(adj, adj.T)
    assert adj[:3, :3].sum() == 0 and adj[3:, 3:].sum() == 0  # bipartite: users first, then items


def test_weighted_adjacency_uses_one_plus_log_plays() -> None:
    plays = np.array([0.0, 10.0, 1.0, 100.0, 3.0])
    weights = edge_weights(plays, "log_plays")
    assert weights is not None
    assert weights.tolist() == pytest.approx([1 + math.log1p(p) for p in plays])
    assert edge_weights(plays, "none") is None
    adj = build_adjacency(PAIRS, 3, 4, weights).to_dense().numpy()
    a = np.zeros((7, 7))
    for (u, i), w in zip(PAIRS, weights, strict=True):
        a[u, 3 + i] = a[3 + i, u] = w
    d = a.sum(axis=1)
    with np.errstate(divide="ignore"):
        inv_sqrt = np.where(d > 0, d**-0.5, 0.0)
    assert np.allclose(adj, inv_sqrt[:, None] * a * inv_sqrt[None, :], atol=1e-6)


def test_model_matches_pyg_lightgcn_forward_and_gradient() -> None:
    model = TunedInLightGCN(3, 4, 8, 3, torch.Generator().manual_seed(0))
    reference = LightGCN(7, 8, 3)
    reference.embedding.weight.data.copy_(model.embedding.weight.data)
    users = torch.as_tensor(PAIRS[:, 0])
    items = torch.as_tensor(PAIRS[:, 1]) + 3
    edge_index = torch.stack([torch.cat([users, items]), torch.cat([items, users])])

    ours = model.propagate_all(build_adjacency(PAIRS, 3, 4))
    theirs = reference.get_embedding(edge_index)  # normalises the graph on every call
    assert torch.allclose(ours, theirs, atol=1e-6)

    target = torch.linspace(-1, 1, ours.numel()).view_as(ours)
    torch.autograd.backward((ours * target).sum())
    torch.autograd.backward((theirs * target).sum())
    assert model.embedding.weight.grad is not None and reference.embedding.weight.grad is not None
    assert torch.allclose(model.embedding.weight.grad, reference.embedding.weight.grad, atol=1e-6)


def test_initialisation_is_seeded() -> None:
    a = TunedInLightGCN(3, 4, 8, 3, torch.Generator().manual_seed(5))
    b = TunedInLightGCN(3, 4, 8, 3, torch.Generator().manual_seed(5))
    c = TunedInLightGCN(3, 4, 8, 3, torch.Generator().manual_seed(6))
    assert torch.equal(a.ego, b.ego)
    assert not torch.equal(a.ego, c.ego)
    users, items = a.user_item_embeddings(build_adjacency(PAIRS, 3, 4))
    assert users.shape == (3, 8) and items.shape == (4, 8)


def _sampler(pool: int = 4, negatives: int = 2, seed: int = 0, batch: int = 2) -> BprSampler:
    return BprSampler(PAIRS, 4, batch, negatives, pool, torch.Generator().manual_seed(seed))


def test_an_epoch_visits_every_pair_once() -> None:
    seen = [
        tuple(p)
        for users, items in _sampler().batches()
        for p in zip(users.tolist(), items.tolist(), strict=True)
    ]
    assert sorted(seen) == sorted(map(tuple, PAIRS.tolist()))


def test_is_positive_knows_the_training_pairs() -> None:
    sampler = _sampler()
    users = torch.tensor([0, 1, 2, 5])
    items = torch.tensor([[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]])
    expected = [
        [True, True, False, False],
        [False, True, False, False],
        [True, False, True, False],
        [False] * 4,
    ]
    assert sampler.is_positive(users, items).tolist() == expected


def test_hard_negatives_are_the_best_scored_non_positives() -> None:
    sampler = _sampler(pool=4, negatives=1)
    users = torch.tensor([0, 1])
    candidates = torch.tensor([[0, 3, 2, 1], [1, 1, 0, 2]])  # user 0 knows 0, 1; user 1 knows 1
    item_emb = torch.tensor([[4.0], [3.0], [2.0], [1.0]])  # score = item value × user value
    chosen = sampler.choose(torch.tensor([[1.0], [1.0]]), item_emb, users, candidates)
    assert chosen.tolist() == [[2], [0]]


def test_uniform_negatives_when_the_pool_is_one() -> None:
    sampler = _sampler(pool=1, negatives=3)
    users = torch.tensor([0, 1])
    candidates = sampler.candidates(users)
    assert candidates.shape == (2, 3)
    assert ((candidates >= 0) & (candidates < 4)).all()
    assert torch.equal(sampler.choose(torch.zeros(2, 1), torch.zeros(4, 1), users, candidates), candidates)


def test_sampling_is_reproducible() -> None:
    draws = []
    for _ in range(2):
        sampler = _sampler(seed=3)
        draws.append([(u.tolist(), sampler.candidates(u).tolist()) for u, _ in sampler.batches()])
    assert draws[0] == draws[1]


def test_sampler_rejects_empty_or_bad_settings() -> None:
    with pytest.raises(ValueError):
        BprSampler(PAIRS[:0], 4, 2, 1, 1, torch.Generator())
    with pytest.raises(ValueError):
        BprSampler(PAIRS, 4, 2, 0, 1, torch.Generator())


def test_bpr_loss_and_ego_l2_by_hand() -> None:
    user = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    positive = torch.tensor([[2.0, 0.0], [0.0, 1.0]])  # scores 2 and 2
    negative = torch.tensor([[[1.0, 0.0], [0.0, 5.0]], [[0.0, 3.0], [1.0, 1.0]]])  # scores 1, 0 | 6, 2
    expected = (
        -(
            math.log(1 / (1 + math.exp(-1)))
            + math.log(1 / (1 + math.exp(-2)))
            + math.log(1 / (1 + math.exp(4)))
            + math.log(1 / (1 + math.exp(0)))
        )
        / 4
    )
    assert bpr_loss(user, positive, negative).item() == pytest.approx(expected, rel=1e-6)
    # per triple: |u|² + |i|² + mean_n |j_n|², halved, averaged over the batch
    expected_l2 = ((1 + 4 + (1 + 25) / 2) + (4 + 1 + (9 + 2) / 2)) / 2 / 2
    assert ego_l2(user, positive, negative).item() == pytest.approx(expected_l2)
