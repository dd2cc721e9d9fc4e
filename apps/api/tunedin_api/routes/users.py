"""A user's history, and deleting everything the API holds about a user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path

from tunedin_api.deps import AboutUser, RateLimit, State
from tunedin_api.responses import OrjsonResponse
from tunedin_api.routes.artists import artist_payload
from tunedin_api.schemas import ERROR_RESPONSES, DeletionOut, HistoryOut, UserId

router = APIRouter(prefix="/v1/users", tags=["users"], responses=ERROR_RESPONSES)
TOP_ARTISTS = 10


@router.get("/{user_id}/history", response_model=HistoryOut)
async def history(user: AboutUser) -> Any:
    model, recent = user.model, user.history
    catalogue = model.catalogue
    events = [
        {
            "artist_id": e.artist_id,
            "name": catalogue.names[catalogue.row_of[e.artist_id]]
            if e.artist_id in catalogue.row_of
            else None,
            "event": e.event,
            "at": datetime.fromtimestamp(e.at, UTC),
        }
        for e in recent.events
    ]
    row = model.user_row.get(user.user_id)
    top = model.listening.of(row)[:TOP_ARTISTS].tolist() if row is not None else []
    return OrjsonResponse(
        {
            "user_id": user.user_id,
            "events": events,
            "top_artists": [artist_payload(model, r) for r in top],
            "complete": recent.available,
        }
    )


@router.delete("/{user_id}", response_model=DeletionOut, dependencies=[RateLimit])
async def delete_user(user_id: Annotated[UserId, Path()], state: State) -> Any:
    history_events, embeddings, logged = await state.history.delete_user(user_id)
    rate_limits = await state.limiter.forget_user(user_id)
    local = state.forget_locally(user_id)
    await state.forgets.publish(user_id)  # the other workers and replicas drop their copies
    return OrjsonResponse(
        {
            "user_id": user_id,
            "removed": {
                "history_events": history_events,
                "cached_embeddings": embeddings,
                "feedback_log_entries": logged,
                "rate_limit_counters": rate_limits,
                "in_process_cache_entries": local,
            },
            "stores": ["redis", "process"],
            "note": "in_process_cache_entries counts this process; every other API process drops its "
            "copies on the forget broadcast. The published model's training data is the batch "
            "pipeline's and is not changed here",
        }
    )
