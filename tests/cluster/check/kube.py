"""kubectl and helm against the cluster the current kubeconfig names, with timeouts and errors
that say which command failed."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import polling


def tool(name: str) -> str:
    """The binary of NAME: $KUBECTL / $HELM, else the one on PATH."""
    path = os.environ.get(name.upper()) or shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} not found: set ${name.upper()} or put it on PATH")
    return path


@dataclass
class Cluster:
    """One release of the chart in one namespace."""

    namespace: str
    release: str
    kubectl_bin: str = field(default_factory=lambda: tool("kubectl"))
    helm_bin: str = field(default_factory=lambda: tool("helm"))

    def run(self, argv: list[str], timeout: float = 120, check: bool = True, stdin: str | None = None) -> str:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=stdin)
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr.strip()}\n{proc.stdout[-2000:]}"
            )
        return proc.stdout

    def kubectl(self, *args: str, timeout: float = 120, check: bool = True, stdin: str | None = None) -> str:
        return self.run([self.kubectl_bin, "-n", self.namespace, *args], timeout, check, stdin)

    def helm(self, *args: str, timeout: float = 1800) -> str:
        return self.run([self.helm_bin, "--namespace", self.namespace, *args], timeout)

    def get(self, kind: str, selector: str | None = None) -> list[dict[str, Any]]:
        args = ["get", kind, "-o", "json"] + (["-l", selector] if selector else [])
        return list(json.loads(self.kubectl(*args))["items"])

    def get_one(self, kind: str, name: str) -> dict[str, Any] | None:
        out = self.kubectl("get", kind, name, "-o", "json", "--ignore-not-found")
        return json.loads(out) if out.strip() else None

    @property
    def instance(self) -> str:
        return f"app.kubernetes.io/instance={self.release}"

    def fullname(self) -> str:
        return self.release if "tunedin" in self.release else f"{self.release}-tunedin"

    def api_key(self, which: str = "admin") -> str:
        """The release's generated API key WHICH (admin or frontend), from its Secret."""
        secret = f"{self.fullname()}-api-keys"
        encoded = self.kubectl("get", "secret", secret, "-o", f"jsonpath={{.data.{which}-key}}")
        if not encoded.strip():
            raise RuntimeError(f"Secret {secret} has no {which}-key")
        return base64.b64decode(encoded).decode()

    def pods(self, component: str) -> list[dict[str, Any]]:
        """The component's pods that are not on their way out."""
        pods = self.get("pods", f"{self.instance},app.kubernetes.io/component={component}")
        return [p for p in pods if not p["metadata"].get("deletionTimestamp")]

    def scale(self, workload: str, replicas: int) -> None:
        """Scale WORKLOAD (kind/name) and wait: for its rollout, or for its pods to be gone at 0."""
        self.kubectl("scale", workload, f"--replicas={replicas}")
        if replicas:
            self.kubectl("rollout", "status", workload, "--timeout=300s", timeout=320)
        else:
            component = workload.rsplit("-", 1)[-1]
            wait_until(lambda: not self.pods(component), 180, f"the pods of {workload} to be gone")

    def logs_of(self, selector: str, tail: int = 60) -> str:
        return self.kubectl(
            "logs", "-l", selector, "--all-containers", f"--tail={tail}", "--prefix", check=False
        )


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, every: float = 2.0) -> Any:
    """Poll PREDICATE until it returns something truthy; fail naming WHAT after TIMEOUT seconds."""
    return polling.wait_until(predicate, timeout=timeout, what=what, interval=every)


def job_succeeded(job: dict[str, Any]) -> bool:
    return any(
        c["type"] in ("Complete", "SuccessCriteriaMet") and c["status"] == "True"
        for c in job["status"].get("conditions", [])
    )


def job_failed(job: dict[str, Any]) -> bool:
    return any(c["type"] == "Failed" and c["status"] == "True" for c in job["status"].get("conditions", []))


def chart_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "charts" / "tunedin"
