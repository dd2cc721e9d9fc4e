"""Erasing a user from what the API holds: record it durably, hide the user, purge every cache.

The order matters: the ledger entry comes first (once it exists, a restart, a flush or another
replica still hides the user), then the shared Redis set (every process hides the user from
the next request on), then the Redis data and every process's caches.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from fastapi import HTTPException
from redis.exceptions import RedisError

from tunedin_api.erasure.receipt import receipt
from tunedin_api.state import AppState
from tunedin_api.store.keys import ERASED_SET
from tunedin_api.store.redis_link import RedisUnavailableError
from tunedin_common.erasures import ErasureRequest

log = logging.getLogger(__name__)


async def _record(state: AppState, user_id: int) -> ErasureRequest:
    deadline = timedelta(hours=state.settings.erasure_deadline_h)
    try:
        return await asyncio.to_thread(
            state.suppression.ledger.record, state.suppression.key, user_id, deadline
        )
    except OSError as exc:
        log.error("erasure of a user could not be recorded in %s: %s", state.suppression.ledger.root, exc)
        raise HTTPException(
            503, "the erasure cannot be recorded: the artifact store is not writable; nothing was deleted"
        ) from exc


async def erase(state: AppState, user_id: int) -> dict[str, Any]:
    """Erase ``user_id``; the receipt, with what this request removed."""
    request = await _record(state, user_id)
    state.suppression.add(request.subject)
    try:
        client = state.redis.require()
        await client.sadd(ERASED_SET, request.subject)
        removed = await state.history.delete_user(user_id)
        rate_limits = await state.limiter.forget_user(user_id)
        local = state.forget_locally(user_id)
        await state.forgets.publish(user_id)  # the other workers and replicas drop their copies
    except (RedisUnavailableError, RedisError, OSError) as exc:
        if isinstance(exc, RedisError | OSError):
            state.redis.failed(exc)
        state.forget_locally(user_id)
        raise HTTPException(
            503,
            f"erasure {request.erasure_id} is recorded and the user is no longer served, but Redis "
            "is unavailable, so their recent history and cached data are not purged yet: repeat "
            "the DELETE (it is safe to repeat)",
            headers={"Retry-After": "1"},
        ) from exc
    progress = await asyncio.to_thread(state.suppression.ledger.progress, request.erasure_id)
    return {
        "user_id": user_id,
        **receipt(request, progress),
        "removed": {
            **removed,
            "rate_limit_counters": rate_limits,
            "in_process_cache_entries": local,
        },
    }


def stored_receipt(state: AppState, erasure_id: str) -> dict[str, Any] | None:
    """The receipt of ``erasure_id`` from the ledger; ``None`` when there is none (blocking)."""
    ledger = state.suppression.ledger
    request = ledger.request(erasure_id)
    if request is None:
        return None
    return receipt(request, ledger.progress(erasure_id))


__all__ = ["erase", "stored_receipt"]
