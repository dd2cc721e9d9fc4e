"""retrain: the cluster's pipeline runs, as Jobs the chart defines in its pipeline ConfigMap.

`ensure` (the helm-managed kick-off Job, named after the pipeline's fingerprint) starts a
pipeline runner for that fingerprint unless one is active or has succeeded, and prunes old
finished runners. `run` (a runner: what `ensure` starts and what the retraining CronJob runs)
waits for the release's earlier active runners, then creates prepare+train, waits for it, then
build-index+publish; exit 1 with one line naming the stage that failed or timed out. With
`--challenger-share` above 0 (the retraining CronJob's runs) that run's publish starts an
experiment of the new model against the served one on that share of users instead of serving it
to everyone; without it (the kick-off's and the erasure schedule's runs) publish is plain.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tunedin_trainer.cli import fail, load_settings, run_stage
from tunedin_trainer.orchestration.ensure import ensure_pipeline
from tunedin_trainer.orchestration.kube import connect
from tunedin_trainer.orchestration.runner import Pacing, run_pipeline

app = typer.Typer(add_completion=False, rich_markup_mode="markdown", help=__doc__)

ConfigMapOption = Annotated[str, typer.Option(help="The pipeline ConfigMap (fingerprint, Job specs).")]
PrefixOption = Annotated[str, typer.Option(help="Job names start with this (the release's full name).")]


@app.command("ensure")
def ensure(
    fingerprint: Annotated[str, typer.Option(help="The pipeline's fingerprint (10 hex).")],
    config_map: ConfigMapOption,
    name_prefix: PrefixOption,
) -> None:
    """Start a runner for this fingerprint unless one is active or has succeeded (in
    TUNEDIN_NAMESPACE)."""
    settings = load_settings()
    outcome = run_stage(
        "ensure",
        lambda: ensure_pipeline(connect(settings.namespace), config_map, fingerprint, name_prefix),
    )
    typer.echo(f"pipeline {fingerprint}: {outcome.state} {outcome.runner}".rstrip())


@app.command("run")
def run(
    config_map: ConfigMapOption,
    name_prefix: PrefixOption,
    timeout_seconds: Annotated[
        float, typer.Option(min=1, help="Time for both stages together, and for the wait before them.")
    ] = 14400,
    poll_seconds: Annotated[float, typer.Option(min=0.01)] = 15,
    challenger_share: Annotated[
        float,
        typer.Option(
            min=0,
            help="Above 0: index-publish publishes as challenger to this share of users "
            "(TUNEDIN_CHALLENGER_SHARE in its Job); 0: a plain publish.",
        ),
    ] = 0,
) -> None:
    """Run prepare+train, then build-index+publish, as Jobs owned by this runner's Job
    (TUNEDIN_RUNNER_JOB, in TUNEDIN_NAMESPACE)."""
    settings = load_settings()
    if not settings.runner_job:
        fail("retrain run needs TUNEDIN_RUNNER_JOB: the name of the Job it runs in")
    created = run_stage(
        "retrain",
        lambda: run_pipeline(
            connect(settings.namespace),
            config_map,
            settings.runner_job,
            name_prefix,
            timeout_seconds,
            Pacing(poll_seconds),
            challenger_share,
        ),
    )
    typer.echo(f"retrain complete: {', '.join(created)}")


if __name__ == "__main__":
    app()
