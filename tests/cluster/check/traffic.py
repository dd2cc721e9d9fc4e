"""A bounded request loop through the ingress, run beside a disruption (upgrade, rollout,
deleted pod) to count the requests that failed. Bounded in count and time; stops by itself."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass
class LoopResult:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # transport errors and non-200 answers
    model_ids: Counter[str] = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return self.sent - self.statuses[200]

    def summary(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "statuses": dict(self.statuses),
            "errors": self.errors[:10],
            "model_ids": dict(self.model_ids),
        }


class RequestLoop:
    """Send METHOD to each of URLS in turn (with BODY as JSON) at about RATE requests per second
    from one thread until stopped, at most MAX_REQUESTS or MAX_SECONDS."""

    def __init__(
        self,
        urls: str | list[str],
        rate: float = 20.0,
        max_requests: int = 20000,
        max_seconds: float = 900,
        method: str = "GET",
        body: dict[str, object] | None = None,
    ) -> None:
        self.urls = [urls] if isinstance(urls, str) else urls
        self.method = method
        self.body = body
        self.interval = 1.0 / rate
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.result = LoopResult()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="request-loop", daemon=True)

    def __enter__(self) -> RequestLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> LoopResult:
        self._stop.set()
        self._thread.join(timeout=30)
        return self.result

    def _run(self) -> None:
        started = time.monotonic()
        with httpx.Client(timeout=10.0) as client:
            while not self._stop.is_set() and self.result.sent < self.max_requests:
                if time.monotonic() - started > self.max_seconds:
                    break
                t0 = time.monotonic()
                self.result.sent += 1
                try:
                    response = client.request(
                        self.method, self.urls[self.result.sent % len(self.urls)], json=self.body
                    )
                    self.result.statuses[response.status_code] += 1
                    if response.status_code == 200 and self.method == "GET":
                        self.result.model_ids[str(response.json().get("model_id"))] += 1
                    else:
                        self.result.errors.append(f"{response.status_code}: {response.text[:200]}")
                except httpx.HTTPError as err:
                    self.result.errors.append(f"{type(err).__name__}: {err}")
                self._stop.wait(max(0.0, self.interval - (time.monotonic() - t0)))
