"""Served cold start against the raw mean fold-in, through the API's own recommender.

For test users with at least ``seeds`` training artists: the first ``seeds`` of their training
artists in a seeded shuffle are the seeds; a pick is a hit when it is one of the user's test
artists. ``served``: the model's report method with the default rerank (diversity 0.3);
``raw``: the same model with the report's cold-start section removed (the plain mean fold-in)
and no rerank. Two exclusions: ``masked`` excludes every train and valid artist of the user,
as the offline cold-start table does (the recommender's own pipeline: candidates, rerank,
with that exclusion list); ``api`` excludes only the seeds, as ``POST /v1/recommendations``
does, so the user's other known artists take places in the list and count as misses.

``python -m tests.cold_start_check <artifacts> [model_id]`` prints both.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import cast

import numpy as np
import pandas as pd
from opentelemetry import trace

from tunedin_api.model.loaded import LoadedModel, load_model
from tunedin_api.recommend.cold_start import fold_in_scores
from tunedin_api.recommend.rerank import Feedback
from tunedin_api.recommend.service import Plan, Query, Recommender
from tunedin_api.settings import Settings
from tunedin_api.store.embedding_cache import EmbeddingCache
from tunedin_common.contract import SPLIT_FILE, ArtifactStore

User = tuple[list[int], list[int], set[int]]  # seeds, other known artists, test artists


def _recall(
    recommender: Recommender, model: LoadedModel, users: list[User], query: Query, masked: bool
) -> float:
    total = 0.0
    for seeds, known, held in users:
        if masked:
            rows = model.catalogue.rows(seeds)
            plan = Plan(
                strategy="fold_in",
                vector=None,
                excluded=np.concatenate([rows, model.catalogue.rows(known)]),
                anchors=rows,
                verbs=["like"] * rows.size,
                feedback=Feedback(rows[:0], rows[:0], rows[:0]),
                scores=fold_in_scores(model, rows),
            )
            items = recommender._recommend(model, plan, query)
        else:
            items = recommender.for_artists(model, seeds, query)["items"]
        total += len({item["artist_id"] for item in items} & held) / len(held)
    return total / len(users)


def served_and_raw_recall(
    store: ArtifactStore, model_id: str, n_users: int = 400, seeds: int = 5, k: int = 20, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """``{"masked" | "api": (served, raw)}`` mean recall@k over a seeded sample of test users."""
    model = load_model(store, model_id)
    split = pd.read_parquet(store.dataset_dir(model.manifest.dataset_id) / SPLIT_FILE)
    split = split[split["artist_id"].isin(model.catalogue.row_of)]
    train = split[split["split"] == "train"].groupby("user_id")["artist_id"].agg(sorted)
    valid = split[split["split"] == "valid"].groupby("user_id")["artist_id"].agg(list)
    test = split[split["split"] == "test"].groupby("user_id")["artist_id"].agg(set)
    eligible = sorted(set(test.index) & {u for u, artists in train.items() if len(artists) >= seeds})
    rng = np.random.default_rng(seed)
    users: list[User] = []
    for user in rng.choice(eligible, min(n_users, len(eligible)), replace=False).tolist():
        order = [int(a) for a in rng.permutation(train[user])]
        users.append((order[:seeds], order[seeds:] + [int(a) for a in valid.get(user, [])], test[user]))
    recommender = Recommender(Settings(), cast(EmbeddingCache, None), trace.get_tracer("cold_start_check"))
    raw_model = replace(model, report=model.report.model_copy(update={"cold_start": None}))
    served_query = Query(k=k, diversity=0.3, exclude_listened=True, tags=None)
    raw_query = Query(k=k, diversity=0.0, exclude_listened=True, tags=None)
    return {
        protocol: (
            _recall(recommender, model, users, served_query, masked),
            _recall(recommender, raw_model, users, raw_query, masked),
        )
        for protocol, masked in (("masked", True), ("api", False))
    }


if __name__ == "__main__":
    artifacts = ArtifactStore(sys.argv[1])
    chosen_model = sys.argv[2] if len(sys.argv) > 2 else artifacts.read_current()
    if chosen_model is None:
        raise SystemExit("no model given and none published")
    for name, (served_recall, raw_recall) in served_and_raw_recall(artifacts, chosen_model).items():
        print(
            f"recall@20 from 5 seeds, {name}: served (report method, diversity 0.3) {served_recall:.4f}, "
            f"raw mean fold-in (diversity 0) {raw_recall:.4f}"
        )
