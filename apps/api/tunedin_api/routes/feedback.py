"""Feedback events (play, like, skip) into the user's recent history and the anonymised log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tunedin_api.auth import require
from tunedin_api.deps import Model, State, hits
from tunedin_api.errors import unknown_artists
from tunedin_api.keys.keyfile import Scope
from tunedin_api.responses import OrjsonResponse
from tunedin_api.schemas import AUTH_RESPONSES, ERROR_RESPONSES, JSON_BODY_RESPONSES, FeedbackIn, FeedbackOut

router = APIRouter(
    prefix="/v1", tags=["feedback"], responses={**AUTH_RESPONSES, **ERROR_RESPONSES, **JSON_BODY_RESPONSES}
)


@router.post(
    "/feedback",
    status_code=202,
    response_model=FeedbackOut,
    dependencies=[require(Scope.FEEDBACK_WRITE)],
    description="Scope: `feedback:write`. A user erased before starts a fresh history.",
)
async def feedback(request: Request, body: FeedbackIn, state: State, model: Model) -> Any:
    await state.limiter.check(hits(request, "user", str(body.user_id)))
    if body.artist_id not in model.catalogue.row_of:
        raise unknown_artists([body.artist_id])
    length = await state.history.add(body.user_id, body.artist_id, body.event)
    payload = {
        "accepted": True,
        "user_id": body.user_id,
        "artist_id": body.artist_id,
        "event": body.event,
        "history_length": length,
    }
    return OrjsonResponse(payload, status_code=202)
