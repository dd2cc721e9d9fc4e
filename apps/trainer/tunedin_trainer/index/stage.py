"""The build-index stage: index one model, measure it, gate it, and make the model servable.

Order of writes, so that a build killed at any point never leaves a half-written model
visible: ``index.faiss`` and ``index.json`` are each written to a temporary name and renamed
into place, then the manifest is rewritten (same atomic way) LAST with ``index`` set and the
two files added to its checksums. Until that last rename the manifest still describes the
model without an index, which nothing serves; a rerun simply builds again.

``--force`` on a model that already has an index replaces its index files a few
milliseconds before its manifest: a build killed inside that window leaves checksums that
fail, which publish and the API refuse (never a silently wrong index); ``--force`` again
repairs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from tunedin_common.contract import (
    INDEX_FILE,
    INDEX_FILES,
    INDEX_META_FILE,
    MODEL_MANIFEST_FILE,
    ArtifactStore,
    IndexMeta,
    ModelManifest,
    atomic_write_bytes,
    file_entries,
    write_manifest,
)
from tunedin_common.vector_index import serialize
from tunedin_trainer.errors import GateError, PipelineError
from tunedin_trainer.index.build import IndexSpec
from tunedin_trainer.index.evaluate import Evaluation, build_best, cheapest_ef_search, describe, passes
from tunedin_trainer.index.gates import check_index_gates
from tunedin_trainer.index.models import (
    index_meta,
    load_embeddings,
    model_to_index,
    read_manifest,
    split_files,
    verify,
)
from tunedin_trainer.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOutcome:
    """What the stage did: ``built`` is False when an intact index was left alone."""

    model_id: str
    built: bool
    meta: IndexMeta


def build_index(
    store: ArtifactStore, settings: Settings, model_id: str | None = None, force: bool = False
) -> BuildOutcome:
    """Index ``model_id`` (default: the newest model without an index, else the newest).

    An indexed model whose files all verify is left alone unless ``force``. The model's own
    files must verify first; an index that fails its gates is not written (GateError).
    """
    model_id = model_id or model_to_index(store)
    manifest = read_manifest(store, model_id)
    model_files, index_files = split_files(manifest)
    verify(store, manifest, model_files)
    if manifest.servable and not force:
        try:
            verify(store, manifest, index_files)
        except PipelineError as exc:
            raise PipelineError(f"{exc} (--force rebuilds the index)") from exc
        log.info("model %s is already indexed and verifies: left alone (--force rebuilds)", model_id)
        return BuildOutcome(model_id, False, index_meta(manifest))

    users, items = load_embeddings(store, manifest)
    spec = IndexSpec.from_settings(settings)
    log.info("indexing model %s: %d items × %d dims, %s", model_id, manifest.n_items, manifest.dim, spec)
    best = _choose(build_best(items, users, spec), users, settings)
    index_bytes = serialize(best.built.index)
    meta = describe(model_id, best, index_bytes, users)
    try:
        check_index_gates(meta, settings)
    except GateError as exc:
        raise GateError(
            f"{exc}; nothing written "
            "(TUNEDIN_HNSW_EF_SEARCH, TUNEDIN_HNSW_M or TUNEDIN_INDEX_TYPE=flat may help)"
        ) from exc
    _write(store, manifest, index_bytes, meta)
    log.info(
        "model %s indexed (%s/%s): recall@20 %.4f, recall@100 %.4f, %.2f MB, built in %.2f s, "
        "query p50 %.0f µs p99 %.0f µs",
        model_id,
        meta.type,
        meta.transform,
        meta.recall_at_20,
        meta.recall_at_100,
        meta.bytes / 1e6,
        meta.build_seconds,
        meta.query_latency_us.p50,
        meta.query_latency_us.p99,
    )
    return BuildOutcome(model_id, True, meta)


def _choose(ranked: list[Evaluation], users: np.ndarray, settings: Settings) -> Evaluation:
    """The cheapest candidate that clears both recall gates, else the best-ranked one.

    The transforms trade recall at different depths (augmented HNSW holds deep in the list,
    plain inner-product HNSW near the top), so the highest recall@100 alone can miss a
    candidate that clears every gate. Each passing candidate gets the smallest efSearch that
    still passes (``cheapest_ef_search``); the one searching with the smallest efSearch wins,
    ties going to the better-ranked.
    """
    gates = (settings.recall_gate_at_20, settings.recall_gate_at_100)
    passing = [cheapest_ef_search(e, users, *gates) for e in ranked if passes(e, *gates)]
    if not passing:
        return ranked[0]
    return min(passing, key=lambda e: e.built.spec.ef_search or 0)


def _write(store: ArtifactStore, manifest: ModelManifest, index_bytes: bytes, meta: IndexMeta) -> None:
    """Write the index files, then the manifest that covers them, each by atomic rename."""
    directory = store.model_dir(manifest.model_id)
    atomic_write_bytes(directory / INDEX_FILE, index_bytes)
    write_manifest(directory / INDEX_META_FILE, meta)
    model_files, _ = split_files(manifest)
    updated = ModelManifest.model_validate(
        {
            **manifest.model_dump(),
            "index": meta.model_dump(mode="json"),
            "files": {**model_files, **file_entries(directory, INDEX_FILES)},
        }
    )
    write_manifest(directory / MODEL_MANIFEST_FILE, updated)


def compare(store: ArtifactStore, settings: Settings, model_id: str | None = None) -> list[IndexMeta]:
    """Measure plain IP-HNSW, augmented HNSW and exact flat on one model; write nothing."""
    model_id = model_id or model_to_index(store)
    manifest = read_manifest(store, model_id)
    verify(store, manifest, split_files(manifest)[0])
    users, items = load_embeddings(store, manifest)
    hnsw = IndexSpec.from_settings(settings.model_copy(update={"index_type": "hnsw"}))
    evaluations: list[Evaluation] = [
        *build_best(items, users, hnsw),
        *build_best(items, users, IndexSpec("flat", None)),
    ]
    return [describe(model_id, e, serialize(e.built.index), users) for e in evaluations]


def comparison_table(metas: list[IndexMeta]) -> str:
    """The output of :func:`compare` as a Markdown table."""
    lines = [
        "| index | recall@20 | recall@100 | MB | build s | p50 µs | p99 µs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in metas:
        lines.append(
            f"| {m.type}/{m.transform} | {m.recall_at_20:.4f} | {m.recall_at_100:.4f} | {m.bytes / 1e6:.2f} "
            f"| {m.build_seconds:.2f} | {m.query_latency_us.p50:.0f} | {m.query_latency_us.p99:.0f} |"
        )
    return "\n".join(lines)
