"""Writes must declare a JSON body: ``POST``/``PUT``/``PATCH`` without ``Content-Type:
application/json`` are answered 415 before anything reads the body.

A web page can make a visitor's browser send a cross-origin ``text/plain`` (or form) POST
without asking first; a JSON one needs the CORS preflight, which only the configured origins
pass. Refusing every other media type therefore closes cross-site writes.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

WRITES = frozenset({"POST", "PUT", "PATCH"})
JSON = "application/json"


def is_json(content_type: bytes | None) -> bool:
    """Whether a Content-Type header names JSON (parameters such as ``charset`` allowed)."""
    if content_type is None:
        return False
    media_type = content_type.split(b";", 1)[0].strip().lower()
    return media_type == JSON.encode()


class JsonBodyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        content_type = next((bytes(v) for k, v in scope["headers"] if k == b"content-type"), None)
        if is_json(content_type):
            await self.app(scope, receive, send)
            return
        named = content_type.decode("latin-1") if content_type else "none"
        body = orjson.dumps(
            {"detail": f"the request body must be JSON: send Content-Type: {JSON} (got: {named})"}
        )
        headers = [
            (b"content-type", JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"accept", JSON.encode()),
        ]
        await send({"type": "http.response.start", "status": 415, "headers": headers})
        await send({"type": "http.response.body", "body": body})
