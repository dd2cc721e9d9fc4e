"""Feedback events (play, like, skip) into the user's recent history and the anonymised log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tunedin_api.deps import Model, State
from tunedin_api.errors import unknown_artists
from tunedin_api.responses import OrjsonResponse
from tunedin_api.schemas import ERROR_RESPONSES, FeedbackIn, FeedbackOut

router = APIRouter(prefix="/v1", tags=["feedback"], responses=ERROR_RESPONSES)


@router.post("/feedback", status_code=202, response_model=FeedbackOut)
async def feedback(body: FeedbackIn, state: State, model: Model) -> Any:
    await state.limiter.check("user", str(body.user_id))
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
