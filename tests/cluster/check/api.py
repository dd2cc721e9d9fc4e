"""The TunedIn API and frontend as a person or an API client reaches them: through the ingress."""

from __future__ import annotations

from typing import Any

import httpx

from tests.cluster.check.kube import wait_until


class Ingress:
    """Requests through the ingress, as the app's browser makes them (no key: the frontend's nginx
    adds its own on /api/...) or, given KEY, as an API client with its own key (/v1/...)."""

    def __init__(self, base: str, key: str | None = None) -> None:
        self.base = base
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(base_url=base, timeout=15.0, headers=headers)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.client.post(path, json=body)

    def model_id(self) -> str | None:
        r = self.get("/api/v1/model")
        return str(r.json()["model_id"]) if r.status_code == 200 else None

    def artist_id(self, name: str) -> int:
        r = self.get("/api/v1/artists", q=name, limit=5)
        assert r.status_code == 200, r.text
        exact = [a for a in r.json()["items"] if a["name"].lower() == name.lower()]
        assert exact, f"search for {name!r} did not find it: {r.json()}"
        return int(exact[0]["artist_id"])

    def feedback_until(self, body: dict[str, Any], status: int, timeout: float = 120) -> httpx.Response:
        """Send BODY as feedback until it answers STATUS; that answer."""
        response: httpx.Response = wait_until(
            lambda: (r := self.post("/api/v1/feedback", body)).status_code == status and r,
            timeout,
            f"feedback to answer {status}",
        )
        return response
