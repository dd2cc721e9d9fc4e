"""An experiment through the real stack (gunicorn with two uvicorn workers, a real Redis): each
user keeps their variant whichever worker answers, and the report and the Prometheus counters
match the lists shown and the events sent."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.api.experiment_support import start_experiment
from tests.support.api_stack import ApiStack, metric, scrape
from tests.support.redis_server import RedisServer
from tunedin_common.contract import ArtifactStore
from tunedin_common.experiments.assignment import assign

DASHBOARD = Path(__file__).resolve().parents[2] / "charts" / "tunedin" / "dashboards" / "tunedin-api.json"
USERS = [2 + 3 * n for n in range(30)]  # users of the synthetic dataset (tests.train_support)
ROUNDS = 4


def _get(stack: ApiStack, path: str) -> dict[str, Any]:
    # A new connection per request: the two workers take turns accepting them.
    answer = httpx.get(f"{stack.base}{path}", headers=stack.headers, timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_sticky_variants_and_a_report_that_matches_what_was_sent(
    own_store: ArtifactStore, redis_server: RedisServer, tmp_path: Path
) -> None:
    redis_server.client().flushall()
    experiment = start_experiment(own_store, share=0.5)
    stack = ApiStack(own_store.root, redis_server.url, tmp_path)
    stack.start()
    try:
        served: dict[int, set[tuple[str, str, str]]] = {u: set() for u in USERS}
        lists: dict[int, dict[str, Any]] = {}
        for _ in range(ROUNDS):
            for user in USERS:
                body = _get(stack, f"/v1/users/{user}/recommendations?k=10")
                served[user].add((body["variant"], body["model_id"], body["recommendation_id"]))
                lists[user] = body
        plays: Counter[str] = Counter()
        likes: Counter[str] = Counter()
        for user in USERS[::2]:
            shown = lists[user]
            for event, position in (("play", 0), ("play", 1), ("like", 4)):
                sent = httpx.post(
                    f"{stack.base}/v1/feedback",
                    headers=stack.headers,
                    json={
                        "user_id": user,
                        "artist_id": shown["items"][position]["artist_id"],
                        "event": event,
                        "recommendation_id": shown["recommendation_id"],
                    },
                    timeout=10,
                )
                assert sent.status_code == 202, sent.text
                assert sent.json()["attribution"]["position"] == position + 1
            plays[shown["variant"]] += 1  # two plays, one user-day: one counted
            likes[shown["variant"]] += 1
        report = _get(stack, "/v1/experiments/current")
        metrics = scrape(stack.base)
        log = stack.log_text()
    finally:
        stack.stop()

    for user, answers in served.items():
        variant = assign(experiment, str(user))
        assert answers == {(variant, experiment.model_of(variant), lists[user]["recommendation_id"])}, user
    access = [json.loads(line) for line in log.splitlines() if '"tunedin.access"' in line]
    workers = {a["pid"] for a in access if a["route"] == "/v1/users/{user_id}/recommendations"}
    assert len(workers) == 2, workers  # both workers answered, and agreed

    by_variant = {v["variant"]: v for v in report["variants"]}
    exposed = Counter(assign(experiment, str(u)) for u in USERS)
    eid = experiment.experiment_id
    for variant in ("champion", "challenger"):
        figures = by_variant[variant]
        assert figures["impressions"] == exposed[variant]  # one user-day each, whatever the rounds
        assert figures["rates"]["play_rate"]["events"] == plays[variant]
        assert figures["rates"]["like_rate"]["events"] == likes[variant]
        assert figures["rates"]["skip_rate"]["events"] == 0
        labels = {"experiment_id": eid, "variant": variant}
        assert metric(metrics, "tunedin_experiment_lists_total", **labels) == ROUNDS * exposed[variant]
        assert metric(metrics, "tunedin_experiment_impressions_total", **labels) == exposed[variant]
        assert metric(metrics, "tunedin_experiment_events_total", event="play", **labels) == plays[variant]
    assert metric(metrics, "tunedin_experiment_challenger_share", experiment_id=eid) == experiment.share
    # Every experiment series the chart's dashboard queries is one /metrics exports while it runs.
    queried = set(re.findall(r"\btunedin_experiment_[a-z_]+", DASHBOARD.read_text(encoding="utf-8")))
    exported = {key.partition("{")[0] for key in metrics}
    assert len(queried) == 5 and queried <= exported, sorted(queried - exported)
