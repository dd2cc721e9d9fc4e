"""The erasure ledger: the durable record of every user erasure, shared by the API and the batch side.

```
$ARTIFACTS/erasures/<erasure_id>.json        ErasureRequest: written by the API when a user is deleted
$ARTIFACTS/erasures/<erasure_id>.batch.json  ErasureProgress: written by the batch pipeline
```

The ledger never holds a user id. A user is named by their *subject*: a keyed hash (HMAC-SHA256
under ``TUNEDIN_PSEUDONYM_KEY``) that only a holder of the key can match against a user id, the
same pseudonym the feedback log uses. It is the suppression list erasure law expects a service
to keep: the API hides the user's model-derived data for as long as a model containing the user
is served, and every ``prepare-data`` run excludes the user's rows from the source again.

The erasure id is derived from the subject (a second keyed hash), so deleting the same user twice
finds the same record: the request file is created once (a hard link that fails when it exists)
and later requests only renew its ``caches_purged_at``. Each file has one writer kind, so the API
and the pipeline never overwrite each other's fields.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tunedin_common.contract import SCHEMA_VERSION, ContractError, atomic_write_bytes, utcnow

log = logging.getLogger(__name__)

ERASURES_DIR = "erasures"
REQUEST_SUFFIX = ".json"
PROGRESS_SUFFIX = ".batch.json"
SUBJECT_PATTERN = r"^[0-9a-f]{32}$"
ERASURE_ID_PATTERN = r"^er-[0-9a-f]{20}$"
_M = TypeVar("_M", bound=BaseModel)


def subject_of(key: bytes, user_id: int) -> str:
    """The keyed pseudonym of ``user_id``: stable, not reversible without the key."""
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def erasure_id_of(key: bytes, user_id: int) -> str:
    """The id of ``user_id``'s erasure (one per user: a second request finds the first)."""
    return "er-" + hmac.new(key, f"erasure:{user_id}".encode(), hashlib.sha256).hexdigest()[:20]


class ErasureRequest(BaseModel):
    """``erasures/<erasure_id>.json``: a user's erasure as the API recorded it."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["erasure"] = "erasure"
    erasure_id: str = Field(pattern=ERASURE_ID_PATTERN)
    subject: str = Field(pattern=SUBJECT_PATTERN, description="Keyed pseudonym of the user.")
    requested_at: datetime = Field(description="The first DELETE; the user's data is suppressed from then.")
    due_by: datetime = Field(description="When the retrain that completes the erasure is due at the latest.")
    caches_purged_at: datetime = Field(description="The last purge of Redis and the API processes' caches.")
    requests: int = Field(1, ge=1, description="DELETE requests received for this user.")


class ErasureProgress(BaseModel):
    """``erasures/<erasure_id>.batch.json``: how far the batch pipeline has carried the erasure."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["erasure-progress"] = "erasure-progress"
    erasure_id: str = Field(pattern=ERASURE_ID_PATTERN)
    removed_from_datasets_at: datetime | None = Field(
        None, description="A dataset without the user exists and every dataset with the user is removed."
    )
    datasets_removed: list[str] = Field(default_factory=list)
    retrained_at: datetime | None = Field(
        None, description="A model trained without the user was published (is served)."
    )
    retrained_model_id: str | None = None
    removed_from_models_at: datetime | None = Field(
        None, description="Every model with the user (rollback models included) is removed."
    )
    models_removed: list[str] = Field(default_factory=list)
    other_files_removed: list[str] = Field(
        default_factory=list, description="Checkpoints and cached source archives that held the user."
    )
    datasets_without_user: list[str] = Field(
        default_factory=list, description="Datasets prepare-data built with the user excluded."
    )
    waiting_for: str | None = Field(
        None, description="What keeps the erasure from completing, as the last pipeline stage saw it."
    )

    @property
    def complete(self) -> bool:
        return all(
            at is not None
            for at in (self.removed_from_datasets_at, self.retrained_at, self.removed_from_models_at)
        )


