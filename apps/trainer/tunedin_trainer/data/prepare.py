"""The prepare-data stage: source → checked tables → split → a dataset directory.

The source is the HetRec files or your own interactions (and items) tables (``inputs.py``,
docs/own-data.md); both give the same dataset files. The split is the seeded per-user draw
(``split.py``) or, for tables with timestamps, each user's latest pairs (``temporal_split.py``).

The dataset id is a content address of the source bytes and the split parameters, so a
rerun with the same inputs finds its dataset, verifies it and reuses it. Otherwise the
dataset is built in a staging directory, ``dataset.json`` is written last, and the directory
is renamed into place; on any failure nothing is left behind. Either way ``datasets/LATEST``
then names it: the dataset training uses by default.

While the erasure ledger holds erased users, their rows are dropped from the source before
anything is derived, a digest of the erased subjects joins the split parameters (so the id
changes whenever that set does, and stays as it was without erasures), and afterwards every
other artifact holding them outside the models is removed (``tunedin_trainer.erasure``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tunedin_common.contract import (
    ARTISTS_FILE,
    DATASET_FILES,
    DATASET_MANIFEST_FILE,
    FRIENDS_FILE,
    INTERACTIONS_FILE,
    SPLIT_FILE,
    USERS_FILE,
    ArtifactStore,
    ContractError,
    DatasetManifest,
    dataset_id_for,
    file_entries,
    utcnow,
    write_manifest,
)
from tunedin_common.erasures import require_key
from tunedin_trainer.data.inputs import Input, load_input
from tunedin_trainer.data.split import split_interactions
from tunedin_trainer.data.tables import (
    ARTISTS_SCHEMA,
    FRIENDS_SCHEMA,
    INTERACTIONS_SCHEMA,
    SPLIT_SCHEMA,
    USERS_SCHEMA,
    build_artists,
    build_friends,
    build_users,
    write_table,
)
from tunedin_trainer.data.tags import top_tags
from tunedin_trainer.data.temporal_split import temporal_split
from tunedin_trainer.erasure.exclude import exclude_erased
from tunedin_trainer.erasure.stages import after_prepare, suppression_for
from tunedin_trainer.erasure.suppression import Suppression
from tunedin_trainer.feedback.export import purge_erased
from tunedin_trainer.feedback.merge import FeedbackInput, FeedbackWeights, load_feedback, merge_feedback
from tunedin_trainer.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrepareResult:
    """What the stage produced or found."""

    dataset_id: str
    directory: Path
    manifest: DatasetManifest
    reused: bool
    seconds: float


def split_params(
    settings: Settings, suppression: Suppression | None = None, feedback: FeedbackInput | None = None
) -> dict[str, Any]:
    """What shapes a dataset besides its source bytes: the settings, the erased users if any, and
    the merged feedback if any."""
    params: dict[str, Any] = {
        "seed": settings.seed,
        "test_fraction": settings.test_fraction,
        "valid_fraction": settings.valid_fraction,
        "min_user_interactions": settings.min_user_interactions,
        "top_tags": settings.top_tags,
    }
    if settings.split_strategy != "random":  # random ids stay as they were before there was a choice
        params["split_strategy"] = settings.split_strategy
    if suppression is not None:
        params["erased_subjects_sha256"] = suppression.digest
    if feedback is not None:
        params["feedback_sha256"] = feedback.sha256
    return params


def _feedback_for(store: ArtifactStore, settings: Settings) -> FeedbackInput | None:
    """The exported feedback to merge: only with ``TUNEDIN_FEEDBACK_MERGE`` and exports on hand."""
    if not settings.feedback_merge:
        return None
    weights = FeedbackWeights(settings.feedback_play_weight, settings.feedback_like_weight)
    return load_feedback(store, require_key(settings.pseudonym_key.get_secret_value()), weights)


def prepare_dataset(settings: Settings, store: ArtifactStore, force: bool = False) -> PrepareResult:
    """Build the dataset for ``settings`` (or reuse a verified one unless ``force``)."""
    started = time.perf_counter()
    source = load_input(settings, store.cache_dir)
    suppression = suppression_for(store, settings)
    if suppression is not None:  # exports too hold no erased user once prepare-data has run
        purge_erased(store, suppression.subjects)
    feedback = _feedback_for(store, settings)
    params = split_params(settings, suppression, feedback)
    dataset_id = dataset_id_for(source.sha256, params)
    directory = store.dataset_dir(dataset_id)

    existing = None if force else _verified(store, dataset_id)
    if existing is not None:
        store.write_latest_dataset(dataset_id)
        log.info("dataset %s already prepared and verified: reusing %s", dataset_id, directory)
        if suppression is not None:
            after_prepare(store, suppression, dataset_id)
        return PrepareResult(dataset_id, directory, existing, True, time.perf_counter() - started)

    with store.staging(directory) as stage:
        manifest = _build(source, params, dataset_id, stage, suppression, feedback)
    store.write_latest_dataset(dataset_id)
    if suppression is not None:
        after_prepare(store, suppression, dataset_id)
    seconds = time.perf_counter() - started
    log.info("prepared dataset %s in %s (%.1f s): %s", dataset_id, directory, seconds, manifest.counts)
    return PrepareResult(dataset_id, directory, manifest, False, seconds)


def _verified(store: ArtifactStore, dataset_id: str) -> DatasetManifest | None:
    if not store.dataset_dir(dataset_id).exists():
        return None
    try:
        manifest = store.read_dataset_manifest(dataset_id, verify=True)
    except ContractError as exc:
        log.warning("dataset %s exists but fails verification (%s): rebuilding it", dataset_id, exc)
        return None
    missing = [name for name in DATASET_FILES if name not in manifest.files]
    if missing:
        log.info("dataset %s predates %s: rebuilding it", dataset_id, ", ".join(missing))
        return None
    return manifest


def _split(interactions: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    if params.get("split_strategy", "random") == "temporal":
        return temporal_split(
            interactions,
            test_fraction=params["test_fraction"],
            valid_fraction=params["valid_fraction"],
            min_user_interactions=params["min_user_interactions"],
        )
    return split_interactions(
        interactions,
        seed=params["seed"],
        test_fraction=params["test_fraction"],
        valid_fraction=params["valid_fraction"],
        min_user_interactions=params["min_user_interactions"],
    )


def _build(
    source: Input,
    params: dict[str, Any],
    dataset_id: str,
    stage: Path,
    suppression: Suppression | None,
    feedback: FeedbackInput | None = None,
) -> DatasetManifest:
    parsed = source.parse(params["top_tags"])
    raw = parsed.raw
    excluded: dict[str, int] = {}
    if suppression is not None:
        raw, erased = exclude_erased(raw, suppression)
        excluded["erased_users_excluded"] = len(erased)
        log.info(
            "excluded %d erased user(s) from the source (%d erasure(s) on record)",
            len(erased),
            len(suppression.subjects),
        )
    tags = parsed.tags
    if tags is None:  # HetRec: counted from the users' tag assignments that are left
        tags = top_tags(raw.taggings, raw.tags, raw.artists["artist_id"], params["top_tags"])
    interactions = raw.interactions
    split = _split(interactions, params)
    if feedback is not None:  # into train only, after the split: valid and test stay the source's
        erased_subjects = suppression.subjects if suppression is not None else frozenset[str]()
        interactions, split, merged = merge_feedback(
            interactions, split, raw.artists["artist_id"], feedback, erased_subjects
        )
        excluded |= merged
        log.info("merged exported feedback into train: %s", merged)
    users = build_users(interactions, split, raw.friends)
    artists = build_artists(raw.artists, interactions, tags.top_tags)
    friends = build_friends(raw.friends)

    write_table(interactions, INTERACTIONS_SCHEMA, stage / INTERACTIONS_FILE)
    write_table(users, USERS_SCHEMA, stage / USERS_FILE)
    write_table(artists, ARTISTS_SCHEMA, stage / ARTISTS_FILE)
    write_table(split, SPLIT_SCHEMA, stage / SPLIT_FILE)
    write_table(friends, FRIENDS_SCHEMA, stage / FRIENDS_FILE)

    per_split = split["split"].value_counts()
    counts = {
        "users": len(users),
        "artists": len(artists),
        "interactions": len(interactions),
        "plays": int(interactions["weight"].sum()),
        "train": int(per_split.get("train", 0)),
        "valid": int(per_split.get("valid", 0)),
        "test": int(per_split.get("test", 0)),
        "cold_users": int(((users["n_valid"] + users["n_test"]) == 0).sum()),
        "artists_without_listeners": int((artists["listeners"] == 0).sum()),
        "artists_with_tags": int((artists["top_tags"].map(len) > 0).sum()),
        "tags": len(raw.tags),
        "tag_assignments": tags.used_taggings,
        "tag_assignments_dropped": tags.dropped_taggings,
        "tagged_artists_dropped": tags.dropped_artists,
        "friend_pairs": 0 if raw.friends is None else len(raw.friends),
        **parsed.counts,
        **excluded,
    }
    manifest = DatasetManifest(
        dataset_id=dataset_id,
        created_at=utcnow(),
        source=source.location,
        source_sha256=source.sha256,
        seed=params["seed"],
        split_params=params,
        counts=counts,
        files=file_entries(stage, DATASET_FILES),
    )
    write_manifest(stage / DATASET_MANIFEST_FILE, manifest)
    return manifest
