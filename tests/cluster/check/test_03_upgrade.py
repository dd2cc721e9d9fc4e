"""3. helm upgrade: an API-only change does not retrain; a trainer change retrains, publishes and
hot-swaps the served model with no failed request through the ingress."""

from __future__ import annotations

from typing import Any

from tests.cluster.check.api import Ingress
from tests.cluster.check.kube import Cluster, job_failed, job_succeeded, wait_until
from tests.cluster.check.report import Step
from tests.cluster.check.traffic import RequestLoop

STAGES = "{instance},app.kubernetes.io/component in (prepare-train,index-publish)"


def _pipeline_jobs(cluster: Cluster) -> list[dict[str, Any]]:
    return cluster.get("jobs", STAGES.format(instance=cluster.instance))


def recommendation_urls(base: str) -> list[str]:
    """Many users in turn, so the per-user rate limit never answers for the loop."""
    return [f"{base}/api/v1/users/{u}/recommendations?k=20" for u in range(2, 400)]


def test_api_only_upgrade_does_not_retrain(
    cluster: Cluster, install_args: list[str], state: dict[str, Any], step: Step, settings: dict[str, Any]
) -> None:
    """3a. helm upgrade changing only an API value: the API rolls, no pipeline Job runs"""
    before = sorted(j["metadata"]["name"] for j in _pipeline_jobs(cluster))
    cluster.helm(
        "upgrade",
        *install_args,
        "--set-string",
        "api.podAnnotations.tunedin-check=api-only",
        "--wait",
        "--timeout",
        "10m",
    )
    cluster.kubectl(
        "rollout", "status", f"deployment/{cluster.fullname()}-api", "--timeout=300s", timeout=320
    )
    pods = cluster.pods("api")
    assert all(p["metadata"].get("annotations", {}).get("tunedin-check") == "api-only" for p in pods), (
        "the API did not roll"
    )
    after = sorted(j["metadata"]["name"] for j in _pipeline_jobs(cluster))
    assert after == before, f"an API-only upgrade started pipeline Jobs: {sorted(set(after) - set(before))}"
    assert Ingress(settings["ingress"]).model_id() == state["model_id"]
    step.details.update({"pipeline Jobs before/after": len(before), "model unchanged": state["model_id"]})


def test_trainer_upgrade_retrains_and_hot_swaps(
    cluster: Cluster, install_args: list[str], state: dict[str, Any], step: Step, settings: dict[str, Any]
) -> None:
    """3b. helm upgrade of a trainer value: retrains, publishes, hot-swaps with 0 failed requests"""
    api = Ingress(settings["ingress"])
    before = {j["metadata"]["name"] for j in _pipeline_jobs(cluster)}
    with RequestLoop(recommendation_urls(settings["ingress"]), rate=15, max_seconds=1500) as loop:
        cluster.helm(
            "upgrade",
            *install_args,
            "--set-string",
            "api.podAnnotations.tunedin-check=api-only",
            "--set-string",
            "trainer.env.TUNEDIN_SEED=7",
            "--wait",
            "--timeout",
            "10m",
        )

        def new_jobs_done() -> bool:
            new = [j for j in _pipeline_jobs(cluster) if j["metadata"]["name"] not in before]
            failed = [j["metadata"]["name"] for j in new if job_failed(j)]
            assert not failed, (
                f"pipeline Jobs failed: {failed}\n{cluster.logs_of(STAGES.format(instance=cluster.instance))}"
            )
            return len(new) == 2 and all(job_succeeded(j) for j in new)

        wait_until(new_jobs_done, 1200, "the retraining Jobs", every=5)
        new_model = wait_until(
            lambda: (m := api.model_id()) != state["model_id"] and m, 300, "the API to serve the new model"
        )
        # Every API pod: the loop must see only the new model for a while.
        seen_before = loop.result.model_ids[new_model]
        wait_until(
            lambda: loop.result.model_ids[new_model] - seen_before >= 100,
            120,
            "100 answers from the new model",
        )
        result = loop.stop()
    step.details.update({"new model": new_model, "request loop": result.summary()})
    assert result.failed == 0, result.summary()
    assert result.model_ids[state["model_id"]] > 0 and result.model_ids[new_model] > 0, result.summary()
    state["model_id"] = new_model
