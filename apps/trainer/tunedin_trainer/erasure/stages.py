"""Where the pipeline stages hand over to the erasure steps (prepare-data and publish call these)."""

from __future__ import annotations

from tunedin_common.contract import ArtifactStore
from tunedin_common.erasures import ErasureLedger
from tunedin_common.settings import CommonSettings
from tunedin_trainer.erasure.datasets_step import DatasetSweep, sweep_datasets
from tunedin_trainer.erasure.models_step import ModelSweep, sweep_models
from tunedin_trainer.erasure.suppression import Suppression
from tunedin_trainer.errors import PipelineError


def suppression_for(store: ArtifactStore, settings: CommonSettings) -> Suppression | None:
    """The store's suppression list (None when no erasure is on record)."""
    return Suppression.load(ErasureLedger(store.root), settings)


def after_prepare(store: ArtifactStore, suppression: Suppression, dataset_id: str) -> DatasetSweep:
    """``dataset_id`` (built without the erased users) is LATEST: clear the rest of the store."""
    try:
        return sweep_datasets(store, ErasureLedger(store.root), suppression, dataset_id)
    except OSError as exc:
        raise PipelineError(f"erasure: removing what holds erased users failed: {exc}") from exc


def after_publish(
    store: ArtifactStore, settings: CommonSettings, refused: str | None = None
) -> ModelSweep | None:
    """Publish is done (or refused a model, saying why): complete what the served model allows."""
    ledger = ErasureLedger(store.root)
    if not ledger.pending():
        return None
    suppression = Suppression.load(ledger, settings)
    if suppression is None:
        return None
    try:
        return sweep_models(store, ledger, suppression, refused)
    except OSError as exc:
        raise PipelineError(f"erasure: removing models that hold erased users failed: {exc}") from exc
