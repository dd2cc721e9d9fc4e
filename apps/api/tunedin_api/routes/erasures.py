"""Erasure receipts: how far a user's erasure has reached, store by store."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path

from tunedin_api.auth import require
from tunedin_api.deps import RateLimit, State
from tunedin_api.erasure.service import stored_receipt
from tunedin_api.keys.keyfile import Scope
from tunedin_api.responses import OrjsonResponse
from tunedin_api.schemas import AUTH_RESPONSES, ERROR_RESPONSES, ErasureOut, error_response
from tunedin_common.erasures import ERASURE_ID_PATTERN

router = APIRouter(
    prefix="/v1/erasures",
    tags=["users"],
    dependencies=[require(Scope.USERS_DELETE), RateLimit],
    responses={**AUTH_RESPONSES, **ERROR_RESPONSES},
)


@router.get(
    "/{erasure_id}",
    response_model=ErasureOut,
    responses={404: error_response("No erasure with this id.")},
    description="Scope: `users:delete`. The receipt of an erasure (the `erasure_id` and `Location` "
    "that `DELETE /v1/users/{user_id}` answered with).",
)
async def erasure(erasure_id: Annotated[str, Path(pattern=ERASURE_ID_PATTERN)], state: State) -> Any:
    body = await asyncio.to_thread(stored_receipt, state, erasure_id)
    if body is None:
        raise HTTPException(404, f"no erasure {erasure_id}")
    return OrjsonResponse(body)
