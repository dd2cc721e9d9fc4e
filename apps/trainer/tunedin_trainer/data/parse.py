"""The HetRec 2011 Last.fm files: what each must look like, and the checks across files.

Encodings follow the upstream files: ``tags.dat`` is Latin-1, the others UTF-8 (ASCII in
practice). Text is kept as the source has it, including the two artist names that were
double-encoded upstream. ``user_friends.dat`` is optional; the others are required.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from tunedin_trainer.data.tsv import Column, TableSpec, fail_at, read_table
from tunedin_trainer.errors import DataError

log = logging.getLogger(__name__)

USER_ARTISTS = TableSpec(
    "user_artists.dat",
    "utf-8",
    (
        Column("userID", "user_id", "id"),
        Column("artistID", "artist_id", "id"),
        Column("weight", "weight", "positive"),
    ),
)
ARTISTS = TableSpec(
    "artists.dat",
    "utf-8",
    (
        Column("id", "artist_id", "id"),
        Column("name", "name", "nonempty"),
        Column("url", "url", "text"),
        Column("pictureURL", "picture_url", "text"),
    ),
)
TAGS = TableSpec(
    "tags.dat", "latin-1", (Column("tagID", "tag_id", "id"), Column("tagValue", "tag", "nonempty"))
)
USER_TAGGED_ARTISTS = TableSpec(
    "user_taggedartists.dat",
    "utf-8",
    (
        Column("userID", "user_id", "id"),
        Column("artistID", "artist_id", "id"),
        Column("tagID", "tag_id", "id"),
        Column("day", "day", "int"),
        Column("month", "month", "int"),
        Column("year", "year", "int"),
    ),
)
USER_FRIENDS = TableSpec(
    "user_friends.dat", "utf-8", (Column("userID", "user_id", "id"), Column("friendID", "friend_id", "id"))
)

REQUIRED_FILES = (USER_ARTISTS.file, ARTISTS.file, TAGS.file, USER_TAGGED_ARTISTS.file)
OPTIONAL_FILES = (USER_FRIENDS.file,)


@dataclass(frozen=True)
class RawData:
    """The parsed, checked source tables, with our column names."""

    interactions: pd.DataFrame  # user_id, artist_id, weight (int64), sorted by user then artist
    artists: pd.DataFrame  # artist_id, name, url, picture_url; sorted by artist_id
    tags: pd.DataFrame  # tag_id, tag
    taggings: pd.DataFrame  # user_id, artist_id, tag_id (may name artists missing from artists.dat)
    friends: pd.DataFrame | None  # user_id, friend_id; None when user_friends.dat is absent


def parse_files(files: dict[str, bytes]) -> RawData:
    """Parse and check the source files (name → bytes); raise DataError on the first problem."""
    missing = [name for name in REQUIRED_FILES if name not in files]
    if missing:
        raise DataError(f"missing required file(s): {', '.join(missing)}")

    artists = read_table(ARTISTS, files[ARTISTS.file])
    _require_rows(ARTISTS, artists)
    _require_unique(ARTISTS, artists, ["artist_id"], "artist id")

    interactions = read_table(USER_ARTISTS, files[USER_ARTISTS.file])
    _require_rows(USER_ARTISTS, interactions)
    _require_unique(USER_ARTISTS, interactions, ["user_id", "artist_id"], "(user, artist) pair")
    unknown = (~interactions["artist_id"].isin(artists["artist_id"])).to_numpy()
    if unknown.any():
        row = int(unknown.argmax())
        raise fail_at(
            USER_ARTISTS,
            row,
            f"artist {interactions['artist_id'].iloc[row]} is not in {ARTISTS.file} "
            f"({int(unknown.sum())} interaction(s) name unknown artists)",
        )

    tags = read_table(TAGS, files[TAGS.file])
    _require_unique(TAGS, tags, ["tag_id"], "tag id")
    taggings = read_table(USER_TAGGED_ARTISTS, files[USER_TAGGED_ARTISTS.file])
    taggings = taggings[["user_id", "artist_id", "tag_id"]]

    friends = None
    if USER_FRIENDS.file in files:
        friends = read_table(USER_FRIENDS, files[USER_FRIENDS.file]).drop_duplicates(ignore_index=True)
    else:
        log.info("%s not given: users get n_friends = 0", USER_FRIENDS.file)

    return RawData(
        interactions=interactions.sort_values(["user_id", "artist_id"], ignore_index=True),
        artists=artists.sort_values("artist_id", ignore_index=True),
        tags=tags,
        taggings=taggings,
        friends=friends,
    )


def _require_rows(spec: TableSpec, frame: pd.DataFrame) -> None:
    if frame.empty:
        raise DataError(f"{spec.file} has a header but no data rows")


def _require_unique(spec: TableSpec, frame: pd.DataFrame, key: list[str], what: str) -> None:
    repeated = frame.duplicated(key).to_numpy()
    if repeated.any():
        row = int(repeated.argmax())
        value = ", ".join(str(frame[k].iloc[row]) for k in key)
        raise fail_at(spec, row, f"duplicate {what} ({value})")
