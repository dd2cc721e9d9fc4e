"""Feedback events (play, like, skip) into the user's recent history and the anonymised log, and
attributed to the list they cite."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from tunedin_api.auth import require
from tunedin_api.deps import Model, State, hits
from tunedin_api.errors import unknown_artists
from tunedin_api.experiments.impressions import Attribution, NotInListError
from tunedin_api.keys.keyfile import Scope
from tunedin_api.responses import OrjsonResponse
from tunedin_api.schemas import AUTH_RESPONSES, ERROR_RESPONSES, JSON_BODY_RESPONSES, FeedbackIn, FeedbackOut
from tunedin_api.state import AppState
from tunedin_api.telemetry import metrics

router = APIRouter(
    prefix="/v1", tags=["feedback"], responses={**AUTH_RESPONSES, **ERROR_RESPONSES, **JSON_BODY_RESPONSES}
)


@router.post(
    "/feedback",
    status_code=202,
    response_model=FeedbackOut,
    dependencies=[require(Scope.FEEDBACK_WRITE)],
    description="Scope: `feedback:write`. A user erased before starts a fresh history. With a "
    "`recommendation_id` the event is attributed to that list (its experiment, variant and the "
    "artist's position); during its experiment it counts once per user, variant, day and event.",
)
async def feedback(request: Request, body: FeedbackIn, state: State, model: Model) -> Any:
    await state.limiter.check(hits(request, "user", str(body.user_id)))
    if body.artist_id not in model.catalogue.row_of:
        raise unknown_artists([body.artist_id])
    cited = body.recommendation_id
    attribution = await _attribute(state, body, cited) if cited is not None else None
    length = await state.history.add(body.user_id, body.artist_id, body.event)
    payload = {
        "accepted": True,
        "user_id": body.user_id,
        "artist_id": body.artist_id,
        "event": body.event,
        "history_length": length,
        "attribution": None if attribution is None else vars(attribution),
    }
    return OrjsonResponse(payload, status_code=202)


async def _attribute(state: AppState, body: FeedbackIn, cited: str) -> Attribution | None:
    """The cited list's attribution, checked before anything is written (422: not in it)."""
    split = state.holder.split
    running = split.experiment.experiment_id if split is not None else None
    try:
        found = await state.impressions.attribute(body.user_id, cited, body.artist_id, body.event, running)
    except NotInListError as exc:
        raise HTTPException(422, f"{exc}: cite the list the artist was shown in, or no list") from None
    if found is not None and found.counted:
        metrics.EXPERIMENT_EVENTS.labels(found.experiment_id, found.variant, body.event).inc()
    return found
