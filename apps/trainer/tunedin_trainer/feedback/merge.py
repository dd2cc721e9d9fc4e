"""Merge the exported feedback into a dataset's training pairs (prepare-data, ``TUNEDIN_FEEDBACK_MERGE``).

The weights (documented in the README, "Feedback into training"):

* a ``play`` adds ``TUNEDIN_FEEDBACK_PLAY_WEIGHT`` (default 1) to the pair's play count, as a
  play in the source data does;
* a ``like`` adds ``TUNEDIN_FEEDBACK_LIKE_WEIGHT`` (default 5): a stronger signal than one play;
* a ``skip`` adds nothing: it stays in the export, but no evaluation here has shown that skips
  as explicit negatives help, so training does not use them.

Feedback only ever joins the *train* split, after the source's split is drawn: the validation and
test pairs, and so the offline evaluation, stay exactly those of the same source without feedback.
A feedback pair that is a validation or test pair of its user is left out (it would leak the
answer into training), as are users the source does not hold (the log names users only by a
keyed pseudonym, matched here against the source's user ids), artists outside the catalogue and
erased users. Each of these is counted in ``dataset.json``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import pyarrow.parquet as pq

from tunedin_common.contract import SPLIT_COLUMNS, ArtifactStore
from tunedin_common.feedback_log import EXPORT_COLUMNS, export_files, pseudonym


@dataclass(frozen=True)
class FeedbackWeights:
    play: int
    like: int


@dataclass(frozen=True)
class FeedbackInput:
    """The exports to merge, their digest (joins the dataset id) and how to read them."""

    events: pd.DataFrame  # EXPORT_COLUMNS, one row per stream entry
    sha256: str
    key: bytes
    weights: FeedbackWeights


def load_feedback(store: ArtifactStore, key: bytes, weights: FeedbackWeights) -> FeedbackInput | None:
    """Every export in the store (None when there is none)."""
    files = export_files(store.root)
    if not files:
        return None
    digest = hashlib.sha256()
    frames = []
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        frames.append(pq.read_table(path).to_pandas())
    events = pd.concat(frames, ignore_index=True).drop_duplicates("stream_id")
    digest.update(f"play={weights.play},like={weights.like}".encode())
    return FeedbackInput(events[list(EXPORT_COLUMNS)], digest.hexdigest(), key, weights)


def merge_feedback(
    interactions: pd.DataFrame,
    split: pd.DataFrame,
    artist_ids: pd.Series,
    feedback: FeedbackInput,
    erased_subjects: frozenset[str],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """``interactions`` and ``split`` with the feedback's pairs added to train; the counts."""
    events = feedback.events
    erased = events["subject"].isin(erased_subjects)
    events = events[~erased]
    subjects = {pseudonym(feedback.key, int(u)): int(u) for u in interactions["user_id"].unique()}
    user_ids = events["subject"].map(subjects)
    known_user = user_ids.notna()
    in_catalogue = events["artist_id"].isin(artist_ids)
    usable = events[known_user & in_catalogue].assign(
        user_id=user_ids[known_user & in_catalogue].astype("int64")
    )
    weight = usable["event"].map({"play": feedback.weights.play, "like": feedback.weights.like}).fillna(0)
    pairs = (
        usable.assign(weight=weight.astype("int64"))
        .query("weight > 0")
        .groupby(["user_id", "artist_id"], as_index=False)["weight"]
        .sum()
    )
    held_out = split[split["split"] != "train"].set_index(["user_id", "artist_id"]).index
    leaks = pd.MultiIndex.from_arrays([pairs["user_id"], pairs["artist_id"]]).isin(held_out)
    pairs = pairs[~leaks]

    merged = interactions.merge(pairs, on=["user_id", "artist_id"], how="outer", suffixes=("", "_feedback"))
    is_new = merged["weight"].isna()
    merged["weight"] = (merged["weight"].fillna(0) + merged["weight_feedback"].fillna(0)).astype("int64")
    merged = merged.drop(columns="weight_feedback").sort_values(["user_id", "artist_id"], ignore_index=True)
    new_pairs = merged.loc[is_new, ["user_id", "artist_id"]].assign(split="train")
    merged_split = pd.concat([split, new_pairs[list(SPLIT_COLUMNS)]], ignore_index=True).sort_values(
        ["user_id", "artist_id"], ignore_index=True
    )
    counts = {
        "feedback_events": len(feedback.events),
        "feedback_erased_dropped": int(erased.sum()),
        "feedback_unknown_users_dropped": int((~known_user).sum()),
        "feedback_unknown_artists_dropped": int((known_user & ~in_catalogue).sum()),
        "feedback_skips_unused": int((usable["event"] == "skip").sum()),
        "feedback_held_out_pairs_dropped": int(leaks.sum()),
        "feedback_pairs_merged": len(pairs),
        "feedback_new_train_pairs": len(new_pairs),
        "feedback_weight_added": int(pairs["weight"].sum()),
    }
    return merged, merged_split, counts
