"""Where the repository is: the working directory of the processes tests and benchmarks start."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
