"""``python -m bench.train_speed``: training speed and time-to-quality against a plain PyG loop.

On the real data (the latest prepared dataset) and the same training pairs:

1. **Per epoch**, batch 2048: our loop (default settings, and with uniform negatives, BPR
   only, on the user–artist graph alone — the same work per step as the plain loop) against
   the plain PyG loop of ``bench.plain_lightgcn``. Whole epochs are timed, alternating the
   loops so both see the same machine load; the median is reported.
2. **Time to quality**: a training run with the default settings; after each validation
   evaluation the model selected on valid so far is scored on test (for this report only;
   nothing is chosen on test). Reported: when that model first reaches test Recall@20 and
   NDCG@20 ≥ 0.27, and its peak memory.
3. **End to end**: ``python -m jobs.train`` with the default settings on a copy of the dataset
   in a temporary artifact store: wall time, peak RSS, the final test metrics.

Writes ``bench/results/train.json`` and ``bench/results/train.md``.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
import torch_geometric

from bench.ablations import GRAPH_OFF
from bench.plain_lightgcn import plain_epoch
from tunedin_common.contract import ArtifactStore, MetricsReport, atomic_write_bytes, utcnow
from tunedin_trainer.cli import load_settings
from tunedin_trainer.data.prepared import PreparedData, load_prepared
from tunedin_trainer.evaluation.ranking import embedding_scorer, evaluate
from tunedin_trainer.evaluation.scores import SplitMatrices
from tunedin_trainer.training.config import TrainConfig, run_key
from tunedin_trainer.training.inputs import training_inputs
from tunedin_trainer.training.loop import Evaluation, prepare_training, train_epoch, train_model

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent
BAR = 0.27
BATCH = 2048
EPOCHS_TIMED = 5


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kB on Linux


def same_work_as_plain(config: TrainConfig) -> TrainConfig:
    """``config`` doing per step what the plain loop does: BPR with uniform negatives on the
    user–artist graph alone (no tag nodes, friend edges or contrastive term)."""
    return replace(config, hard_negative_pool=1, **GRAPH_OFF)


def per_epoch(config: TrainConfig, data: PreparedData, store: ArtifactStore) -> dict[str, Any]:
    """Median seconds per epoch of our loop (default / same work as plain) and the plain loop."""
    inputs = training_inputs(store, data)
    ours = {
        "default": prepare_training(inputs, config, inputs.train, inputs.train_plays),
        "uniform": prepare_training(inputs, same_work_as_plain(config), inputs.train, inputs.train_plays),
    }
    times: dict[str, list[float]] = {"default": [], "uniform": [], "plain": []}
    plain_runs = []
    for setup in ours.values():  # warm-up
        train_epoch(setup, config.reg)
    for repeat in range(EPOCHS_TIMED):
        for name, setup in ours.items():
            started = time.perf_counter()
            train_epoch(setup, config.reg)
            times[name].append(time.perf_counter() - started)
        run = plain_epoch(data.train, data.n_users, data.n_items, BATCH, seed=repeat)
        plain_runs.append(run)
        times["plain"].append(run["seconds_per_epoch"])
    median = {name: statistics.median(values) for name, values in times.items()}
    return {
        "batch_size": BATCH,
        "batches_per_epoch": int(plain_runs[0]["batches_per_epoch"]),
        "epochs_timed_each": EPOCHS_TIMED,
        "plain_full_epochs_measured": all(r["batches_run"] == r["batches_per_epoch"] for r in plain_runs),
        "seconds": {name: [round(v, 4) for v in values] for name, values in times.items()},
        "median_s": median,
        "speedup_default": median["plain"] / median["default"],
        "speedup_uniform": median["plain"] / median["uniform"],
    }


def time_to_bar(config: TrainConfig, data: PreparedData, store: ArtifactStore) -> dict[str, Any]:
    """When the valid-selected model first reaches the quality bar on test (selection phase)."""
    splits = SplitMatrices(data.n_users, data.n_items, data.train, data.valid, data.test)
    trace: list[dict[str, float]] = []
    selected: dict[str, float] = {}

    def observe(event: Evaluation) -> None:
        nonlocal selected
        if event.improved:  # the valid-selected model changed: score it on test for the report
            selected = evaluate(embedding_scorer(event.users, event.items), splits.train_valid, splits.test)
        trace.append(
            {
                "epoch": event.epoch,
                "elapsed_s": event.elapsed_s,
                "valid_recall@20": event.valid["recall@20"],
                "selected_test_recall@20": selected["recall@20"],
                "selected_test_ndcg@20": selected["ndcg@20"],
            }
        )

    started = time.perf_counter()
    config = replace(config, refit=False)
    result = train_model(
        training_inputs(store, data), config, run_key(data.dataset_id, config), observer=observe
    )
    wall = time.perf_counter() - started
    reached = next(
        (t for t in trace if t["selected_test_recall@20"] >= BAR and t["selected_test_ndcg@20"] >= BAR), None
    )
    return {
        "bar": {"test_recall@20": BAR, "test_ndcg@20": BAR},
        "reached": reached is not None,
        "reached_at": reached,
        "selection_best_epoch": result.state.best_epoch,
        "selection_epochs": result.state.selection_epochs,
        "selection_wall_s": wall,
        "trace": trace,
        "peak_rss_mb": _peak_rss_mb(),
    }


def end_to_end(store: ArtifactStore, data: PreparedData) -> dict[str, Any]:
    """``python -m jobs.train`` (default settings) on a copy of the dataset; wall time and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="tunedin-bench-") as tmp:
        copy = ArtifactStore(Path(tmp))
        shutil.copytree(store.dataset_dir(data.dataset_id), copy.dataset_dir(data.dataset_id))
        copy.write_latest_dataset(data.dataset_id)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TUNEDIN_")}
        env["TUNEDIN_ARTIFACTS"] = tmp
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "jobs.train", "--no-progress"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - started
        model_id = copy.model_ids()[-1]
        report = MetricsReport.model_validate_json((copy.model_dir(model_id) / "metrics.json").read_bytes())
    return {
        "command": "python -m jobs.train --no-progress",
        "wall_s": wall,
        "peak_rss_mb": _peak_rss_mb(resource.RUSAGE_CHILDREN),
        "timings": report.timings,
        "best_epoch": report.training.best_epoch,
        "epochs_run": report.training.epochs_run,
        "refit_epochs": report.training.refit_epochs,
        "seconds_per_epoch": report.training.seconds_per_epoch,
        "test": {name: scores.test for name, scores in report.models.items()},
        "stdout_tail": done.stdout.splitlines()[-6:],
    }


