r"""Popularity bias of ranked lists: how far they reach beyond the most listened-to artists.

With :math:`n_i` the users who have item :math:`i` in the data a recommender was fitted on and
:math:`N` the users:

* ``catalogue_coverage`` — distinct items in any list / items in the catalogue.
* ``novelty`` — the mean self-information :math:`\log_2(N / \max(n_i, 1))` of the listed
  items, in bits: 0 for an item everyone has, higher the rarer it is.
* ``long_tail_share`` — the share of listed items outside the head: the ``head_fraction`` of
  the catalogue with the most users (ties broken by item row).

The same novelty and long-tail share over the held-out items themselves (each user's test
artists) say where the listeners' own next artists lie, for comparison.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from tunedin_common.contract import PopularityBias

HEAD_FRACTION = 0.2


def item_users(fitted: sp.csr_matrix) -> np.ndarray:
    """``int64 [n_items]``: users per item in a binary user × item matrix."""
    users: np.ndarray = np.bincount(fitted.indices, minlength=fitted.shape[1]).astype(np.int64)
    return users


def head_items(popularity: np.ndarray, head_fraction: float = HEAD_FRACTION) -> np.ndarray:
    """``bool [n_items]``: the ``head_fraction`` of the items with the most users."""
    n_head = math.ceil(head_fraction * popularity.size)
    head = np.zeros(popularity.size, dtype=bool)
    head[np.argsort(-popularity, kind="stable")[:n_head]] = True
    return head


def popularity_bias(
    items: np.ndarray,
    valid: np.ndarray,
    fitted: sp.csr_matrix,
    held_out: sp.csr_matrix,
    k: int,
    head_fraction: float = HEAD_FRACTION,
) -> PopularityBias:
    """The popularity bias of the top-``k`` lists ``items`` (``valid`` marks real ranks), with
    popularity counted in ``fitted``, against the items of ``held_out`` (see the module doc)."""
    popularity = item_users(fitted)
    n_users, n_items = fitted.shape
    information = np.log2(n_users / np.maximum(popularity, 1))
    head = head_items(popularity, head_fraction)
    listed = items[:, :k][valid[:, :k]]
    targets = held_out.indices
    if listed.size == 0 or targets.size == 0:
        raise ValueError("no listed or held-out item to describe")
    return PopularityBias(
        k=k,
        head_fraction=head_fraction,
        catalogue_coverage=float(np.unique(listed).size / n_items),
        novelty=float(information[listed].mean()),
        long_tail_share=float((~head[listed]).mean()),
        held_out_novelty=float(information[targets].mean()),
        held_out_long_tail_share=float((~head[targets]).mean()),
    )
