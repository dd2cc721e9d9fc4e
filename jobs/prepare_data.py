"""``python -m jobs.prepare_data``: get, check, parse and split the data into a dataset.

The data is the Last.fm HetRec zip (or its extracted files) or your own interactions table
(docs/own-data.md). Settings come from ``TUNEDIN_*`` env vars; ``--source``, ``--sha256`` and
``--split`` override ``TUNEDIN_DATA_SOURCE``, ``TUNEDIN_DATA_SHA256`` and
``TUNEDIN_SPLIT_STRATEGY`` for one run. Idempotent: a dataset that
is already prepared from the same bytes and split settings is verified and reused.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from tunedin_common.contract import ArtifactStore
from tunedin_trainer.cli import load_settings, run_stage
from tunedin_trainer.data.prepare import prepare_dataset

app = typer.Typer(add_completion=False, help=__doc__, pretty_exceptions_enable=False)


@app.command()
def main(
    source: Annotated[
        str | None,
        typer.Option(
            help="http(s) URL of the zip, a local zip, or a folder of extracted files; or your own "
            "interactions .csv/.parquet, or a folder with interactions.csv|parquet (+ items.csv|parquet)."
        ),
    ] = None,
    sha256: Annotated[
        str | None,
        typer.Option(help="Expected sha256 of the zip; '' skips the check (folders are never checked)."),
    ] = None,
    split: Annotated[
        Literal["random", "temporal"] | None,
        typer.Option(help="Held-out pairs per user: a seeded random draw, or the latest (needs timestamps)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the dataset exists.")] = False,
) -> None:
    """Prepare the dataset and print its id and counts."""
    settings = load_settings(data_source=source, data_sha256=sha256, split_strategy=split)
    store = ArtifactStore(settings.artifacts)
    result = run_stage("prepare-data", lambda: prepare_dataset(settings, store, force=force))
    state = "reused" if result.reused else "prepared"
    typer.echo(f"dataset {result.dataset_id} ({state} in {result.seconds:.1f} s): {result.directory}")
    for key, value in result.manifest.counts.items():
        typer.echo(f"  {key:<26} {value:>10,}")


if __name__ == "__main__":
    app()
