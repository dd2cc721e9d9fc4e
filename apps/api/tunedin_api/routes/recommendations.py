"""Recommendations for a user, and cold-start recommendations from a few liked artists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tunedin_api.auth import require
from tunedin_api.deps import AboutUser, Model, RateLimit, State
from tunedin_api.errors import unknown_artists
from tunedin_api.experiments.serving import serve
from tunedin_api.experiments.shown import identified
from tunedin_api.keys.keyfile import Scope
from tunedin_api.recommend.service import Query as RecQuery
from tunedin_api.responses import OrjsonResponse, render
from tunedin_api.schemas import (
    AUTH_RESPONSES,
    ERROR_RESPONSES,
    JSON_BODY_RESPONSES,
    ColdStartIn,
    ColdStartOut,
    Diversity,
    K,
    RecommendationsOut,
)

router = APIRouter(
    prefix="/v1",
    tags=["recommendations"],
    dependencies=[require(Scope.RECOMMENDATIONS_READ)],
    responses={**AUTH_RESPONSES, **ERROR_RESPONSES},
)


def _tags(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    tags = [tag.strip() for tag in raw.split(",") if tag.strip()]
    return tags or None


@router.get(
    "/users/{user_id}/recommendations",
    response_model=RecommendationsOut,
    description="Scope: `recommendations:read`. An erased user is served as a newcomer: from the "
    "events they sent since, else what is popular. While an experiment runs, the user's variant "
    "(sticky: a hash of the user and the experiment) decides the model, and the list is recorded "
    "as an impression.",
)
async def recommendations(
    user: AboutUser,
    k: Annotated[K, Query()] = 20,
    diversity: Annotated[Diversity, Query()] = 0.3,
    exclude_listened: bool = True,
    tags: Annotated[str | None, Query(max_length=512, description="Comma-separated tag filter.")] = None,
) -> Any:
    query = RecQuery(k=k, diversity=diversity, exclude_listened=exclude_listened, tags=_tags(tags))
    recommender = user.state.recommender
    body = await recommender.for_user_rendered(
        user.model, user.user_id, user.row, user.history, query, user.erased_friends
    )
    return OrjsonResponse(await identified(user.state, user.served, str(user.user_id), body, user.user_id))


@router.post(
    "/recommendations",
    response_model=ColdStartOut,
    dependencies=[RateLimit],
    responses=JSON_BODY_RESPONSES,
    description="Scope: `recommendations:read`. Recommendations for a newcomer from a few artists "
    "they like. While an experiment runs, `session_id` (else the set of artists) decides the variant.",
)
async def cold_start(body: ColdStartIn, state: State, model: Model) -> Any:
    unknown = model.catalogue.unknown(body.artist_ids)
    if unknown:
        raise unknown_artists(unknown)
    artist_ids = list(dict.fromkeys(body.artist_ids))
    seeds = ",".join(map(str, sorted(artist_ids)))
    key = f"session:{body.session_id}" if body.session_id else f"artists:{seeds}"
    served = serve(model, state.holder.split, key)
    if served.model.catalogue.unknown(artist_ids):  # a challenger without one of these artists
        served = serve(model, None, key)
    query = RecQuery(k=body.k, diversity=body.diversity, exclude_listened=True, tags=body.tags)
    answer = render(state.recommender.for_artists(served.model, artist_ids, query))
    return OrjsonResponse(await identified(state, served, key, answer, None))
