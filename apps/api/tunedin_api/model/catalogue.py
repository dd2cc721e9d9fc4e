"""The artist catalogue of a model: ids ↔ rows, names, tags, popularity, and name search."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_TAGS = 5  # tags per artist the reranker compares (items.parquet keeps the top ones first)


def _tag_list(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [str(tag) for tag in list(value)]  # type: ignore[call-overload]


@dataclass(frozen=True)
class Catalogue:
    """One row per item embedding; ``tag_ids`` is ``[n, MAX_TAGS]``: the ids of an artist's
    distinct tags (case-insensitive, first ``MAX_TAGS``), ``-1`` padding; ``tag_rows`` the rows
    carrying each tag."""

    artist_ids: np.ndarray
    row_of: dict[int, int]
    names: list[str]
    lower_names: list[str]
    tags: list[list[str]]
    tag_ids: np.ndarray
    tag_index: dict[str, int]
    listeners: np.ndarray
    by_popularity: np.ndarray  # rows, most listeners first
    tag_rows: list[np.ndarray]
    haystack: str  # every lower-case name, most listeners first, one per line
    starts: list[int]  # where each name of ``haystack`` starts
    popular_rows: list[int]  # the row of each name of ``haystack``

    @classmethod
    def from_items(cls, items: pd.DataFrame) -> Catalogue:
        artist_ids = items["artist_id"].to_numpy(np.int64)
        names = [str(name) for name in items["name"].tolist()]
        tags = [_tag_list(value) for value in items["top_tags"].tolist()]
        tag_index: dict[str, int] = {}
        tag_ids = np.full((len(tags), MAX_TAGS), -1, dtype=np.int32)
        for row, item_tags in enumerate(tags):
            distinct = dict.fromkeys(tag.lower() for tag in item_tags)
            for slot, tag in enumerate(list(distinct)[:MAX_TAGS]):
                tag_ids[row, slot] = tag_index.setdefault(tag, len(tag_index))
        listeners = items["listeners"].to_numpy(np.int64)
        valid = tag_ids >= 0
        row_of_slot = np.broadcast_to(np.arange(len(tags))[:, None], tag_ids.shape)[valid]
        tag_of_slot = tag_ids[valid]
        order = np.argsort(tag_of_slot, kind="stable")
        bounds = np.searchsorted(tag_of_slot[order], np.arange(len(tag_index) + 1))
        sorted_rows = row_of_slot[order]
        by_popularity = np.argsort(-listeners, kind="stable")
        lower_names = [name.lower() for name in names]
        popular = [lower_names[row].replace("\n", " ") for row in by_popularity.tolist()]
        starts = list(itertools.accumulate((len(name) + 1 for name in popular[:-1]), initial=0))
        return cls(
            artist_ids=artist_ids,
            row_of={int(a): row for row, a in enumerate(artist_ids.tolist())},
            names=names,
            lower_names=lower_names,
            tags=tags,
            tag_ids=tag_ids,
            tag_index=tag_index,
            listeners=listeners,
            by_popularity=by_popularity,
            tag_rows=[sorted_rows[a:b] for a, b in itertools.pairwise(bounds)],
            haystack="\n".join(popular),
            starts=starts,
            popular_rows=by_popularity.tolist(),
        )

    def __len__(self) -> int:
        return len(self.names)

    def unknown(self, artist_ids: list[int]) -> list[int]:
        return [a for a in artist_ids if a not in self.row_of]

    def rows(self, artist_ids: list[int]) -> np.ndarray:
        return np.fromiter((self.row_of[a] for a in artist_ids), dtype=np.int64, count=len(artist_ids))

    def tag_mask(self, tags: list[str]) -> np.ndarray:
        """Rows carrying at least one of ``tags`` (case-insensitive; unknown tags match nothing)."""
        hit = np.zeros(len(self), dtype=bool)
        for tag in {t.lower() for t in tags}:
            tag_id = self.tag_index.get(tag)
            if tag_id is not None:
                hit[self.tag_rows[tag_id]] = True
        return hit

    def search(self, query: str, limit: int) -> list[int]:
        """Rows whose name contains ``query``: prefix matches first, then by listeners.

        ``str.find`` walks the names in popularity order, so matches come out ranked and the
        walk stops once ``limit`` prefix matches are found (each outranks every other match)."""
        needle = query.lower()
        if not needle or "\n" in needle or limit <= 0:
            return []
        prefix: list[int] = []
        inside: list[int] = []
        haystack, starts = self.haystack, self.starts
        at = haystack.find(needle)
        while at >= 0:
            name = bisect.bisect_right(starts, at) - 1
            if at == starts[name]:
                prefix.append(self.popular_rows[name])
                if len(prefix) == limit:
                    break
            elif len(inside) < limit:
                inside.append(self.popular_rows[name])
            if name + 1 >= len(starts):
                break
            at = haystack.find(needle, starts[name + 1])
        return (prefix + inside)[:limit]
