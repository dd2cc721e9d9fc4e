"""bench/results/cluster.{json,md}: every check's time, outcome and figures, and the versions."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[3] / "bench" / "results"


@dataclass
class Step:
    name: str
    title: str
    outcome: str = "not run"
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    started: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    cluster: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    def step(self, name: str, title: str) -> Step:
        step = Step(name, title)
        self.steps.append(step)
        return step

    def write(self, directory: Path = RESULTS) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        data = {
            "started": self.started,
            "host": platform.node(),
            "cluster": self.cluster,
            "steps": [asdict(s) for s in self.steps],
        }
        (directory / "cluster.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
        lines = [
            "# Live-cluster checks (make cluster-check)",
            "",
            f"Run {self.started}.",
            "",
            "| | |",
            "| --- | --- |",
            *[f"| {k} | {v} |" for k, v in self.cluster.items()],
            "",
            "| step | outcome | seconds | figures |",
            "| --- | --- | ---: | --- |",
        ]
        for s in self.steps:
            figures = "; ".join(f"{k}: {_short(v)}" for k, v in s.details.items())
            lines.append(f"| {s.title} | {s.outcome} | {s.seconds:.1f} | {figures} |")
        (directory / "cluster.md").write_text("\n".join(lines) + "\n")


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text.replace("|", "\\|")[:300]
