"""publish: point CURRENT at a model once it passes every gate, then garbage-collect old models.

Gates, in order: the manifest and every checksum verify and the model has an index; the
index meets its recall@20/@100 and size gates; its test quality is not worse than the served
model's beyond the tolerance (skipped when nothing is served yet, or with --force). A refused
model leaves CURRENT untouched (exit 1, one line). Publishing the served model is a no-op.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tunedin_common.contract import ArtifactStore
from tunedin_trainer.cli import load_settings, run_stage
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
) -> None:
    """Publish a model (see TUNEDIN_QUALITY_METRIC, TUNEDIN_QUALITY_TOLERANCE, TUNEDIN_KEEP_MODELS)."""
    settings = load_settings(keep_models=keep)
    store = ArtifactStore(settings.artifacts)
    run_stage("publish", lambda: publish(store, settings, model_id, force))


if __name__ == "__main__":
    app()
