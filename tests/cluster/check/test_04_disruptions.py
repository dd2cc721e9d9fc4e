"""4. Disruptions under a request loop through the ingress: a rolling restart of the API, a
deleted API pod, and the Redis pod deleted (reads stay 200, writes 503, both recover)."""

from __future__ import annotations

import time
from typing import Any

from tests.cluster.check.api import Ingress
from tests.cluster.check.kube import Cluster
from tests.cluster.check.report import Step
from tests.cluster.check.test_03_upgrade import recommendation_urls
from tests.cluster.check.traffic import RequestLoop


def test_rolling_restart(cluster: Cluster, settings: dict[str, Any], step: Step) -> None:
    """4a. kubectl rollout restart of the API under load: 0 failed requests"""
    deployment = f"deployment/{cluster.fullname()}-api"
    with RequestLoop(recommendation_urls(settings["ingress"]), rate=15, max_seconds=600) as loop:
        time.sleep(3)
        cluster.kubectl("rollout", "restart", deployment)
        cluster.kubectl("rollout", "status", deployment, "--timeout=480s", timeout=500)
        time.sleep(5)
        result = loop.stop()
    step.details["request loop"] = result.summary()
    assert result.failed == 0, result.summary()


def test_deleted_api_pod(cluster: Cluster, settings: dict[str, Any], step: Step) -> None:
    """4b. One API pod deleted under load: 0 failed requests, a replacement turns ready"""
    victim = cluster.pods("api")[0]["metadata"]["name"]
    with RequestLoop(recommendation_urls(settings["ingress"]), rate=15, max_seconds=600) as loop:
        time.sleep(3)
        cluster.kubectl("delete", "pod", victim, "--wait=true", timeout=180)
        cluster.kubectl(
            "rollout", "status", f"deployment/{cluster.fullname()}-api", "--timeout=300s", timeout=320
        )
        time.sleep(5)
        result = loop.stop()
    step.details.update({"deleted": victim, "request loop": result.summary()})
    assert result.failed == 0, result.summary()


def test_redis_pod_deleted(
    cluster: Cluster, settings: dict[str, Any], state: dict[str, Any], step: Step
) -> None:
    """4c. Redis pod deleted: reads 200, feedback 503 with Retry-After; both recover after"""
    api = Ingress(settings["ingress"])
    redis = f"statefulset/{cluster.fullname()}-redis"
    feedback = {"user_id": 1999, "artist_id": state["artists"][0], "event": "play"}
    with RequestLoop(recommendation_urls(settings["ingress"]), rate=10, max_seconds=600) as loop:
        cluster.scale(redis, 0)
        down = api.feedback_until(feedback, 503, 60)
        outage_started = time.monotonic()
        assert down.headers.get("retry-after"), down.headers
        history = api.get("/api/v1/users/2/history")
        assert history.status_code == 200 and history.json()["complete"] is False, history.text
        cluster.scale(redis, 1)
        api.feedback_until(feedback, 202)
        recovered_after = time.monotonic() - outage_started
        result = loop.stop()
    step.details.update(
        {
            "reads during the outage": result.summary(),
            "write while down": f"503, Retry-After {down.headers['retry-after']}",
            "writes 202 again after (s)": round(recovered_after, 1),
        }
    )
    assert result.failed == 0, result.summary()
