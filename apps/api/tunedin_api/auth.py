"""Bearer API keys on every ``/v1`` route: ``dependencies=[require(Scope.X)]``.

A missing, malformed, unknown or revoked key is a 401, a key without the route's scope a 403;
both carry ``WWW-Authenticate`` as RFC 6750 spells it. The caller's key id (never the key) is
put in the request's ASGI state, where the telemetry middleware reads it for the access log,
the request span and the per-key metrics, and the rate limiter for the per-key limit.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tunedin_api.keys.keyfile import SCOPE_HELP, Scope
from tunedin_api.keys.registry import KeyRegistry

REALM = 'Bearer realm="tunedin"'
KEY_ID = "key_id"  # the ASGI state entry naming the caller's key

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="APIKey",
    bearerFormat="tdk_<id>_<secret>",
    description="An API key made by `python -m tunedin_api.keys add` (the chart makes an admin and a "
    "frontend key on install): `Authorization: Bearer tdk_...`. Scopes: "
    + "; ".join(f"`{scope}`: {text}" for scope, text in SCOPE_HELP.items())
    + ".",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _refuse(status: int, detail: str, challenge: str) -> HTTPException:
    return HTTPException(status, detail, headers={"WWW-Authenticate": challenge})


def caller_key_id(request: Request) -> str | None:
    """The key id of an authorised request (``None`` before or without authorisation)."""
    state: dict[str, Any] = request.scope.get("state") or {}
    key_id = state.get(KEY_ID)
    return key_id if isinstance(key_id, str) else None


def require(scope: Scope) -> Any:
    """A route dependency that admits only keys with ``scope`` (or ``admin``)."""

    async def authorise(request: Request, credentials: Credentials) -> None:
        registry: KeyRegistry = request.app.state.tunedin.keys
        if credentials is None:
            raise _refuse(401, "an API key is needed: send the header Authorization: Bearer <key>", REALM)
        entry = registry.lookup(credentials.credentials)
        if entry is None:
            reason = (
                "the API key is unknown or revoked"
                if registry.active_ids
                else "the API has no active keys (its log and /readyz say why)"
            )
            raise _refuse(401, reason, f'{REALM}, error="invalid_token"')
        request.scope.setdefault("state", {})[KEY_ID] = entry.id
        if not entry.allows(scope):
            raise _refuse(
                403,
                f"the API key {entry.id} lacks the scope {scope} (it has: {', '.join(entry.scopes)})",
                f'{REALM}, error="insufficient_scope", scope="{scope}"',
            )

    authorise.__name__ = f"require_{scope.replace(':', '_')}"
    dependency: Callable[..., Coroutine[Any, Any, None]] = authorise
    return Depends(dependency)
