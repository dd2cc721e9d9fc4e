"""Publish gates, in the order they run; each failure is a one-line GateError and CURRENT stays put."""

from __future__ import annotations

from tunedin_common.contract import INDEX_FILE, ArtifactStore, ContractError, IndexMeta, ModelManifest
from tunedin_common.vector_index import read_index_meta
from tunedin_trainer.errors import GateError, PipelineError
from tunedin_trainer.index.gates import check_index_gates
from tunedin_trainer.index.models import index_meta, one_line, read_manifest, verify
from tunedin_trainer.settings import Settings


def check_servable(store: ArtifactStore, model_id: str) -> ModelManifest:
    """Gate 1: the manifest exists, every checksum verifies, and the model has an index."""
    try:
        manifest = read_manifest(store, model_id)
        verify(store, manifest, manifest.files)
    except PipelineError as exc:
        raise GateError(str(exc)) from exc
    if not manifest.servable:
        raise GateError(f"model {model_id} has no index: run build-index first")
    return manifest


def check_index(store: ArtifactStore, manifest: ModelManifest, settings: Settings) -> IndexMeta:
    """Gate 2: the index metadata matches the model and the index meets its recall and size gates."""
    try:
        meta = index_meta(manifest)
        on_disk = read_index_meta(store.model_dir(manifest.model_id))
    except (PipelineError, ContractError) as exc:
        raise GateError(one_line(exc)) from exc
    size = manifest.files[INDEX_FILE].bytes
    mismatch = (
        on_disk != meta
        or (meta.model_id, meta.n_items, meta.dim) != (manifest.model_id, manifest.n_items, manifest.dim)
        or meta.bytes != size
    )
    if mismatch:
        raise GateError(
            f"model {manifest.model_id}: the index metadata does not match the model or its files"
        )
    check_index_gates(meta, settings)
    return meta


def check_quality(
    store: ArtifactStore, manifest: ModelManifest, served: str | None, settings: Settings, force: bool
) -> str:
    """Gate 3: not worse than the served model beyond the tolerance; returns what was decided."""
    metric = settings.quality_metric
    if force:
        return "quality gate skipped (--force)"
    if served is None:
        return "quality gate skipped (nothing served yet)"
    new = manifest.headline_metrics.get(metric)
    if new is None:
        raise GateError(f"model {manifest.model_id} has no test {metric} to compare (--force skips the gate)")
    try:
        old = read_manifest(store, served).headline_metrics.get(metric)
    except PipelineError as exc:
        raise GateError(f"cannot compare with the served model: {exc} (--force skips the gate)") from exc
    if old is None:
        raise GateError(f"served model {served} has no test {metric} to compare (--force skips the gate)")
    if new < old - settings.quality_tolerance:
        raise GateError(
            f"model {manifest.model_id} is worse than the served {served}: {metric} {new:.4f} < "
            f"{old:.4f} − tolerance {settings.quality_tolerance} (--force skips the gate)"
        )
    return f"{metric} {new:.4f} vs served {old:.4f} (tolerance {settings.quality_tolerance})"
