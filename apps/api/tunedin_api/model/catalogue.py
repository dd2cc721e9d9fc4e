"""The artist catalogue of a model: ids ↔ rows, names, tags, popularity, and name search."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tunedin_api.model.name_search import NameIndex

MAX_TAGS = 5  # tags per artist the reranker compares (items.parquet keeps the top ones first)


def _url(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


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
    urls: list[str | None]  # the artist's Last.fm page (artists.dat's url), when the data has one
    tags: list[list[str]]
    tag_ids: np.ndarray
    tag_index: dict[str, int]
    tag_names: list[str]  # by tag id: the lower-cased tag
    listeners: np.ndarray
    fit_listeners: np.ndarray  # listeners in the model's training graph (items' graph_listeners)
    by_popularity: np.ndarray  # rows, most listeners first
    tag_rows: list[np.ndarray]
    name_index: NameIndex

    @classmethod
    def from_items(cls, items: pd.DataFrame) -> Catalogue:
        artist_ids = items["artist_id"].to_numpy(np.int64)
        names = [str(name) for name in items["name"].tolist()]
        urls: list[str | None] = (
            [_url(value) for value in items["url"].tolist()]
            if "url" in items.columns
            else [None] * len(names)
        )
        tags = [_tag_list(value) for value in items["top_tags"].tolist()]
        tag_index: dict[str, int] = {}
        tag_ids = np.full((len(tags), MAX_TAGS), -1, dtype=np.int32)
        for row, item_tags in enumerate(tags):
            distinct = dict.fromkeys(tag.lower() for tag in item_tags)
            for slot, tag in enumerate(list(distinct)[:MAX_TAGS]):
                tag_ids[row, slot] = tag_index.setdefault(tag, len(tag_index))
        listeners = items["listeners"].to_numpy(np.int64)
        fitted = items["graph_listeners"] if "graph_listeners" in items.columns else items["listeners"]
        valid = tag_ids >= 0
        row_of_slot = np.broadcast_to(np.arange(len(tags))[:, None], tag_ids.shape)[valid]
        tag_of_slot = tag_ids[valid]
        order = np.argsort(tag_of_slot, kind="stable")
        bounds = np.searchsorted(tag_of_slot[order], np.arange(len(tag_index) + 1))
        sorted_rows = row_of_slot[order]
        by_popularity = np.argsort(-listeners, kind="stable")
        return cls(
            artist_ids=artist_ids,
            row_of={int(a): row for row, a in enumerate(artist_ids.tolist())},
            names=names,
            urls=urls,
            tags=tags,
            tag_ids=tag_ids,
            tag_index=tag_index,
            tag_names=list(tag_index),
            listeners=listeners,
            fit_listeners=fitted.to_numpy(np.int64),
            by_popularity=by_popularity,
            tag_rows=[sorted_rows[a:b] for a, b in itertools.pairwise(bounds)],
            name_index=NameIndex.build(names, by_popularity.tolist()),
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
        """Rows whose name matches ``query``, forgiving accents, case, punctuation, spacing and
        typos; best match first, then most listeners (see ``name_search``)."""
        return self.name_index.search(query, limit)
