"""The artifact contract: ids, manifests, checksums, atomic writes, staging and CURRENT.

Also checks that no other module spells an artifact file name: every writer and reader
must take them from ``tunedin_common.contract``.
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tunedin_common import contract
from tunedin_common.contract import (
    ArtifactStore,
    ContractError,
    DatasetManifest,
    ModelManifest,
    dataset_id_for,
    file_entries,
    new_model_id,
    verify_files,
    write_manifest,
)


def _model_manifest(store: ArtifactStore, model_id: str, with_index: bool) -> ModelManifest:
    directory = store.model_dir(model_id)
    directory.mkdir(parents=True)
    names = list(contract.MODEL_FILES) + (list(contract.INDEX_FILES) if with_index else [])
    for name in names:
        (directory / name).write_bytes(f"content of {name}".encode())
    manifest = ModelManifest(
        model_id=model_id,
        dataset_id="0123456789abcdef",
        data_hash="a" * 64,
        created_at=datetime.now(UTC),
        n_users=3,
        n_items=5,
        dim=64,
        params={"lr": 0.01},
        index={"type": "hnsw"} if with_index else None,
        files=file_entries(directory, names),
    )
    write_manifest(directory / contract.MODEL_MANIFEST_FILE, manifest)
    return manifest


def test_model_ids_sort_by_time_and_are_unique() -> None:
    early = new_model_id({"a": 1}, now=datetime(2026, 1, 1, tzinfo=UTC))
    late = new_model_id({"a": 1}, now=datetime(2026, 1, 2, tzinfo=UTC))
    assert early.startswith("20260101T000000Z-")
    assert contract.is_model_id(early)
    assert early < late
    assert new_model_id({"a": 1}) != new_model_id({"a": 1})
    assert not contract.is_model_id("../etc")


def test_dataset_id_is_a_content_address() -> None:
    a = dataset_id_for("f" * 64, {"seed": 1})
    assert a == dataset_id_for("f" * 64, {"seed": 1})
    assert a != dataset_id_for("f" * 64, {"seed": 2})
    assert a != dataset_id_for("e" * 64, {"seed": 1})
    assert len(a) == 16


def test_paths_reject_traversal(store: ArtifactStore) -> None:
    with pytest.raises(ContractError):
        store.model_dir("../../etc")
    with pytest.raises(ContractError):
        store.dataset_dir("../x")
    with pytest.raises(ContractError):
        store.checkpoint_dir("not-hex")


def test_manifest_round_trip_and_servable(store: ArtifactStore) -> None:
    model_id = new_model_id({})
    written = _model_manifest(store, model_id, with_index=True)
    read = store.require_servable(model_id)
    assert read == written
    assert read.servable

    unindexed = new_model_id({"other": True})
    _model_manifest(store, unindexed, with_index=False)
    assert not store.read_model_manifest(unindexed).servable
    with pytest.raises(ContractError, match="no index"):
        store.require_servable(unindexed)
    assert store.model_ids() == sorted([model_id, unindexed])


def test_manifest_rejects_unknown_fields_and_versions(store: ArtifactStore) -> None:
    model_id = new_model_id({})
    _model_manifest(store, model_id, with_index=True)
    path = store.model_dir(model_id) / contract.MODEL_MANIFEST_FILE
    payload = json.loads(path.read_text())
    path.write_text(json.dumps({**payload, "surprise": 1}))
    with pytest.raises(ContractError, match="does not follow the contract"):
        store.read_model_manifest(model_id)
    path.write_text(json.dumps({**payload, "schema_version": 2}))
    with pytest.raises(ContractError):
        store.read_model_manifest(model_id)


def test_checksums_catch_corruption_and_missing_files(store: ArtifactStore) -> None:
    model_id = new_model_id({})
    manifest = _model_manifest(store, model_id, with_index=True)
    directory = store.model_dir(model_id)
    target = directory / contract.ITEM_EMBEDDINGS_FILE
    original = target.read_bytes()
    target.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
    with pytest.raises(ContractError, match="sha256"):
        verify_files(directory, manifest.files)
    target.write_bytes(original + b"x")
    with pytest.raises(ContractError, match="size"):
        verify_files(directory, manifest.files)
    target.unlink()
    with pytest.raises(ContractError, match="missing"):
        store.require_servable(model_id)


def test_directory_without_manifest_is_never_used(store: ArtifactStore) -> None:
    model_id = new_model_id({})
    store.model_dir(model_id).mkdir(parents=True)
    assert store.model_ids() == []
    with pytest.raises(ContractError, match="incomplete"):
        store.read_model_manifest(model_id)


def test_current_pointer(store: ArtifactStore) -> None:
    assert store.read_current() is None
    served = new_model_id({})
    _model_manifest(store, served, with_index=True)
    store.write_current(served)
    assert store.read_current() == served
    assert not list(store.root.glob(".CURRENT.*")), "temporary file left behind"

    unindexed = new_model_id({"x": 1})
    _model_manifest(store, unindexed, with_index=False)
    with pytest.raises(ContractError):
        store.write_current(unindexed)
    assert store.read_current() == served

    store.current_file.write_text("garbage\n")
    with pytest.raises(ContractError, match="not a model id"):
        store.read_current()


def test_staging_renames_on_success_and_cleans_on_failure(store: ArtifactStore) -> None:
    final = store.dataset_dir("0123456789abcdef")
    with store.staging(final) as stage:
        assert stage.name.startswith(contract.STAGING_PREFIX)
        (stage / "a.txt").write_text("ok")
        assert not final.exists()
    assert (final / "a.txt").read_text() == "ok"

    other = store.dataset_dir("fedcba9876543210")
    with pytest.raises(RuntimeError), store.staging(other) as stage:
        (stage / "half.txt").write_text("half")
        raise RuntimeError("killed")
    assert not other.exists()
    assert [p.name for p in store.datasets_dir.iterdir()] == [final.name]


def test_sweep_staging_removes_leftovers(store: ArtifactStore) -> None:
    leftover = store.models_dir / f"{contract.STAGING_PREFIX}abc"
    leftover.mkdir(parents=True)
    kept = store.model_dir(new_model_id({}))
    kept.mkdir(parents=True)
    assert store.sweep_staging() == [leftover]
    assert kept.exists()


def test_dataset_manifest_round_trip(store: ArtifactStore) -> None:
    dataset_id = dataset_id_for("c" * 64, {"seed": 42})
    directory = store.dataset_dir(dataset_id)
    directory.mkdir(parents=True)
    for name in contract.DATASET_FILES:
        (directory / name).write_bytes(name.encode())
    manifest = DatasetManifest(
        dataset_id=dataset_id,
        created_at=datetime.now(UTC),
        source="local",
        source_sha256="c" * 64,
        seed=42,
        split_params={"seed": 42},
        counts={"users": 1},
        files=file_entries(directory, contract.DATASET_FILES),
    )
    write_manifest(directory / contract.DATASET_MANIFEST_FILE, manifest)
    assert store.read_dataset_manifest(dataset_id) == manifest
    assert store.complete_dataset_ids() == [dataset_id]


def _artifact_names() -> set[str]:
    names = {contract.CURRENT_FILE, contract.DATASET_MANIFEST_FILE, contract.MODEL_MANIFEST_FILE}
    names.update(contract.DATASET_FILES, contract.MODEL_FILES, contract.INDEX_FILES)
    return names


def test_no_module_spells_artifact_names_but_the_contract() -> None:
    """Writers and readers import the names; a literal copy elsewhere would drift."""
    contract_file = Path(contract.__file__).resolve()
    offenders = []
    sources = [*REPO_ROOT.joinpath("apps").rglob("*.py"), *REPO_ROOT.joinpath("jobs").rglob("*.py")]
    for path in sources:
        if path.resolve() == contract_file or "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in _artifact_names():
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.value!r}")
    assert not offenders, "artifact names spelled outside the contract:\n" + "\n".join(offenders)


def test_latest_dataset_pointer(store: ArtifactStore) -> None:
    assert store.read_latest_dataset() is None
    dataset_id = dataset_id_for("d" * 64, {"seed": 1})
    with pytest.raises(ContractError, match="incomplete"):
        store.write_latest_dataset(dataset_id)
    directory = store.dataset_dir(dataset_id)
    directory.mkdir(parents=True)
    manifest = DatasetManifest(
        dataset_id=dataset_id,
        created_at=datetime.now(UTC),
        source="local",
        source_sha256="d" * 64,
        seed=1,
        split_params={"seed": 1},
        counts={},
        files={},
    )
    write_manifest(directory / contract.DATASET_MANIFEST_FILE, manifest)
    store.write_latest_dataset(dataset_id)
    assert store.read_latest_dataset() == dataset_id
    store.latest_dataset_file.write_text("../../x\n")
    with pytest.raises(ContractError, match="not a dataset id"):
        store.read_latest_dataset()


def test_artifacts_are_readable_by_other_users(store: ArtifactStore) -> None:
    """The API may run as another user than the jobs: files and dirs follow the umask, not 0600."""
    target = store.root / "x.json"
    contract.atomic_write_json(target, {"a": 1})
    assert target.stat().st_mode & 0o044 == 0o044 & ~contract._UMASK
    final = store.dataset_dir("0123456789abcdef")
    with store.staging(final):
        pass
    assert final.stat().st_mode & 0o055 == 0o055 & ~contract._UMASK
