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
    found = np.isfinite(sims[np.arange(picks.size), best]).tolist()
    names, anchor_rows = model.catalogue.names, anchors.tolist()
    return [
        f"because you {verbs[anchor]} {names[anchor_rows[anchor]]}" if ok else fallback
        for anchor, ok in zip(best.tolist(), found, strict=True)
    ]
