"""``python -m jobs.export_feedback``: copy the API's feedback stream into the artifact store.

Reads the stream in ``TUNEDIN_REDIS_URL`` after the last exported entry and writes the new
entries (pseudonymised, erased users left out) as Parquet under ``$TUNEDIN_ARTIFACTS/feedback/``;
then rewrites older exports without users erased since. prepare-data merges the exports into the
next dataset's train split when ``TUNEDIN_FEEDBACK_MERGE=true``. Safe to rerun at any time.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tunedin_common.contract import ArtifactStore
from tunedin_trainer.cli import load_settings, run_stage
from tunedin_trainer.feedback.export import export_feedback

app = typer.Typer(add_completion=False, help=__doc__, pretty_exceptions_enable=False)


@app.command()
def main(
    redis_url: Annotated[
        str | None, typer.Option(help="The API's Redis (overrides TUNEDIN_REDIS_URL for one run).")
    ] = None,
) -> None:
    """Export the new feedback entries and print what was written."""
    settings = load_settings(redis_url=redis_url)
    store = ArtifactStore(settings.artifacts)
    result = run_stage("export-feedback", lambda: export_feedback(store, settings.redis_url))
    where = result.file.relative_to(store.root) if result.file is not None else "no new file"
    typer.echo(f"exported {result.exported} feedback event(s): {where} (up to stream id {result.cursor})")
    typer.echo(f"  left out: {result.erased_dropped} of erased users, {result.malformed_dropped} malformed")
    if result.purged:
        typer.echo(f"  removed {result.purged} event(s) of newly erased users from older exports")
    if result.trimmed_before_export:
        typer.echo("  warning: the stream was trimmed past the last export; some events were never exported")


if __name__ == "__main__":
    app()
