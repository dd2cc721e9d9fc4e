"""The index gates: recall against exact search and size, checked by build-index and by publish."""

from __future__ import annotations

from tunedin_common.contract import IndexMeta
from tunedin_trainer.errors import GateError
from tunedin_trainer.settings import Settings

BYTES_PER_MB = 1_000_000  # decimal megabytes: the stricter reading of max_index_mb


def index_gate_failures(meta: IndexMeta, settings: Settings) -> list[str]:
    """Why ``meta`` fails the index gates of ``settings`` (empty when it passes)."""
    failures = []
    if meta.recall_at_20 < settings.recall_gate_at_20:
        failures.append(f"recall@20 {meta.recall_at_20:.4f} < gate {settings.recall_gate_at_20}")
    if meta.recall_at_100 < settings.recall_gate_at_100:
        failures.append(f"recall@100 {meta.recall_at_100:.4f} < gate {settings.recall_gate_at_100}")
    limit = settings.max_index_mb * BYTES_PER_MB
    if meta.bytes > limit:
        failures.append(f"index is {meta.bytes / BYTES_PER_MB:.2f} MB > limit {settings.max_index_mb} MB")
    return failures


def check_index_gates(meta: IndexMeta, settings: Settings) -> None:
    """Raise GateError (one line, every failed gate) unless ``meta`` passes the index gates."""
    failures = index_gate_failures(meta, settings)
    if failures:
        params = f" M={meta.params.m} efSearch={meta.params.ef_search}" if meta.params else ""
        raise GateError(
            f"index of model {meta.model_id} ({meta.type}/{meta.transform}{params}) fails its gates: "
            + "; ".join(failures)
        )
