"""Why each similar artist: what it has in common with the query artist.

From the data the model serves, in this order: the listeners the two share (``12 of Enya's
84 listeners also listen to Enigma``), with the top tags they share when there are some; else
the shared tags alone; else the artist of the same list the row sits closest to in the
embedding space (``… is heard with Dido, close to Enya``). Each sentence names the row's own
artist, so no two rows read the same.
"""

from __future__ import annotations

import numpy as np

from tunedin_api.model.loaded import LoadedModel

SHARED_TAGS = 2


def shared_tags(model: LoadedModel, row: int, rows: list[int]) -> list[list[str]]:
    """Per row, its top tags (its order, up to ``SHARED_TAGS``) that ``row`` carries too."""
    tag_ids, names = model.catalogue.tag_ids, model.catalogue.tag_names
    mine = {t for t in tag_ids[row].tolist() if t >= 0}
    return [[names[t] for t in tags if t in mine][:SHARED_TAGS] for tags in tag_ids[rows].tolist()]


def _joined(tags: list[str]) -> str:
    return tags[0] if len(tags) == 1 else f"{', '.join(tags[:-1])} and {tags[-1]}"


def similar_reasons(model: LoadedModel, row: int, rows: np.ndarray) -> list[str]:
    """One sentence per similar artist ``rows`` of the query artist ``row`` (module doc)."""
    names = model.catalogue.names
    name = names[row]
    listeners = model.fans.count(row)
    shared = model.fans.shared(row, rows).tolist()
    tags = shared_tags(model, row, rows.tolist())
    unit = model.item_unit[rows]
    closeness = unit @ unit.T
    np.fill_diagonal(closeness, -np.inf)
    reasons = []
    for position, (other, together, common) in enumerate(zip(rows.tolist(), shared, tags, strict=True)):
        tagged = f"both tagged {_joined(common)}" if common else ""
        if together:
            people = "listener" if listeners == 1 else "listeners"
            sentence = f"{together} of {name}'s {listeners} {people} also listen to {names[other]}"
            reasons.append(f"{sentence}; {tagged}" if tagged else sentence)
        elif tagged:
            reasons.append(f"{names[other]} and {name} are {tagged}")
        elif rows.size > 1:
            nearest = rows[int(closeness[position].argmax())]
            reasons.append(f"{names[other]} is heard with {names[nearest]}, close to {name}")
        else:
            reasons.append(f"{names[other]} is heard like {name}")
    return reasons
