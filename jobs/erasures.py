"""erasures: the erasure ledger (``$TUNEDIN_ARTIFACTS/erasures/``) and the runs that complete it.

`status` prints every erasure: when it was requested and is due, and when each step was done
(datasets: the user's rows are out of every dataset, checkpoint and cached archive; retrained: a
model trained without them is served; models: every model holding them is removed) or "pending".
prepare-data and publish do the steps, so `make pipeline` completes pending erasures.

`ensure` (the chart's erasure CronJob) starts one pipeline runner per set of pending erasures
unless one is active or has succeeded; with nothing pending it does nothing.
"""

from __future__ import annotations

import typer

from jobs.retrain import ConfigMapOption, PrefixOption
from tunedin_common.contract import utcnow
from tunedin_common.erasures import ErasureLedger
from tunedin_trainer.cli import load_settings, run_stage
from tunedin_trainer.erasure.schedule import ensure_erasure_run
from tunedin_trainer.erasure.status import status_table
from tunedin_trainer.orchestration.kube import connect

app = typer.Typer(add_completion=False, rich_markup_mode="markdown", help=__doc__)


@app.command("status")
def status() -> None:
    """Print the erasure ledger as a table."""
    settings = load_settings()
    typer.echo(status_table(ErasureLedger(settings.artifacts), utcnow()))


@app.command("ensure")
def ensure(
    config_map: ConfigMapOption,
    name_prefix: PrefixOption,
) -> None:
    """Start the pipeline run that completes the pending erasures, unless one runs or succeeded."""
    settings = load_settings()
    ledger = ErasureLedger(settings.artifacts)
    outcome = run_stage(
        "erasures ensure",
        lambda: ensure_erasure_run(connect(settings.namespace), ledger, config_map, name_prefix, utcnow),
    )
    if outcome is None:
        typer.echo("no erasure is pending")
    else:
        typer.echo(f"erasures: runner {outcome.runner} {outcome.state}")


if __name__ == "__main__":
    app()
