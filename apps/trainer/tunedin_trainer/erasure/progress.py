"""Updating an erasure's ``ErasureProgress``: lists only grow, a step's time is set once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tunedin_common.erasures import ErasureLedger, ErasureProgress, ErasureRequest

LIST_FIELDS = (
    "datasets_removed",
    "models_removed",
    "other_files_removed",
    "datasets_without_user",
)
STEP_FIELDS = ("removed_from_datasets_at", "retrained_at", "removed_from_models_at")


def current_progress(ledger: ErasureLedger, request: ErasureRequest) -> ErasureProgress:
    return ledger.progress(request.erasure_id) or ErasureProgress(erasure_id=request.erasure_id)


def record_progress(
    ledger: ErasureLedger,
    request: ErasureRequest,
    done: Iterable[str] = (),
    at: datetime | None = None,
    **changes: Any,
) -> ErasureProgress:
    """Write the request's progress with ``changes``: list fields gain the new entries, each step
    in ``done`` gets ``at`` unless it already has a time, other fields are replaced."""
    progress = current_progress(ledger, request)
    update: dict[str, Any] = {}
    for name, value in changes.items():
        if name in LIST_FIELDS:
            old: list[str] = getattr(progress, name)
            update[name] = [*old, *(v for v in dict.fromkeys(value) if v not in old)]
        else:
            update[name] = value
    for step in done:
        if step not in STEP_FIELDS:
            raise ValueError(f"not a step of an erasure: {step}")
        if getattr(progress, step) is None:
            update[step] = at
    fresh = ErasureProgress.model_validate({**progress.model_dump(), **update})
    ledger.write_progress(fresh)
    return fresh
