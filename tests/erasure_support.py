"""Erasure tests' helpers: record an erasure as the API does, run the pipeline's CLIs on a store,
and scan a whole artifact store, or a whole Redis, for anything keyed to one user.

``findings`` looks at every file under the store and knows each kind the pipeline writes:
Parquet (every column naming users or friends), embeddings (their rows against the id map
beside them), JSON (any user-named field, or the subject outside the ledger), checkpoints (a
training state whose dataset is gone), zip archives (a source archive holds every user),
the CURRENT/LATEST pointers, the FAISS index (items only). A file of any other kind is a
finding too, so nothing escapes the scan by being new.

``redis_findings`` reads every key of a Redis by its type (strings, lists, sets, sorted sets,
hashes, streams; a key of any other type is a finding) and reports a key named after the user
(``tunedin:user:<id>:…``, a rate-limit counter ``…/user/<id>/…``), a user-named field or JSON
field holding their id, and their pseudonym (the keyed hash the feedback stream names users by)
anywhere but in the set of erased subjects, which is the suppression list by design.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.parquet as pq

from tests.support.jobs import run_job_ok
from tunedin_api.store.keys import ERASED_SET
from tunedin_common import contract
from tunedin_common.erasures import ERASURES_DIR, ErasureLedger, ErasureRequest, subject_of

if TYPE_CHECKING:
    import redis

KEY = b"tunedin-erasure-test-key"
DEADLINE = timedelta(hours=72)
ZIP_MAGIC = b"PK\x03\x04"
_STATE_FILE = "state.pt"  # tunedin_trainer.training.checkpoint.STATE_FILE, without importing torch

# Small training settings for the pipeline runs of the integration tests: quality is not tested.
PIPELINE_FAST = {
    "TUNEDIN_EPOCHS": "3",
    "TUNEDIN_EVAL_EVERY": "3",
    "TUNEDIN_DIM": "16",
    "TUNEDIN_BATCH_SIZE": "8192",
    "TUNEDIN_INDEX_TYPE": "flat",
    "TUNEDIN_SIMILAR_EVAL_QUERIES": "100",
    "TUNEDIN_COLD_START_EVAL_USERS": "100",
}
PIPELINE_STAGES = ("prepare_data", "train", "build_index", "publish")  # what `make pipeline` runs


def record_erasure(root: Path, user_id: int) -> ErasureRequest:
    """What the API's DELETE /v1/users/{id} writes into the ledger."""
    return ErasureLedger(root).record(KEY, user_id, DEADLINE)


def pipeline_env(root: Path, source_url: str, sha256: str) -> dict[str, str]:
    """The environment of the pipeline's CLIs on the store ``root``, downloading ``source_url``,
    with the pseudonym key the API of the erasure tests uses and the small training settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNEDIN_")}
    env.update(
        TUNEDIN_ARTIFACTS=str(root),
        TUNEDIN_DATA_SOURCE=source_url,
        TUNEDIN_DATA_SHA256=sha256,
        TUNEDIN_PSEUDONYM_KEY=KEY.decode(),
        TUNEDIN_ABLATIONS_REPORT=str(root.parent / "no-ablations.json"),
        **PIPELINE_FAST,
    )
    return env


def run_pipeline(env: dict[str, str]) -> None:
    for stage in PIPELINE_STAGES:
        run_job_ok(stage, env)


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


# ------------------------------------------------------------------ Redis


def _key_names_user(key: str, user_id: int) -> bool:
    """``tunedin:user:<id>:…``, ``…/user/<id>/…`` (a rate-limit counter) and the like."""
    return re.search(rf"(?:^|[:/])users?[:/]{user_id}(?:[:/]|$)", key) is not None


def _raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _redis_items(client: redis.Redis, key: bytes, kind: str) -> list[tuple[str, bytes]] | None:
    """Every value under ``key`` as ``(field name, value)`` (the field name "" where there is
    none); ``None`` for a type the scan does not know."""
    reply: Any
    if kind == "string":
        reply = client.get(key)
        return [] if reply is None else [("", _raw(reply))]
    if kind == "list":
        reply = client.lrange(key, 0, -1)
        return [("", _raw(v)) for v in reply]
    if kind == "set":
        reply = client.smembers(key)
        return [("", _raw(v)) for v in reply]
    if kind == "zset":
        reply = client.zrange(key, 0, -1, withscores=True)
        return [("", _raw(v)) for v, _ in reply]
    if kind == "hash":
        reply = client.hgetall(key)
        return [(_text(f), _raw(v)) for f, v in reply.items()]
    if kind == "stream":
        reply = client.xrange(key, "-", "+")
        return [(_text(f), _raw(v)) for _, fields in reply for f, v in fields.items()]
    return None


def _value_hits(field: str, value: bytes, user_id: int, subject: str | None) -> list[str]:
    hits = []
    if subject is not None and subject.encode() in value:
        hits.append(f"the user's pseudonym{f' in field {field!r}' if field else ''}")
    user_field = _user_column(field) or field.lower() in ("user", "users", "friend")
    if user_field and value.strip() == str(user_id).encode():
        hits.append(f"user id in field {field!r}")
    if value[:1] in (b"{", b"["):
        try:
            node = json.loads(value)
        except ValueError:
            node = None
        hits += _json_hits(node, user_id, None)
    return hits


def redis_findings(client: redis.Redis, user_id: int) -> list[str]:
    """Everything in ``client``'s database keyed to ``user_id`` (empty: Redis is clear of them)."""
    subject = subject_of(KEY, user_id)
    out: list[str] = []
    for raw_key in sorted(_raw(k) for k in client.scan_iter(count=1000)):
        key = _text(raw_key)
        kind = _text(client.type(raw_key))
        if _key_names_user(key, user_id):
            out.append(f"{key}: a {kind} named after user {user_id}")
        items = _redis_items(client, raw_key, kind)
        if items is None:
            out.append(f"{key}: a {kind}, a type the scan does not know")
            continue
        allowed = key == ERASED_SET and kind == "set"  # the erased subjects: the suppression list
        hits = {
            hit
            for field, value in items
            for hit in _value_hits(field, value, user_id, None if allowed else subject)
        }
        out += [f"{key} ({kind}): {hit}" for hit in sorted(hits)]
    return out


def redis_types(client: redis.Redis) -> dict[str, str]:
    """Each key of ``client``'s database and its type (to show what the scan looked at)."""
    return {_text(k): _text(client.type(k)) for k in client.scan_iter(count=1000)}
