"""publish: point CURRENT at a model once it passes every gate, then garbage-collect old models.

Gates, in order: the manifest and every checksum verify and the model has an index; the
index meets its recall@20/@100 and size gates; its test quality is not worse than the served
model's beyond the tolerance (skipped when nothing is served yet, or with --force). A refused
model leaves CURRENT untouched (exit 1, one line). Publishing the served model is a no-op.

With a challenger share (``--challenger-share``, ``TUNEDIN_CHALLENGER_SHARE``) above 0 and a model
already served, the new model is not served to everyone: it passes the integrity and index gates
and starts an experiment on that share of the users (``python -m jobs.experiment status``,
``promote``, ``rollback``). A plain publish that replaces the champion of a running experiment
stops that experiment (it would no longer compare what is served).
"""

from __future__ import annotations

from typing import Annotated

import typer

from tunedin_common.contract import ArtifactStore
from tunedin_trainer.cli import load_settings, run_stage
from tunedin_trainer.experiments import lifecycle
from tunedin_trainer.experiments.challenger import publish_as_challenger
from tunedin_trainer.publish.stage import publish

app = typer.Typer(add_completion=False, rich_markup_mode="markdown")


@app.command(help=__doc__)
def main(
    model_id: Annotated[
        str | None, typer.Option(help="Model to serve. Default: the newest indexed model.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Skip the quality gate (rollback to an older model).")
    ] = False,
    keep: Annotated[
        int | None, typer.Option(help="Model directories to keep (default TUNEDIN_KEEP_MODELS).")
    ] = None,
    challenger_share: Annotated[
        float | None,
        typer.Option(help="Start an experiment on this share of users instead (TUNEDIN_CHALLENGER_SHARE)."),
    ] = None,
) -> None:
    """Publish a model (see TUNEDIN_QUALITY_METRIC, TUNEDIN_QUALITY_TOLERANCE, TUNEDIN_KEEP_MODELS)."""
    settings = load_settings(keep_models=keep, challenger_share=challenger_share)
    store = ArtifactStore(settings.artifacts)
    if settings.challenger_share > 0:
        share = settings.challenger_share
        outcome = run_stage("publish", lambda: publish_as_challenger(store, settings, share, model_id))
        started = outcome.experiment
        if started is not None:
            typer.echo(
                f"experiment {started.experiment_id} started: challenger {started.challenger} "
                f"on {share:.0%} of users against {started.champion}"
            )
        return
    published = run_stage("publish", lambda: publish(store, settings, model_id, force))
    if published.published:
        stopped = lifecycle.end_superseded(store)
        if stopped is not None:
            typer.echo(
                f"experiment {stopped.experiment_id} stopped: its champion {stopped.champion} is no "
                f"longer served ({published.model_id} is)"
            )


if __name__ == "__main__":
    app()
