"""Dropping every row of the erased users from the parsed source, before anything is derived.

A user is erased when the keyed hash of their id is on the suppression list. Their listening
rows, their tag assignments and every friendship they are on either side of go; the tables,
the split and the counts are then derived from what is left, as if they had never been there.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from tunedin_trainer.data.parse import RawData
from tunedin_trainer.erasure.suppression import Suppression


def source_user_ids(raw: RawData) -> set[int]:
    """Every user id the source names: listeners, taggers and both sides of each friendship."""
    ids = set(raw.interactions["user_id"].tolist()) | set(raw.taggings["user_id"].tolist())
    if raw.friends is not None:
        ids |= set(raw.friends["user_id"].tolist()) | set(raw.friends["friend_id"].tolist())
    return ids


def exclude_erased(raw: RawData, suppression: Suppression) -> tuple[RawData, frozenset[int]]:
    """``raw`` without any row of an erased user, and the ids of the users excluded."""
    erased = suppression.erased_among(source_user_ids(raw))
    if not erased:
        return raw, erased
    ids = list(erased)

    def keep(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
        gone = frame[list(columns)].isin(ids).any(axis=1)
        return frame.loc[~gone].reset_index(drop=True)

    friends = None if raw.friends is None else keep(raw.friends, "user_id", "friend_id")
    cleaned = replace(
        raw,
        interactions=keep(raw.interactions, "user_id"),
        taggings=keep(raw.taggings, "user_id"),
        friends=friends,
    )
    return cleaned, erased
