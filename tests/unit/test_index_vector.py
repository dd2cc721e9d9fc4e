"""The query side shared with the API: MIPS augmentation, search scores, loading, IndexMeta."""

from __future__ import annotations

import ast
from pathlib import Path

import faiss
import numpy as np
import pytest

from tests.factories import lightgcn_like_embeddings, make_model, make_settings
from tunedin_common import vector_index
from tunedin_common.contract import INDEX_FILE, ArtifactStore, ContractError, IndexMeta
from tunedin_common.vector_index import VectorIndex, augment_items, augment_queries, read_index_meta
from tunedin_trainer.index.stage import build_index


@pytest.fixture(scope="module")
def embeddings() -> tuple[np.ndarray, np.ndarray]:
    return lightgcn_like_embeddings(200, 1500, 32, seed=3)


def test_augmentation_lifts_items_to_one_norm_and_keeps_every_inner_product(
    embeddings: tuple[np.ndarray, np.ndarray],
) -> None:
    users, items = embeddings
    lifted, max_norm = augment_items(items)
    queries = augment_queries(users)
    norms = np.linalg.norm(items, axis=1)
    assert lifted.shape == (1500, 33) and queries.shape == (200, 33)
    assert lifted.dtype == queries.dtype == np.float32
    assert max_norm == pytest.approx(norms.max(), rel=1e-6)
    assert norms.max() / np.median(norms) > 3, "the data should have widely varying norms"
    np.testing.assert_allclose(np.linalg.norm(lifted, axis=1), max_norm, rtol=1e-5)
    np.testing.assert_allclose(queries @ lifted.T, users @ items.T, rtol=1e-5, atol=1e-5)
    assert (queries[:, -1] == 0).all()


@pytest.mark.parametrize("index_type", ["hnsw", "flat"])
def test_search_returns_true_inner_products_of_the_exact_top_k(
    store: ArtifactStore, embeddings: tuple[np.ndarray, np.ndarray], index_type: str
) -> None:
    model_id = make_model(store, embeddings=embeddings)
    build_index(store, make_settings(store, index_type=index_type), model_id)
    index = VectorIndex.load(store.model_dir(model_id))
    users, items = embeddings

    scores, rows = index.search(users, 100)

    assert scores.shape == rows.shape == (200, 100)
    assert scores.dtype == np.float32 and rows.dtype == np.int64
    exact = np.take_along_axis(users @ items.T, rows, axis=1)
    np.testing.assert_allclose(scores, exact, rtol=1e-4, atol=1e-5)  # the true score of each row
    assert (np.diff(scores, axis=1) <= 1e-6).all(), "best first"
    best = np.sort(users @ items.T, axis=1)[:, ::-1][:, :100]
    np.testing.assert_allclose(scores[:, :20], best[:, :20], rtol=1e-4, atol=1e-5)


def test_search_takes_one_vector_clamps_k_and_checks_the_dimension(store: ArtifactStore) -> None:
    users, items = lightgcn_like_embeddings(30, 50, 8, seed=1)
    model_id = make_model(store, embeddings=(users, items))
    build_index(store, make_settings(store), model_id)
    index = VectorIndex.load(store.model_dir(model_id))

    scores, rows = index.search(users[0], 500)
    assert rows.shape == (1, 50)
    assert sorted(rows[0].tolist()) == list(range(50))
    np.testing.assert_allclose(scores[0], items[rows[0]] @ users[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="dimension 8"):
        index.search(np.ones(9, dtype=np.float32), 5)
    with pytest.raises(ValueError, match="positive"):
        index.search(users[0], 0)


def test_index_json_round_trips_through_index_meta(store: ArtifactStore) -> None:
    model_id = make_model(store)
    outcome = build_index(store, make_settings(store), model_id)
    directory = store.model_dir(model_id)

    on_disk = read_index_meta(directory)
    manifest = store.require_servable(model_id)

    assert on_disk == outcome.meta == IndexMeta.model_validate(manifest.index)
    assert IndexMeta.model_validate_json(on_disk.model_dump_json()) == on_disk
    assert on_disk.model_id == model_id and on_disk.n_items == 1000 and on_disk.dim == 32
    assert on_disk.bytes == (directory / INDEX_FILE).stat().st_size == manifest.files[INDEX_FILE].bytes
    assert on_disk.faiss_version == faiss.__version__
    assert (
        on_disk.query_latency_us.k == 100 and on_disk.query_latency_us.p99 >= on_disk.query_latency_us.p50 > 0
    )


def test_index_meta_rejects_inconsistent_transform_and_params(store: ArtifactStore) -> None:
    model_id = make_model(store)
    meta = build_index(store, make_settings(store), model_id).meta.model_dump()
    with pytest.raises(ValueError, match="max_norm"):
        IndexMeta.model_validate({**meta, "transform": "none"})
    with pytest.raises(ValueError, match="params"):
        IndexMeta.model_validate({**meta, "type": "flat"})
    with pytest.raises(ValueError, match="extra"):
        IndexMeta.model_validate({**meta, "unknown": 1})


def test_loading_refuses_missing_or_mismatched_files(store: ArtifactStore, tmp_path: Path) -> None:
    model_id = make_model(store)
    build_index(store, make_settings(store), model_id)
    directory = store.model_dir(model_id)
    meta = read_index_meta(directory)

    with pytest.raises(ContractError, match=r"index\.json is missing"):
        VectorIndex.load(tmp_path)
    index = faiss.read_index(str(directory / INDEX_FILE))
    with pytest.raises(ContractError, match="metadata says"):
        VectorIndex(index, meta.model_copy(update={"n_items": 10}))
    (directory / INDEX_FILE).write_bytes(b"not an index")
    with pytest.raises(ContractError, match="not a faiss index"):
        VectorIndex.load(directory)


def test_the_query_side_needs_neither_torch_nor_the_trainer() -> None:
    """The API imports tunedin_common.vector_index: it must need only numpy, faiss and the contract."""
    tree = ast.parse(Path(vector_index.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    roots = {name.split(".")[0] for name in imported}
    assert roots <= {"__future__", "dataclasses", "pathlib", "faiss", "numpy", "tunedin_common"}
