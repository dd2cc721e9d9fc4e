"""The retraining orchestrator against a small local fake of the Jobs API it calls, and the
Jobs it builds against the strict Kubernetes schema (the chart's rendered Job specs)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from kubernetes import client

from tests.chart.support import by_kind, render
from tunedin_trainer.errors import PipelineError
from tunedin_trainer.orchestration.jobs import BatchApi, run_pipeline

PREFIX = "/apis/batch/v1/namespaces/music/jobs"


class FakeJobs:
    """Jobs by name; each read advances a Job one step through its scripted outcome."""

    def __init__(self, outcomes: dict[str, list[str]]) -> None:
        self.outcomes = outcomes  # job short name ("train", "index") → condition per read
        self.jobs: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                fake.calls.append(f"POST {self.path}")
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != PREFIX:
                    return self._send(404, {"kind": "Status", "code": 404})
                kubernetes_validate.validate(body, "1.32", strict=True)
                fake.jobs[body["metadata"]["name"]] = body
                return self._send(201, body)

            def do_GET(self) -> None:
                fake.calls.append(f"GET {self.path}")
                name = self.path.removeprefix(PREFIX + "/")
                job = fake.jobs.get(name)
                if job is None:
                    return self._send(404, {"kind": "Status", "code": 404})
                short = name.split("-")[-2]
                steps = fake.outcomes[short]
                state = steps.pop(0) if len(steps) > 1 else steps[0]
                status: dict[str, Any] = {"active": 1} if state == "running" else {}
                if state in ("Complete", "Failed"):
                    cond = {"type": state, "status": "True"}
                    if state == "Failed":
                        cond |= {
                            "reason": "BackoffLimitExceeded",
                            "message": "Job has reached the specified backoff limit",
                        }
                    status["conditions"] = [cond]
                return self._send(200, {**job, "status": status})

            def do_DELETE(self) -> None:
                fake.calls.append(f"DELETE {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if "propagationPolicy=Background" not in self.path:
                    return self._send(400, {"kind": "Status", "code": 400})
                fake.jobs.pop(self.path.split("?")[0].removeprefix(PREFIX + "/"), None)
                return self._send(200, {"kind": "Status", "status": "Success"})

        return Handler


@pytest.fixture
def jobs_dir(tmp_path: Path) -> Path:
    [cm] = [c for c in by_kind(render(), "ConfigMap") if c["metadata"]["name"].endswith("-retrain-jobs")]
    for key, text in cm["data"].items():
        (tmp_path / key).write_text(text, encoding="utf-8")
    return tmp_path


def _serve(fake: FakeJobs) -> Iterator[BatchApi]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = client.Configuration(host=f"http://127.0.0.1:{server.server_port}")
    api: BatchApi = client.BatchV1Api(client.ApiClient(config))
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def _run(fake: FakeJobs, jobs_dir: Path, timeout_s: float = 100) -> list[str]:
    ticks = iter(range(10_000))
    for api in _serve(fake):
        results = run_pipeline(
            api,
            "music",
            jobs_dir,
            "tunedin",
            timeout_s,
            1,
            now=lambda: datetime(2026, 3, 1, 3, 0, tzinfo=UTC),
            clock=lambda: float(next(ticks)),
            sleep=lambda _s: None,
        )
        return [r.name for r in results]
    raise AssertionError("unreachable")


def test_runs_train_then_index_and_builds_valid_jobs(jobs_dir: Path) -> None:
    fake = FakeJobs({"train": ["running", "running", "Complete"], "index": ["running", "Complete"]})
    names = _run(fake, jobs_dir)
    assert names == ["tunedin-train-20260301030000", "tunedin-index-20260301030000"]
    posts = [c for c in fake.calls if c.startswith("POST")]
    assert len(posts) == 2
    # The index Job is created only after the train Job reported Complete.
    first_index_post = fake.calls.index(f"POST {PREFIX}")
    assert fake.calls.index(f"POST {PREFIX}", first_index_post + 1) > fake.calls.index(
        f"GET {PREFIX}/tunedin-train-20260301030000"
    )
    train = fake.jobs["tunedin-train-20260301030000"]
    assert "jobs.train" in train["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert train["metadata"]["labels"]["app.kubernetes.io/component"] == "prepare-train"
    index = fake.jobs["tunedin-index-20260301030000"]["spec"]["template"]["spec"]
    assert index["initContainers"][0]["command"][-1] == "wait-for-model"


def test_a_failed_train_job_stops_the_run(jobs_dir: Path) -> None:
    fake = FakeJobs({"train": ["running", "Failed"], "index": ["Complete"]})
    with pytest.raises(
        PipelineError, match=r"tunedin-train-\d+ \(prepare-train\) failed: BackoffLimitExceeded"
    ):
        _run(fake, jobs_dir)
    assert list(fake.jobs) == ["tunedin-train-20260301030000"]


def test_a_timeout_deletes_the_job_and_fails(jobs_dir: Path) -> None:
    fake = FakeJobs({"train": ["Complete"], "index": ["running"]})
    with pytest.raises(PipelineError, match="did not finish before the timeout"):
        _run(fake, jobs_dir, timeout_s=5)
    deletes = [c for c in fake.calls if c.startswith("DELETE")]
    assert deletes == [f"DELETE {PREFIX}/tunedin-index-20260301030000?propagationPolicy=Background"]


def test_a_bad_spec_fails_before_creating_anything(tmp_path: Path) -> None:
    (tmp_path / "prepare-train.yaml").write_text(yaml.safe_dump({"backoffLimit": 1}), encoding="utf-8")
    fake = FakeJobs({"train": ["Complete"], "index": ["Complete"]})
    with pytest.raises(PipelineError, match=r"no pod template|cannot read"):
        _run(fake, tmp_path)
    assert not fake.calls
