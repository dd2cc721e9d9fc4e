"""The dataset's Parquet tables: their schemas, how they are derived, how they are written.

* ``interactions``: user_id, artist_id, weight (play count), one row per pair, sorted.
* ``users``: per user: artists, plays, friends and how many pairs each split holds.
* ``artists``: every artist of ``artists.dat`` with listeners (distinct users), plays and
  top tags; empty URLs become nulls, names stay exactly as the source has them.
* ``split``: user_id, artist_id, split (train/valid/test), original ids.
* ``friends``: user_id, friend_id, one row per friendship and direction as the source lists
  them, sorted; empty without ``user_friends.dat``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tunedin_common.contract import FRIENDS_COLUMNS, SPLIT_COLUMNS, SPLIT_VALUES

INTERACTIONS_SCHEMA = pa.schema([("user_id", pa.int64()), ("artist_id", pa.int64()), ("weight", pa.int64())])
USERS_SCHEMA = pa.schema(
    [
        ("user_id", pa.int64()),
        ("n_artists", pa.int64()),
        ("total_plays", pa.int64()),
        ("n_friends", pa.int64()),
        *[(f"n_{name}", pa.int64()) for name in SPLIT_VALUES],
    ]
)
ARTISTS_SCHEMA = pa.schema(
    [
        ("artist_id", pa.int64()),
        ("name", pa.string()),
        ("url", pa.string()),
        ("picture_url", pa.string()),
        ("listeners", pa.int64()),
        ("plays", pa.int64()),
        ("top_tags", pa.list_(pa.string())),
    ]
)
SPLIT_SCHEMA = pa.schema(
    [(SPLIT_COLUMNS[0], pa.int64()), (SPLIT_COLUMNS[1], pa.int64()), (SPLIT_COLUMNS[2], pa.string())]
)

FRIENDS_SCHEMA = pa.schema([(FRIENDS_COLUMNS[0], pa.int64()), (FRIENDS_COLUMNS[1], pa.int64())])


def build_friends(friends: pd.DataFrame | None) -> pd.DataFrame:
    """The source's friendships without duplicates or self-loops, sorted (empty when absent)."""
    if friends is None:
        return pd.DataFrame({name: pd.Series(dtype="int64") for name in FRIENDS_COLUMNS})
    pairs = friends[list(FRIENDS_COLUMNS)].astype("int64")
    pairs = pairs[pairs["user_id"] != pairs["friend_id"]].drop_duplicates()
    return pairs.sort_values(list(FRIENDS_COLUMNS), ignore_index=True)


def build_users(
    interactions: pd.DataFrame, split: pd.DataFrame, friends: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per user who has interactions, sorted by user_id."""
    users = (
        interactions.groupby("user_id", sort=True)
        .agg(n_artists=("artist_id", "size"), total_plays=("weight", "sum"))
        .astype("int64")
    )
    if friends is None:
        users["n_friends"] = 0
    else:
        n_friends = friends.groupby("user_id")["friend_id"].nunique()
        users["n_friends"] = n_friends.reindex(users.index, fill_value=0).astype("int64")
    per_split = pd.crosstab(split["user_id"], split["split"])
    for name in SPLIT_VALUES:
        column = per_split[name] if name in per_split.columns else pd.Series(dtype="int64")
        users[f"n_{name}"] = column.reindex(users.index, fill_value=0).astype("int64")
    return users.reset_index()


def build_artists(artists: pd.DataFrame, interactions: pd.DataFrame, top_tags: pd.Series) -> pd.DataFrame:
    """Every artist (sorted by id) with popularity and top tags."""
    popularity = interactions.groupby("artist_id").agg(
        listeners=("user_id", "nunique"), plays=("weight", "sum")
    )
    out = artists.set_index("artist_id")[["name", "url", "picture_url"]].copy()
    for column in ("url", "picture_url"):
        out[column] = out[column].mask(out[column] == "")
    out = out.join(popularity, how="left")
    out[["listeners", "plays"]] = out[["listeners", "plays"]].fillna(0).astype("int64")
    out["top_tags"] = top_tags.reindex(out.index)
    return out.sort_index().reset_index()


def write_table(frame: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    """Write ``frame`` as Parquet with exactly the columns and types of ``schema``."""
    table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
    pq.write_table(table, path)
