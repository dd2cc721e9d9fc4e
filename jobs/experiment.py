"""experiment: a champion/challenger experiment on the served model (``$TUNEDIN_ARTIFACTS/experiment.json``).

`start --challenger MODEL_ID --share 0.2` serves the challenger to a share of the users, chosen
by a hash of the experiment id and the user key, against the champion CURRENT names. The
challenger must be an indexed model that passes publish's integrity and index gates and is not
the champion; one experiment runs at a time. `status` prints the record. `stop` ends it with
the champion served. `promote` publishes the challenger through every publish gate (`--force`
skips the quality gate) and ends it. `rollback` serves the champion again: it undoes a
promotion, or ends a running experiment. Errors are one line and exit 1.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tunedin_common.contract import ArtifactStore
from tunedin_common.experiments.record import Experiment
from tunedin_trainer.cli import load_settings, run_stage
from tunedin_trainer.experiments import lifecycle
from tunedin_trainer.settings import Settings

app = typer.Typer(add_completion=False, rich_markup_mode="markdown", help=__doc__)


def _store() -> tuple[ArtifactStore, Settings]:
    settings = load_settings()
    return ArtifactStore(settings.artifacts), settings


def _say(verb: str, experiment: Experiment) -> None:
    typer.echo(
        f"experiment {experiment.experiment_id} {verb}: champion {experiment.champion}, "
        f"challenger {experiment.challenger} on {experiment.share:.0%} of users, state {experiment.state}"
    )


@app.command("start")
def start(
    challenger: Annotated[str, typer.Option(help="Model id of the challenger (indexed, not CURRENT).")],
    share: Annotated[float, typer.Option(help="Fraction of users served the challenger, in (0, 1).")],
) -> None:
    """Start an experiment: the challenger against the model CURRENT names."""
    store, settings = _store()
    _say(
        "started", run_stage("experiment start", lambda: lifecycle.start(store, settings, challenger, share))
    )


@app.command("status")
def status() -> None:
    """Print the running or last experiment."""
    store, _ = _store()
    typer.echo(run_stage("experiment status", lambda: lifecycle.describe(store)))


@app.command("stop")
def stop() -> None:
    """End the running experiment; the champion stays served."""
    store, _ = _store()
    _say("stopped", run_stage("experiment stop", lambda: lifecycle.stop(store)))


@app.command("promote")
def promote(
    force: Annotated[bool, typer.Option("--force", help="Skip publish's quality gate.")] = False,
) -> None:
    """Publish the challenger through publish's gates and end the experiment."""
    store, settings = _store()
    _say("promoted", run_stage("experiment promote", lambda: lifecycle.promote(store, settings, force)))


@app.command("rollback")
def rollback() -> None:
    """Serve the champion again: undo a promotion, or end a running experiment."""
    store, settings = _store()
    _say("rolled back", run_stage("experiment rollback", lambda: lifecycle.rollback(store, settings)))


if __name__ == "__main__":
    app()
