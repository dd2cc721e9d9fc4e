"""``Annotated`` dependencies: the app state, the served model, the rate limit, and for a
request about one user all of them plus the user's recent history at once.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, which
costs a thread hop (tens of µs and a lock hand-off) per dependency per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from tunedin_api.model.loaded import LoadedModel
from tunedin_api.schemas import UserId
from tunedin_api.state import AppState
from tunedin_api.store.history import History


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.tunedin
    return state


State = Annotated[AppState, Depends(get_state)]


def _served(state: AppState) -> LoadedModel:
    model = state.holder.model
    if model is None:
        raise HTTPException(503, "no model is loaded yet: publish one (make pipeline)")
    return model


async def get_model(state: State) -> LoadedModel:
    """The model for this whole request (a swap during it does not change it)."""
    return _served(state)


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


@dataclass(frozen=True)
class UserRequest:
    user_id: int
    state: AppState
    model: LoadedModel
    history: History  # recent events, read in the rate-limit hit's round trip


async def get_user_request(request: Request, user_id: Annotated[UserId, Path()]) -> UserRequest:
    """The rate-limit hit for ``user_id`` and the read of their history: one Redis round trip
    (the hot path pays for one; a flat dependency, as nesting costs FastAPI time per level)."""
    state: AppState = request.app.state.tunedin
    model = _served(state)
    raw = await state.limiter.check("user", str(user_id), state.history.read(user_id))
    return UserRequest(user_id, state, model, state.history.parse(raw))


AboutUser = Annotated[UserRequest, Depends(get_user_request)]
