"""The train stage's similar-artist and cold-start evaluations, as metrics.json sections.

Similar artists: every candidate similarity fitted on the final model's data (train, plus
valid with refit), measured on a sample of query artists against its popularity-matched
baseline (``similar_artists``). Cold start: every method and setting tried on valid with the
selection-phase embeddings and train co-listening, the best setting per method scored on test
with the final ones (``cold_start``). Each section names what the API serves.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from tunedin_common.quality_report import (
    ColdStartMethod,
    ColdStartReport,
    ServedColdStart,
    SimilarArtistsReport,
    SimilarCandidate,
)
from tunedin_trainer.evaluation import cold_start
from tunedin_trainer.evaluation.scores import SplitMatrices
from tunedin_trainer.evaluation.similar_artists import (
    MEASURES,
    PROTOCOL,
    SimilarityData,
    SimilarityScorer,
    evaluate_similar,
    query_sample,
)
from tunedin_trainer.similar.colisten import DEFAULT_SHRINK, CoListening

SIMILAR_K = 10
SIMILAR_QUERIES = 500
SIMILAR_MIN_LISTENERS = 10
COLD_START_USERS = 500
SEED = 0
SERVABLE_SIMILAR = ("embedding_cosine",)  # what the API can serve without an extra artifact
MEASURE_DEFINITIONS = {
    "listener_jaccard": "Jaccard of the listener sets (fitting data) of the query and the returned artist",
    "heldout_fans": "share of the query's listeners with the returned artist among their test artists",
    "tag_jaccard": "Jaccard of the two artists' top-tag sets (0 when either has none)",
    "log_listeners": "ln(1 + listeners) of the returned artist",
}
SIMILAR_SELECTION = (
    "the candidate with the highest lift (measure / its baseline's) in heldout_fans, the one "
    "measure no candidate was fitted on (with tag nodes the embeddings are fitted on tags too), "
    "among those the API serves from the model's files (co-listening candidates would need an "
    "item-neighbour file)"
)
COLD_START_SELECTION = (
    "per method the setting with the best mean valid recall@20 over ks; served: the best method"
)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def tag_sets(artists: pd.DataFrame) -> list[frozenset[str]]:
    return [
        frozenset(str(t).lower() for t in (value if value is not None else []))
        for value in artists["top_tags"]
    ]


def similar_scorers(items: np.ndarray, colisten: CoListening) -> dict[str, SimilarityScorer]:
    unit = unit_rows(items)

    def inner_product(rows: np.ndarray) -> np.ndarray:
        scores: np.ndarray = items[rows] @ items.T
        return scores

    def embedding_cosine(rows: np.ndarray) -> np.ndarray:
        scores: np.ndarray = unit[rows] @ unit.T
        return scores

    def blend(rows: np.ndarray) -> np.ndarray:
        co = colisten.scores(rows)
        co /= np.maximum(co.max(axis=1, keepdims=True), 1e-12)
        scores: np.ndarray = 0.5 * np.maximum(unit[rows] @ unit.T, 0.0) + 0.5 * co
        return scores

    return {
        "inner_product": inner_product,
        "embedding_cosine": embedding_cosine,
        "colisten": colisten.scores,
        "blend": blend,
    }


def _lift(candidate: SimilarCandidate, measure: str) -> float:
    """measure / baseline (0 when unmeasured, the measure itself over a zero baseline)."""
    value, base = candidate.measures.get(measure, 0.0), candidate.baseline.get(measure, 0.0)
    return value / base if base > 0 else value


def similar_report(
    splits: SplitMatrices,
    items: np.ndarray,
    refit: bool,
    artists: pd.DataFrame,
    n_queries: int = SIMILAR_QUERIES,
) -> SimilarArtistsReport:
    started = time.perf_counter()
    fit = splits.test_fit(refit)
    colisten = CoListening(fit, DEFAULT_SHRINK)
    data = SimilarityData(fit=fit, heldout=splits.test, tags=tag_sets(artists))
    queries = query_sample(data.listeners, SIMILAR_MIN_LISTENERS, n_queries, SEED)
    results = evaluate_similar(similar_scorers(items, colisten), data, queries, SIMILAR_K, SEED)
    candidates = {
        name: SimilarCandidate(measures=r["measures"], baseline=r["baseline"], params=_similar_params(name))
        for name, r in results.items()
    }
    ranked = sorted(candidates, key=lambda name: -_selection_score(candidates[name]))
    served = next(name for name in ranked if name in SERVABLE_SIMILAR)
    return SimilarArtistsReport(
        protocol=PROTOCOL,
        measure_definitions={m: MEASURE_DEFINITIONS[m] for m in MEASURES},
        k=SIMILAR_K,
        queries=int(queries.size),
        min_listeners=SIMILAR_MIN_LISTENERS,
        candidates=candidates,
        served=served,
        selection=f"{SIMILAR_SELECTION}; best measured: {ranked[0]}",
        seconds=time.perf_counter() - started,
    )


def _selection_score(candidate: SimilarCandidate) -> float:
    return _lift(candidate, "heldout_fans")


def _similar_params(name: str) -> dict[str, float]:
    if name == "colisten":
        return {"shrink": DEFAULT_SHRINK}
    if name == "blend":
        return {"shrink": DEFAULT_SHRINK, "weight_cosine": 0.5}
    return {}


def _users(users: np.ndarray, size: int) -> np.ndarray:
    if users.size <= size:
        return users
    return np.sort(np.random.default_rng(SEED).choice(users, size, replace=False))


def cold_start_report(
    splits: SplitMatrices,
    selected_items: np.ndarray,
    final_items: np.ndarray,
    refit: bool,
    n_users: int = COLD_START_USERS,
) -> ColdStartReport:
    started = time.perf_counter()
    ks = cold_start.KS
    valid_users = _users(cold_start.eligible_users(splits.train, splits.valid, max(ks)), n_users)
    test_users = _users(cold_start.eligible_users(splits.train, splits.test, max(ks)), n_users)
    orders = cold_start.seed_orders(splits.train, np.union1d(valid_users, test_users), SEED)
    valid_fit = cold_start.Fit(selected_items, CoListening(splits.train, DEFAULT_SHRINK))
    test_fit = cold_start.Fit(final_items, CoListening(splits.test_fit(refit), DEFAULT_SHRINK))

    best: dict[str, tuple[cold_start.Method, dict[int, dict[str, float]]]] = {}
    for method in cold_start.candidate_methods():
        scores = cold_start.evaluate_method(
            method, valid_fit, valid_users, orders, splits.train, splits.valid
        )
        if method.name not in best or cold_start.mean_recall(scores) > cold_start.mean_recall(
            best[method.name][1]
        ):
            best[method.name] = (method, scores)
        if method.name == "mean" and method.beta == 0:
            best["mean_raw"] = (method, scores)

    methods = {}
    for label, (method, valid) in best.items():
        test = cold_start.evaluate_method(
            method, test_fit, test_users, orders, splits.train_valid, splits.test
        )
        methods[label] = ColdStartMethod(
            method=method.name,
            params=method.params(),
            valid={str(k): v for k, v in valid.items()},
            test={str(k): v for k, v in test.items()},
        )
    chosen = max(
        (label for label in best if label != "mean_raw"),
        key=lambda label: cold_start.mean_recall(best[label][1]),
    )
    method = best[chosen][0]
    return ColdStartReport(
        protocol=cold_start.PROTOCOL,
        ks=list(ks),
        valid_users=int(valid_users.size),
        test_users=int(test_users.size),
        seed=SEED,
        methods=methods,
        served=ServedColdStart(method=method.name, lam=method.lam, beta=method.beta),
        selection=COLD_START_SELECTION,
        seconds=time.perf_counter() - started,
    )