class ErasureLedger:
    """The ``erasures/`` folder of an artifact store."""

    def __init__(self, artifacts: Path | str) -> None:
        self.root = Path(artifacts) / ERASURES_DIR

    def request_file(self, erasure_id: str) -> Path:
        return self.root / f"{erasure_id}{REQUEST_SUFFIX}"

    def progress_file(self, erasure_id: str) -> Path:
        return self.root / f"{erasure_id}{PROGRESS_SUFFIX}"

    # ---------------------------------------------------------------- the API's side

    def record(
        self, key: bytes, user_id: int, deadline: timedelta, now: datetime | None = None
    ) -> ErasureRequest:
        """Record an erasure of ``user_id`` durably; a repeat renews ``caches_purged_at``."""
        now = now or utcnow()
        erasure_id = erasure_id_of(key, user_id)
        fresh = ErasureRequest(
            erasure_id=erasure_id,
            subject=subject_of(key, user_id),
            requested_at=now,
            due_by=now + deadline,
            caches_purged_at=now,
        )
        if self._create(self.request_file(erasure_id), _dump(fresh)):
            return fresh
        existing = self.request(erasure_id)
        if existing is None:  # unreadable: replace it with what is known now
            atomic_write_bytes(self.request_file(erasure_id), _dump(fresh))
            return fresh
        renewed = existing.model_copy(update={"caches_purged_at": now, "requests": existing.requests + 1})
        atomic_write_bytes(self.request_file(erasure_id), _dump(renewed))
        return renewed

    def _create(self, path: Path, data: bytes) -> bool:
        """Write ``path`` only if it does not exist (atomically); whether this call created it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.root)
        try:
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            return True
        finally:
            Path(tmp).unlink(missing_ok=True)

    # ---------------------------------------------------------------- readers

    def request(self, erasure_id: str) -> ErasureRequest | None:
        return _read(self.request_file(erasure_id), ErasureRequest)

    def progress(self, erasure_id: str) -> ErasureProgress | None:
        return _read(self.progress_file(erasure_id), ErasureProgress)

    def requests(self) -> list[ErasureRequest]:
        """Every readable erasure request, oldest first (an unreadable file is logged and skipped)."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.iterdir():
            name = path.name
            if name.endswith(REQUEST_SUFFIX) and not name.endswith(PROGRESS_SUFFIX) and name[0] != ".":
                request = _read(path, ErasureRequest)
                if request is not None:
                    found.append(request)
        return sorted(found, key=lambda r: (r.requested_at, r.erasure_id))

    def subjects(self) -> frozenset[str]:
        """The subjects of every erasure ever requested (the suppression list)."""
        return frozenset(r.subject for r in self.requests())

    def signature(self) -> tuple[int, int]:
        """Changes whenever an erasure is added or renewed: (files, newest mtime in ns)."""
        try:
            entries = [e for e in os.scandir(self.root) if not e.name.startswith(".")]
        except FileNotFoundError:
            return (0, 0)
        return (len(entries), max((e.stat().st_mtime_ns for e in entries), default=0))

    # ---------------------------------------------------------------- the batch side

    def write_progress(self, progress: ErasureProgress) -> None:
        atomic_write_bytes(self.progress_file(progress.erasure_id), _dump(progress))

    def pending(self) -> list[ErasureRequest]:
        """Requests whose erasure is not complete yet, oldest first."""
        out = []
        for request in self.requests():
            progress = self.progress(request.erasure_id)
            if progress is None or not progress.complete:
                out.append(request)
        return out


def _dump(model: BaseModel) -> bytes:
    return (model.model_dump_json(indent=2) + "\n").encode()


def _read(path: Path, cls: type[_M]) -> _M | None:
    try:
        return cls.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as exc:
        log.error("erasure ledger: %s is unreadable (%s); it is skipped", path, exc)
        return None


def require_key(key: str) -> bytes:
    """The pseudonym key as bytes; ContractError when empty (the ledger cannot name anyone)."""
    if not key:
        raise ContractError("TUNEDIN_PSEUDONYM_KEY is empty: erasures cannot be recorded or honoured")
    return key.encode()


__all__ = [
    "ERASURES_DIR",
    "ErasureLedger",
    "ErasureProgress",
    "ErasureRequest",
    "erasure_id_of",
    "require_key",
    "subject_of",
]
