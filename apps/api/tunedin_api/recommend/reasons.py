"""The "because you listen to X" of each pick: the anchor artist closest to it."""

from __future__ import annotations

import numpy as np

from tunedin_api.model.loaded import LoadedModel


def explain(
    model: LoadedModel, picks: np.ndarray, anchors: np.ndarray, verbs: list[str], fallback: str
) -> list[str]:
    """One sentence per pick naming the most similar anchor (never the pick itself)."""
    if anchors.size == 0:
        return [fallback] * picks.size
    sims = model.item_unit[picks] @ model.item_unit[anchors].T
    sims[picks[:, None] == anchors[None, :]] = -np.inf
    best = sims.argmax(axis=1)
    reasons = []
    for position, anchor in enumerate(best.tolist()):
        if not np.isfinite(sims[position, anchor]):
            reasons.append(fallback)
            continue
        reasons.append(f"because you {verbs[anchor]} {model.catalogue.names[int(anchors[anchor])]}")
    return reasons
