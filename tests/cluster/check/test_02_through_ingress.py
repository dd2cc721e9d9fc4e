"""2. The API and the frontend as a person reaches them: through the ingress."""

from __future__ import annotations

import re
import subprocess
import time
from typing import Any

import httpx

from tests.cluster.check.api import Ingress
from tests.cluster.check.kube import Cluster, wait_until
from tests.cluster.check.report import Step


def test_api_through_ingress(settings: dict[str, Any], state: dict[str, Any], step: Step) -> None:
    """2a. Through the ingress: recommendations, cold start, similar, search, feedback, /api/docs
    (as the app calls them: /api, keyless; the frontend's nginx adds its key)"""
    api = Ingress(settings["ingress"])
    r = api.get("/api/v1/users/2/recommendations", k=20)
    assert r.status_code == 200 and len(r.json()["items"]) == 20, r.text
    step.details["recommendations user 2"] = (
        f"{r.status_code}, {len(r.json()['items'])} items, strategy {r.json()['strategy']}"
    )

    radiohead, bjork = api.artist_id("Radiohead"), api.artist_id("Björk")
    state["artists"] = [radiohead, bjork]
    step.details["search"] = f"Radiohead → {radiohead}, Björk → {bjork}"

    r = api.post("/api/v1/recommendations", {"artist_ids": [radiohead, bjork], "k": 10})
    assert r.status_code == 200 and len(r.json()["items"]) == 10, r.text
    step.details["cold start"] = f"{r.status_code}: " + ", ".join(i["name"] for i in r.json()["items"][:3])

    r = api.get(f"/api/v1/artists/{radiohead}/similar", k=10)
    assert r.status_code == 200 and len(r.json()["items"]) == 10, r.text
    step.details["similar to Radiohead"] = ", ".join(i["name"] for i in r.json()["items"][:3])

    user = 1000 + int(time.time()) % 1000
    r = api.post("/api/v1/feedback", {"user_id": user, "artist_id": bjork, "event": "like"})
    assert r.status_code == 202, r.text
    events = wait_until(
        lambda: api.get(f"/api/v1/users/{user}/history").json()["events"], 30, "the feedback in the history"
    )
    assert events[0]["artist_id"] == bjork and events[0]["event"] == "like", events
    step.details["feedback → history"] = (
        f"202, then history of user {user}: {events[0]['event']} {events[0]['name']}"
    )

    docs = api.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text, docs.text[:500]
    spec = api.get("/api/openapi.json")
    assert spec.status_code == 200 and "/v1/users/{user_id}/recommendations" in spec.json()["paths"]
    step.details["/api/docs"] = "200, points at /api/openapi.json (200)"


def test_frontend_through_ingress(settings: dict[str, Any], step: Step) -> None:
    """2b. The frontend page, its assets and the /api calls it makes, through the ingress"""
    api = Ingress(settings["ingress"])
    page = api.get("/")
    assert page.status_code == 200 and '<div id="root">' in page.text, page.text[:500]
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', page.text)
    assert scripts, page.text
    bundle = api.get(scripts[0])
    assert bundle.status_code == 200 and "/api" in bundle.text
    model = api.get("/api/v1/model")
    assert model.status_code == 200
    step.details.update(
        {
            "page": f"200, bundle {scripts[0]} ({len(bundle.content)} bytes)",
            "/api/v1/model": model.json()["model_id"],
        }
    )


def test_frontend_pod_proxies_api(cluster: Cluster, step: Step) -> None:
    """2c. The frontend Service itself proxies /api (what a port-forward in skaffold dev reaches)"""
    service = f"{cluster.fullname()}-frontend"
    forward = subprocess.Popen(
        [cluster.kubectl_bin, "-n", cluster.namespace, "port-forward", f"service/{service}", "18765:80"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        r = wait_until(
            lambda: httpx.get("http://127.0.0.1:18765/api/v1/model", timeout=5),
            60,
            "the port-forwarded frontend",
        )
        assert r.status_code == 200 and r.json()["model_id"], r.text
        step.details["port-forward frontend /api/v1/model"] = r.status_code
    finally:
        forward.terminate()
        forward.wait(timeout=10)


def test_api_clients_with_their_own_key(cluster: Cluster, settings: dict[str, Any], step: Step) -> None:
    """2d. /v1 through the ingress: the admin key works, no key is refused, /metrics stays in"""
    admin = Ingress(settings["ingress"], cluster.api_key("admin"))
    r = admin.get("/v1/users/2/recommendations", k=5)
    assert r.status_code == 200 and len(r.json()["items"]) == 5, r.text
    keyless = Ingress(settings["ingress"])
    refused = keyless.get("/v1/users/2/recommendations", k=5)
    assert refused.status_code == 401, refused.text
    assert admin.get("/api/metrics").status_code == 404, "the frontend's proxy keeps /metrics in"
    assert "tunedin_http_requests_total" not in admin.get("/metrics").text, "the ingress routes no /metrics"
    step.details.update(
        {
            "/v1 with the admin key": f"{r.status_code}, {len(r.json()['items'])} items",
            "/v1 without a key": refused.status_code,
            "/api/metrics": 404,
        }
    )
