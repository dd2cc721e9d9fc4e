"""The pipeline's stages as the chart's Jobs run them: ``python -m jobs.<stage>`` in a process of
its own, in the repository, with an environment that holds none of the shell's TUNEDIN_* knobs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.support.paths import REPO


def job_env(artifacts: Path, **env: str) -> dict[str, str]:
    """The shell's environment without its TUNEDIN_* variables, on the store ``artifacts``, with
    one BLAS/faiss thread, then ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TUNEDIN_")}
    clean.update(TUNEDIN_ARTIFACTS=str(artifacts), OMP_NUM_THREADS="1", **env)
    return clean


def _command(job: str, args: tuple[str, ...]) -> list[str]:
    return [sys.executable, "-m", f"jobs.{job}", *args]


def run_job(
    job: str, env: Mapping[str, str], *args: str, timeout_s: float = 900
) -> subprocess.CompletedProcess[str]:
    """``python -m jobs.<job> ARGS`` to its end; its outputs captured, its exit status unchecked."""
    return subprocess.run(
        _command(job, args),
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def run_job_ok(job: str, env: Mapping[str, str], *args: str, timeout_s: float = 900) -> str:
    """``run_job`` that must succeed; its stdout (a failure shows both outputs)."""
    result = run_job(job, env, *args, timeout_s=timeout_s)
    assert result.returncode == 0, f"{job} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def start_job(job: str, env: Mapping[str, str], *args: str) -> subprocess.Popen[str]:
    """``python -m jobs.<job> ARGS`` started and left running; stdout and stderr in one pipe."""
    return subprocess.Popen(
        _command(job, args),
        cwd=REPO,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
