"""Sustained mixed load, a worker SIGKILLed under load, and models published under load."""

from __future__ import annotations

import os
import signal
import time

import httpx

from tests.reliability.conftest import StackFactory
from tests.support.api_stack import ApiStack, metric, scrape
from tests.support.load.mixed_load import Catalogue, rss_growth, run_load
from tests.support.reliability_report import Report, Scale
from tests.support.stores import clone_model, corrupt_model, point_current
from tunedin_common.contract import ArtifactStore

RATE_TOLERANCE = 0.97  # the generator must really have offered the asked rate
# From the "kill" mark to the SIGKILL itself (finding the victim's pid): a request written in that
# time was in flight at the kill too.
KILL_SLACK_S = 0.25


def test_sustained_mixed_load(
    start_stack: StackFactory, catalogue: Catalogue, scale: Scale, report: Report
) -> None:
    api, _ = start_stack()
    warmup = min(10.0, scale.load_seconds / 4)
    run = run_load(
        api.base,
        catalogue,
        scale.load_rate,
        scale.load_seconds,
        rss_probe=api.rss_mib,
        headers=api.headers,
    )
    summary = run.summary()
    memory = rss_growth(run.rss, warmup)
    bound = scale.p99_bound_ms
    p99 = summary["latency"].get("p99_ms", float("inf"))
    held_rate = run.achieved_rate() >= RATE_TOLERANCE * scale.load_rate
    passed = (
        summary["5xx"] == 0
        and summary["failed"] == 0
        and held_rate
        and p99 <= bound
        and memory["growth_mib"] <= memory["bound_mib"]
    )
    report.record(
        "load: mixed traffic",
        passed,
        **summary,
        p99_bound_ms=bound,
        memory=memory,
        mix="50% recommendations, 20% similar, 15% search, 15% feedback",
    )
    assert summary["5xx"] == 0, summary
    assert summary["failed"] == 0, summary
    assert held_rate, f"offered {run.achieved_rate()}/s, asked {scale.load_rate}/s: {summary}"
    assert p99 <= bound, f"p99 {p99} ms over {bound} ms at {scale.load_rate}/s: {summary}"
    assert memory["growth_mib"] <= memory["bound_mib"], memory


