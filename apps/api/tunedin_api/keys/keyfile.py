"""The key file: every API key as its id, scopes and SHA-256 hash; the key itself is never stored.

A key reads ``tdk_<id>_<secret>``: ``tdk_`` marks it as a TunedIn key (secret scanners can match
it), ``<id>`` (8 lowercase letters or digits) is its public name in logs, metrics and traces,
and ``<secret>`` is random (at least 32 characters of ``[A-Za-z0-9_-]``). The file stores
``sha256(key)`` in hex. A key carries 256 bits of randomness, so a fast hash is as safe as a
slow one and costs about a microsecond per request; the comparison is constant-time.

```json
{"schema_version": 1, "keys": [
  {"id": "k3f9a2b1", "name": "frontend", "scopes": ["recommendations:read"],
   "sha256": "<64 hex>", "created_at": "2026-12-03T10:00:00Z", "revoked_at": null}]}
```

A revoked key stays listed (with ``revoked_at``) so the file keeps the history of who had
access; the API refuses it like an unknown key. The Helm chart writes the same format.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import string
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tunedin_common.contract import atomic_write_bytes

PREFIX = "tdk_"
ID_LENGTH = 8
SECRET_LENGTH = 43
KEY_PATTERN = re.compile(r"^tdk_([a-z0-9]{8})_([A-Za-z0-9_-]{32,128})$")
ID_PATTERN = r"^[a-z0-9]{8}$"
_ID_ALPHABET = string.ascii_lowercase + string.digits


class Scope(StrEnum):
    """What a key may do. ``admin`` may do everything."""

    RECOMMENDATIONS_READ = "recommendations:read"
    FEEDBACK_WRITE = "feedback:write"
    HISTORY_READ = "history:read"
    USERS_DELETE = "users:delete"
    ADMIN = "admin"


SCOPE_HELP = {
    Scope.RECOMMENDATIONS_READ: "recommendations, cold start, similar artists, search, model info",
    Scope.FEEDBACK_WRITE: "post play, like and skip events",
    Scope.HISTORY_READ: "a listener's recent events and most played artists",
    Scope.USERS_DELETE: "erase a listener and read erasure receipts",
    Scope.ADMIN: "everything above",
}


class KeyFileError(Exception):
    """The key file is missing, unreadable or not in the key file format."""


class KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field("", max_length=200, description="Who or what holds the key.")
    scopes: list[Scope] = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes or Scope.ADMIN in self.scopes


class KeyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    keys: list[KeyEntry] = Field(default_factory=list)

    @field_validator("keys")
    @classmethod
    def _unique_ids(cls, keys: list[KeyEntry]) -> list[KeyEntry]:
        seen: set[str] = set()
        for entry in keys:
            if entry.id in seen:
                raise ValueError(f"key id {entry.id} is listed twice")
            seen.add(entry.id)
        return keys

    def find(self, key_id: str) -> KeyEntry | None:
        return next((k for k in self.keys if k.id == key_id), None)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_key(key: str) -> tuple[str, str] | None:
    """``(id, secret)`` of a well-formed key, else ``None``."""
    match = KEY_PATTERN.match(key)
    return (match.group(1), match.group(2)) if match else None


def matches(entry: KeyEntry, key: str) -> bool:
    """Whether ``key`` is the key ``entry`` stores the hash of (constant-time)."""
    return hmac.compare_digest(entry.sha256, hash_key(key))


def new_key(existing: KeyFile) -> tuple[str, str]:
    """A fresh ``(id, key)`` whose id is not in ``existing``."""
    while True:
        key_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(ID_LENGTH))
        if existing.find(key_id) is None:
            return key_id, f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def read_key_file(path: Path) -> KeyFile:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise KeyFileError(f"{path} does not exist") from exc
    except OSError as exc:
        raise KeyFileError(f"{path} cannot be read: {exc}") from exc
    try:
        return KeyFile.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the file"
        raise KeyFileError(f"{path} is not a key file: {where}: {first.get('msg')}") from exc


def write_key_file(path: Path, keys: KeyFile) -> None:
    """Replace ``path`` atomically (the API never reads half a file), readable by its owner only."""
    payload = json.loads(keys.model_dump_json())
    atomic_write_bytes(path, (json.dumps(payload, indent=2) + "\n").encode())
    path.chmod(0o600)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
