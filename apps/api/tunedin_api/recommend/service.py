"""Recommendations: pick the strategy, generate candidates (FAISS or popularity), rerank, explain."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from opentelemetry.trace import Tracer

from tunedin_api.model.loaded import LoadedModel
from tunedin_api.model.result_cache import ResultKey
from tunedin_api.recommend.cold_start import fold_in_scores
from tunedin_api.recommend.reasons import explain
from tunedin_api.recommend.rerank import Feedback, Weights, adjust, scale, select
from tunedin_api.recommend.similar import similar_rows, top_rows
from tunedin_api.recommend.similar_reasons import similar_reasons
from tunedin_api.responses import render
from tunedin_api.settings import Settings
from tunedin_api.store.embedding_cache import EmbeddingCache
from tunedin_api.store.history import Event, History
from tunedin_api.telemetry import metrics

_NONE = np.empty(0, dtype=np.int64)
# Candidate counts are rounded up to a multiple of this: the count grows with what a request
# excludes (the user's recent history), and rounding lets a user's searches keep hitting one
# search-cache entry while their history grows, instead of a fresh FAISS search per event.
SEARCH_STEP = 64


def _rows(model: LoadedModel, history: History, event: Event) -> np.ndarray:
    """Item rows of the artists in the history with ``event`` (ones the model knows), newest first."""
    if not history.events:
        return _NONE
    known = model.catalogue.row_of
    return model.catalogue.rows([a for a in history.artists(event) if a in known])


@dataclass(frozen=True)
class Query:
    k: int
    diversity: float
    exclude_listened: bool
    tags: list[str] | None


@dataclass(frozen=True)
class Plan:
    """What a strategy decided: the query vector (None: popularity), exclusions, reason anchors,
    and the user's row in the model when their friends may be cited (None: never)."""

    strategy: str
    vector: np.ndarray | None
    excluded: np.ndarray
    anchors: np.ndarray
    verbs: list[str]
    feedback: Feedback
    row: int | None = None
    scores: np.ndarray | None = None  # exact scores of every item, used instead of the vector
    erased_friends: tuple[int, ...] = ()  # friend rows whose listening no reason may count


