"""The training loop: select the epoch on validation, then (optionally) refit on train + valid.

Phase ``select`` trains on the train split, evaluates valid Recall@20/NDCG@20 every
``eval_every`` epochs (full ranking, training items masked) and stops after ``patience``
evaluations without a better valid Recall@20; the best evaluation fixes the epoch count.
The test split is never looked at.

Phase ``refit`` (``refit=True``) trains a fresh model, same seed and settings, on train +
valid for exactly that many epochs: the final model sees every known interaction, and its
epoch count was still chosen on valid only. With ``refit=False`` the best selection-phase
model is the final one.

Both phases checkpoint every ``checkpoint_every`` epochs and resume from the checkpoint of
the same run key, so an interrupted run ends with the same embeddings as an uninterrupted one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.nn.functional import embedding

from tunedin_trainer.evaluation.ranking import embedding_scorer, evaluate, interaction_matrix
from tunedin_trainer.model.graph import build_adjacency, edge_weights, tag_nodes
from tunedin_trainer.model.lightgcn import TunedInLightGCN
from tunedin_trainer.training.checkpoint import TrainState, load_checkpoint, save_checkpoint
from tunedin_trainer.training.config import TrainConfig
from tunedin_trainer.training.loss import bpr_loss, ego_l2, info_nce
from tunedin_trainer.training.progress import EpochProgress
from tunedin_trainer.training.sampling import BprSampler


@dataclass(frozen=True)
class TrainingInputs:
    """The interactions training needs, as row indices (see ``PreparedData``)."""

    n_users: int
    n_items: int
    train: np.ndarray  # int64 [n_train, 2]
    train_plays: np.ndarray  # [n_train]
    valid: np.ndarray  # int64 [n_valid, 2]
    valid_plays: np.ndarray  # [n_valid]
    # int64 [n_friend_pairs, 2]: friendships as user rows (used with friend_edge_weight > 0)
    friends: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))
    # int64 [n_item_tags, 2]: (item row, tag row) of each artist's top tags (tag_edge_weight > 0)
    item_tags: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))


@dataclass(frozen=True)
class TrainingResult:
    """The final embeddings, the selection-phase best embeddings, and the run's record."""

    users: np.ndarray
    items: np.ndarray
    selected_users: np.ndarray
    selected_items: np.ndarray
    state: TrainState
    resumed_from: tuple[str, int] | None


@dataclass(frozen=True)
class Evaluation:
    """What an observer of the selection phase sees after each validation evaluation."""

    epoch: int
    elapsed_s: float  # selection-phase time so far, evaluations included, observers excluded
    valid: dict[str, float]
    improved: bool
    users: Tensor  # current final user embeddings
    items: Tensor  # current final item embeddings


Observer = Callable[[Evaluation], None]


@dataclass(frozen=True)
class Contrast:
    """XSimGCL's knobs for one run (see ``Settings.contrast_*``)."""

    weight: float
    noise: float
    temperature: float
    layer: int


@dataclass
class TrainingSetup:
    """Everything one phase trains with: the graph, the model, its optimizer and the sampler,
    and the contrastive term when there is one."""

    adj: Tensor
    model: TunedInLightGCN
    optimizer: torch.optim.Adam
    sampler: BprSampler
    generator: torch.Generator
    contrast: Contrast | None = None


def prepare_training(
    inputs: TrainingInputs, config: TrainConfig, pairs: np.ndarray, plays: np.ndarray
) -> TrainingSetup:
    """Graph, seeded model, Adam and sampler for training on ``pairs`` (with their ``plays``).

    The adjacency is built here, once per phase, and reused by every batch.
    """
    generator = torch.Generator().manual_seed(config.seed)
    adj = build_adjacency(
        pairs,
        inputs.n_users,
        inputs.n_items,
        edge_weights(plays, config.edge_weight),
        inputs.friends,
        config.friend_edge_weight,
        inputs.item_tags,
        config.tag_edge_weight,
    )
    n_side = tag_nodes(inputs.item_tags, config.tag_edge_weight)
    model = TunedInLightGCN(inputs.n_users, inputs.n_items, config.dim, config.layers, generator, n_side)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
    sampler = BprSampler(
        pairs, inputs.n_items, config.batch_size, config.negatives, config.hard_negative_pool, generator
    )
    contrast = None
    if config.contrast_weight > 0:
        contrast = Contrast(
            config.contrast_weight, config.contrast_noise, config.contrast_temperature, config.contrast_layer
        )
    return TrainingSetup(adj, model, optimizer, sampler, generator, contrast)


