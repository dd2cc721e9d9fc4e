"""The trainer's optional additions to LightGCN: friend edges and tag nodes in the graph,
XSimGCL's contrastive term, and their knobs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from pydantic import ValidationError

from tests.train_support import fast_config, synthetic_inputs, synthetic_interactions, write_dataset
from tunedin_common.contract import ArtifactStore
from tunedin_trainer.data.prepared import load_prepared
from tunedin_trainer.model.graph import build_adjacency, friend_edges, tag_nodes
from tunedin_trainer.model.lightgcn import TunedInLightGCN
from tunedin_trainer.settings import Settings
from tunedin_trainer.training.config import TrainConfig
from tunedin_trainer.training.inputs import friend_rows, item_tag_rows, training_inputs
from tunedin_trainer.training.loop import prepare_training, train_epoch, train_model
from tunedin_trainer.training.loss import info_nce

PAIRS = np.array([[0, 0], [0, 1], [1, 1], [2, 2], [2, 0]])  # 3 users, 4 items
KEY = "fedcba9876543210"


def _normalised(a: np.ndarray) -> np.ndarray:
    d = a.sum(axis=1)
    inv_sqrt = np.where(d > 0, 1 / np.sqrt(np.maximum(d, 1e-12)), 0.0)
    normalised: np.ndarray = inv_sqrt[:, None] * a * inv_sqrt[None, :]
    return normalised


def test_friend_edges_keep_each_friendship_once() -> None:
    both_ways = np.array([[0, 2], [2, 0], [1, 0], [1, 1]])
    assert friend_edges(both_ways).tolist() == [[0, 1], [0, 2]]


def test_friendships_are_user_user_edges_weighted_relative_to_the_mean_listening_edge() -> None:
    weights = np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype=np.float32)  # mean 3
    friends = np.array([[0, 2], [2, 0]])
    adj = build_adjacency(PAIRS, 3, 4, weights, friends, 0.5).to_dense().numpy()
    a = np.zeros((7, 7))
    for (u, i), w in zip(PAIRS, weights, strict=True):
        a[u, 3 + i] = a[3 + i, u] = w
    a[0, 2] = a[2, 0] = 0.5 * 3.0
    assert np.allclose(adj, _normalised(a), atol=1e-6)
    assert adj[1, :3].sum() == 0  # user 1 has no friend
    plain = build_adjacency(PAIRS, 3, 4, weights).to_dense().numpy()
    assert np.allclose(build_adjacency(PAIRS, 3, 4, weights, friends, 0.0).to_dense().numpy(), plain)
    with pytest.raises(ValueError, match="outside"):
        build_adjacency(PAIRS, 3, 4, weights, np.array([[0, 3]]), 0.5)


def test_tags_are_nodes_after_the_items_linked_to_their_artists() -> None:
    weights = np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype=np.float32)  # mean 3
    item_tags = np.array([[0, 1], [3, 1], [2, 0], [0, 1]])  # a repeated pair counts once
    assert tag_nodes(item_tags, 0.25) == 2 and tag_nodes(item_tags, 0.0) == 0
    adj = build_adjacency(PAIRS, 3, 4, weights, item_tags=item_tags, tag_weight=0.25).to_dense().numpy()
    a = np.zeros((9, 9))
    for (u, i), w in zip(PAIRS, weights, strict=True):
        a[u, 3 + i] = a[3 + i, u] = w
    for item, tag in ((0, 1), (3, 1), (2, 0)):
        a[3 + item, 7 + tag] = a[7 + tag, 3 + item] = 0.25 * 3.0
    assert np.allclose(adj, _normalised(a), atol=1e-6)
    assert adj[:3, 7:].sum() == 0  # users reach tags only through artists
    unlinked = build_adjacency(PAIRS, 3, 4, weights, item_tags=item_tags, tag_weight=0.0)
    assert unlinked.shape == (7, 7)
    with pytest.raises(ValueError, match="item row outside"):
        build_adjacency(PAIRS, 3, 4, weights, item_tags=np.array([[4, 0]]), tag_weight=0.25)


def test_info_nce_rewards_matching_rows() -> None:
    generator = torch.Generator().manual_seed(0)
    view = torch.randn(16, 8, generator=generator)
    matched = info_nce(view, view * 2.0, 0.2)  # cosine ignores the scale
    shuffled = info_nce(view, view[torch.randperm(16, generator=generator)], 0.2)
    assert matched < shuffled
    # two orthogonal rows: each row's own similarity is 1, the other's 0
    pair = torch.eye(2)
    expected = -torch.log(torch.exp(torch.tensor(5.0)) / (torch.exp(torch.tensor(5.0)) + 1.0))
    assert torch.isclose(info_nce(pair, pair, 0.2), expected)


def test_noised_propagation_moves_each_layer_by_the_noise_norm() -> None:
    model = TunedInLightGCN(3, 4, 8, 3, torch.Generator().manual_seed(0))
    adj = build_adjacency(PAIRS, 3, 4)
    clean = model.propagate_all(adj)
    same, _ = model.propagate_noised(adj, 0.0, 1, torch.Generator().manual_seed(1))
    assert torch.allclose(same, clean, atol=1e-6)
    final, layer_one = model.propagate_noised(adj, 0.1, 1, torch.Generator().manual_seed(1))
    first = torch.sparse.mm(adj, model.ego)
    moved = (layer_one - first).norm(dim=1)
    nonzero = first.abs().min(dim=1).values > 0  # sign() is 0 where an entry is exactly 0
    assert torch.allclose(moved[nonzero], torch.full_like(moved[nonzero], 0.1), atol=1e-5)
    assert not torch.allclose(final, clean)
    with pytest.raises(ValueError, match="layer 4"):
        model.propagate_noised(adj, 0.1, 4, torch.Generator())


def test_contrast_changes_training_and_stays_deterministic() -> None:
    inputs, _ = synthetic_inputs()
    config = fast_config(contrast_weight=0.2, contrast_noise=0.1)
    a = train_model(inputs, config, KEY)
    b = train_model(inputs, config, KEY)
    plain = train_model(inputs, fast_config(), KEY)
    assert np.array_equal(a.users, b.users) and np.array_equal(a.items, b.items)
    assert not np.allclose(a.items, plain.items)


def test_contrast_term_pulls_the_two_views_together() -> None:
    """Training with the contrastive term lowers the InfoNCE between the views."""
    inputs, _ = synthetic_inputs()

    def views_loss(config: TrainConfig) -> float:
        setup = prepare_training(inputs, config, inputs.train, inputs.train_plays)
        for _ in range(8):
            train_epoch(setup, config.reg)
        with torch.no_grad():
            final, view = setup.model.propagate_noised(setup.adj, 0.1, 1, torch.Generator().manual_seed(3))
        return float(info_nce(final, view, 0.2))

    assert views_loss(fast_config(contrast_weight=1.0)) < views_loss(fast_config())


def test_friend_edges_change_training_only_when_weighted() -> None:
    inputs, _ = synthetic_inputs()
    friends = np.array([[u, (u + 4) % inputs.n_users] for u in range(inputs.n_users)])
    social = replace(inputs, friends=friends)
    plain = train_model(inputs, fast_config(), KEY)
    unweighted = train_model(social, fast_config(), KEY)
    weighted = train_model(social, fast_config(friend_edge_weight=0.5), KEY)
    assert np.array_equal(plain.users, unweighted.users)
    assert not np.allclose(plain.users, weighted.users)


def test_tag_nodes_train_and_only_users_and_items_are_served() -> None:
    inputs, _ = synthetic_inputs()
    item_tags = np.array([[i, i % 5] for i in range(inputs.n_items)])  # 5 tags across the blocks
    tagged = replace(inputs, item_tags=item_tags)
    plain = train_model(inputs, fast_config(), KEY)
    unweighted = train_model(tagged, fast_config(), KEY)
    weighted = train_model(tagged, fast_config(tag_edge_weight=0.5), KEY)
    assert np.array_equal(plain.items, unweighted.items)
    assert weighted.items.shape == plain.items.shape and weighted.users.shape == plain.users.shape
    assert not np.allclose(plain.items, weighted.items)


def test_training_inputs_carry_the_datasets_friendships_as_user_rows(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    interactions = synthetic_interactions()
    a, b = sorted(interactions["user_id"].unique())[:2]
    pairs = [(int(b), int(a)), (int(a), 999_999)]
    table = pd.DataFrame(pairs, columns=["user_id", "friend_id"], dtype="int64")
    write_dataset(store, interactions, friends=table)
    data = load_prepared(store)
    rows = friend_rows(store, data)
    first, second = np.searchsorted(data.user_ids, pairs[0])
    assert rows.tolist() == [[first, second]]  # the pair naming an unknown user is left out
    assert training_inputs(store, data).friends.tolist() == rows.tolist()


def test_item_tags_number_the_distinct_tags_in_sorted_order(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    write_dataset(store, synthetic_interactions())  # artist i has ["rock", f"tag{i % 5}"] unless i % 3 == 0
    data = load_prepared(store)
    pairs = item_tag_rows(data)
    vocabulary = sorted({tag for tags in data.artists["top_tags"] for tag in tags})
    expected = sorted(
        (row, vocabulary.index(tag)) for row, tags in enumerate(data.artists["top_tags"]) for tag in tags
    )
    assert [tuple(p) for p in pairs.tolist()] == expected
    assert training_inputs(store, data).item_tags.tolist() == pairs.tolist()


def test_contrast_layer_must_be_a_model_layer() -> None:
    with pytest.raises(ValidationError, match="contrast_layer"):
        Settings(layers=2, contrast_weight=0.1, contrast_layer=3)
    assert Settings(layers=2, contrast_weight=0, contrast_layer=3).contrast_layer == 3  # unused at weight 0
    config = TrainConfig.from_settings(
        Settings(contrast_weight=0.15, friend_edge_weight=0.3, tag_edge_weight=0.2)
    )
    assert (config.contrast_weight, config.friend_edge_weight, config.tag_edge_weight) == (0.15, 0.3, 0.2)
