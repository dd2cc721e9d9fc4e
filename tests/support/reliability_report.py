"""The scale of the reliability checks (``short`` in ``make test``, ``full`` in
``make bench-reliability``) and their report, written as JSON and markdown."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.paths import REPO

RESULTS = REPO / "bench" / "results"
SHORT_RESULTS = REPO / "test-output" / "reliability"
SCALE_ENV = "TUNEDIN_RELIABILITY_SCALE"


@dataclass(frozen=True)
class Scale:
    """How long and how hard each check runs: ``short`` (make test) or ``full`` (the bench)."""

    name: str
    load_rate: int
    load_seconds: float
    fault_rate: int
    fault_seconds: float
    redis_down_s: float
    fuzz_examples: int  # per API operation
    build_index_kills: int
    p99_bound_ms: float  # full: the spec's 150 ms; short: a stall bound that CI's other work keeps

    @staticmethod
    def current() -> Scale:
        name = os.environ.get(SCALE_ENV, "short")
        rate = os.environ.get("TUNEDIN_RELIABILITY_RATE")
        if name == "full":
            scale = Scale("full", 1000, 300.0, 300, 60.0, 30.0, 400, 6, 150.0)
        elif name == "short":
            scale = Scale("short", 200, 20.0, 150, 15.0, 6.0, 30, 3, 1000.0)
        else:
            raise SystemExit(f"{SCALE_ENV} is {name!r}: use short or full")
        if rate:
            scale = Scale(**{**scale.__dict__, "load_rate": int(rate)})
        return scale

    @property
    def results_dir(self) -> Path:
        return RESULTS if self.name == "full" else SHORT_RESULTS


class Report:
    """Figures of every check; written as JSON and markdown at the end of the session."""

    def __init__(self, scale: Scale) -> None:
        self.scale = scale
        self.sections: dict[str, dict[str, Any]] = {}

    def record(self, name: str, passed: bool, **figures: Any) -> None:
        self.sections[name] = {"passed": passed, **figures}

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "scale": self.scale.__dict__,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "checks": self.sections,
        }
        json_path = directory / "reliability.json"
        json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        md_path = directory / "reliability.md"
        md_path.write_text(self.markdown(payload))
        return json_path, md_path

    def markdown(self, payload: dict[str, Any]) -> str:
        s = self.scale
        lines = [
            "# Reliability, security and load",
            "",
            f"Written by `{'make bench-reliability' if s.name == 'full' else 'make test-reliability'}` "
            f"({s.name} scale) on {payload['written_at']}, {payload['cpus']} CPUs, loopback only: "
            "gunicorn with 2 uvicorn workers, a real redis-server, a real model. Open-loop load "
            "(tests/support/load/open_loop.py: bare asyncio protocols on uvloop, 128 keep-alive "
            "connections), "
            "latency from each request's intended send time. Every /v1 request sends an API key "
            "(the stack's own key file: an admin key, one key per scope, a revoked key).",
            "",
            "| check | held | figures |",
            "| --- | --- | --- |",
        ]
        for name, section in self.sections.items():
            figures = {k: v for k, v in section.items() if k not in ("passed", "detail")}
            held = "yes" if section["passed"] else "**NO**"
            lines.append(f"| {name} | {held} | {_brief(figures)} |")
        lines += ["", "## Details", ""]
        for name, section in self.sections.items():
            lines += [f"### {name}", "", "```json", json.dumps(section, indent=2, default=str), "```", ""]
        return "\n".join(lines)


def _brief(figures: dict[str, Any]) -> str:
    parts = []
    for key, value in figures.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, default=str)
            if len(value) > 160:
                value = value[:157] + "..."
        parts.append(f"{key}: {value}")
    return "; ".join(parts).replace("|", "\\|")
