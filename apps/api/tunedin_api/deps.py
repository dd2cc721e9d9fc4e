"""``Annotated`` dependencies: the app state, the served model, the rate limits, and for a
request about one user all of them plus the user's recent history, whether they are erased and
(while an experiment runs) which model serves them, at once.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, which
costs a thread hop (tens of µs and a lock hand-off) per dependency per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from fastapi import Depends, HTTPException, Path, Request

from tunedin_api.auth import caller_key_id
from tunedin_api.experiments.serving import Served, serve
from tunedin_api.model.loaded import LoadedModel
from tunedin_api.ratelimit import Hit
from tunedin_api.schemas import UserId
from tunedin_api.state import AppState
from tunedin_api.store.history import History


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.tunedin
    return state


State = Annotated[AppState, Depends(get_state)]
_NO_ROWS = np.empty(0, dtype=np.int64)


def _served(state: AppState) -> LoadedModel:
    model = state.holder.model
    if model is None:
        raise HTTPException(503, "no model is loaded yet: publish one (make pipeline)")
    return model


async def get_model(state: State) -> LoadedModel:
    """The model for this whole request (a swap during it does not change it)."""
    return _served(state)


Model = Annotated[LoadedModel, Depends(get_model)]


def hits(request: Request, kind: str, identity: str) -> list[Hit]:
    """The request's rate-limit hits: its API key's, and ``(kind, identity)``."""
    key_id = caller_key_id(request)
    return [("key", key_id), (kind, identity)] if key_id is not None else [(kind, identity)]


async def rate_limit(request: Request, state: State) -> None:
    """Per API key, and per user id when the path names one, else per client address."""
    user_id = request.path_params.get("user_id")
    if isinstance(user_id, str) and user_id.isdecimal():
        await state.limiter.check(hits(request, "user", str(int(user_id))))
    else:
        client = request.client.host if request.client else "unknown"
        await state.limiter.check(hits(request, "client", client))


RateLimit = Depends(rate_limit)


@dataclass(frozen=True)
class UserRequest:
    user_id: int
    state: AppState
    served: Served  # the model serving this user (the challenger's, in its experiment arm)
    history: History  # recent events, read in the rate-limit hit's round trip
    row: int | None  # the user's row in the model; None: not in it, or erased
    erased_friends: tuple[int, ...] = ()  # rows of the user's friends who were erased

    @property
    def model(self) -> LoadedModel:
        return self.served.model


async def get_user_request(request: Request, user_id: Annotated[UserId, Path()]) -> UserRequest:
    """The rate-limit hits for the key and ``user_id``, the read of their history and the test
    of whether they (and their friends, whose listening a reason may count) were erased: one
    Redis round trip (the hot path pays for one; a flat dependency, as nesting costs FastAPI
    time per level)."""
    state: AppState = request.app.state.tunedin
    served = serve(_served(state), state.holder.split, str(user_id))
    model = served.model
    suppression = state.suppression
    row = model.user_row.get(user_id)
    mates = model.friends.of(row) if row is not None else _NO_ROWS
    subjects = [suppression.subject(user_id)]
    if mates.size:
        by_row = suppression.model_subjects(model.model_id, model.user_row)
        subjects += [by_row[mate] for mate in mates.tolist()]
    reply = await state.limiter.check(
        hits(request, "user", str(user_id)), state.history.read(user_id), suppression.test(subjects)
    )
    erased = suppression.erased(subjects, reply.members)
    gone = tuple(mate for mate, flag in zip(mates.tolist(), erased[1:], strict=True) if flag)
    if erased[0]:
        row, gone = None, ()
    return UserRequest(user_id, state, served, state.history.parse(reply.items), row, gone)


AboutUser = Annotated[UserRequest, Depends(get_user_request)]
