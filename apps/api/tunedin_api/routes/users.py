"""A user's history, and erasing a user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path

from tunedin_api.auth import require
from tunedin_api.deps import AboutUser, RateLimit, State
from tunedin_api.erasure.service import erase
from tunedin_api.keys.keyfile import Scope
from tunedin_api.responses import OrjsonResponse
from tunedin_api.routes.artists import artist_payload
from tunedin_api.schemas import AUTH_RESPONSES, ERROR_RESPONSES, DeletionOut, HistoryOut, UserId

router = APIRouter(prefix="/v1/users", tags=["users"], responses={**AUTH_RESPONSES, **ERROR_RESPONSES})
TOP_ARTISTS = 10


@router.get(
    "/{user_id}/history",
    response_model=HistoryOut,
    dependencies=[require(Scope.HISTORY_READ)],
    description="Scope: `history:read`. An erased user's most played artists are never listed.",
)
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
    row = user.row
    top = model.listening.of(row)[:TOP_ARTISTS].tolist() if row is not None else []
    plays = model.listening.plays_of(row)[:TOP_ARTISTS].tolist() if row is not None else []
    return OrjsonResponse(
        {
            "user_id": user.user_id,
            "events": events,
            "top_artists": [
                {**artist_payload(model, r), "plays": n} for r, n in zip(top, plays, strict=True)
            ],
            "complete": recent.available,
        }
    )


@router.delete(
    "/{user_id}",
    status_code=202,
    response_model=DeletionOut,
    dependencies=[require(Scope.USERS_DELETE), RateLimit],
    description="Scope: `users:delete`. Erases the user: from the answer on, nothing derived from "
    "them is served by any API process, and their recent history, cached data and feedback-log "
    "entries are gone; the batch pipeline then removes them from every dataset and model (see the "
    "receipt's steps, and `Location` for the receipt later). Safe to repeat.",
)
async def delete_user(user_id: Annotated[UserId, Path()], state: State) -> Any:
    body = await erase(state, user_id)
    location = f"{state.settings.root_path}/v1/erasures/{body['erasure_id']}"
    return OrjsonResponse(body, status_code=202, headers={"Location": location})
