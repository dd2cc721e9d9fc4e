"""After prepare-data built the dataset without the erased users: remove everything else that
holds them outside the models.

* every other dataset directory (staging leftovers included) that lists an erased user;
* every checkpoint whose dataset is no longer there, or that does not say which it is;
* every cached source archive (each holds every user of the source).

Then each pending erasure the suppression list covers records the clean dataset and
``removed_from_datasets_at``. Run while erasures are on record, so a later download never
lingers in the cache.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tunedin_common.contract import CHECKPOINTS_DIR, ArtifactStore, utcnow
from tunedin_common.erasures import ErasureLedger
from tunedin_trainer.erasure.holders import erased_subjects_in
from tunedin_trainer.erasure.progress import record_progress
from tunedin_trainer.erasure.suppression import Suppression
from tunedin_trainer.errors import PipelineError
from tunedin_trainer.publish.gc import remove_directory
from tunedin_trainer.training.checkpoint_dataset import dataset_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatasetSweep:
    """What the step removed: datasets by the erased subjects they held, and other files."""

    datasets: dict[str, frozenset[str]]
    other_files: list[str]
    completed: list[str]  # erasure ids whose dataset step this run completed or confirmed


def sweep_datasets(
    store: ArtifactStore,
    ledger: ErasureLedger,
    suppression: Suppression,
    clean_id: str,
    now: datetime | None = None,
) -> DatasetSweep:
    held = erased_subjects_in(store.dataset_dir(clean_id), suppression)
    if held:
        raise PipelineError(f"dataset {clean_id} was built without the erased users but holds {len(held)}")
    datasets: dict[str, frozenset[str]] = {}
    if store.datasets_dir.is_dir():
        for child in sorted(store.datasets_dir.iterdir()):
            if child.is_dir() and child.name != clean_id:
                subjects = erased_subjects_in(child, suppression)
                if subjects:
                    remove_directory(child)
                    datasets[child.name] = subjects
    other = [*_remove_checkpoints(store), *_remove_cache(store)]
    at = now or utcnow()
    completed = []
    for request in suppression.covers(ledger.pending()):
        removed = [name for name, subjects in datasets.items() if request.subject in subjects]
        record_progress(
            ledger,
            request,
            done=("removed_from_datasets_at",),
            at=at,
            datasets_removed=removed,
            other_files_removed=other,
            datasets_without_user=[clean_id],
        )
        completed.append(request.erasure_id)
    log.info(
        "erasures: dataset %s is built without the %d erased subject(s) on record; removed %d "
        "dataset(s) holding them and %d checkpoint/cache file(s); %d pending erasure(s) are out "
        "of the datasets",
        clean_id,
        len(suppression.subjects),
        len(datasets),
        len(other),
        len(completed),
    )
    return DatasetSweep(datasets, other, completed)


def _remove_checkpoints(store: ArtifactStore) -> list[str]:
    """Checkpoints of runs on a dataset that is gone (or unnamed): their embeddings hold its users."""
    root = store.root / CHECKPOINTS_DIR
    if not root.is_dir():
        return []
    remaining = set(store.complete_dataset_ids())
    removed = []
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and dataset_of(folder) not in remaining:
            shutil.rmtree(folder)
            removed.append(_relative(store, folder))
    return removed


def _remove_cache(store: ArtifactStore) -> list[str]:
    """Every cached download: a source archive holds every user of the source."""
    if not store.cache_dir.is_dir():
        return []
    removed = []
    for entry in sorted(store.cache_dir.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(_relative(store, entry))
    return removed


def _relative(store: ArtifactStore, path: Path) -> str:
    return path.relative_to(store.root).as_posix()
