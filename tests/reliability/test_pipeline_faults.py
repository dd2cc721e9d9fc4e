"""Batch jobs killed mid-run: training resumes from its checkpoint; a killed index build never
leaves a half-written model that the API would serve."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import StackFactory
from tests.support.jobs import job_env, start_job
from tests.support.reliability_report import Report, Scale
from tests.support.stores import point_current, published_store
from tunedin_common.contract import ArtifactStore, ContractError, MetricsReport
from tunedin_trainer.training.checkpoint import STATE_FILE

TRAIN_ENV = {
    "TUNEDIN_EPOCHS": "150",
    "TUNEDIN_EVAL_EVERY": "50",
    "TUNEDIN_PATIENCE": "5",
    "TUNEDIN_CHECKPOINT_EVERY": "1",
    "TUNEDIN_BATCH_SIZE": "64",
    "TUNEDIN_DIM": "16",
    "TUNEDIN_LR": "0.01",
    "TUNEDIN_SEED": "11",
}


def _job(job: str, artifacts: Path, *args: str) -> subprocess.Popen[str]:
    env = job_env(artifacts, TUNEDIN_ABLATIONS_REPORT=str(artifacts / "no-ablations.json"), **TRAIN_ENV)
    return start_job(job, env, *args)


def _finish(proc: subprocess.Popen[str], timeout_s: float = 300) -> str:
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=10)
    return out


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    _finish(proc, 10)


@pytest.fixture
def small_store(tmp_path: Path) -> tuple[ArtifactStore, str]:
    """The API tests' synthetic dataset with one published model (the pipeline's own code)."""
    return published_store(tmp_path / "small")


def _wait_for_checkpoint(store: ArtifactStore, proc: subprocess.Popen[str], epochs: int) -> Path | None:
    """The checkpoint file once it holds at least ``epochs`` epochs (by its rewrite count)."""
    deadline = time.monotonic() + 120
    seen: dict[Path, float] = {}
    writes = 0
    while time.monotonic() < deadline and proc.poll() is None:
        for path in (store.root / "checkpoints").glob(f"*/{STATE_FILE}"):
            stamp = path.stat().st_mtime_ns
            if seen.get(path) != stamp:
                seen[path] = stamp
                writes += 1
                if writes >= epochs:
                    return path
        time.sleep(0.005)
    return None


def test_training_killed_resumes_from_checkpoint(
    small_store: tuple[ArtifactStore, str], report: Report
) -> None:
    store, _ = small_store
    models_before = set(store.model_ids())
    proc = _job("train", store.root, "--no-progress")
    checkpoint = _wait_for_checkpoint(store, proc, epochs=3)
    assert checkpoint is not None, f"no checkpoint appeared: {_finish(proc)}"
    os.kill(proc.pid, signal.SIGKILL)
    _finish(proc, 10)
    import torch

    saved = torch.load(checkpoint, map_location="cpu", weights_only=True)
    killed_at = (saved["phase"], int(saved["epoch"]))
    no_model_yet = set(store.model_ids()) == models_before
    again = _job("train", store.root, "--no-progress")
    out = _finish(again)
    new_models = sorted(set(store.model_ids()) - models_before)
    resumed: tuple[str | None, int | None] = (None, None)
    if again.returncode == 0 and len(new_models) == 1:
        metrics = MetricsReport.model_validate_json(
            (store.model_dir(new_models[0]) / "metrics.json").read_bytes()
        )
        resumed = (metrics.training.resumed_phase, metrics.training.resumed_from_epoch)
    passed = (
        again.returncode == 0 and no_model_yet and resumed == killed_at and not checkpoint.parent.exists()
    )
    report.record(
        "fault: training job SIGKILLed mid-run, restarted",
        passed,
        checkpoint_at_kill=list(killed_at),
        model_dir_before_restart=not no_model_yet,
        restart_returncode=again.returncode,
        resumed_from=list(resumed),
        checkpoint_removed=not checkpoint.parent.exists(),
        epochs=int(TRAIN_ENV["TUNEDIN_EPOCHS"]),
    )
    assert no_model_yet, "a killed training run left a model directory behind"
    assert again.returncode == 0, out[-3000:]
    assert resumed == killed_at, f"resumed from {resumed}, checkpoint held {killed_at}"
    assert not checkpoint.parent.exists(), "the finished run left its checkpoint"


def test_killed_index_build_never_visible(
    small_store: tuple[ArtifactStore, str],
    start_stack: StackFactory,
    scale: Scale,
    report: Report,
    tmp_path: Path,
) -> None:
    """Kill build-index at different moments; after each kill the new model is either not
    servable or complete, and the API (told to serve it anyway) keeps the old model."""
    store, served = small_store
    # The API on this store, through the start_stack fixture's own store path.
    api_store = ArtifactStore(tmp_path / "artifacts")
    import shutil

    shutil.rmtree(api_store.root, ignore_errors=True)
    shutil.copytree(store.root, api_store.root)
    proc = _job("train", api_store.root, "--no-progress", "--epochs", "4")
    out = _finish(proc)
    assert proc.returncode == 0, out[-3000:]
    (candidate,) = sorted(set(api_store.model_ids()) - {served})
    api, _ = start_stack()
    outcomes = []
    for attempt in range(scale.build_index_kills):
        job = _job("build_index", api_store.root, "--model-id", candidate)
        directory = api_store.model_dir(candidate)
        before = {p.name: p.stat().st_mtime_ns for p in directory.iterdir()}
        deadline = time.monotonic() + 120
        # attempt 0: kill at the first change in the model directory; then later and later
        while time.monotonic() < deadline and job.poll() is None:
            now = {p.name: p.stat().st_mtime_ns for p in directory.iterdir() if p.exists()}
            if now != before:
                time.sleep(0.02 * attempt)
                break
            time.sleep(0.002)
        finished_first = job.poll() is not None
        _kill(job)
        try:
            manifest = api_store.read_model_manifest(candidate, verify=False)
            servable = manifest.servable
            verified = True
            if servable:
                api_store.require_servable(candidate)
        except ContractError:
            servable, verified = False, False
        point_current(api_store, candidate)
        time.sleep(1.5)  # the workers poll CURRENT every 0.5 s
        model_ids = {
            httpx.get(f"{api.base}/v1/model", headers=api.headers, timeout=5).json()["model_id"]
            for _ in range(6)
        }
        expected = {candidate} if servable and verified else {served}
        outcomes.append(
            {
                "attempt": attempt,
                "finished_before_kill": finished_first,
                "files": sorted(p.name for p in directory.iterdir()),
                "servable": servable,
                "checksums_ok": verified,
                "api_served": sorted(model_ids),
                "ok": model_ids == expected and (not servable or verified),
            }
        )
        point_current(api_store, served)
        time.sleep(1.0)
    done = _job("build_index", api_store.root, "--model-id", candidate)
    out = _finish(done)
    final_ok = done.returncode == 0 and api_store.require_servable(candidate).servable
    passed = all(o["ok"] for o in outcomes) and final_ok
    report.record(
        "fault: build-index SIGKILLed mid-run",
        passed,
        kills=outcomes,
        rerun_completes=final_ok,
    )
    assert all(o["ok"] for o in outcomes), outcomes
    assert final_ok, out[-3000:]
