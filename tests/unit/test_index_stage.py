"""The build-index stage: what it writes, in which order, and what it refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.factories import (
    lightgcn_like_embeddings,
    make_model,
    make_models,
    make_settings,
    skewed_norm_embeddings,
)
from tunedin_common import contract
from tunedin_common.contract import (
    INDEX_FILE,
    INDEX_FILES,
    INDEX_META_FILE,
    ITEM_EMBEDDINGS_FILE,
    MODEL_FILES,
    MODEL_MANIFEST_FILE,
    ArtifactStore,
    ContractError,
    HnswParams,
)
from tunedin_trainer.errors import GateError, PipelineError
from tunedin_trainer.index import stage
from tunedin_trainer.index.build import IndexSpec
from tunedin_trainer.index.evaluate import Evaluation, build_best, evaluate
from tunedin_trainer.index.measure import exact_top_k
from tunedin_trainer.index.stage import build_index
from tunedin_trainer.publish.stage import publish


def _snapshot(directory: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(directory.iterdir())}


def test_build_makes_the_model_servable_with_checksummed_index_files(store: ArtifactStore) -> None:
    model_id = make_model(store)
    before = store.read_model_manifest(model_id)
    assert not before.servable

    outcome = build_index(store, make_settings(store), model_id)

    after = store.require_servable(model_id)  # every checksum verifies
    assert outcome.built and outcome.model_id == model_id
    assert set(after.files) == set(MODEL_FILES) | set(INDEX_FILES)
    assert {name: after.files[name] for name in MODEL_FILES} == before.files
    assert after.index == outcome.meta.model_dump(mode="json")
    assert after.model_dump(exclude={"index", "files"}) == before.model_dump(exclude={"index", "files"})
    assert outcome.meta.type == "hnsw" and outcome.meta.recall_at_100 >= 0.97
    assert not [p for p in store.model_dir(model_id).iterdir() if p.name.endswith(".tmp")]


def test_an_intact_index_is_left_alone_and_force_rebuilds_it(store: ArtifactStore) -> None:
    model_id = make_model(store)
    settings = make_settings(store)
    first = build_index(store, settings, model_id)
    directory = store.model_dir(model_id)
    written = _snapshot(directory)

    again = build_index(store, settings)  # default: the newest model, already indexed

    assert not again.built and again.meta == first.meta
    assert _snapshot(directory) == written
    rebuilt = build_index(store, settings, model_id, force=True)
    assert rebuilt.built and rebuilt.meta.built_at > first.meta.built_at
    assert store.require_servable(model_id).index == rebuilt.meta.model_dump(mode="json")


def test_default_is_the_newest_model_without_an_index(store: ArtifactStore) -> None:
    older, newer = make_models(store, 2, n_items=300, n_users=50, dim=16)
    settings = make_settings(store)
    assert build_index(store, settings).model_id == newer
    assert build_index(store, settings).model_id == older
    assert build_index(store, settings).model_id == newer  # all indexed: the newest, left alone


def test_corrupt_model_files_are_refused_before_anything_is_built(store: ArtifactStore) -> None:
    model_id = make_model(store)
    path = store.model_dir(model_id) / ITEM_EMBEDDINGS_FILE
    data = bytearray(path.read_bytes())
    data[-8:] = bytes(b ^ 0xFF for b in data[-8:])
    path.write_bytes(bytes(data))

    with pytest.raises(PipelineError, match=f"{ITEM_EMBEDDINGS_FILE} fails its sha256 check"):
        build_index(store, make_settings(store), model_id)
    assert not (store.model_dir(model_id) / INDEX_FILE).exists()


def test_a_corrupt_index_is_refused_until_forced(store: ArtifactStore) -> None:
    model_id = make_model(store)
    settings = make_settings(store)
    build_index(store, settings, model_id)
    (store.model_dir(model_id) / INDEX_FILE).write_bytes(b"garbage")

    with pytest.raises(PipelineError, match=f"{INDEX_FILE} has the wrong size"):
        build_index(store, settings, model_id)
    assert build_index(store, settings, model_id, force=True).built
    store.require_servable(model_id)


def test_a_model_without_manifest_or_directory_is_refused(store: ArtifactStore) -> None:
    settings = make_settings(store)
    with pytest.raises(PipelineError, match=r"no model in .*: run train first"):
        build_index(store, settings)
    model_id = make_model(store)
    (store.model_dir(model_id) / MODEL_MANIFEST_FILE).unlink()
    with pytest.raises(PipelineError, match=r"manifest\.json is missing") as refused:
        build_index(store, settings, model_id)
    assert "\n" not in str(refused.value)
    with pytest.raises(PipelineError, match="no model 20200101T000000Z-00000000"):
        build_index(store, settings, "20200101T000000Z-00000000")


def test_embeddings_must_match_the_manifest(store: ArtifactStore) -> None:
    users, items = skewed_norm_embeddings(20, 100, 8)
    items[3, 2] = np.nan
    model_id = make_model(store, embeddings=(users, items))
    with pytest.raises(PipelineError, match="NaN"):
        build_index(store, make_settings(store), model_id)


def test_an_index_below_its_gates_is_not_written(store: ArtifactStore) -> None:
    model_id = make_model(store)
    manifest_bytes = (store.model_dir(model_id) / MODEL_MANIFEST_FILE).read_bytes()
    with pytest.raises(GateError, match=r"index is .* MB > limit 0.01 MB"):
        build_index(store, make_settings(store, max_index_mb=0.01), model_id)
    assert (store.model_dir(model_id) / MODEL_MANIFEST_FILE).read_bytes() == manifest_bytes
    assert not (store.model_dir(model_id) / INDEX_FILE).exists()


def test_a_build_killed_after_writing_the_index_leaves_the_manifest_alone(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_id = make_model(store)
    directory = store.model_dir(model_id)
    manifest_bytes = (directory / MODEL_MANIFEST_FILE).read_bytes()

    def killed_after_index_faiss(path: Path, model: Any) -> None:
        if path.name == INDEX_META_FILE:
            assert (directory / INDEX_FILE).is_file(), "index.faiss is written first"
            raise KeyboardInterrupt("killed")
        contract.write_manifest(path, model)

    monkeypatch.setattr(stage, "write_manifest", killed_after_index_faiss)
    with pytest.raises(KeyboardInterrupt):
        build_index(store, make_settings(store), model_id)

    assert (directory / MODEL_MANIFEST_FILE).read_bytes() == manifest_bytes
    assert not store.read_model_manifest(model_id).servable
    with pytest.raises(ContractError, match="has no index yet"):
        store.require_servable(model_id)
    with pytest.raises(GateError, match="has no index"):
        publish(store, make_settings(store), model_id)
    assert store.read_current() is None
    monkeypatch.undo()
    assert build_index(store, make_settings(store)).model_id == model_id, "a rerun finishes the job"
    store.require_servable(model_id)


def _evaluated(items: np.ndarray, users: np.ndarray, ef_search: int) -> list[Evaluation]:
    spec = IndexSpec("hnsw", HnswParams(m=16, ef_construction=100, ef_search=ef_search))
    return build_best(items, users, spec)


def test_the_cheapest_efsearch_that_clears_the_gates_is_recorded(store: ArtifactStore) -> None:
    users, items = lightgcn_like_embeddings(200, 3000, 16, seed=3)
    ranked = _evaluated(items, users, ef_search=1024)
    settings = make_settings(store, recall_gate_at_20=0.95, recall_gate_at_100=0.9)
    chosen = stage._choose(ranked, users, settings)
    ef = chosen.built.spec.ef_search
    assert ef is not None and 100 <= ef < 1024, "a halved efSearch still clears these gates"
    assert chosen.built.index.hnsw.efSearch == ef  # type: ignore[attr-defined]
    assert chosen.recall_at_20 >= 0.95 and chosen.recall_at_100 >= 0.9
    # The recall recorded is the recall at the recorded efSearch, re-measured from scratch.
    truth = exact_top_k(items, users, 100)
    assert evaluate(chosen.built, users, truth).recall_at_100 == chosen.recall_at_100
    # Gates nothing can clear: the best-ranked candidate comes back untouched (and fails later).
    strict = make_settings(store, recall_gate_at_20=1.0, recall_gate_at_100=1.0)
    worst_case = _evaluated(items, users, ef_search=100)
    assert all(e.recall_at_100 < 1.0 for e in worst_case), "efSearch 100 is approximate here"
    assert stage._choose(worst_case, users, strict) is worst_case[0]
