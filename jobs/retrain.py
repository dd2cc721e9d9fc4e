"""retrain: the cluster's retraining run, and the wait that orders the pipeline Jobs.

`run` (the CronJob) creates the prepare+train Job, waits for it, then the build-index+publish
Job, logging progress; exit 1 with one line naming the Job that failed or timed out.
`wait-for-model` (the index Job's init container) waits until the artifact store holds a
complete model (manifest written, checksums intact) that has no index yet.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from tunedin_common.contract import ArtifactStore
from tunedin_trainer.cli import load_settings, run_stage
from tunedin_trainer.orchestration.jobs import batch_api, run_pipeline
from tunedin_trainer.orchestration.wait import wait_for_model

app = typer.Typer(add_completion=False, rich_markup_mode="markdown", help=__doc__)


@app.command("run")
def run(
    jobs_dir: Annotated[Path, typer.Option(help="Folder with prepare-train.yaml and index-publish.yaml.")],
    name_prefix: Annotated[str, typer.Option(help="Job names start with this (the release's full name).")],
    timeout_seconds: Annotated[float, typer.Option(min=1, help="Time for both Jobs together.")] = 14400,
    poll_seconds: Annotated[float, typer.Option(min=0.01)] = 15,
    namespace: Annotated[
        str | None, typer.Option(help="Namespace of the Jobs (default: $TUNEDIN_NAMESPACE).")
    ] = None,
) -> None:
    """Run prepare+train, then build-index+publish, as Jobs in the cluster."""
    load_settings()
    ns = namespace or os.environ.get("TUNEDIN_NAMESPACE") or "default"
    results = run_stage(
        "retrain",
        lambda: run_pipeline(batch_api(), ns, jobs_dir, name_prefix, timeout_seconds, poll_seconds),
    )
    typer.echo(f"retrain complete: {', '.join(r.name for r in results)}")


@app.command("wait-for-model")
def wait(
    timeout_seconds: Annotated[float, typer.Option(min=0)] = 7000,
    poll_seconds: Annotated[float, typer.Option(min=0.01)] = 10,
) -> None:
    """Wait for a complete model without an index (what build-index will take)."""
    settings = load_settings()
    store = ArtifactStore(settings.artifacts)
    model_id = run_stage("wait-for-model", lambda: wait_for_model(store, timeout_seconds, poll_seconds))
    typer.echo(f"model {model_id} is ready for build-index")


if __name__ == "__main__":
    app()
