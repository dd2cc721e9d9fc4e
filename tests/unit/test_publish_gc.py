"""Garbage collection: the newest N model dirs and the served one stay, stale staging dirs go."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.factories import ModelSize, make_models, make_settings
from tunedin_common.contract import STAGING_PREFIX, ArtifactStore
from tunedin_trainer.index.stage import build_index
from tunedin_trainer.publish.gc import collect_garbage
from tunedin_trainer.publish.stage import publish

SMALL: ModelSize = {"n_items": 200, "n_users": 30, "dim": 8}


def _model_dirs(store: ArtifactStore) -> list[str]:
    return sorted(p.name for p in store.models_dir.iterdir() if not p.name.startswith("."))


def _age(path: Path, hours: float) -> None:
    stamp = time.time() - hours * 3600
    for p in (path, *path.rglob("*")):
        os.utime(p, (stamp, stamp))


def test_keeps_the_newest_and_the_served_model(store: ArtifactStore) -> None:
    ids = make_models(store, 6, **SMALL)
    build_index(store, make_settings(store), ids[1])  # only a servable model can be CURRENT
    store.write_current(ids[1])

    removed = collect_garbage(store, keep=2)

    assert _model_dirs(store) == [ids[1], ids[4], ids[5]]
    assert sorted(p.name for p in removed) == [ids[0], ids[2], ids[3]]
    assert store.read_current() == ids[1]
    store.require_servable(ids[1])


def test_the_served_model_survives_even_keep_one(store: ArtifactStore) -> None:
    ids = make_models(store, 3, **SMALL)
    build_index(store, make_settings(store), ids[0])
    store.write_current(ids[0])
    collect_garbage(store, keep=1)
    assert _model_dirs(store) == [ids[0], ids[2]]
    with pytest.raises(ValueError):
        collect_garbage(store, keep=0)


def test_only_stale_staging_dirs_are_removed(store: ArtifactStore) -> None:
    make_models(store, 1, **SMALL)
    stale_model = store.models_dir / f"{STAGING_PREFIX}model-a"
    fresh_model = store.models_dir / f"{STAGING_PREFIX}model-b"
    stale_dataset = store.datasets_dir / f"{STAGING_PREFIX}0123456789abcdef-x"
    half_stale = store.models_dir / f"{STAGING_PREFIX}model-c"
    for directory in (stale_model, fresh_model, stale_dataset, half_stale):
        directory.mkdir(parents=True)
        (directory / "part.npy").write_bytes(b"...")
    unrelated = store.models_dir / "notes"
    unrelated.mkdir()
    _age(stale_model, 7)
    _age(stale_dataset, 7)
    _age(half_stale, 7)
    (half_stale / "new-file").write_bytes(b"still being written")
    _age(unrelated, 100)

    removed = collect_garbage(store, keep=5)

    assert sorted(removed) == sorted([stale_model, stale_dataset])
    assert fresh_model.is_dir() and half_stale.is_dir() and unrelated.is_dir()


def test_publish_collects_with_keep_from_settings(store: ArtifactStore) -> None:
    ids = make_models(store, 4, **SMALL)
    build_index(store, make_settings(store), ids[-1])
    outcome = publish(store, make_settings(store, keep_models=2))
    assert outcome.published and sorted(p.name for p in outcome.removed) == ids[:2]
    assert _model_dirs(store) == ids[2:]
    assert not [p for p in store.models_dir.iterdir() if p.name.startswith(STAGING_PREFIX)]
