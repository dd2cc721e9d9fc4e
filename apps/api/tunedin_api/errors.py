"""Error responses: every 4xx/5xx is JSON with a ``detail`` a person can act on."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from tunedin_api.ratelimit import RateLimitedError
from tunedin_api.responses import OrjsonResponse
from tunedin_api.store.redis_link import RedisUnavailableError


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def unknown_artists(ids: list[int]) -> HTTPException:
    listed = ", ".join(str(i) for i in ids)
    return HTTPException(422, f"unknown artist ids: {listed}")


def _readable(errors: list[Any]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        where = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        out.append({"loc": where, "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))})
    return out


async def _validation(request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, RequestValidationError)
    return OrjsonResponse({"detail": _readable(list(exc.errors()))}, status_code=422)


# FastAPI's 400 for a body that is not even text; malformed JSON is a 422 everywhere else
_UNDECODABLE_BODY = "There was an error parsing the body"


async def _http(request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and exc.detail == _UNDECODABLE_BODY:
        return OrjsonResponse(
            {"detail": "the request body is not valid JSON: it is not UTF-8 text"}, status_code=422
        )
    return OrjsonResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _rate_limited(request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, RateLimitedError)
    return OrjsonResponse(
        {"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)}
    )


async def _redis_unavailable(request: Request, exc: Exception) -> OrjsonResponse:
    return OrjsonResponse(
        {"detail": "Redis is unavailable: this write cannot be stored now; retry shortly"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RateLimitedError, _rate_limited)
    app.add_exception_handler(RedisUnavailableError, _redis_unavailable)
