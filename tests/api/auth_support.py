"""Every /v1 operation of the app's OpenAPI schema as a request that is valid apart from its key,
with the scope each one needs: the table the access-control tests check the app against."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from tunedin_api.keys.keyfile import Scope

USER = 2
Operation = tuple[str, str]  # (method, path template)

# The scope every /v1 operation needs and the status it answers when allowed. A route added
# without an entry here, or guarded by another scope, fails the tests.
SCOPES: dict[Operation, tuple[Scope, int]] = {
    ("GET", "/v1/users/{user_id}/recommendations"): (Scope.RECOMMENDATIONS_READ, 200),
    ("POST", "/v1/recommendations"): (Scope.RECOMMENDATIONS_READ, 200),
    ("GET", "/v1/artists/{artist_id}/similar"): (Scope.RECOMMENDATIONS_READ, 200),
    ("GET", "/v1/artists"): (Scope.RECOMMENDATIONS_READ, 200),
    ("GET", "/v1/model"): (Scope.RECOMMENDATIONS_READ, 200),
    ("POST", "/v1/feedback"): (Scope.FEEDBACK_WRITE, 202),
    ("GET", "/v1/users/{user_id}/history"): (Scope.HISTORY_READ, 200),
    ("DELETE", "/v1/users/{user_id}"): (Scope.USERS_DELETE, 202),
    ("GET", "/v1/erasures/{erasure_id}"): (Scope.USERS_DELETE, 200),
    ("GET", "/v1/experiments/current"): (Scope.ADMIN, 404),  # none started in these tests
}
REQUIRED_QUERY = {"q": "Artist"}
OPEN_PATHS = ["/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"]


@dataclass(frozen=True)
class Call:
    method: str
    template: str
    url: str
    params: dict[str, str]
    body: dict[str, Any] | None

    def send(self, client: TestClient, headers: dict[str, str] | None = None) -> httpx.Response:
        response: httpx.Response = client.request(
            self.method, self.url, params=self.params, json=self.body, headers=headers
        )
        return response

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def schema_operations(app: FastAPI) -> dict[Operation, dict[str, Any]]:
    """Every /v1 operation of the app's OpenAPI schema."""
    return {
        (method.upper(), path): operation
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1")
        for method, operation in operations.items()
    }


def _api_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
            continue
        # an included router (FastAPI >= 0.16x keeps it as one route that holds the router)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from _api_routes(inner.routes, prefix + getattr(context, "prefix", ""))


def routed_operations(app: FastAPI) -> set[Operation]:
    """Every /v1 operation the app routes, in its schema or not."""
    return {
        (method, path)
        for path, route in _api_routes(app.routes)
        if path.startswith("/v1")
        for method in route.methods or ()
    }


def bodies(artist_id: int) -> dict[Operation, dict[str, Any]]:
    return {
        ("POST", "/v1/feedback"): {"user_id": USER, "artist_id": artist_id, "event": "play"},
        ("POST", "/v1/recommendations"): {"artist_ids": [artist_id], "k": 5},
    }


def build_calls(app: FastAPI, erasure_id: str) -> list[Call]:
    """A valid request for every /v1 operation of the schema (KeyError: a parameter or body
    this table does not know how to fill, which a new route must add)."""
    model = app.state.tunedin.holder.model
    artist_id = int(model.catalogue.artist_ids[0])
    values = {"user_id": str(USER), "artist_id": str(artist_id), "erasure_id": erasure_id}
    calls = []
    for (method, template), operation in schema_operations(app).items():
        url, params = template, {}
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            if parameter["in"] == "path":
                url = url.replace(f"{{{name}}}", values[name])
            elif parameter.get("required"):
                params[name] = REQUIRED_QUERY[name]
        body = bodies(artist_id)[(method, template)] if "requestBody" in operation else None
        calls.append(Call(method, template, url, params, body))
    return calls
