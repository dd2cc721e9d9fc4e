"""``Annotated`` dependencies: the app state, the served model, and the rate limit.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, which
costs a thread hop (tens of µs and a lock hand-off) per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from tunedin_api.model.loaded import LoadedModel
from tunedin_api.state import AppState


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.tunedin
    return state


State = Annotated[AppState, Depends(get_state)]


async def get_model(state: State) -> LoadedModel:
    """The model for this whole request (a swap during it does not change it)."""
    model = state.holder.model
    if model is None:
        raise HTTPException(503, "no model is loaded yet: publish one (make pipeline)")
    return model


Model = Annotated[LoadedModel, Depends(get_model)]


async def rate_limit(request: Request, state: State) -> None:
    """Per user id when the path names one, else per client address."""
    user_id = request.path_params.get("user_id")
    if isinstance(user_id, str) and user_id.isdecimal():
        await state.limiter.check("user", str(int(user_id)))
    else:
        client = request.client.host if request.client else "unknown"
        await state.limiter.check("client", client)


RateLimit = Depends(rate_limit)
