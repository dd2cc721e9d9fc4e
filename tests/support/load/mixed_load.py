"""Mixed open-loop traffic against the local stack: the request mix, the run, its summary.

The mix (``MIX``) is drawn over real users, artists and name prefixes of the served model. The
generator is ``tests.support.load.open_loop``'s pool of keep-alive connections (bare asyncio protocols under
uvloop): request ``i`` is due at ``start + i / rate`` and sent then whether or not earlier ones
have answered; its latency runs from that due time, so a stalled server is charged for the
whole queue behind the stall (no coordinated omission). With ``rate * 10`` requests pending
a new one is shed and counted as failed; one unanswered after 15 s is a timeout. Every request
carries the caller's headers (an API key's ``Authorization``); each outcome records when it was
written and, for a recommendation, whose it was and its strategy.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np
import orjson
import pandas as pd
import uvloop

from tests.support.load.open_loop import Answer, Pool, request_bytes, run_to_end
from tunedin_common.contract import MODEL_ITEMS_FILE, MODEL_USERS_FILE, ArtifactStore

MIX = {"recommendations": 0.5, "similar": 0.2, "search": 0.15, "feedback": 0.15}
RSS_BOUND_MIB = 64.0  # the stack's RSS may not grow more than this after the warm-up


@dataclass(frozen=True)
class Catalogue:
    users: list[int]
    artists: list[int]
    prefixes: list[str]

    @staticmethod
    def of(store: ArtifactStore, model_id: str) -> Catalogue:
        directory = store.model_dir(model_id)
        users = pd.read_parquet(directory / MODEL_USERS_FILE)["user_id"].astype(int).tolist()
        items = pd.read_parquet(directory / MODEL_ITEMS_FILE, columns=["artist_id", "name"])
        names = [str(n) for n in items["name"].tolist() if str(n)[:3].strip()]
        prefixes = sorted({n[:3] for n in names})
        return Catalogue(users, items["artist_id"].astype(int).tolist(), prefixes)


@dataclass(frozen=True)
class Req:
    kind: str
    method: str
    path: str
    params: dict[str, str] | None = None
    body: dict[str, Any] | None = None


def traffic(
    cat: Catalogue, n: int, seed: int = 0, focus: list[int] | None = None, focus_share: float = 0.0
) -> list[Req]:
    """``n`` requests of the mix ``MIX`` over real users, artists and name prefixes; with
    ``focus``, that share of the recommendation requests is for those users."""
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    out = []
    for kind in kinds:
        if kind == "recommendations":
            pool = focus if focus and rng.random() < focus_share else cat.users
            out.append(Req(kind, "GET", f"/v1/users/{rng.choice(pool)}/recommendations"))
        elif kind == "similar":
            out.append(Req(kind, "GET", f"/v1/artists/{rng.choice(cat.artists)}/similar", {"k": "20"}))
        elif kind == "search":
            out.append(Req(kind, "GET", "/v1/artists", {"q": rng.choice(cat.prefixes), "limit": "10"}))
        else:
            body = {
                "user_id": rng.choice(cat.users),
                "artist_id": rng.choice(cat.artists),
                "event": rng.choice(("play", "like", "skip")),
            }
            out.append(Req(kind, "POST", "/v1/feedback", body=body))
    return out


@dataclass
class Outcome:
    kind: str
    intended: float  # seconds since the run's start
    latency_s: float  # from the intended send time
    status: int  # 0: no HTTP answer (connection error, timeout, shed)
    model_id: str | None = None
    error: str | None = None
    retry_after: str | None = None
    sent: float | None = None  # seconds since the run's start it was written (None: never sent)
    user_id: int | None = None  # of a recommendation answered 200
    strategy: str | None = None  # ditto: model, history or popular
    retried: bool = False  # a GET whose first connection closed unanswered, sent again


@dataclass
class LoadRun:
    rate: int
    seconds: float
    outcomes: list[Outcome]
    elapsed_s: float
    rss: list[tuple[float, float]]  # (t, MiB)
    marks: dict[str, float] = field(default_factory=dict)  # event name → t
    accepted_feedback: list[dict[str, Any]] = field(default_factory=list)
    origin: float = 0.0  # perf_counter time of the run's start (t = 0 of ``intended`` and ``marks``)

    def statuses(self, kinds: tuple[str, ...] | None = None) -> Counter[int]:
        return Counter(o.status for o in self.outcomes if kinds is None or o.kind in kinds)

    def count_5xx(self) -> int:
        return sum(1 for o in self.outcomes if o.status >= 500)

    def failed(self) -> int:
        """No answer, or an answer other than the one expected of a healthy API (2xx)."""
        return sum(1 for o in self.outcomes if not 200 <= o.status < 300)

    def in_flight_at(self, t: float, slack_s: float = 0.0) -> list[Outcome]:
        """The requests written to a connection by ``t + slack_s`` and not answered before ``t``
        (the ones a process killed at ``t`` may take with it), whatever the run's length. A
        retried request counts from its first try, which was due at ``intended``."""

        def first_write(o: Outcome) -> float | None:
            return o.intended if o.retried else o.sent

        return [
            o
            for o in self.outcomes
            if (w := first_write(o)) is not None and w <= t + slack_s and o.intended + o.latency_s >= t
        ]

    def latency_ms(self, kinds: tuple[str, ...] | None = None) -> dict[str, float]:
        values = [o.latency_s for o in self.outcomes if o.status and (kinds is None or o.kind in kinds)]
        if not values:
            return {}
        ms = np.array(values) * 1000
        return {
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "max_ms": round(float(ms.max()), 2),
        }

    def achieved_rate(self) -> float:
        return round(len(self.outcomes) / self.elapsed_s, 1) if self.elapsed_s else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "target_rate": self.rate,
            "seconds": self.seconds,
            "requests": len(self.outcomes),
            "achieved_rate": self.achieved_rate(),
            "statuses": {str(k): v for k, v in sorted(self.statuses().items())},
            "failed": self.failed(),
            "failed_pct": round(100 * self.failed() / max(len(self.outcomes), 1), 4),
            "5xx": self.count_5xx(),
            "latency": self.latency_ms(),
            "latency_by_kind": {k: self.latency_ms((k,)) for k in MIX},
            "errors": dict(Counter(o.error for o in self.outcomes if o.error).most_common(5)),
            "retried": sum(1 for o in self.outcomes if o.retried),
        }


Action = Callable[[], None]
CONNECTIONS = 128
TIMEOUT_S = 15.0


async def _load(
    host: str,
    port: int,
    requests: list[Req],
    rate: int,
    actions: list[tuple[float, str, Action]],
    rss_probe: Callable[[], float] | None,
    max_pending: int,
    headers: dict[str, str],
) -> LoadRun:
    outcomes: list[Outcome] = []
    accepted: list[dict[str, Any]] = []
    rss: list[tuple[float, float]] = []
    marks: dict[str, float] = {}
    raw = [
        request_bytes(
            req.method,
            f"{req.path}?{urlencode(req.params)}" if req.params else req.path,
            orjson.dumps(req.body) if req.body is not None else None,
            headers,
        )
        for req in requests
    ]
    pool = Pool(host, port, CONNECTIONS, TIMEOUT_S, max_pending)
    await pool.open()
    start = time.perf_counter() + 0.2

    def done(i: int, answer: Answer) -> None:
        req = requests[i]
        model_id = user_id = strategy = None
        if answer.status == 200 and req.kind in ("recommendations", "similar"):
            payload = orjson.loads(answer.body)
            model_id = payload.get("model_id")
            if req.kind == "recommendations":
                user_id, strategy = payload.get("user_id"), payload.get("strategy")
        outcomes.append(
            Outcome(
                req.kind,
                answer.intended - start,
                answer.latency_s if answer.error != "shed" else 0.0,
                answer.status,
                model_id,
                answer.error,
                answer.header(b"retry-after"),
                answer.sent - start if answer.sent is not None else None,
                user_id,
                strategy,
                answer.retried,
            )
        )
        if answer.status == 202 and req.body is not None:
            accepted.append(req.body)

    async def sample_rss() -> None:
        assert rss_probe is not None
        while True:
            rss.append((time.perf_counter() - start, await asyncio.to_thread(rss_probe)))
            await asyncio.sleep(1.0)

    async def run_actions() -> None:
        for at, name, action in sorted(actions, key=lambda a: a[0]):
            delay = start + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            marks[name] = time.perf_counter() - start
            await asyncio.to_thread(action)
            marks[f"{name}:done"] = time.perf_counter() - start

    sampler = asyncio.create_task(sample_rss()) if rss_probe else None
    actor = asyncio.create_task(run_actions())
    elapsed = await run_to_end(pool, raw, rate, done, start, timeout_s=TIMEOUT_S + 15)
    await actor
    if sampler is not None:
        sampler.cancel()
    await pool.close()
    return LoadRun(rate, len(requests) / rate, outcomes, elapsed, rss, marks, accepted, start)


def run_load(
    base: str,
    cat: Catalogue,
    rate: int,
    seconds: float,
    actions: list[tuple[float, str, Action]] | None = None,
    rss_probe: Callable[[], float] | None = None,
    seed: int = 0,
    *,
    headers: dict[str, str],
    focus: list[int] | None = None,
    focus_share: float = 0.0,
) -> LoadRun:
    """Open-loop mixed traffic at ``rate`` requests/s for ``seconds``, every request with
    ``headers`` (the API key's ``Authorization``); ``actions`` run at their offsets; ``focus``
    and ``focus_share`` as in ``traffic``."""
    requests = traffic(cat, int(rate * seconds), seed, focus, focus_share)
    url = urlsplit(base)
    assert url.hostname is not None and url.port is not None, f"{base} names no host and port"
    load = _load(url.hostname, url.port, requests, rate, actions or [], rss_probe, rate * 10, headers)
    return uvloop.run(load)


def rss_growth(samples: list[tuple[float, float]], warmup_s: float) -> dict[str, float]:
    """RSS after the warm-up vs at the end (medians of 5 samples), and the peak."""
    after = [mib for t, mib in samples if t >= warmup_s]
    if len(after) < 4:
        raise AssertionError(f"too few RSS samples after the warm-up: {samples}")
    first = float(np.median(after[:5]))
    last = float(np.median(after[-5:]))
    return {
        "warm_mib": round(first, 1),
        "end_mib": round(last, 1),
        "peak_mib": round(max(after), 1),
        "growth_mib": round(last - first, 1),
        "bound_mib": RSS_BOUND_MIB,
    }