def train_epoch(setup: TrainingSetup, reg: float) -> float:
    """One pass over the training pairs; returns the mean BPR loss (without the L2 and
    contrastive terms).

    With ``setup.contrast`` the batch's BPR loss is taken on XSimGCL's noised propagation,
    and the InfoNCE of its distinct users and positive items (final against
    ``contrast.layer`` embeddings) is added with weight ``contrast.weight``.
    """
    model, sampler, contrast = setup.model, setup.sampler, setup.contrast
    n_users = model.n_users
    model.train()
    total = 0.0
    for users, items in sampler.batches():
        view = None
        if contrast is None:
            final = model.propagate_all(setup.adj)  # once per batch, on the prebuilt adjacency
        else:
            final, view = model.propagate_noised(setup.adj, contrast.noise, contrast.layer, setup.generator)
        candidates = sampler.candidates(users)
        item_final = final.detach()[n_users : n_users + model.n_items]
        negatives = sampler.choose(final.detach()[users], item_final, users, candidates)
        # One gather (and one scatter in backward) for users, positives and negatives.
        size = len(users)
        nodes = torch.cat([users, items + n_users, negatives.flatten() + n_users])
        sizes = [size, size, size * sampler.negatives]
        u, p, n = torch.split(embedding(nodes, final), sizes)
        loss = bpr_loss(u, p, n.view(size, sampler.negatives, -1))
        u, p, n = torch.split(model.embedding(nodes), sizes)
        penalty = ego_l2(u, p, n.view(size, sampler.negatives, -1))
        objective = loss + reg * penalty
        if contrast is not None and view is not None:
            batch_users, batch_items = torch.unique(users), torch.unique(items) + n_users
            cl = info_nce(final[batch_users], view[batch_users], contrast.temperature)
            cl = cl + info_nce(final[batch_items], view[batch_items], contrast.temperature)
            objective = objective + contrast.weight * cl
        setup.optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(objective)
        setup.optimizer.step()
        total += loss.item() * size
    return total / sampler.n_pairs


def _restore(setup: TrainingSetup, state: TrainState) -> None:
    setup.model.load_state_dict(state.model)
    setup.optimizer.load_state_dict(state.optimizer)
    setup.generator.set_state(state.generator)


def _snapshot(setup: TrainingSetup, state: TrainState) -> TrainState:
    state.model = {k: v.detach().clone() for k, v in setup.model.state_dict().items()}
    state.optimizer = setup.optimizer.state_dict()
    state.generator = setup.generator.get_state()
    return state


def _embeddings(setup: TrainingSetup) -> tuple[np.ndarray, np.ndarray]:
    users, items = setup.model.user_item_embeddings(setup.adj)
    return users.numpy().astype(np.float32), items.numpy().astype(np.float32)


def _select(
    inputs: TrainingInputs,
    config: TrainConfig,
    state: TrainState,
    ckpt: Path | None,
    progress: bool,
    observer: Observer | None,
) -> tuple[np.ndarray, np.ndarray]:
    setup = prepare_training(inputs, config, inputs.train, inputs.train_plays)
    if state.epoch > 0:
        _restore(setup, state)
    known = interaction_matrix([inputs.train], inputs.n_users, inputs.n_items)
    held_out = interaction_matrix([inputs.valid], inputs.n_users, inputs.n_items)
    last = state.epoch if state.stopped_early else config.epochs  # a stopped run resumes stopped
    bar = EpochProgress("train (select on valid)", state.epoch, config.epochs, progress)
    latest = {"recall@20": float("nan"), "ndcg@20": float("nan")}
    for epoch in range(state.epoch + 1, last + 1):
        started = time.perf_counter()
        loss = train_epoch(setup, config.reg)
        epoch_s = time.perf_counter() - started
        point: dict[str, float | None] = {"epoch": epoch, "loss": loss, "epoch_s": epoch_s}
        point["valid_recall@20"] = point["valid_ndcg@20"] = None
        evaluation = None
        if epoch % config.eval_every == 0 or epoch == config.epochs:
            users, items = setup.model.user_item_embeddings(setup.adj)
            latest = evaluate(embedding_scorer(users, items), known, held_out)
            point["valid_recall@20"], point["valid_ndcg@20"] = latest["recall@20"], latest["ndcg@20"]
            improved = latest["recall@20"] > state.best_valid.get("recall@20", -1.0)
            if improved:
                state.best_epoch, state.best_valid, state.evals_since_best = epoch, latest, 0
                state.best_model = {k: v.detach().clone() for k, v in setup.model.state_dict().items()}
            else:
                state.evals_since_best += 1
            evaluation = (users, items, improved)
        state.select_seconds += time.perf_counter() - started
        if observer is not None and evaluation is not None:
            observer(Evaluation(epoch, state.select_seconds, latest, evaluation[2], *evaluation[:2]))
        point["elapsed_s"] = state.select_seconds
        state.curve.append(point)
        state.epoch = epoch
        valid = {f"valid {name}": value for name, value in latest.items()}
        bar.epoch_done(epoch, loss, valid if evaluation is not None else None)
        state.stopped_early = state.evals_since_best >= config.patience
        if ckpt is not None and (epoch % config.checkpoint_every == 0 or state.stopped_early):
            save_checkpoint(ckpt, _snapshot(setup, state))
        if state.stopped_early:
            break
    bar.close()
    setup.model.load_state_dict(state.best_model)
    return _embeddings(setup)


