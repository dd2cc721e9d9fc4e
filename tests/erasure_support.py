"""Erasure tests' helpers: record an erasure as the API does, and scan a whole artifact store for
anything keyed to one user.

``findings`` looks at every file under the store and knows each kind the pipeline writes:
Parquet (every column naming users or friends), embeddings (their rows against the id map
beside them), JSON (any user-named field, or the subject outside the ledger), checkpoints (a
training state whose dataset is gone), zip archives (a source archive holds every user),
the CURRENT/LATEST pointers, the FAISS index (items only). A file of any other kind is a
finding too, so nothing escapes the scan by being new.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from tunedin_common import contract
from tunedin_common.erasures import ERASURES_DIR, ErasureLedger, ErasureRequest, subject_of

KEY = b"tunedin-erasure-test-key"
DEADLINE = timedelta(hours=72)
ZIP_MAGIC = b"PK\x03\x04"
_STATE_FILE = "state.pt"  # tunedin_trainer.training.checkpoint.STATE_FILE, without importing torch


def record_erasure(root: Path, user_id: int) -> ErasureRequest:
    """What the API's DELETE /v1/users/{id} writes into the ledger."""
    return ErasureLedger(root).record(KEY, user_id, DEADLINE)


def _user_column(name: str) -> bool:
    """A column or field naming users by id (user_id, friend_id, userID …), not a count of them."""
    lowered = name.lower().replace("_", "")
    return lowered.endswith("id") and ("user" in lowered or "friend" in lowered)


def _lists_user(path: Path, user_id: int) -> list[str]:
    table = pq.read_table(path)
    return [
        column
        for column in table.column_names
        if _user_column(column) and user_id in table.column(column).to_pylist()
    ]


def _json_hits(node: Any, user_id: int, subject: str | None, key: str = "") -> list[str]:
    """User-named fields holding ``user_id``; strings holding ``subject`` (None: allowed)."""
    if isinstance(node, dict):
        return [hit for k, v in node.items() for hit in _json_hits(v, user_id, subject, str(k))]
    if isinstance(node, list):
        return [hit for v in node for hit in _json_hits(v, user_id, subject, key)]
    if isinstance(node, str) and subject is not None and subject in node:
        return [f"the subject in field {key!r}"]
    if _user_column(key) and isinstance(node, int) and not isinstance(node, bool) and node == user_id:
        return [f"user id in field {key!r}"]
    return []


def _rows(path: Path) -> int:
    return int(np.load(path, mmap_mode="r").shape[0])


def _file_findings(root: Path, path: Path, user_id: int, subject: str) -> list[str]:
    rel = path.relative_to(root)
    name = path.name
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == ZIP_MAGIC:
        return [f"{rel}: a zip archive (a source archive holds every user)"]
    if name.endswith(".parquet"):
        return [f"{rel}: column {column} lists user {user_id}" for column in _lists_user(path, user_id)]
    if name.endswith(".npy"):
        beside = {
            contract.USER_EMBEDDINGS_FILE: contract.MODEL_USERS_FILE,
            contract.ITEM_EMBEDDINGS_FILE: contract.MODEL_ITEMS_FILE,
        }.get(name)
        if beside is None or not (path.parent / beside).is_file():
            return [f"{rel}: embeddings without their id map"]
        expected = pq.read_metadata(path.parent / beside).num_rows
        return [] if _rows(path) == expected else [f"{rel}: {_rows(path)} rows, its id map {expected}"]
    if name.endswith(".json"):
        ledger = rel.parts[0] == ERASURES_DIR  # the suppression list names the subject by design
        hits = _json_hits(json.loads(path.read_bytes()), user_id, None if ledger else subject)
        return [f"{rel}: {hit}" for hit in hits]
    if name == _STATE_FILE:
        marker = path.parent / contract.CHECKPOINT_DATASET_FILE
        dataset = root / contract.DATASETS_DIR / (marker.read_text().strip() if marker.is_file() else "?")
        if not dataset.is_dir():
            return [f"{rel}: training state of a run on a dataset that is gone (or unnamed)"]
        if any(_lists_user(table, user_id) for table in dataset.glob("*.parquet")):
            return [f"{rel}: training state of a run on a dataset that lists user {user_id}"]
        return []
    if name in (contract.CURRENT_FILE, contract.LATEST_DATASET_FILE, contract.CHECKPOINT_DATASET_FILE):
        return []
    if name == contract.INDEX_FILE:
        return []
    return [f"{rel}: a file the scan does not know"]


def findings(root: Path, user_id: int) -> list[str]:
    """Everything under ``root`` that is keyed to ``user_id`` (empty: the store is clear of them)."""
    subject = subject_of(KEY, user_id)
    out: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        out += _file_findings(root, path, user_id, subject)
    return out


def scanned_kinds(root: Path) -> set[str]:
    """The suffixes of the files the scan looked at (to show it looked at every kind)."""
    return {p.suffix or p.name for p in root.rglob("*") if p.is_file()}
