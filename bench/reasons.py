"""``python -m bench.reasons``: how varied the reasons of a top-20 list are, on the served model.

For a sample of the model's users (no recent feedback, the API's defaults: k 20, diversity 0.3,
listened artists excluded) the list is built by the API's own recommender, then explained twice:
by the old rule (the closest of the user's most played artists, nothing else) and by the
current one (``tunedin_api.recommend.reasons``: spread over the user's artists, shared tags,
friends who play the pick). Reported per rule: the mean share of distinct reasons in a list,
the mean share of its most cited artist, how many distinct artists a list cites, the share of
lists with a friend reason and of reasons with friends or shared tags; and the time to explain
20 picks (friend counts included; per user the fastest of 20 runs, so that other work on the
machine counts as little as it can), median and p99 over the users. The model is the one
``CURRENT`` names in ``TUNEDIN_ARTIFACTS``.

Writes ``bench/results/reasons.json`` and ``bench/results/reasons.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from opentelemetry import trace

from tunedin_api.model.loaded import LoadedModel, load_model
from tunedin_api.recommend.reasons import explain
from tunedin_api.recommend.service import Plan, Query, Recommender
from tunedin_api.settings import Settings
from tunedin_api.store.history import History
from tunedin_common.contract import ArtifactStore, atomic_write_bytes, utcnow

RESULTS = Path(__file__).resolve().parent / "results"
K = 20
FALLBACK = "close to your taste"
FRIENDS = "of your friends"


class ModelEmbeddings:
    """What the recommender asks of its embedding cache, answered from the model itself."""

    async def get(self, model: LoadedModel, user_id: int, row: int) -> np.ndarray:
        vector: np.ndarray = model.user_embeddings[row]
        return vector


def single_anchor(model: LoadedModel, picks: np.ndarray, anchors: np.ndarray, verbs: list[str]) -> list[str]:
    """The rule before: the anchor closest to each pick, every time."""
    if anchors.size == 0:
        return [FALLBACK] * picks.size
    sims = model.item_unit[picks] @ model.item_unit[anchors].T
    sims[picks[:, None] == anchors[None, :]] = -np.inf
    best = sims.argmax(axis=1)
    found = np.isfinite(sims[np.arange(picks.size), best]).tolist()
    names, rows = model.catalogue.names, anchors.tolist()
    return [
        f"because you {verbs[a]} {names[rows[a]]}" if ok else FALLBACK
        for a, ok in zip(best.tolist(), found, strict=True)
    ]


def current(model: LoadedModel, plan: Plan, picks: np.ndarray) -> list[str]:
    assert plan.row is not None
    friends = model.friends.playing(plan.row, picks)
    return explain(model, picks, plan.anchors, plan.verbs, FALLBACK, friends)


def _cited(reason: str) -> str | None:
    for verb in ("listen to", "liked", "like"):
        prefix = f"because you {verb} "
        if reason.startswith(prefix):
            rest = reason.removeprefix(prefix)
            return rest.split(": both tagged ", 1)[0].split(", and ", 1)[0]
    return None


def list_stats(model: LoadedModel, reasons: list[str]) -> dict[str, float]:
    cited = Counter(c for c in (_cited(r) for r in reasons) if c is not None)
    return {
        "distinct_share": len(set(reasons)) / len(reasons),
        "top_artist_share": max(cited.values()) / len(reasons) if cited else 0.0,
        "artists_cited": float(len(cited)),
        "has_friend_reason": float(any(FRIENDS in r for r in reasons)),
        "friend_reason_share": sum(FRIENDS in r for r in reasons) / len(reasons),
        "tag_reason_share": sum(": both tagged " in r for r in reasons) / len(reasons),
    }


def _timing(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "median_us": round(statistics.median(samples) * 1e6, 1),
        "p99_us": round(samples[int(0.99 * (len(samples) - 1))] * 1e6, 1),
    }


def _timed(fn: Any, repeats: int, *args: Any) -> float:
    """The fastest of ``repeats`` calls: what the work costs on a core nothing else needs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


