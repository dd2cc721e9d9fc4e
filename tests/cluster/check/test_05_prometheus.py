"""5. A real Prometheus configured from the chart's ServiceMonitor and PrometheusRule scrapes the
API pods and loads the rules; the service-down and error-rate alerts fire when induced and clear
after. (Grafana cannot run on these machines: no allowed binary of it exists in the registries.)"""

from __future__ import annotations

import time
from typing import Any

from tests.cluster.check.api import Ingress
from tests.cluster.check.kube import Cluster, wait_until
from tests.cluster.check.prometheus import Prometheus
from tests.cluster.check.report import Step
from tests.cluster.check.test_03_upgrade import recommendation_urls
from tests.cluster.check.traffic import RequestLoop

ALERTS = {"TunedInHighLatency", "TunedInHighErrorRate", "TunedInLowCacheHitRatio", "TunedInAPIDown"}


def test_prometheus_scrapes_and_alerts(
    cluster: Cluster, settings: dict[str, Any], state: dict[str, Any], step: Step
) -> None:
    """5. Prometheus scrapes the API, loads the rules; error-rate and API-down alerts fire and clear"""
    api = Ingress(settings["ingress"])
    api_deployment = f"deployment/{cluster.fullname()}-api"
    replicas = len(cluster.pods("api"))
    with Prometheus(cluster) as prom:
        up = wait_until(
            lambda: len(t := prom.targets_up()) >= replicas and t, 120, f"{replicas} API targets up"
        )
        assert {t["labels"]["job"] for t in up} == {f"{cluster.fullname()}-api"}, up
        assert prom.rule_names() >= ALERTS, prom.rule_names()
        step.details["targets up"] = sorted(t["labels"]["instance"] for t in up)

        # Error rate: Redis gone, so every feedback write answers 503.
        redis = f"statefulset/{cluster.fullname()}-redis"
        feedback = {"user_id": 1998, "artist_id": state["artists"][0], "event": "play"}
        cluster.scale(redis, 0)
        try:
            with RequestLoop(
                f"{settings['ingress']}/api/v1/feedback",
                rate=8,
                max_seconds=400,
                method="POST",
                body=feedback,
            ) as errors:
                step.details["error-rate fired after (s)"] = round(
                    prom.wait_alert("TunedInHighErrorRate", True, 240), 1
                )
                bad = errors.stop()
            step.details["induced 503s"] = bad.statuses.get(503, 0)
        finally:
            cluster.scale(redis, 1)
        api.feedback_until(feedback, 202)
        # Healthy traffic dilutes the 5-minute error ratio below the threshold.
        with RequestLoop(recommendation_urls(settings["ingress"]), rate=40, max_seconds=420) as good:
            step.details["error-rate cleared after (s)"] = round(
                prom.wait_alert("TunedInHighErrorRate", False, 400), 1
            )
            good.stop()

        # Service down: no API pod left to scrape.
        cluster.kubectl("scale", api_deployment, "--replicas=0")  # no wait: the alert is the point
        try:
            step.details["api-down fired after (s)"] = round(prom.wait_alert("TunedInAPIDown", True, 240), 1)
        finally:
            cluster.scale(api_deployment, replicas)
        step.details["api-down cleared after (s)"] = round(prom.wait_alert("TunedInAPIDown", False, 240), 1)
        wait_until(api.model_id, 120, "the API to answer again")
        time.sleep(1)
