"""Serving behind reverse proxies: the public path prefix (``root_path``) and which peers'
``X-Forwarded-For`` names the real client (``forwarded_allow_ips``).

The root path is set on every request's ASGI scope, and a path that arrives without it (a proxy
that strips the prefix, or a probe's ``/healthz``) gets it put in front, as the ASGI spec has
``path`` include ``root_path``. Starlette matches a route on the path with the root path taken
off, so ``/api/v1/model`` (an ingress that passes the prefix on) and ``/v1/model`` (a proxy that
strips it) reach the same route, mounted apps such as the docs' static files included; the docs
page and the OpenAPI ``servers`` name the prefix, which is where the browser finds the API.

The forwarded addresses are applied by uvicorn's proxy-headers middleware in each gunicorn
worker (``gunicorn_conf``): a request whose peer is trusted gets the right-most address of
``X-Forwarded-For`` that is not itself a trusted proxy as its client, which the per-client rate
limit keys on; any other peer is its own client.
"""

from __future__ import annotations

import ipaddress
import re

from starlette.types import ASGIApp, Receive, Scope, Send

_ROOT_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)*$")
TRUST_EVERY_PEER = "*"


def check_root_path(value: str) -> str:
    """``""`` or a path such as ``/api``: leading slash, no trailing slash, plain segments."""
    if not _ROOT_PATH.fullmatch(value):
        raise ValueError(
            f"root path {value!r} must be empty or a path such as /api "
            "(a leading slash, no trailing slash, letters, digits and . _ ~ - in each segment)"
        )
    return value


def check_forwarded_allow_ips(value: str) -> str:
    """Comma-separated IP addresses and CIDR networks, or ``*``; normalised to ``a,b,c``."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if TRUST_EVERY_PEER in items:
        if len(items) > 1:
            raise ValueError(f"forwarded allow-ips {value!r}: '*' trusts every peer and stands alone")
        return TRUST_EVERY_PEER
    for item in items:
        try:
            ipaddress.ip_network(item)
        except ValueError as exc:
            raise ValueError(
                f"forwarded allow-ips: {item!r} is not an IP address or a CIDR network ({exc})"
            ) from None
    return ",".join(items)


class RootPathMiddleware:
    """Pure ASGI: sets ``root_path`` on every HTTP and WebSocket scope, and puts it in front of
    a ``path`` that does not start with it."""

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = check_root_path(root_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["root_path"] = self.root_path
            path: str = scope["path"]
            if self.root_path and not _under(path, self.root_path):
                scope["path"] = self.root_path + path
                raw_path = scope.get("raw_path")
                if raw_path is not None:
                    scope["raw_path"] = self.root_path.encode() + raw_path
        await self.app(scope, receive, send)


def _under(path: str, root_path: str) -> bool:
    return path == root_path or path.startswith(root_path + "/")