def _refit(
    inputs: TrainingInputs, config: TrainConfig, state: TrainState, ckpt: Path | None, progress: bool
) -> tuple[np.ndarray, np.ndarray]:
    pairs = np.concatenate([inputs.train, inputs.valid])
    plays = np.concatenate([inputs.train_plays, inputs.valid_plays])
    setup = prepare_training(inputs, config, pairs, plays)
    if state.epoch > 0:
        _restore(setup, state)
    bar = EpochProgress("refit on train+valid", state.epoch, state.best_epoch, progress)
    for epoch in range(state.epoch + 1, state.best_epoch + 1):
        started = time.perf_counter()
        loss = train_epoch(setup, config.reg)
        epoch_s = time.perf_counter() - started
        state.refit_seconds += epoch_s
        state.refit_curve.append(
            {"epoch": epoch, "loss": loss, "epoch_s": epoch_s, "elapsed_s": state.refit_seconds}
        )
        state.epoch = epoch
        milestone = epoch % config.eval_every == 0 or epoch == state.best_epoch
        bar.epoch_done(epoch, loss, milestone=milestone)
        if ckpt is not None and epoch % config.checkpoint_every == 0:
            save_checkpoint(ckpt, _snapshot(setup, state))
    bar.close()
    return _embeddings(setup)


def _selected_embeddings(
    inputs: TrainingInputs, config: TrainConfig, state: TrainState
) -> tuple[np.ndarray, np.ndarray]:
    setup = prepare_training(inputs, config, inputs.train, inputs.train_plays)
    setup.model.load_state_dict(state.best_model)
    return _embeddings(setup)


def train_model(
    inputs: TrainingInputs,
    config: TrainConfig,
    run_key: str,
    checkpoint_dir: Path | None = None,
    progress: bool = False,
    observer: Observer | None = None,
) -> TrainingResult:
    """Train (or resume) run ``run_key``; checkpoints go to ``checkpoint_dir`` when given.

    ``observer`` is called after every validation evaluation (benchmarks use it to record
    when a quality level is reached); it cannot influence training.
    """
    state = load_checkpoint(checkpoint_dir, run_key) if checkpoint_dir is not None else None
    resumed_from = (state.phase, state.epoch) if state is not None else None
    if state is None:
        state = TrainState(
            run_key=run_key, phase="select", epoch=0, model={}, optimizer={}, generator=torch.empty(0)
        )
    if state.phase == "select":
        selected = _select(inputs, config, state, checkpoint_dir, progress, observer)
        state.selection_epochs = state.epoch
        if config.refit:
            state.phase, state.epoch = "refit", 0
            state.model, state.optimizer, state.generator = {}, {}, torch.empty(0)
            if checkpoint_dir is not None:
                save_checkpoint(checkpoint_dir, state)
    else:
        selected = _selected_embeddings(inputs, config, state)
    final = _refit(inputs, config, state, checkpoint_dir, progress) if config.refit else selected
    return TrainingResult(
        users=final[0],
        items=final[1],
        selected_users=selected[0],
        selected_items=selected[1],
        state=state,
        resumed_from=resumed_from,
    )
