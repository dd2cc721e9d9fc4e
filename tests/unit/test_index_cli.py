"""build-index through its real CLI: exit codes and one-line reasons."""

from __future__ import annotations

from pathlib import Path

from tests.factories import ModelSize, error_lines, make_model
from tests.support.jobs import job_env, run_job
from tunedin_common.contract import INDEX_FILE, ITEM_EMBEDDINGS_FILE, MODEL_MANIFEST_FILE, ArtifactStore

SMALL: ModelSize = {"n_items": 500, "n_users": 60, "dim": 16}


def _flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4] = bytes(
        b ^ 0xFF for b in data[len(data) // 2 : len(data) // 2 + 4]
    )
    path.write_bytes(bytes(data))


def test_cli_builds_then_leaves_an_intact_index_alone(store: ArtifactStore) -> None:
    model_id = make_model(store, **SMALL)

    first = run_job("build_index", job_env(store.root))
    assert first.returncode == 0, first.stderr
    assert store.require_servable(model_id).index is not None
    written = (store.model_dir(model_id) / MODEL_MANIFEST_FILE).read_bytes()

    second = run_job("build_index", job_env(store.root), "--model-id", model_id)
    assert second.returncode == 0, second.stderr
    assert "left alone" in second.stderr
    assert (store.model_dir(model_id) / MODEL_MANIFEST_FILE).read_bytes() == written


def test_cli_refuses_corrupt_embeddings_with_one_line(store: ArtifactStore) -> None:
    model_id = make_model(store, **SMALL)
    _flip_bytes(store.model_dir(model_id) / ITEM_EMBEDDINGS_FILE)

    result = run_job("build_index", job_env(store.root), "--model-id", model_id)

    assert result.returncode == 1
    assert error_lines(result) == [
        f"error: build-index failed: model {model_id} is corrupt: "
        f"{store.model_dir(model_id)}: {ITEM_EMBEDDINGS_FILE} fails its sha256 check"
    ]
    assert not (store.model_dir(model_id) / INDEX_FILE).exists()


def test_cli_refuses_a_model_without_manifest(store: ArtifactStore) -> None:
    model_id = make_model(store, **SMALL)
    (store.model_dir(model_id) / MODEL_MANIFEST_FILE).unlink()

    result = run_job("build_index", job_env(store.root), "--model-id", model_id)

    assert result.returncode == 1
    (line,) = error_lines(result)
    assert "is missing: the directory is incomplete" in line


def test_cli_refuses_an_index_that_misses_its_gate(store: ArtifactStore) -> None:
    model_id = make_model(store, **SMALL)
    result = run_job(
        "build_index", job_env(store.root, TUNEDIN_RECALL_GATE_AT_100="1.0", TUNEDIN_HNSW_EF_SEARCH="8")
    )
    assert result.returncode == 1
    (line,) = error_lines(result)
    assert f"index of model {model_id} (hnsw/" in line and "recall@100" in line
    assert not store.read_model_manifest(model_id).servable


def test_cli_compare_measures_every_variant_and_writes_nothing(store: ArtifactStore) -> None:
    model_id = make_model(store, **SMALL)
    before = sorted(p.name for p in store.model_dir(model_id).iterdir())
    result = run_job("build_index", job_env(store.root), "--compare")
    assert result.returncode == 0, result.stderr
    rows = [line.split("|")[1].strip() for line in result.stdout.splitlines()[2:]]
    assert sorted(rows) == ["flat/none", "hnsw/mips_augment", "hnsw/none"]
    assert sorted(p.name for p in store.model_dir(model_id).iterdir()) == before
