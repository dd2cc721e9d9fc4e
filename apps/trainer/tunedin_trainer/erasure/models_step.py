"""After publish: record the retrain and remove every model that still holds an erased user.

An erasure is retrained once CURRENT names a model whose dataset prepare-data built with the
user excluded (``ErasureProgress.datasets_without_user``) and whose id map does not list them.
Then every other model directory that lists the user, rollback models and staging leftovers
included, is removed (renamed out of sight, then deleted, as garbage collection does), and the
erasure is complete. The served model is never removed, and until a clean model is served the
rollback models stay: an erasure whose retrained model publish refused keeps its old model
served (the API hides the user meanwhile) and says what it waits for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from tunedin_common.contract import ArtifactStore, ContractError, utcnow
from tunedin_common.erasures import ErasureLedger, ErasureRequest
from tunedin_trainer.erasure.holders import erased_subjects_in
from tunedin_trainer.erasure.progress import current_progress, record_progress
from tunedin_trainer.erasure.suppression import Suppression
from tunedin_trainer.publish.gc import remove_directory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSweep:
    served: str | None
    models: dict[str, frozenset[str]]  # removed model directories → the erased subjects they held
    completed: list[str]  # erasure ids that are complete now
    waiting: dict[str, str]  # erasure id → what it waits for


def sweep_models(
    store: ArtifactStore,
    ledger: ErasureLedger,
    suppression: Suppression,
    refused: str | None = None,
    now: datetime | None = None,
) -> ModelSweep:
    """``refused``: why publish just refused a model, when it did (the erasure then waits on it)."""
    served = store.read_current()
    in_served = (
        frozenset[str]() if served is None else erased_subjects_in(store.model_dir(served), suppression)
    )
    requests = suppression.covers(ledger.pending())
    reasons = {r.erasure_id: _not_retrained(store, ledger, r, served, in_served) for r in requests}
    retrained = {r.subject for r in requests if reasons[r.erasure_id] is None}
    models: dict[str, frozenset[str]] = {}
    if retrained and store.models_dir.is_dir():
        for child in sorted(store.models_dir.iterdir()):
            if child.is_dir() and child.name != served:
                subjects = erased_subjects_in(child, suppression)
                if subjects & retrained:
                    remove_directory(child)
                    models[child.name] = subjects
    at = now or utcnow()
    completed: list[str] = []
    waiting: dict[str, str] = {}
    for request in requests:
        removed = [name for name, subjects in models.items() if request.subject in subjects]
        reason = reasons[request.erasure_id]
        if reason is None:
            record_progress(
                ledger,
                request,
                done=("retrained_at", "removed_from_models_at"),
                at=at,
                models_removed=removed,
                waiting_for=None,
                **_first_model(ledger, request, served),
            )
            completed.append(request.erasure_id)
            continue
        if refused is not None:
            reason = f"publish refused the newest model ({refused}); meanwhile {reason}"
        else:
            reason += ": the next pipeline run (prepare-data to publish) retrains without the user"
        waiting[request.erasure_id] = reason
        record_progress(ledger, request, models_removed=removed, waiting_for=reason)
    log.info(
        "erasures: served model %s; removed %d model(s) holding erased users; %d erasure(s) "
        "complete, %d waiting",
        served or "none",
        len(models),
        len(completed),
        len(waiting),
    )
    for erasure_id, reason in waiting.items():
        log.warning("erasure %s is not complete: %s", erasure_id, reason)
    return ModelSweep(served, models, completed, waiting)


def _not_retrained(
    store: ArtifactStore,
    ledger: ErasureLedger,
    request: ErasureRequest,
    served: str | None,
    in_served: frozenset[str],
) -> str | None:
    """Why the served model does not complete this erasure, or None when it does."""
    if served is None:
        return "no model is served"
    try:
        dataset_id = store.read_model_manifest(served, verify=False).dataset_id
    except ContractError as exc:
        return f"the served model {served} cannot be read ({exc})"
    if dataset_id not in current_progress(ledger, request).datasets_without_user:
        return f"the served model {served} was trained on dataset {dataset_id}, which includes the user"
    if request.subject in in_served:
        return f"the served model {served} lists the user although its dataset does not"
    return None


def _first_model(ledger: ErasureLedger, request: ErasureRequest, served: str | None) -> dict[str, str]:
    """``retrained_model_id``: the first clean model served, kept once recorded."""
    if current_progress(ledger, request).retrained_model_id is None and served is not None:
        return {"retrained_model_id": served}
    return {}
