"""build-index: a FAISS index over a model's item embeddings, its recall measured against exact search.

Writes index.faiss and index.json into the model directory and rewrites the model's manifest
last, which makes the model servable. Refuses (exit 1, one line) a model without a manifest,
one whose checksums fail, or an index that misses its recall or size gates.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tunedin_common.contract import ArtifactStore
from tunedin_trainer.cli import load_settings, run_stage
from tunedin_trainer.index.stage import build_index, compare, comparison_table

app = typer.Typer(add_completion=False, rich_markup_mode="markdown")


@app.command(help=__doc__)
def main(
    model_id: Annotated[
        str | None,
        typer.Option(help="Model to index. Default: the newest model without an index, else the newest."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when the index is intact.")] = False,
    compare_variants: Annotated[
        bool,
        typer.Option(
            "--compare", help="Measure plain IP-HNSW, augmented HNSW and flat on the model; write nothing."
        ),
    ] = False,
) -> None:
    """Index a model (see TUNEDIN_INDEX_TYPE, TUNEDIN_HNSW_*, TUNEDIN_RECALL_GATE_*, TUNEDIN_MAX_INDEX_MB)."""
    settings = load_settings()
    store = ArtifactStore(settings.artifacts)
    if compare_variants:
        table = run_stage(
            "build-index --compare", lambda: comparison_table(compare(store, settings, model_id))
        )
        typer.echo(table)
    else:
        run_stage("build-index", lambda: build_index(store, settings, model_id, force))


if __name__ == "__main__":
    app()