async def run(store: ArtifactStore, n_users: int, seed: int, example_user: int) -> dict[str, Any]:
    model_id = store.read_current()
    if model_id is None:
        raise SystemExit(f"no model is published in {store.root}: run make pipeline first")
    model = load_model(store, model_id)
    recommender = Recommender(Settings(), ModelEmbeddings(), trace.get_tracer("bench.reasons"))  # type: ignore[arg-type]
    query = Query(k=K, diversity=0.3, exclude_listened=True, tags=None)
    users = sorted(model.user_row)
    rng = np.random.default_rng(seed)
    sample = sorted(rng.choice(users, size=min(n_users, len(users)), replace=False).tolist())
    if example_user in model.user_row and example_user not in sample:
        sample[0] = example_user
    empty = History([], True, b"")
    rules: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    times: dict[str, list[float]] = {"before": [], "after": []}
    example: dict[str, list[dict[str, str]]] = {}
    for user in sample:
        row = model.user_row[user]
        plan = await recommender._plan_user(model, user, row, empty, query.exclude_listened)
        items = recommender._recommend(model, plan, query)
        if len(items) < K:
            continue
        picks = model.catalogue.rows([item["artist_id"] for item in items])
        before = single_anchor(model, picks, plan.anchors, plan.verbs)
        after = current(model, plan, picks)
        assert after == [item["reason"] for item in items]
        rules["before"].append(list_stats(model, before))
        rules["after"].append(list_stats(model, after))
        times["before"].append(_timed(single_anchor, 20, model, picks, plan.anchors, plan.verbs))
        times["after"].append(_timed(current, 20, model, plan, picks))
        if user == example_user:
            example = {
                "before": [{"artist": i["name"], "reason": r} for i, r in zip(items, before, strict=True)],
                "after": [{"artist": i["name"], "reason": r} for i, r in zip(items, after, strict=True)],
            }
    summary = {
        rule: {name: round(float(np.mean([s[name] for s in stats])), 4) for name in stats[0]}
        for rule, stats in rules.items()
    }
    return {
        "model_id": model_id,
        "dataset_id": model.manifest.dataset_id,
        "measured_at": utcnow().isoformat(),
        "k": K,
        "users": len(rules["after"]),
        "friendships": model.friends.friendships,
        "rules": summary,
        "explain_20_picks": {rule: _timing(samples) for rule, samples in times.items()},
        "example_user": example_user if example else None,
        "example": example,
    }


LABELS = {
    "distinct_share": "distinct reasons per list (share)",
    "top_artist_share": "share of the list citing its most cited artist",
    "artists_cited": "distinct artists cited per list",
    "has_friend_reason": "lists with a friend reason",
    "friend_reason_share": "reasons naming friends",
    "tag_reason_share": "reasons naming shared tags",
}


def markdown(result: dict[str, Any]) -> str:
    before, after = result["rules"]["before"], result["rules"]["after"]
    lines = [
        "# Reasons of a top-20 list",
        "",
        f"Model {result['model_id']} (dataset {result['dataset_id']}, {result['friendships']} "
        f"friendships between its users), {result['users']} sampled users, k {result['k']}, "
        f"diversity 0.3, no recent feedback. Made by `make bench-reasons` on {result['measured_at']}.",
        "",
        "Before: the closest of the user's most played artists. After: spread over the user's "
        "artists, with shared tags or friends who play the pick (`tunedin_api.recommend.reasons`).",
        "",
        "| mean over lists | before | after |",
        "|---|---|---|",
        *[f"| {label} | {before[name]} | {after[name]} |" for name, label in LABELS.items()],
    ]
    timing = result["explain_20_picks"]
    lines += [
        "",
        "Time to explain 20 picks (friend counts included; per user the fastest of 20 runs, "
        "then the median and p99 over users): before "
        f"{timing['before']['median_us']} µs median / {timing['before']['p99_us']} µs p99, after "
        f"{timing['after']['median_us']} µs / {timing['after']['p99_us']} µs.",
    ]
    if result["example"]:
        lines += ["", f"User {result['example_user']}:", "", "| artist | before | after |", "|---|---|---|"]
        for old, new in zip(result["example"]["before"], result["example"]["after"], strict=True):
            lines.append(f"| {new['artist']} | {old['reason']} | {new['reason']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500, help="users sampled (default 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--example-user", type=int, default=2, help="user whose list is shown")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    store = ArtifactStore(os.environ.get("TUNEDIN_ARTIFACTS", "artifacts"))
    result = asyncio.run(run(store, args.users, args.seed, args.example_user))
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.out / "reasons.json", (json.dumps(result, indent=2) + "\n").encode())
    atomic_write_bytes(args.out / "reasons.md", markdown(result).encode())
    print(markdown(result))


if __name__ == "__main__":
    main()
