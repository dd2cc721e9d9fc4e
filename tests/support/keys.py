"""API keys for tests: one key file with an admin key, one key per scope and a revoked key,
made with the key file's own code (as ``python -m tunedin_api.keys add`` makes them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tunedin_api.keys.keyfile import KeyEntry, KeyFile, Scope, hash_key, new_key, now, write_key_file


@dataclass(frozen=True)
class ApiKeys:
    file: Path
    by_scope: dict[Scope, str]  # an active key with only that scope (admin: the admin key)
    revoked: str  # an admin key that was revoked

    @property
    def admin(self) -> str:
        return self.by_scope[Scope.ADMIN]

    @staticmethod
    def bearer(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def key_id(self, key: str) -> str:
        return key.split("_")[1]


def add_key(path: Path, scopes: list[Scope], name: str = "", revoked: bool = False) -> str:
    """Add a key to the file at ``path`` (created if missing); the key."""
    keys = KeyFile.model_validate_json(path.read_bytes()) if path.exists() else KeyFile()
    key_id, key = new_key(keys)
    entry = KeyEntry(
        id=key_id,
        name=name,
        scopes=scopes,
        sha256=hash_key(key),
        created_at=now(),
        revoked_at=now() if revoked else None,
    )
    write_key_file(path, keys.model_copy(update={"keys": [*keys.keys, entry]}))
    return key


def make_test_keys(folder: Path) -> ApiKeys:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "api-keys.json"
    by_scope = {scope: add_key(path, [scope], name=f"test {scope}") for scope in Scope}
    revoked = add_key(path, [Scope.ADMIN], name="test revoked", revoked=True)
    return ApiKeys(path, by_scope, revoked)
