"""Garbage collection after a publish: old model directories and abandoned staging directories."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path

from tunedin_common.contract import STAGING_PREFIX, ArtifactStore, is_model_id

log = logging.getLogger(__name__)

STAGING_MAX_AGE = timedelta(hours=6)


def collect_garbage(store: ArtifactStore, keep: int, now: float | None = None) -> list[Path]:
    """Delete model dirs beyond the newest ``keep`` (never CURRENT's) and stale staging dirs.

    A model directory is first renamed to a staging name (atomic: readers see it whole or not
    at all), then deleted; a deletion cut short is finished by a later run, since the
    renamed directory keeps its old modification times. Staging directories are abandoned
    when nothing in them changed for ``STAGING_MAX_AGE`` (``now``: seconds since the epoch).
    Returns the paths removed.
    """
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    served = store.read_current()
    removed: list[Path] = []
    if store.models_dir.is_dir():
        ids = sorted(d.name for d in store.models_dir.iterdir() if d.is_dir() and is_model_id(d.name))
        kept = set(ids[-keep:]) | ({served} if served else set())
        for model_id in ids:
            if model_id not in kept:
                removed.append(remove_directory(store.models_dir / model_id))
    cutoff = (time.time() if now is None else now) - STAGING_MAX_AGE.total_seconds()
    for parent in (store.datasets_dir, store.models_dir):
        if not parent.is_dir():
            continue
        for child in parent.iterdir():
            if child.name.startswith(STAGING_PREFIX) and _last_change(child) < cutoff:
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
    return removed


def remove_directory(doomed: Path) -> Path:
    """Delete a dataset or model directory: renamed to a staging name first (atomic: readers see
    it whole or not at all), then deleted; a deletion cut short is finished by a later run.
    Returns ``doomed``."""
    if doomed.name.startswith(STAGING_PREFIX):  # already out of sight
        shutil.rmtree(doomed)
        return doomed
    hidden = doomed.with_name(f"{STAGING_PREFIX}gc-{doomed.name}")
    if hidden.exists():  # left by a collection that was cut short
        shutil.rmtree(hidden)
    shutil.rmtree(doomed.rename(hidden))
    return doomed


def _last_change(path: Path) -> float:
    """Newest modification time in a tree; +inf when it changes under us (treated as in use)."""
    try:
        return max(p.lstat().st_mtime for p in (path, *path.rglob("*")))
    except OSError:
        return float("inf")
