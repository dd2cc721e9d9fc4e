r"""Vectorised BPR sampling: shuffled positive pairs and hard negatives drawn per batch.

Each epoch visits every training pair :math:`(u, i)` once, in a seeded random order, in
batches. For each pair, ``negatives × pool`` candidate items are drawn uniformly from the
whole catalogue in one ``torch.randint`` call; with ``pool > 1`` the ``negatives``
candidates the current model scores highest are kept (dynamic negative sampling,
`Zhang et al., 2013 <https://doi.org/10.1145/2484028.2484126>`_): they are the items BPR
learns most from. Candidates that are training positives of the user are never chosen,
unless a user's whole pool consists of them. With ``pool = 1`` this is plain uniform
negative sampling.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor


class BprSampler:
    """Draws BPR batches ``(users, positives)`` and their negatives, reproducibly.

    Args:
        pairs: ``int64 [n, 2]`` training pairs ``(user row, item row)``.
        n_items: catalogue size; negatives are item rows in ``[0, n_items)``.
        batch_size: positives per batch.
        negatives: negatives per positive.
        pool: uniform candidates drawn per negative; the best-scored are kept.
        generator: the only source of randomness (its state is checkpointed).
    """

    def __init__(
        self,
        pairs: np.ndarray,
        n_items: int,
        batch_size: int,
        negatives: int,
        pool: int,
        generator: torch.Generator,
    ) -> None:
        if negatives < 1 or pool < 1:
            raise ValueError("negatives and pool must be at least 1")
        if len(pairs) == 0:
            raise ValueError("no training pairs")
        self.users = torch.as_tensor(pairs[:, 0], dtype=torch.long)
        self.items = torch.as_tensor(pairs[:, 1], dtype=torch.long)
        self.n_items = n_items
        self.batch_size = batch_size
        self.negatives = negatives
        self.pool = pool
        self.generator = generator
        # Bitset of the training pairs, bit u·n_items + i (n_users·n_items / 8 bytes: 4 MB here).
        keys = pairs[:, 0].astype(np.int64) * n_items + pairs[:, 1]
        bits = np.zeros((int(keys.max()) >> 3) + 1, dtype=np.uint8)
        np.bitwise_or.at(bits, keys >> 3, np.left_shift(1, keys & 7).astype(np.uint8))
        self._known = torch.from_numpy(bits)

    @property
    def n_pairs(self) -> int:
        return len(self.users)

    def batches(self) -> Iterator[tuple[Tensor, Tensor]]:
        """One epoch of ``(users, positive items)`` batches in a fresh random order."""
        order = torch.randperm(self.n_pairs, generator=self.generator)
        for start in range(0, self.n_pairs, self.batch_size):
            batch = order[start : start + self.batch_size]
            yield self.users[batch], self.items[batch]

    def candidates(self, users: Tensor) -> Tensor:
        """``int64 [batch, negatives × pool]`` uniform candidate negatives."""
        shape = (len(users), self.negatives * self.pool)
        return torch.randint(0, self.n_items, shape, generator=self.generator)

    def is_positive(self, users: Tensor, items: Tensor) -> Tensor:
        """Whether each ``(users[b], items[b, j])`` is a training pair (same shape as ``items``)."""
        keys = users.unsqueeze(1) * self.n_items + items
        byte = self._known[(keys >> 3).clamp_(max=len(self._known) - 1)]
        found: Tensor = (byte >> (keys & 7).to(torch.uint8)) & 1 == 1
        return found & (keys >> 3 < len(self._known))

    @torch.no_grad()
    def choose(self, user_emb: Tensor, item_emb: Tensor, users: Tensor, candidates: Tensor) -> Tensor:
        """``int64 [batch, negatives]``: the highest-scoring non-positive candidates.

        Args:
            user_emb: ``[batch, dim]`` final embeddings of the batch's users.
            item_emb: ``[n_items, dim]`` final embeddings of all items.
            users: ``[batch]`` user rows.
            candidates: ``[batch, negatives × pool]`` from :meth:`candidates`.
        """
        if self.pool == 1:
            return candidates
        gathered = item_emb.index_select(0, candidates.flatten()).view(*candidates.shape, -1)
        scores = torch.bmm(gathered, user_emb.unsqueeze(2)).squeeze(2)
        scores = scores.masked_fill(self.is_positive(users, candidates), -torch.inf)
        best = scores.topk(self.negatives, dim=1).indices
        return candidates.gather(1, best)
