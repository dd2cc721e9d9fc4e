"""Artists: similar artists and name search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from tunedin_api.auth import require
from tunedin_api.deps import Model, RateLimit, State
from tunedin_api.keys.keyfile import Scope
from tunedin_api.model.loaded import LoadedModel
from tunedin_api.responses import OrjsonResponse
from tunedin_api.schemas import (
    AUTH_RESPONSES,
    ERROR_RESPONSES,
    NOT_FOUND,
    ArtistId,
    ArtistSearchOut,
    K,
    SimilarOut,
)

router = APIRouter(
    prefix="/v1/artists",
    tags=["artists"],
    dependencies=[require(Scope.RECOMMENDATIONS_READ), RateLimit],
    responses={**AUTH_RESPONSES, **ERROR_RESPONSES},
)


def artist_payload(model: LoadedModel, row: int) -> dict[str, Any]:
    catalogue = model.catalogue
    return {
        "artist_id": int(catalogue.artist_ids[row]),
        "name": catalogue.names[row],
        "url": catalogue.urls[row],
        "tags": catalogue.tags[row],
        "listeners": int(catalogue.listeners[row]),
    }


@router.get("/{artist_id}/similar", response_model=SimilarOut, responses=NOT_FOUND)
async def similar(
    artist_id: Annotated[ArtistId, Path()], state: State, model: Model, k: Annotated[K, Query()] = 20
) -> Any:
    if artist_id not in model.catalogue.row_of:
        raise HTTPException(404, f"unknown artist id: {artist_id}")
    return OrjsonResponse(state.recommender.similar(model, artist_id, k))


@router.get("", response_model=ArtistSearchOut)
async def search(
    model: Model,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Part of an artist name.")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Any:
    rows = model.catalogue.search(q.strip() or q, limit)
    return OrjsonResponse({"query": q, "items": [artist_payload(model, row) for row in rows]})
