"""Reranking candidates: feedback adjustments, then MMR diversity over embeddings and tags.

``relevance`` is the candidate score min-max scaled to [0, 1]; likes pull neighbours up by
``like_boost · cos``, skips push them down by ``skip_penalty · cos``, recently played artists
drop by ``play_penalty``. With ``diversity`` λ > 0 the list is built greedily by MMR:
``(1 − λ) · relevance − λ · max similarity to the picks so far``, similarity being
``0.8 · cosine + 0.2 · tag Jaccard``. With λ = 0 and no feedback the order is the model's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunedin_api.model.catalogue import Catalogue
from tunedin_api.model.loaded import LoadedModel

EMBEDDING_WEIGHT = 0.8
TAG_WEIGHT = 0.2


@dataclass(frozen=True)
class Feedback:
    liked: np.ndarray  # item rows
    skipped: np.ndarray
    played: np.ndarray


@dataclass(frozen=True)
class Weights:
    like_boost: float
    skip_penalty: float
    play_penalty: float


def scale(scores: np.ndarray) -> np.ndarray:
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-12:
        return np.ones_like(scores, dtype=np.float32)
    scaled: np.ndarray = ((scores - low) / (high - low)).astype(np.float32)
    return scaled


def _max_cosine(model: LoadedModel, rows: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    sims: np.ndarray = (model.item_unit[rows] @ model.item_unit[anchors].T).max(axis=1)
    positive: np.ndarray = np.maximum(sims, 0.0)
    return positive


def adjust(
    model: LoadedModel, rows: np.ndarray, relevance: np.ndarray, feedback: Feedback, weights: Weights
) -> np.ndarray:
    """Relevance after feedback: likes pull neighbours up, skips and recent plays push down."""
    adjusted = relevance.copy()
    if feedback.liked.size:
        adjusted += weights.like_boost * _max_cosine(model, rows, feedback.liked)
    if feedback.skipped.size:
        adjusted -= weights.skip_penalty * _max_cosine(model, rows, feedback.skipped)
    if feedback.played.size:
        played = np.zeros(model.item_unit.shape[0], dtype=bool)
        played[feedback.played] = True
        adjusted -= weights.play_penalty * played[rows]
    return adjusted


def tag_jaccard(catalogue: Catalogue, rows: np.ndarray) -> np.ndarray:
    """``[n, n]`` tag Jaccard ``|A ∩ B| / |A ∪ B|`` of the candidates ``rows`` (0 for two tagless
    artists): their tags one-hot over the candidates' own vocabulary, intersections by one
    matrix product."""
    slots = catalogue.tag_ids[rows].ravel()  # distinct ids per row, −1 padding
    valid = slots >= 0
    owner = np.flatnonzero(valid) // catalogue.tag_ids.shape[1]
    tags = slots[valid]
    if tags.size == 0:
        return np.zeros((rows.size, rows.size), dtype=np.float32)
    order = np.argsort(tags, kind="stable")
    ordered = tags[order]
    first = np.empty(ordered.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    local = np.empty(tags.size, dtype=np.intp)
    local[order] = np.cumsum(first) - 1  # each tag's column in the local vocabulary
    onehot = np.zeros((rows.size, int(first.sum())), dtype=np.float32)
    onehot[owner, local] = 1.0
    inter = onehot @ onehot.T
    sizes = valid.reshape(rows.size, -1).sum(axis=1, dtype=np.float32)
    union = sizes[:, None] + sizes[None, :] - inter
    np.maximum(union, 1.0, out=union)  # 0 only when both are tagless, and then inter is 0
    jaccard: np.ndarray = inter / union
    return jaccard


def similarity(model: LoadedModel, rows: np.ndarray) -> np.ndarray:
    """``[n, n]`` MMR similarity of the candidates: ``0.8 · cosine + 0.2 · tag Jaccard``."""
    unit = model.item_unit[rows]
    matrix: np.ndarray = unit @ unit.T
    matrix *= EMBEDDING_WEIGHT
    matrix += TAG_WEIGHT * tag_jaccard(model.catalogue, rows)
    return matrix


def select(
    model: LoadedModel,
    rows: np.ndarray,
    relevance: np.ndarray,
    k: int,
    diversity: float,
    pool: int | None = None,
) -> np.ndarray:
    """Positions into ``rows`` of the ``k`` picks, in order.

    Greedy MMR over the ``pool`` most relevant candidates (all when ``None``): each step takes
    the best ``(1 − λ) · relevance − λ · nearest`` among the candidates not yet picked (the
    first one on ties), ``nearest`` being a candidate's highest similarity to a pick so far.
    The similarities are one ``[pool, pool]`` matrix, so a step is a few vector operations.
    """
    k = min(k, rows.size)
    if diversity <= 0 or k <= 1:
        return np.argsort(-relevance, kind="stable")[:k]
    if pool is not None and rows.size > max(pool, k):
        size = max(pool, k)
        top: np.ndarray = np.sort(np.argpartition(-relevance, size - 1)[:size])  # rows' order kept
        picks: np.ndarray = top[_mmr(model, rows[top], relevance[top], k, diversity)]
        return picks
    return _mmr(model, rows, relevance, k, diversity)


def _mmr(model: LoadedModel, rows: np.ndarray, relevance: np.ndarray, k: int, diversity: float) -> np.ndarray:
    penalty = similarity(model, rows)
    penalty *= diversity
    base = (1.0 - diversity) * relevance
    picks = np.empty(k, dtype=np.int64)
    pick = int(relevance.argmax())
    picks[0] = pick
    score = base - penalty[pick]  # MMR of every candidate after the first pick
    score[pick] = -np.inf
    for step in range(1, k):
        pick = int(score.argmax())
        picks[step] = pick
        np.minimum(score, base - penalty[pick], out=score)
        score[pick] = -np.inf  # picked: never again
    return picks
