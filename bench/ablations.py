"""``python -m bench.ablations``: what each addition to plain LightGCN adds, on the real data.

Each row trains with the default settings except the listed changes, under the same
protocol as ``jobs.train`` (epochs chosen on valid Recall@20; test scored once with train
and valid masked). Rows 1-7 add one thing at a time, from plain LightGCN to the default
(hard negatives, L2, play-count edges, refit, tag nodes, friend edges); row 8 adds XSimGCL's
contrastive term, which the default leaves off; the rest remove one thing from the default. Writes
``bench/results/ablations.{json,md}``; ``jobs.train`` copies the table into every model's
``metrics.json`` (``Settings.ablations_report``).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import typer

from tunedin_common.contract import AblationRow, AblationTable, ArtifactStore, atomic_write_bytes, utcnow
from tunedin_trainer.cli import load_settings, run_stage
from tunedin_trainer.data.prepared import PreparedData, load_prepared
from tunedin_trainer.evaluation.scores import SplitMatrices, lightgcn_scores
from tunedin_trainer.settings import Settings
from tunedin_trainer.training.config import TrainConfig, run_key
from tunedin_trainer.training.inputs import training_inputs
from tunedin_trainer.training.loop import TrainingInputs, train_model

RESULTS = Path(__file__).resolve().parent / "results"
log = logging.getLogger("bench.ablations")

# The default without its tag nodes and friend edges (rows 1-5 build up to it).
GRAPH_OFF: dict[str, Any] = {"tag_edge_weight": 0.0, "friend_edge_weight": 0.0, "contrast_weight": 0.0}
PLAIN: dict[str, Any] = {
    **GRAPH_OFF,
    "hard_negative_pool": 1,
    "edge_weight": "none",
    "reg": 1e-4,
    "refit": False,
}
# XSimGCL as measured against the default, which leaves it off (weight 0); its other knobs
# (noise, temperature, layer) keep their defaults.
XSIMGCL: dict[str, Any] = {"contrast_weight": 0.02}


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


ROWS: list[tuple[str, str, dict[str, Any]]] = [
    ("lightgcn", "plain LightGCN: uniform negatives, unweighted graph, reg 1e-4", PLAIN),
    (
        "+ hard negatives",
        "negative = best-scored non-positive of 16 uniform candidates",
        {**PLAIN, "hard_negative_pool": 16},
    ),
    ("+ reg 3e-3", "stronger L2 on the ego embeddings", {**PLAIN, "hard_negative_pool": 16, "reg": 3e-3}),
    (
        "+ play-count edges",
        "edge weight 1 + ln(1 + plays) before normalisation",
        {**GRAPH_OFF, "refit": False},
    ),
    ("+ refit", "retrain on train+valid for the selected epoch count", GRAPH_OFF),
    (
        "+ tag nodes",
        f"artists' top tags as graph nodes, artist–tag weight {_default('tag_edge_weight'):g} × the mean "
        "listening edge",
        {"friend_edge_weight": 0.0},
    ),
    (
        "+ friend edges (default)",
        f"friendships as user–user edges, weight {_default('friend_edge_weight'):g} × the mean "
        "listening edge",
        {},
    ),
    (
        "default + XSimGCL",
        f"noised propagation (ε {_default('contrast_noise'):g}) and InfoNCE final vs layer "
        f"{_default('contrast_layer')} (λ {XSIMGCL['contrast_weight']:g}, "
        f"τ {_default('contrast_temperature'):g})",
        XSIMGCL,
    ),
    ("default − hard negatives", "uniform negatives, everything else default", {"hard_negative_pool": 1}),
    ("default − reg 3e-3", "reg 1e-4, everything else default", {"reg": 1e-4}),
    ("default − play-count edges", "unweighted graph, everything else default", {"edge_weight": "none"}),
    ("default − tag nodes", "no tag nodes, everything else default", {"tag_edge_weight": 0.0}),
    ("default − friend edges", "no friend edges, everything else default", {"friend_edge_weight": 0.0}),
]
PROTOCOL = (
    "Real Last.fm data, per-user split; epochs selected on valid Recall@20 (eval every 5 epochs, "
    "early stopping), test scored once with train and valid masked; one seed (42). Differences "
    "below ~0.003 are within seed noise."
)


def measure(data: PreparedData, inputs: TrainingInputs, config: TrainConfig) -> dict[str, Any]:
    """Train one configuration and score it; returns its settings, epoch, time and metrics."""
    started = time.perf_counter()
    result = train_model(inputs, config, run_key(data.dataset_id, config))
    seconds = time.perf_counter() - started
    splits = SplitMatrices(data.n_users, data.n_items, data.train, data.valid, data.test)
    scores = lightgcn_scores(
        splits, (result.selected_users, result.selected_items), (result.users, result.items), config.refit
    )
    return {
        "settings": config.result_params(),
        "best_epoch": result.state.best_epoch,
        "seconds": seconds,
        "valid": scores.valid,
        "test": scores.test,
    }


def markdown(table: AblationTable) -> str:
    lines = [
        f"# LightGCN ablations (dataset {table.dataset_id}, {table.measured_at:%Y-%m-%d})",
        "",
        table.protocol,
        "",
        "| configuration | valid R@20 | test R@10 | test R@20 | test NDCG@10 | test NDCG@20 "
        "| test cov@20 | best epoch | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in table.rows:
        t = row.test
        lines.append(
            f"| {row.name} — {row.description} | {row.valid['recall@20']:.4f} | {t['recall@10']:.4f} "
            f"| {t['recall@20']:.4f} | {t['ndcg@10']:.4f} | {t['ndcg@20']:.4f} | {t['coverage@20']:.4f} "
            f"| {row.best_epoch} | {row.seconds:.0f} |"
        )
    return "\n".join(lines) + "\n"


def run(dataset_id: str | None) -> AblationTable:
    settings = load_settings()
    store = ArtifactStore(settings.artifacts)
    data = load_prepared(store, dataset_id)
    inputs = training_inputs(store, data)
    # Rows that come to the same configuration (the default without friend edges is also the
    # step that adds tag nodes) are trained once.
    measured: dict[str, dict[str, Any]] = {}
    rows = []
    for name, description, overrides in ROWS:
        config = TrainConfig.from_settings(Settings.model_validate({**settings.model_dump(), **overrides}))
        key = run_key(data.dataset_id, config)
        if key not in measured:
            log.info("ablation %s", name)
            measured[key] = measure(data, inputs, config)
        rows.append(AblationRow(name=name, description=description, **measured[key]))
        log.info("  test recall@20 %.4f ndcg@20 %.4f", rows[-1].test["recall@20"], rows[-1].test["ndcg@20"])
    table = AblationTable(dataset_id=data.dataset_id, measured_at=utcnow(), protocol=PROTOCOL, rows=rows)
    atomic_write_bytes(RESULTS / "ablations.json", (table.model_dump_json(indent=2) + "\n").encode())
    atomic_write_bytes(RESULTS / "ablations.md", markdown(table).encode())
    return table


def main(
    dataset_id: str | None = typer.Option(None, help="Dataset to use. Default: the latest."),
) -> None:
    """Measure the ablation table and write bench/results/ablations.{json,md}."""
    table = run_stage("ablations", lambda: run(dataset_id))
    typer.echo(markdown(table))


if __name__ == "__main__":
    typer.run(main)
