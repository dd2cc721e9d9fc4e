"""``python -m jobs.train``: train LightGCN on a prepared dataset, score it against the baselines.

Writes ``models/<model_id>/`` (embeddings, id maps, metrics.json, manifest.json last).
Settings come from ``TUNEDIN_*`` env vars; the options below override them for one run.
An interrupted run of the same dataset and settings resumes from its checkpoint.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tunedin_common.contract import HEADLINE_METRICS, MetricsReport
from tunedin_trainer.cli import load_settings, run_stage
from tunedin_trainer.evaluation.artist_tables import cold_start_table, similar_table

app = typer.Typer(add_completion=False, help=__doc__, pretty_exceptions_enable=False)

_TABLE_METRICS = ("recall@10", "recall@20", "ndcg@10", "ndcg@20", "precision@20", "coverage@20")


def metrics_table(report: MetricsReport) -> str:
    """Test metrics of every recommender as an aligned text table."""
    header = f"{'model':<14}" + "".join(f"{name:>14}" for name in _TABLE_METRICS)
    rows = [header, "-" * len(header)]
    for name, scores in report.models.items():
        rows.append(f"{name:<14}" + "".join(f"{scores.test[m]:>14.4f}" for m in _TABLE_METRICS))
    return "\n".join(rows)


@app.command()
def main(
    dataset_id: Annotated[
        str | None, typer.Option(help="Dataset to train on. Default: the latest (datasets/LATEST).")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="Upper bound on epochs (TUNEDIN_EPOCHS).")] = None,
    lr: Annotated[float | None, typer.Option(help="Adam learning rate (TUNEDIN_LR).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Positives per step (TUNEDIN_BATCH_SIZE).")] = None,
    reg: Annotated[float | None, typer.Option(help="L2 on ego embeddings (TUNEDIN_REG).")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of initialisation and sampling (TUNEDIN_SEED).")
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="torch CPU threads, 0 = auto (TUNEDIN_THREADS).")
    ] = None,
    refit: Annotated[
        bool | None, typer.Option("--refit/--no-refit", help="Retrain on train+valid (TUNEDIN_REFIT).")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show the epoch bar.")] = True,
) -> None:
    """Train, evaluate, write the model directory and print the test metrics."""
    from tunedin_trainer.training.run import run_train  # torch loads here, not for --help

    settings = load_settings(
        epochs=epochs, lr=lr, batch_size=batch_size, reg=reg, seed=seed, threads=threads, refit=refit
    )
    outcome = run_stage("train", lambda: run_train(settings, dataset_id, progress=progress))
    report = outcome.report
    training = report.training
    typer.echo(
        f"model {outcome.model_id} ({report.timings['total_s']:.1f} s): {outcome.model_dir}\n"
        f"best epoch {training.best_epoch} of {training.epochs_run}"
        f"{' (stopped early)' if training.stopped_early else ''}, refit {training.refit_epochs} epochs, "
        f"{training.seconds_per_epoch:.2f} s/epoch"
    )
    typer.echo(metrics_table(report))
    if report.similar_artists is not None:
        typer.echo(f"similar artists (top {report.similar_artists.k}, value (popularity-matched baseline)):")
        typer.echo(similar_table(report.similar_artists))
    if report.cold_start is not None:
        typer.echo("cold start, test recall@20 from k seed artists:")
        typer.echo(cold_start_table(report.cold_start))
    headline = ", ".join(f"{name} {outcome.manifest.headline_metrics[name]:.4f}" for name in HEADLINE_METRICS)
    typer.echo(f"headline (LightGCN, test): {headline}")


if __name__ == "__main__":
    app()
