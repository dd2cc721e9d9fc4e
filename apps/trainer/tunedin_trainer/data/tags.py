"""Content features from the users' tags: each artist's top tags.

A tag's weight for an artist is the number of distinct users who applied it to that artist.
Each artist keeps its ``top_n`` heaviest tags, ties broken by tag name, as a list of strings.
Taggings of artists that ``artists.dat`` does not list (390 artists in the real data, an
upstream quirk) and of tag ids that ``tags.dat`` does not list are dropped, with a log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TagFeatures:
    """Top tags per artist (indexed by artist_id, every known artist) and what was dropped."""

    top_tags: pd.Series  # artist_id → list[str], [] for artists without tags
    used_taggings: int
    dropped_artists: int  # tagged artist ids missing from artists.dat
    dropped_taggings: int  # rows dropped for an unknown artist or tag id


def top_tags(taggings: pd.DataFrame, tags: pd.DataFrame, artist_ids: pd.Series, top_n: int) -> TagFeatures:
    """Each artist's ``top_n`` tags by distinct users (``taggings``: user_id, artist_id, tag_id)."""
    known_artist = taggings["artist_id"].isin(artist_ids)
    dropped_artists = int(taggings.loc[~known_artist, "artist_id"].nunique())
    if dropped_artists:
        log.info(
            "dropped %d tag assignment(s) of %d tagged artist(s) missing from artists.dat",
            int((~known_artist).sum()),
            dropped_artists,
        )
    named = taggings[known_artist].merge(tags[["tag_id", "tag"]], on="tag_id", how="left", validate="m:1")
    unknown_tag = named["tag"].isna()
    if unknown_tag.any():
        log.warning(
            "dropped %d tag assignment(s) whose tag id is missing from tags.dat", int(unknown_tag.sum())
        )
    named = named[~unknown_tag]

    weights = (
        named.groupby(["artist_id", "tag"], sort=False)["user_id"].nunique().rename("users").reset_index()
    )
    ranked = weights.sort_values(["artist_id", "users", "tag"], ascending=[True, False, True], kind="stable")
    best = ranked.groupby("artist_id", sort=False).head(top_n)
    lists = best.groupby("artist_id", sort=True)["tag"].agg(list)
    every = lists.reindex(pd.Index(artist_ids, name="artist_id"))
    return TagFeatures(
        top_tags=every.map(lambda value: value if isinstance(value, list) else []).rename("top_tags"),
        used_taggings=len(named),
        dropped_artists=dropped_artists,
        dropped_taggings=len(taggings) - len(named),
    )