def markdown(result: dict[str, Any]) -> str:
    speed, bar, e2e = result["per_epoch"], result["time_to_bar"], result["end_to_end"]
    med = speed["median_s"]
    reached = bar["reached_at"]
    lines = [
        f"# Training benchmark ({result['measured_at'][:10]}, {result['machine']['cpus']} CPUs, "
        f"torch {result['machine']['torch']}, {result['machine']['torch_threads']} threads)",
        "",
        f"Dataset {result['dataset_id']}: {result['n_users']} users, {result['n_items']} artists, "
        f"{result['n_train']} train pairs; batch {speed['batch_size']} ({speed['batches_per_epoch']} "
        f"batches per epoch); median of {speed['epochs_timed_each']} whole epochs each, loops alternated.",
        "",
        "| loop | s / epoch | speed-up vs plain PyG |",
        "| --- | ---: | ---: |",
        f"| plain PyG (LightGCN.forward per batch, gcn_norm every call) | {med['plain']:.3f} | 1.0× |",
        f"| ours, user–artist graph, uniform negatives, BPR only (same work per step) | {med['uniform']:.3f} "
        f"| {speed['speedup_uniform']:.1f}× |",
        f"| ours, default (hard negatives, tag nodes, friend edges) | {med['default']:.3f} "
        f"| {speed['speedup_default']:.1f}× |",
        "",
        "| time to quality (default settings) | value |",
        "| --- | ---: |",
        "| valid-selected model first at test R@20 ≥ 0.27 and NDCG@20 ≥ 0.27 | "
        + (
            f"epoch {reached['epoch']}, {reached['elapsed_s']:.1f} s of training"
            if reached
            else "not reached"
        )
        + " |",
        f"| selection phase (train only, evaluations included) | {bar['selection_wall_s']:.1f} s, "
        f"best epoch {bar['selection_best_epoch']} of {bar['selection_epochs']} |",
        f"| peak RSS of that training process | {bar['peak_rss_mb']:.0f} MB |",
        "",
        "| `python -m jobs.train` end to end (train, refit, evaluation, baselines) | value |",
        "| --- | ---: |",
        f"| wall time | {e2e['wall_s']:.1f} s |",
        f"| peak RSS | {e2e['peak_rss_mb']:.0f} MB |",
        f"| training s / epoch (both phases) | {e2e['seconds_per_epoch']:.3f} |",
        f"| best epoch / epochs run / refit epochs | {e2e['best_epoch']} / {e2e['epochs_run']} / "
        f"{e2e['refit_epochs']} |",
        "",
        "| test metrics (end-to-end run) | R@10 | R@20 | NDCG@10 | NDCG@20 | cov@20 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, m in e2e["test"].items():
        lines.append(
            f"| {name} | {m['recall@10']:.4f} | {m['recall@20']:.4f} | {m['ndcg@10']:.4f} "
            f"| {m['ndcg@20']:.4f} | {m['coverage@20']:.4f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    settings = load_settings()
    store = ArtifactStore(settings.artifacts)
    data = load_prepared(store)
    config = TrainConfig.from_settings(settings)
    if config.threads:
        torch.set_num_threads(config.threads)
    result: dict[str, Any] = {
        "measured_at": utcnow().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "torch_geometric": torch_geometric.__version__,
            "python": platform.python_version(),
        },
        "dataset_id": data.dataset_id,
        "n_users": data.n_users,
        "n_items": data.n_items,
        "n_train": len(data.train),
        "settings": config.params(),
    }
    result["end_to_end"] = end_to_end(store, data)  # first: its RUSAGE_CHILDREN is its own
    result["per_epoch"] = per_epoch(config, data, store)
    result["time_to_bar"] = time_to_bar(config, data, store)
    RESULTS.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(RESULTS / "train.json", (json.dumps(result, indent=2) + "\n").encode())
    atomic_write_bytes(RESULTS / "train.md", markdown(result).encode())
    print(markdown(result))


if __name__ == "__main__":
    main()