class Recommender:
    def __init__(self, settings: Settings, cache: EmbeddingCache, tracer: Tracer) -> None:
        self.settings = settings
        self.cache = cache
        self.tracer = tracer
        self.weights = Weights(settings.like_boost, settings.skip_penalty, settings.play_penalty)

    # ------------------------------------------------------------------ entry points
    async def for_user_rendered(
        self,
        model: LoadedModel,
        user_id: int,
        row: int | None,
        history: History,
        query: Query,
        erased_friends: tuple[int, ...] = (),
    ) -> bytes:
        """``for_user`` as JSON, from the model's result cache when the same user (in the model
        or not, with the same friends erased), query and history were answered before."""
        tags = tuple(query.tags) if query.tags else None
        key = ResultKey(
            user_id,
            row is not None,
            query.k,
            query.diversity,
            query.exclude_listened,
            tags,
            history.raw,
            erased_friends,
        )
        body = model.results.get(key)
        if body is None:
            answer = await self.for_user(model, user_id, row, history, query, erased_friends)
            body = model.results.put(key, render(answer))
        return body

    async def for_user(
        self,
        model: LoadedModel,
        user_id: int,
        row: int | None,
        history: History,
        query: Query,
        erased_friends: tuple[int, ...] = (),
    ) -> dict[str, Any]:
        """``row``: the user's row in the model, ``None`` for a user the model does not know
        (or must not use: an erased user), who is served from their recent history or popularity;
        ``erased_friends``: rows of their friends whose listening no reason may count."""
        plan = await self._plan_user(model, user_id, row, history, query.exclude_listened)
        plan = replace(plan, erased_friends=erased_friends)
        items = self._recommend(model, plan, query)
        return {"user_id": user_id, "model_id": model.model_id, "strategy": plan.strategy, "items": items}

    def for_artists(self, model: LoadedModel, artist_ids: list[int], query: Query) -> dict[str, Any]:
        seeds = model.catalogue.rows(artist_ids)
        plan = Plan(
            strategy="fold_in",
            vector=None,
            excluded=seeds,
            anchors=seeds,
            verbs=["like"] * seeds.size,
            feedback=Feedback(_NONE, _NONE, _NONE),
            scores=fold_in_scores(model, seeds),
        )
        return {
            "model_id": model.model_id,
            "strategy": plan.strategy,
            "items": self._recommend(model, plan, query),
        }

    def similar(self, model: LoadedModel, artist_id: int, k: int) -> dict[str, Any]:
        row = model.catalogue.row_of[artist_id]
        rows, scores = similar_rows(model, row, k)
        items = self._items(model, rows, scores, similar_reasons(model, row, rows))
        return {"artist_id": artist_id, "model_id": model.model_id, "items": items}

    # ------------------------------------------------------------------ strategies
    async def _plan_user(
        self, model: LoadedModel, user_id: int, row: int | None, history: History, exclude_listened: bool
    ) -> Plan:
        liked, played, skipped = (_rows(model, history, event) for event in ("like", "play", "skip"))
        feedback = Feedback(liked, skipped, played)
        recent = np.concatenate([liked, played])
        recent_verbs = ["liked"] * liked.size + ["listen to"] * played.size
        if row is not None:
            vector: np.ndarray | None = await self.cache.get(model, user_id, row)
            listened = model.listening.of(row)
            strategy = "model"
        elif recent.size:
            vector = model.item_embeddings[recent].mean(axis=0)
            listened, strategy = _NONE, "history"
        else:
            vector, listened, strategy = None, _NONE, "popular"
        anchors = np.concatenate([recent, listened[: self.settings.reason_anchors]])
        verbs = recent_verbs + ["listen to"] * min(listened.size, self.settings.reason_anchors)
        excluded = np.concatenate([skipped, listened, recent]) if exclude_listened else skipped
        return Plan(strategy, vector, excluded, anchors, verbs, feedback, row)

    # ------------------------------------------------------------------ pipeline
    def _recommend(self, model: LoadedModel, plan: Plan, query: Query) -> list[dict[str, Any]]:
        rows, scores = self._candidates(model, plan, query)
        if rows.size == 0:
            return []
        relevance = adjust(model, rows, scale(scores), plan.feedback, self.weights)
        picks = select(model, rows, relevance, query.k, query.diversity, self.settings.rerank_pool)
        chosen = rows[picks]
        fallback = "popular with listeners" if plan.strategy == "popular" else "close to your taste"
        friends = (
            None
            if plan.row is None
            else model.friends.playing(plan.row, chosen, plan.erased_friends, model.listening)
        )
        reasons = explain(model, chosen, plan.anchors, plan.verbs, fallback, friends)
        return self._items(model, chosen, relevance[picks], reasons)

    def _candidates(self, model: LoadedModel, plan: Plan, query: Query) -> tuple[np.ndarray, np.ndarray]:
        n_items = len(model.catalogue)
        wanted = self.settings.tag_candidates if query.tags else self.settings.candidates
        needed = max(wanted, 4 * query.k) + int(plan.excluded.size)
        n = min(n_items, -(-needed // SEARCH_STEP) * SEARCH_STEP)
        if plan.scores is not None:
            rows = top_rows(plan.scores, n_items if query.tags else n)
            scores = plan.scores[rows]
        elif plan.vector is None:
            rows = model.catalogue.by_popularity[:n] if not query.tags else model.catalogue.by_popularity
            scores = np.log1p(model.catalogue.listeners[rows]).astype(np.float32)
        else:
            rows, scores = self._search(model, plan.vector, n)
        if not plan.excluded.size and not query.tags:
            return rows, scores
        allowed = model.catalogue.tag_mask(query.tags) if query.tags else np.ones(n_items, dtype=bool)
        allowed[plan.excluded] = False  # a scatter into a fresh mask: no sort, unlike np.isin
        keep = allowed[rows]
        return rows[keep], scores[keep]

    def _search(self, model: LoadedModel, vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``n`` rows and scores for ``vector``: from the model's search cache, else FAISS."""
        key = model.searches.key(vector, n)
        cached = model.searches.get(key)
        if cached is not None:
            return cached
        with self.tracer.start_as_current_span("faiss.search") as span:
            span.set_attribute("faiss.k", n)
            start = time.perf_counter()
            scores, rows = model.index.search(vector, n)
            metrics.FAISS_SEARCH.observe(time.perf_counter() - start)
        found = rows[0] >= 0
        return model.searches.put(key, rows[0][found], scores[0][found])

    @staticmethod
    def _items(
        model: LoadedModel, rows: np.ndarray, scores: np.ndarray, reasons: list[str]
    ) -> list[dict[str, Any]]:
        catalogue = model.catalogue
        return [
            {
                "artist_id": int(catalogue.artist_ids[row]),
                "name": catalogue.names[row],
                "url": catalogue.urls[row],
                "score": round(float(score), 6),
                "tags": catalogue.tags[row],
                "reason": reason,
            }
            for row, score, reason in zip(rows.tolist(), scores.tolist(), reasons, strict=True)
        ]
