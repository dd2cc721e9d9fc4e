"""Render the chart as `helm upgrade` would over a release whose Secrets already exist: a local
stand-in for the Kubernetes API answers what helm's ``lookup`` asks (discovery of the core group
and GET of a Secret in the release namespace, 404 for any other), and ``helm template
--dry-run=server`` renders against it through a kubeconfig naming it."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from tests.chart.support import NAMESPACE, Obj, offline_chart, template_args, tool

_CORE_RESOURCES = {
    "kind": "APIResourceList",
    "groupVersion": "v1",
    "resources": [
        {"name": "secrets", "singularName": "secret", "namespaced": True, "kind": "Secret", "verbs": ["get"]}
    ],
}
_NOT_FOUND = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}


def _handler(secrets: dict[str, Obj], asked: list[str]) -> type[BaseHTTPRequestHandler]:
    prefix = f"/api/v1/namespaces/{NAMESPACE}/secrets/"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/version":
                self._send(200, {"major": "1", "minor": "34", "gitVersion": "v1.34.4"})
            elif path == "/api":
                self._send(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
            elif path == "/apis":
                self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
            elif path == "/api/v1":
                self._send(200, _CORE_RESOURCES)
            elif path.startswith(prefix):
                name = path.removeprefix(prefix)
                asked.append(name)
                self._send(200, secrets[name]) if name in secrets else self._send(404, _NOT_FOUND)
            else:
                self._send(404, _NOT_FOUND)

        def _send(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    return Handler


@contextmanager
def cluster_with(secrets: list[Obj]) -> Iterator[tuple[Path, list[str]]]:
    """A kubeconfig for a stand-in API serving SECRETS, and the list of Secret names helm asked for."""
    asked: list[str] = []
    served = {
        s["metadata"]["name"]: {**s, "metadata": {**s["metadata"], "namespace": NAMESPACE}} for s in secrets
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served, asked))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with tempfile.TemporaryDirectory(prefix="tunedin-lookup-") as tmp:
            kubeconfig = Path(tmp) / "kubeconfig"
            kubeconfig.write_text(
                yaml.safe_dump(
                    {
                        "apiVersion": "v1",
                        "kind": "Config",
                        "clusters": [
                            {
                                "name": "stand-in",
                                "cluster": {"server": f"http://127.0.0.1:{server.server_address[1]}"},
                            }
                        ],
                        "users": [{"name": "stand-in", "user": {}}],
                        "contexts": [
                            {"name": "stand-in", "context": {"cluster": "stand-in", "user": "stand-in"}}
                        ],
                        "current-context": "stand-in",
                    }
                ),
                encoding="utf-8",
            )
            yield kubeconfig, asked
    finally:
        server.shutdown()
        server.server_close()


def render_over(secrets: list[Obj], sets: tuple[str, ...] = ()) -> tuple[tuple[Obj, ...], list[str]]:
    """What an upgrade renders when the cluster holds SECRETS; and the Secrets helm looked up."""
    with cluster_with(secrets) as (kubeconfig, asked):
        env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "HELM_CACHE_HOME": str(offline_chart().parent / ".helm-cache"),
        }
        result = subprocess.run(
            [tool("helm"), *template_args(sets=sets), "--dry-run=server"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return tuple(d for d in yaml.safe_load_all(result.stdout) if d), list(asked)
