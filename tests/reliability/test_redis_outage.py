"""Redis stopped under load, then started again: degrade, refuse writes with 503, reconnect,
recover the cache, and lose none of the feedback that was accepted with 202."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import httpx
import orjson

from tests.reliability.conftest import StackFactory
from tests.support.api_stack import PSEUDONYM_KEY, cache_hit_ratio, scrape
from tests.support.load.mixed_load import Catalogue, run_load
from tests.support.reliability_report import Report, Scale
from tunedin_api.store import keys

READS = ("recommendations", "similar", "search")


def test_redis_stopped_and_restarted_under_load(
    start_stack: StackFactory, catalogue: Catalogue, scale: Scale, report: Report
) -> None:
    # A small in-process LRU sends lookups on to Redis, so its hit ratio means something.
    api, server = start_stack(TUNEDIN_USER_CACHE_SIZE="50", TUNEDIN_HISTORY_LENGTH="1000")
    stop_at = 5.0 if scale.name == "short" else 10.0
    restart_at = stop_at + scale.redis_down_s
    seconds = restart_at + (8.0 if scale.name == "short" else 20.0)
    snapshots: dict[str, dict[str, float]] = {}
    reconnect: dict[str, float | None] = {}

    def snap(name: str) -> None:
        snapshots[name] = scrape(api.base)

    def restart() -> None:
        started = time.monotonic()
        server.start()
        reconnect["redis_started_s"] = time.monotonic() - started
        deadline = time.monotonic() + 15
        reconnect["api_up_s"] = None
        while time.monotonic() < deadline:  # both workers answer: ask a few times
            answers = [httpx.get(f"{api.base}/readyz", timeout=2).json() for _ in range(4)]
            if all(a["details"]["redis"] == "up" for a in answers):
                reconnect["api_up_s"] = time.monotonic() - started
                return
            time.sleep(0.05)

    recovered_from = restart_at + 4.0
    run = run_load(
        api.base,
        catalogue,
        scale.fault_rate,
        seconds,
        [
            (2.0, "warm", lambda: snap("warm")),
            (stop_at - 0.05, "before", lambda: snap("before")),
            (stop_at, "stop redis", server.stop),
            (restart_at, "restart redis", restart),
            (recovered_from, "recovered", lambda: snap("recovered")),
            (seconds - 0.05, "end", lambda: snap("end")),
        ],
        headers=api.headers,
    )
    down_from, down_to = run.marks["stop redis"] + 0.5, run.marks["restart redis"]
    during = [o for o in run.outcomes if down_from <= o.intended <= down_to]
    reads_during = Counter(o.status for o in during if o.kind in READS)
    writes_during = Counter(o.status for o in during if o.kind == "feedback")
    refused = [o for o in run.outcomes if o.kind == "feedback" and o.status == 503]
    late = [o for o in run.outcomes if o.intended >= recovered_from]
    late_failures = sum(1 for o in late if not 200 <= o.status < 300)
    bad_reads = sum(1 for o in run.outcomes if o.kind in READS and o.status != 200)
    bad_writes = sum(1 for o in run.outcomes if o.kind == "feedback" and o.status not in (202, 503))
    ratio_before = cache_hit_ratio(snapshots["warm"], snapshots["before"])
    ratio_after = cache_hit_ratio(snapshots["recovered"], snapshots["end"])
    lost = _lost_feedback(server.client(), run.accepted_feedback)
    recovered = ratio_before is not None and ratio_after is not None and ratio_after >= 0.9 * ratio_before
    passed = (
        bad_reads == 0
        and bad_writes == 0
        and writes_during.get(503, 0) > 0
        and all(o.retry_after for o in refused)
        and reconnect.get("api_up_s") is not None
        and late_failures == 0
        and recovered
        and not lost["missing_in_stream"]
        and not lost["missing_in_history"]
    )
    report.record(
        "fault: Redis stopped under load and restarted",
        passed,
        **run.summary(),
        redis_down_s=round(down_to - run.marks["stop redis"], 2),
        reads_during_outage=dict(reads_during),
        writes_during_outage=dict(writes_during),
        writes_503_without_retry_after=sum(1 for o in refused if not o.retry_after),
        reconnect=reconnect,
        failures_after_recovery=late_failures,
        failures_after_recovery_first=[
            (o.kind, round(o.intended - down_to, 3), o.status, o.error)
            for o in late
            if not 200 <= o.status < 300
        ][:10],
        cache_hit_ratio_before=ratio_before,
        cache_hit_ratio_after=ratio_after,
        feedback_accepted=len(run.accepted_feedback),
        feedback_lost=lost,
    )
    assert bad_reads == 0, f"reads not answered 200: {run.statuses(READS)}"
    assert bad_writes == 0, f"writes answered other than 202/503: {run.statuses(('feedback',))}"
    assert writes_during.get(503, 0) > 0, f"no write was refused while Redis was down: {writes_during}"
    assert all(o.retry_after for o in refused), "a 503 came without Retry-After"
    assert reconnect.get("api_up_s") is not None, f"the API did not reconnect: {reconnect}"
    assert late_failures == 0, f"{late_failures} failures after Redis was back"
    assert recovered, f"cache hit ratio {ratio_before} before, {ratio_after} after"
    assert not lost["missing_in_stream"] and not lost["missing_in_history"], lost


def _lost_feedback(client: Any, accepted: list[dict[str, Any]]) -> dict[str, Any]:
    """Accepted (202) events that are in neither the anonymised stream nor the user's history."""
    wanted = Counter((e["user_id"], e["artist_id"], e["event"]) for e in accepted)
    pseudonyms = {u: keys.pseudonym(PSEUDONYM_KEY.encode(), u) for u, _, _ in wanted}
    by_pseudonym = {p: u for u, p in pseudonyms.items()}
    stream: Counter[tuple[int, int, str]] = Counter()
    for _, fields in client.xrange(keys.FEEDBACK_STREAM):
        user = by_pseudonym.get(fields[b"user"].decode())
        if user is not None:
            stream[(user, int(fields[b"artist"]), fields[b"event"].decode())] += 1
    history: Counter[tuple[int, int, str]] = Counter()
    for user in pseudonyms:
        for raw in client.lrange(keys.history(user), 0, -1):
            entry = orjson.loads(raw)
            history[(user, int(entry["a"]), entry["e"])] += 1
    missing_stream = {str(k): n - stream[k] for k, n in wanted.items() if stream[k] < n}
    missing_history = {str(k): n - history[k] for k, n in wanted.items() if history[k] < n}
    return {
        "missing_in_stream": dict(list(missing_stream.items())[:20]),
        "missing_in_history": dict(list(missing_history.items())[:20]),
    }
