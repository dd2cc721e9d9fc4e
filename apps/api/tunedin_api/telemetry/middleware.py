"""One pure-ASGI middleware for every request: correlation id, body size limit, request span,
metrics per route template and per API key, one JSON access-log line, and a JSON 500 for
unexpected errors. The caller's key id is what ``auth`` left in the request's ASGI state."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import orjson
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tunedin_api.auth import KEY_ID
from tunedin_api.errors import BodyTooLarge
from tunedin_api.telemetry import metrics
from tunedin_api.telemetry.context import REQUEST_ID, request_id_from

access_log = logging.getLogger("tunedin.access")
error_log = logging.getLogger("tunedin.error")
UNMATCHED = "unmatched"
NO_KEY = "none"


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _carrier(scope: Scope) -> dict[str, str]:
    return {
        k.decode("latin-1"): v.decode("latin-1")
        for k, v in scope["headers"]
        if k in (b"traceparent", b"tracestate")
    }


class TelemetryMiddleware:
    def __init__(self, app: ASGIApp, tracer: Tracer, max_body_bytes: int) -> None:
        self.app = app
        self.tracer = tracer
        self.max_body = max_body_bytes
        self._children: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}
        self._per_key: dict[tuple[str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(_header(scope, b"x-request-id"))
        token = REQUEST_ID.set(request_id)
        method: str = scope["method"]
        start = time.perf_counter()
        status = 500
        started = False
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            receive = self._refuse_body(receive)
        else:
            receive = self._count_body(receive)

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        state: dict[str, Any] = scope.setdefault("state", {})
        context = propagate.extract(_carrier(scope)) if _header(scope, b"traceparent") else None
        with self.tracer.start_as_current_span(
            f"{method} {scope['path']}", kind=SpanKind.SERVER, context=context
        ) as span:
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                metrics.UNHANDLED_ERRORS.inc()
                span.record_exception(exc)
                error_log.exception("unhandled error in %s %s", method, scope["path"])
                if not started:
                    await self._server_error(send_with_id, request_id)
            route = getattr(scope.get("route"), "path", UNMATCHED)
            key_id: str | None = state.get(KEY_ID)
            span.update_name(f"{method} {route}")
            span.set_attribute("http.route", route)
            if key_id is not None:
                span.set_attribute("tunedin.api_key.id", key_id)
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR))
        duration = time.perf_counter() - start
        self._observe(route, method, status, duration)
        if key_id is not None or route.startswith("/v1"):
            self._observe_key(key_id or NO_KEY, status)
        access_log.info(
            "request",
            extra={
                "method": method,
                "route": route,
                "path": scope["path"],
                "status": status,
                "duration_ms": round(duration * 1000, 3),
                "key_id": key_id,
                "pid": os.getpid(),  # which gunicorn worker answered
            },
        )
        REQUEST_ID.reset(token)

    def _observe(self, route: str, method: str, status: int, duration: float) -> None:
        key = (route, method, status)
        counter = self._children.get(key)
        if counter is None:
            counter = self._children[key] = metrics.HTTP_REQUESTS.labels(route, method, str(status))
        histogram = self._histograms.get(key[:2])
        if histogram is None:
            histogram = self._histograms[key[:2]] = metrics.HTTP_DURATION.labels(route, method)
        counter.inc()
        histogram.observe(duration)

    def _observe_key(self, key_id: str, status: int) -> None:
        counter = self._per_key.get((key_id, status))
        if counter is None:
            counter = self._per_key[key_id, status] = metrics.API_KEY_REQUESTS.labels(key_id, str(status))
        counter.inc()

    def _refuse_body(self, receive: Receive) -> Receive:
        async def refuse() -> Message:
            raise BodyTooLarge(self.max_body)

        return refuse

    def _count_body(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        return counted

    @staticmethod
    async def _server_error(send: Send, request_id: str) -> None:
        body = orjson.dumps({"detail": "internal error", "request_id": request_id})
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": body})