def _replaced(api: ApiStack, killed: int, timeout_s: float = 30.0) -> float | None:
    """Seconds until the master has two live workers again, none of them ``killed``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        pids = api.worker_pids()
        if len(pids) == 2 and killed not in pids:
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def test_worker_sigkill_under_load(
    start_stack: StackFactory, catalogue: Catalogue, scale: Scale, report: Report
) -> None:
    api, _ = start_stack()
    before = api.worker_pids()
    killed: list[int] = []
    replaced: list[float | None] = []

    def kill_worker() -> None:
        victim = api.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        replaced.append(_replaced(api, victim))

    run = run_load(
        api.base,
        catalogue,
        scale.fault_rate,
        scale.fault_seconds,
        [(scale.fault_seconds / 3, "kill", kill_worker)],
        headers=api.headers,
    )
    summary = run.summary()
    kill_at = run.marks["kill"]
    in_flight = run.in_flight_at(kill_at, KILL_SLACK_S)
    in_flight_ids = {id(o) for o in in_flight}
    failures = [o for o in run.outcomes if not 200 <= o.status < 300]
    lost_in_flight = [o for o in failures if id(o) in in_flight_ids]
    other_failures = [o for o in failures if id(o) not in in_flight_ids]
    after = api.worker_pids()
    ready = httpx.get(f"{api.base}/readyz", timeout=5).status_code
    passed = not other_failures and replaced[0] is not None and summary["5xx"] == 0 and ready == 200
    report.record(
        "fault: gunicorn worker SIGKILLed under load",
        passed,
        **summary,
        killed_pid=killed[0],
        workers_before=before,
        workers_after=after,
        replaced_after_s=replaced[0],
        in_flight_at_kill=len(in_flight),
        lost_in_flight=len(lost_in_flight),
        failed_otherwise=len(other_failures),
        bound="only requests in flight at the kill may fail (GETs retried once on a new connection)",
        failures_from_kill_s=[
            (
                round((o.sent if o.sent is not None else o.intended) - kill_at, 3),
                o.kind,
                o.status,
                o.error,
                o.retried,
            )
            for o in failures
        ][:20],
    )
    assert replaced[0] is not None, f"the master did not replace worker {killed[0]}: {after}"
    assert not other_failures, (
        f"{len(other_failures)} requests not in flight at the kill failed: "
        f"{[(o.kind, o.status, o.error) for o in other_failures[:10]]}"
    )
    assert summary["5xx"] == 0, summary
    assert ready == 200


def test_models_published_under_load(
    start_stack: StackFactory, store: ArtifactStore, catalogue: Catalogue, scale: Scale, report: Report
) -> None:
    old = store.read_current()
    assert old is not None
    new = clone_model(store, old)
    broken = corrupt_model(store, old)
    api, _ = start_stack()
    failures_before = metric(scrape(api.base), "tunedin_model_load_failures_total")
    third = scale.fault_seconds / 3
    run = run_load(
        api.base,
        catalogue,
        scale.fault_rate,
        scale.fault_seconds,
        [
            (third, "publish new", lambda: store.write_current(new)),
            (2 * third, "publish corrupt", lambda: point_current(store, broken)),
        ],
        headers=api.headers,
    )
    summary = run.summary()
    switch = run.marks["publish new"]
    corrupt = run.marks["publish corrupt"]
    carrying = [o for o in run.outcomes if o.model_id is not None]
    first_new = min((o.intended for o in carrying if o.model_id == new), default=None)
    last_old = max((o.intended for o in carrying if o.model_id == old), default=None)
    # The switch is done when the last response from the old model was sent; after it, every
    # response (also after the corrupt model was published) must carry the new id.
    after_switch = [o for o in carrying if last_old is not None and o.intended > last_old]
    wrong_after = sum(1 for o in after_switch if o.model_id != new)
    after_corrupt = [o for o in carrying if o.intended > corrupt + 2.0]
    served_broken = sum(1 for o in carrying if o.model_id == broken)
    scraped = scrape(api.base)
    refused = metric(scraped, "tunedin_model_load_failures_total") - failures_before
    ready = httpx.get(f"{api.base}/readyz", timeout=5)
    served = httpx.get(f"{api.base}/v1/model", headers=api.headers, timeout=5).json()["model_id"]
    window = (last_old - switch) if last_old is not None else None
    passed = (
        run.failed() == 0
        and first_new is not None
        and last_old is not None
        and window is not None
        and window < 10.0
        and wrong_after == 0
        and served_broken == 0
        and bool(after_corrupt)
        and all(o.model_id == new for o in after_corrupt)
        and refused >= 2
        and ready.status_code == 200
        and served == new
    )
    report.record(
        "fault: new and corrupt model published under load",
        passed,
        **summary,
        old_model=old,
        new_model=new,
        corrupt_model=broken,
        switch_window_s=round(window, 3) if window is not None else None,
        responses_after_switch=len(after_switch),
        wrong_model_after_switch=wrong_after,
        responses_after_corrupt=len(after_corrupt),
        served_corrupt=served_broken,
        load_failures_counted=refused,
        readyz_details=ready.json().get("details"),
    )
    assert run.failed() == 0, summary
    assert first_new is not None and last_old is not None, "the new model was never served"
    assert window is not None and window < 10.0, f"old model served {window} s after publishing"
    assert wrong_after == 0, f"{wrong_after} responses after the switch carried another model id"
    assert served_broken == 0 and after_corrupt and all(o.model_id == new for o in after_corrupt)
    assert refused >= 2, f"tunedin_model_load_failures_total rose by {refused} (2 workers)"
    assert ready.status_code == 200 and served == new
