"""Why each pick is recommended: the user's artist closest to it (spread over their artists),
the tags the two share, and how many of the user's friends play it.

* ``because you listen to Duran Duran`` — the anchor (an artist the user listens to, liked or
  named) whose item embedding is closest in cosine to the pick. Among the anchors within
  ``SPREAD`` of the closest, the one cited least so far in the list wins, so one artist close to
  everything does not explain the whole list.
* ``…: both tagged synth-pop and new wave`` — up to ``SHARED_TAGS`` top tags of the pick that
  the anchor carries too.
* ``…, and 3 of your friends play Depeche Mode`` — friends (in the model's dataset) whose
  listening holds the pick; preferred to the tags from ``FRIENDS_OVER_TAGS`` friends on, or
  whenever there are no shared tags. Only for a user the model knows (never an erased one).

Reasons citing the user's listening keep the ``because you <verb> <artist>`` prefix.
"""

from __future__ import annotations

import numpy as np

from tunedin_api.model.catalogue import Catalogue
from tunedin_api.model.loaded import LoadedModel

SPREAD = 0.05  # cosine: anchors this close to the closest one count as nearly as close
SHARED_TAGS = 2
FRIENDS_OVER_TAGS = 2


def spread_anchors(sims: np.ndarray, spread: float = SPREAD) -> list[int]:
    """Per pick (row of ``sims``, in list order) the anchor column to cite, -1 for none: among
    the anchors within ``spread`` of the pick's closest, the least cited so far, then the closest."""
    n_picks, n_anchors = sims.shape
    if n_anchors == 0:
        return [-1] * n_picks
    near = (sims >= sims.max(axis=1, keepdims=True) - spread) & (sims > -np.inf)
    at_row, at_column = np.nonzero(near)  # row-major: each pick's near anchors, together
    candidates: list[list[tuple[int, float]]] = [[] for _ in range(n_picks)]
    for row, column, sim in zip(at_row.tolist(), at_column.tolist(), sims[near].tolist(), strict=True):
        candidates[row].append((column, sim))
    cited = [0] * n_anchors
    chosen = []
    for near_anchors in candidates:
        if not near_anchors:
            chosen.append(-1)
            continue
        column, sim = near_anchors[0]
        for other, other_sim in near_anchors[1:]:
            if (cited[other], -other_sim) < (cited[column], -sim):
                column, sim = other, other_sim
        cited[column] += 1
        chosen.append(column)
    return chosen


def shared_tags(catalogue: Catalogue, picks: list[int], partners: list[int]) -> list[list[str]]:
    """Per pick, its top tags (in its order, up to ``SHARED_TAGS``) that its partner row carries
    too; a partner of -1 shares nothing."""
    tag_ids, names = catalogue.tag_ids, catalogue.tag_names
    mine = tag_ids[picks].tolist()
    theirs = tag_ids[partners].tolist()
    return [
        [names[t] for t in tags if t >= 0 and t in other][:SHARED_TAGS] if partner >= 0 else []
        for tags, other, partner in zip(mine, map(set, theirs), partners, strict=True)
    ]


def _tags(tags: list[str]) -> str:
    return tags[0] if len(tags) == 1 else f"{', '.join(tags[:-1])} and {tags[-1]}"


def _friends(count: int, name: str) -> str:
    return f"{count} of your friends {'plays' if count == 1 else 'play'} {name}"


def explain(
    model: LoadedModel,
    picks: np.ndarray,
    anchors: np.ndarray,
    verbs: list[str],
    fallback: str,
    friends_playing: np.ndarray | None = None,
) -> list[str]:
    """One sentence per pick (never citing the pick itself), see the module doc.

    ``anchors``/``verbs``: the user's artists as item rows and how they relate to them
    ("listen to", "liked", "like"), the first of a repeated row counting; ``friends_playing``:
    per pick how many of the user's friends play it (``None``: no friend reasons)."""
    catalogue = model.catalogue
    if anchors.size:
        first = list({row: i for i, row in reversed(list(enumerate(anchors.tolist())))}.values())
        if len(first) < anchors.size:  # a repeated row: its first occurrence counts
            first.sort()
            anchors = anchors[first]
            verbs = [verbs[i] for i in first]
        sims = model.item_unit[picks] @ model.item_unit[anchors].T
        sims[picks[:, None] == anchors[None, :]] = -np.inf
        columns = spread_anchors(sims)
    else:
        columns = [-1] * picks.size
    rows = anchors.tolist()
    partners = [rows[c] if c >= 0 else -1 for c in columns]
    tags = shared_tags(catalogue, picks.tolist(), partners)
    friends = friends_playing.tolist() if friends_playing is not None else [0] * picks.size
    names = catalogue.names
    reasons = []
    for pick, column, partner, common, count in zip(
        picks.tolist(), columns, partners, tags, friends, strict=True
    ):
        if column < 0:
            reasons.append(_friends(count, names[pick]) if count else fallback)
            continue
        reason = f"because you {verbs[column]} {names[partner]}"
        if count and (count >= FRIENDS_OVER_TAGS or not common):
            reason += f", and {_friends(count, names[pick])}"
        elif common:
            reason += f": both tagged {_tags(common)}"
        reasons.append(reason)
    return reasons
