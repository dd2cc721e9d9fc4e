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


class _TagSets:
    """The candidates' tag ids slot-major (``[MAX_TAGS, n]``, padding coded past every tag), so
    the tag Jaccard of every candidate against one pick is one table lookup and a few sums."""

    def __init__(self, catalogue: Catalogue, rows: np.ndarray) -> None:
        self.padding = len(catalogue.tag_index)
        self.slots = catalogue.tag_slots[:, rows]
        self.sizes = catalogue.tag_counts[rows]
        self.member = np.zeros(self.padding + 1, dtype=bool)

    def jaccard(self, pick: int) -> np.ndarray:
        """|tags ∩ tags[pick]| / |tags ∪ tags[pick]| for every candidate, counted over tag slots
        (an id twice in a row counts twice, as in ``tag_ids``)."""
        valid = self.slots[:, pick]
        valid = valid[valid < self.padding]
        if valid.size == 0:
            return np.zeros(self.sizes.size, dtype=np.float32)
        member = self.member
        member[valid] = True
        inter = member[self.slots].sum(axis=0)
        member[valid] = False
        union = self.sizes + valid.size - inter  # ≥ valid.size ≥ 1
        jaccard: np.ndarray = (inter / union).astype(np.float32)
        return jaccard


def select(
    model: LoadedModel, rows: np.ndarray, relevance: np.ndarray, k: int, diversity: float
) -> np.ndarray:
    """Positions into ``rows`` of the ``k`` picks, in order.

    Greedy MMR: each step takes the best ``(1 − λ) · relevance − λ · nearest`` among the
    candidates not yet picked (the first one on ties), then raises ``nearest`` to each
    candidate's similarity with the new pick.
    """
    k = min(k, rows.size)
    if diversity <= 0 or k <= 1:
        return np.argsort(-relevance, kind="stable")[:k]
    unit = model.item_unit[rows]
    tags = _TagSets(model.catalogue, rows)
    base = (1.0 - diversity) * relevance
    nearest = np.full(rows.size, -np.inf, dtype=np.float32)
    picks = np.empty(k, dtype=np.int64)
    pick = int(np.argmax(relevance))
    for step in range(k):
        if step:
            pick = int(np.argmax(base - diversity * nearest))
        picks[step] = pick
        if step == k - 1:
            break
        similarity = EMBEDDING_WEIGHT * (unit @ unit[pick]) + TAG_WEIGHT * tags.jaccard(pick)
        np.maximum(nearest, similarity, out=nearest)
        nearest[pick] = np.inf  # picked: its MMR is −inf from now on (maximum keeps it)
    return picks
