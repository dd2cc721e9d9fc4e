"""The erasure receipt: each store's state with its time, in words a person can act on.

Built from the ledger's two files: the API's request (suppressed, caches purged) and the batch
pipeline's progress (removed from datasets, retrained, removed from models).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tunedin_common.contract import utcnow
from tunedin_common.erasures import ErasureProgress, ErasureRequest

NOTE = (
    "Artist embeddings learned while this user's listening was in the training data keep a trace "
    "of it until a model trained without the user is served: the erasure is complete only then. "
    "Until that retrain the API serves the user as a newcomer and nothing from the old model."
)


def _step(name: str, at: datetime | None, description: str, detail: str | None = None) -> dict[str, Any]:
    return {
        "step": name,
        "status": "done" if at is not None else "pending",
        "at": at,
        "description": description,
        "detail": detail,
    }


def _listed(what: str, names: list[str]) -> str | None:
    return f"{what}: {', '.join(names)}" if names else None


def receipt(
    request: ErasureRequest, progress: ErasureProgress | None, now: datetime | None = None
) -> dict[str, Any]:
    batch = progress or ErasureProgress(erasure_id=request.erasure_id)
    now = now or utcnow()
    complete = batch.complete
    steps = [
        _step(
            "suppressed",
            request.requested_at,
            "The API serves nothing derived from the user (embedding, listening history, most "
            "played artists, cached recommendations), on every worker and replica.",
        ),
        _step(
            "caches_purged",
            request.caches_purged_at,
            "Recent history, cached embeddings and recommendations, rate-limit counters, the "
            "lists shown in experiments and feedback- and impression-log entries removed from "
            "Redis and from every API process.",
        ),
        _step(
            "removed_from_datasets",
            batch.removed_from_datasets_at,
            "prepare-data rebuilt the training data without the user and removed every dataset, "
            "checkpoint and cached source archive that held them.",
            _listed("removed datasets", batch.datasets_removed),
        ),
        _step(
            "retrained",
            batch.retrained_at,
            "A model trained without the user is served.",
            f"model {batch.retrained_model_id}" if batch.retrained_model_id else None,
        ),
        _step(
            "removed_from_models",
            batch.removed_from_models_at,
            "Every model that was trained with the user, rollback models included, is removed.",
            _listed("removed models", batch.models_removed),
        ),
    ]
    status = "complete" if complete else "overdue" if now > request.due_by else "in_progress"
    done = [s["at"] for s in steps if s["at"] is not None]
    return {
        "erasure_id": request.erasure_id,
        "status": status,
        "requested_at": request.requested_at,
        "due_by": request.due_by,
        "completed_at": max(done) if complete else None,
        "requests": request.requests,
        "steps": steps,
        "waiting_for": None
        if complete
        else batch.waiting_for or "the next pipeline run (prepare-data to publish)",
        "note": NOTE,
    }
