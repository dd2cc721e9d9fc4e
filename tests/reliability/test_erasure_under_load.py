"""Trained users erased during mixed traffic: each DELETE answers 202 within the load, and from
its answer on no response about the user, from either gunicorn worker, comes from the model (nor
lists their most played artists); the same after the API is restarted and Redis flushed; the
load keeps its error and latency bounds."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import httpx

from tests.reliability.conftest import StackFactory
from tests.support.api_stack import ApiStack
from tests.support.load.mixed_load import Action, Catalogue, LoadRun, run_load
from tests.support.load.per_worker import WorkerAnswer, ask_each_worker
from tests.support.reliability_report import Report, Scale

VICTIMS = 3
FOCUS_SHARE = 0.2  # of the recommendation requests, for the users to be erased
PROBE_CONNECTIONS = 20


def _served(api: ApiStack, user: int) -> tuple[str, int]:
    """(recommendation strategy, most played artists listed) for ``user``, asked once."""
    with httpx.Client(base_url=api.base, headers=api.headers, timeout=10) as http:
        strategy = http.get(f"/v1/users/{user}/recommendations").json()["strategy"]
        top = http.get(f"/v1/users/{user}/history").json()["top_artists"]
    return strategy, len(top)


def _trained_victims(api: ApiStack, cat: Catalogue) -> list[int]:
    """Users of the served model that it serves from the model and whose top artists it lists."""
    chosen: list[int] = []
    step = max(len(cat.users) // 40, 1)
    for user in cat.users[step::step]:
        strategy, top_artists = _served(api, user)
        if strategy == "model" and top_artists > 0:
            chosen.append(user)
        if len(chosen) == VICTIMS:
            return chosen
    raise AssertionError(f"fewer than {VICTIMS} users served from the model: {chosen}")


def _probe(api: ApiStack, user: int) -> list[WorkerAnswer]:
    paths = [f"/v1/users/{user}/recommendations", f"/v1/users/{user}/history"]
    return ask_each_worker(api.port, api.worker_pids(), paths, api.headers, PROBE_CONNECTIONS)


def _probe_problems(user: int, answers: list[WorkerAnswer], workers: list[int]) -> list[str]:
    """What the direct answers about an erased user show that they must not."""
    problems = []
    missing = sorted(set(workers) - {a.pid for a in answers})
    if missing:
        problems.append(f"{user}: workers {missing} answered none of the probe connections")
    for a in answers:
        if a.status != 200:
            problems.append(f"{user} worker {a.pid} {a.path}: {a.status}")
        elif a.path.endswith("/recommendations") and a.body.get("strategy") == "model":
            problems.append(f"{user} worker {a.pid}: strategy model")
        elif a.path.endswith("/history") and a.body.get("top_artists"):
            problems.append(f"{user} worker {a.pid}: top_artists {len(a.body['top_artists'])}")
    return problems


def _by_worker(answers: list[WorkerAnswer]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for a in answers:
        counts[str(a.pid)] = counts.get(str(a.pid), 0) + 1
    return counts


def _after_erasure(run: LoadRun, user: int, erased_at: float) -> tuple[int, int, int]:
    """(recommendations for ``user`` the load sent after ``erased_at`` and got 200 for, those
    with strategy model, those before it with strategy model)."""
    mine = [o for o in run.outcomes if o.user_id == user and o.status == 200]
    after = [o for o in mine if o.sent is not None and o.sent >= erased_at]
    model_after = sum(1 for o in after if o.strategy == "model")
    model_before = sum(1 for o in mine if o.sent is not None and o.sent < erased_at and o.strategy == "model")
    return len(after), model_after, model_before


def test_erasure_under_load(
    start_stack: StackFactory, catalogue: Catalogue, scale: Scale, report: Report
) -> None:
    api, server = start_stack()
    victims = _trained_victims(api, catalogue)
    deletions: dict[int, dict[str, Any]] = {}
    problems: list[str] = []

    def erase(user: int) -> None:
        sent = time.perf_counter()
        response = httpx.delete(f"{api.base}/v1/users/{user}", headers=api.headers, timeout=15)
        answered = time.perf_counter()
        workers = api.worker_pids()
        answers = _probe(api, user)
        problems.extend(_probe_problems(user, answers, workers))
        deletions[user] = {
            "status": response.status_code,
            "answered_at": answered,
            "latency_ms": round((answered - sent) * 1000, 1),
            "erasure_id": response.json().get("erasure_id") if response.status_code == 202 else None,
            "location": response.headers.get("Location"),
            "probe_answers_by_worker": _by_worker(answers),
        }

    seconds = scale.load_seconds
    actions: list[tuple[float, str, Action]] = [
        (seconds * (0.25 + 0.2 * i), f"erase {user}", partial(erase, user)) for i, user in enumerate(victims)
    ]
    run = run_load(
        api.base,
        catalogue,
        scale.load_rate,
        seconds,
        actions,
        headers=api.headers,
        focus=victims,
        focus_share=FOCUS_SHARE,
    )
    summary = run.summary()
    after_load: dict[str, Any] = {}
    for user, deletion in deletions.items():
        checked, model_after, model_before = _after_erasure(run, user, deletion["answered_at"] - run.origin)
        deletion |= {"load_answers_after": checked, "model_after": model_after, "model_before": model_before}
        if model_after:
            problems.append(f"{user}: {model_after} load responses from the model after the DELETE")
    statuses = {user: d["status"] for user, d in deletions.items()}

    api.stop()
    api.start()
    server.client().flushall()
    restarted_workers = api.worker_pids()
    for user in victims:
        answers = _probe(api, user)
        problems += [
            f"after restart and flush: {p}" for p in _probe_problems(user, answers, restarted_workers)
        ]
        after_load[str(user)] = _by_worker(answers)
    with httpx.Client(base_url=api.base, headers=api.headers, timeout=10) as http:
        stored = {
            user: http.get(d["location"]).status_code if d["location"] else None
            for user, d in deletions.items()
        }

    p99 = summary["latency"].get("p99_ms", float("inf"))
    unchecked = [u for u, d in deletions.items() if not d["load_answers_after"] or not d["model_before"]]
    passed = (
        set(statuses.values()) == {202}
        and len(deletions) == VICTIMS
        and not problems
        and not unchecked
        and summary["5xx"] == 0
        and run.failed() == 0
        and p99 <= scale.p99_bound_ms
        and set(stored.values()) == {200}
    )
    report.record(
        "erasure: DELETE of trained users under mixed load",
        passed,
        **summary,
        users=victims,
        deletions={str(u): {k: v for k, v in d.items() if k != "answered_at"} for u, d in deletions.items()},
        problems=problems[:20],
        probe_after_restart_and_flushall_by_worker=after_load,
        receipts_after_restart=stored,
        failed_bound="none: no process is killed during this load, so every request must be answered",
        p99_bound_ms=scale.p99_bound_ms,
        focus=f"{int(FOCUS_SHARE * 100)}% of recommendation requests for the erased users",
    )
    assert set(statuses.values()) == {202} and len(deletions) == VICTIMS, deletions
    assert not problems, problems
    assert not unchecked, f"the load served these users nothing to check before or after: {deletions}"
    assert summary["5xx"] == 0, summary
    assert run.failed() == 0, f"{run.failed()} of {len(run.outcomes)} failed: {summary}"
    assert p99 <= scale.p99_bound_ms, f"p99 {p99} ms over {scale.p99_bound_ms} ms: {summary}"
    assert set(stored.values()) == {200}, f"receipts after the restart: {stored}"
