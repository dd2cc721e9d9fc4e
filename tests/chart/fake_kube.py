"""A small local stand-in for the Kubernetes API the pipeline orchestration calls, over real HTTP.

It serves one namespace: GET of ConfigMaps; create (strictly schema-validated, at the oldest and
newest Kubernetes the chart supports), get, list by label selector and delete of Jobs. Like the
API server it assigns uids and creation times and refuses a duplicate name; like the garbage
collector it deletes, with an object, every object whose ownerReferences name its uid.

Time only moves when the code under test sleeps (``tick``): each tick advances every Job one
step through its script of states ("active", "succeeded", "failed"); the last state stays.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import kubernetes_validate  # type: ignore[import-untyped]
from kubernetes import client

from tests.chart.support import KUBE_VERSIONS, NAMESPACE
from tunedin_trainer.orchestration.kube import Cluster

Obj = dict[str, Any]
JOBS = f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs"
CONFIG_MAPS = f"/api/v1/namespaces/{NAMESPACE}/configmaps"
EPOCH = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
COMPONENT = "app.kubernetes.io/component"


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class FakeKube:
    """The objects, the Jobs' scripts, and every request in order (``calls``)."""

    # States a newly created Job goes through, by its component label; default: stays active.
    scripts: dict[str, list[str]] = field(default_factory=dict)
    objects: dict[tuple[str, str], Obj] = field(default_factory=dict)
    states: dict[str, list[str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    created_at_tick: dict[str, int] = field(default_factory=dict)
    ticks: int = 0
    _uids: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- the world
    def tick(self, _seconds: float = 0) -> None:
        with self._lock:
            self.ticks += 1
            for steps in self.states.values():
                if len(steps) > 1:
                    steps.pop(0)

    def add(self, obj: Obj, states: list[str] | None = None, age_s: int = 0) -> Obj:
        """Store an object as the API server would (uid, creation time ``age_s`` before now)."""
        meta = obj["metadata"]
        self._uids += 1
        meta["uid"] = f"uid-{self._uids:04d}-{meta['name']}"
        meta["namespace"] = NAMESPACE
        meta["creationTimestamp"] = _stamp(EPOCH + timedelta(seconds=self.ticks * 10 + self._uids - age_s))
        self.objects[(obj["kind"], meta["name"])] = obj
        if obj["kind"] == "Job":
            component = meta.get("labels", {}).get(COMPONENT, "")
            self.states[meta["name"]] = list(states or self.scripts.get(component, ["active"]))
            self.created_at_tick[meta["name"]] = self.ticks
        return obj

    def jobs(self) -> dict[str, Obj]:
        return {name: self._with_status(obj) for (kind, name), obj in self.objects.items() if kind == "Job"}

    def delete(self, kind: str, name: str) -> None:
        """Delete an object and, like the garbage collector, everything it owns (transitively)."""
        obj = self.objects.pop((kind, name))
        self.states.pop(name, None)
        uid = obj["metadata"]["uid"]
        for key, other in list(self.objects.items()):
            if key in self.objects and any(
                r["uid"] == uid for r in other["metadata"].get("ownerReferences", [])
            ):
                self.delete(*key)

    def _with_status(self, job: Obj) -> Obj:
        state = self.states[job["metadata"]["name"]][0]
        status: Obj = {"active": 1} if state == "active" else {}
        if state == "succeeded":
            status = {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
        elif state == "failed":
            status = {
                "failed": 1,
                "conditions": [
                    {
                        "type": "Failed",
                        "status": "True",
                        "reason": "BackoffLimitExceeded",
                        "message": "Job has reached the specified backoff limit",
                    }
                ],
            }
        return {"apiVersion": "batch/v1", "kind": "Job", **job, "status": status}

    # ---- the API
    def answer(self, method: str, target: str, body: Obj | None) -> tuple[int, Obj]:
        self.calls.append(f"{method} {target}")
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        try:
            with self._lock:
                return self._route(method, url.path, query, body)
        except ApiError as err:
            return err.code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": err.code,
                              "message": str(err)}  # fmt: skip

    def _route(self, method: str, path: str, query: dict[str, str], body: Obj | None) -> tuple[int, Obj]:
        if path.startswith(CONFIG_MAPS + "/") and method == "GET":
            return 200, self._get("ConfigMap", path.removeprefix(CONFIG_MAPS + "/"))
        if path == JOBS and method == "GET":
            selected = [j for j in self.jobs().values() if _matches(j, query.get("labelSelector", ""))]
            return 200, {"apiVersion": "batch/v1", "kind": "JobList", "metadata": {}, "items": selected}
        if path == JOBS and method == "POST":
            assert body is not None
            return 201, self._create(body)
        if path.startswith(JOBS + "/"):
            name = path.removeprefix(JOBS + "/")
            if method == "GET":
                return 200, self._get("Job", name)
            if method == "DELETE":
                if query.get("propagationPolicy") != "Background":
                    raise ApiError(400, "the orchestration deletes with propagationPolicy=Background")
                self._get("Job", name)
                self.delete("Job", name)
                return 200, {"kind": "Status", "apiVersion": "v1", "status": "Success"}
        raise ApiError(404, f"{method} {path} is not served")

    def _get(self, kind: str, name: str) -> Obj:
        obj = self.objects.get((kind, name))
        if obj is None:
            raise ApiError(404, f'{kind.lower()}s "{name}" not found')
        return self._with_status(obj) if kind == "Job" else obj

    def _create(self, body: Obj) -> Obj:
        for version in KUBE_VERSIONS:
            kubernetes_validate.validate(body, version, strict=True)
        name = body["metadata"]["name"]
        if ("Job", name) in self.objects:
            raise ApiError(409, f'jobs.batch "{name}" already exists')
        if body["metadata"].get("namespace", NAMESPACE) != NAMESPACE:
            raise ApiError(400, "the namespace of the body does not match that of the request")
        for ref in body["metadata"].get("ownerReferences", []):
            owner = self.objects.get((ref["kind"], ref["name"]))
            if owner is None or owner["metadata"]["uid"] != ref["uid"]:
                raise ApiError(422, f"ownerReference to a {ref['kind']} that does not exist: {ref}")
        return self._with_status(self.add(json.loads(json.dumps(body))))

    # ---- serving
    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on a free loopback port; yields the base URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw and self.command == "POST" else None
                code, reply = fake.answer(self.command, self.path, body)
                data = json.dumps(reply).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()

    @contextmanager
    def cluster(self) -> Iterator[Cluster]:
        """The orchestration's own ``Cluster`` on the real kubernetes client, pointed at this fake."""
        with self.serve() as url:
            api = client.ApiClient(client.Configuration(host=url))
            yield Cluster(client.CoreV1Api(api), client.BatchV1Api(api), NAMESPACE)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _matches(job: Obj, selector: str) -> bool:
    labels = job["metadata"].get("labels", {})
    for term in filter(None, selector.split(",")):
        key, eq, value = term.partition("=")
        if not eq and key not in labels:
            return False
        if eq and labels.get(key) != value:
            return False
    return True
