"""scripts/local-keys.sh, the local secrets of make up / make api / make pipeline: made on the
first run with private modes, reused after, a revoked key replaced, and `exec` handing the same
pseudonym key and key file to whatever it runs (the caller's own values win)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tunedin_api.keys.keyfile import KEY_PATTERN, Scope, hash_key, parse_key, read_key_file

SCRIPT = REPO_ROOT / "scripts" / "local-keys.sh"
FILES = ("pseudonym.key", "api-keys.json", "admin.key", "frontend.key")
FRONTEND_SCOPES = [Scope.RECOMMENDATIONS_READ, Scope.FEEDBACK_WRITE, Scope.HISTORY_READ, Scope.USERS_DELETE]


def _run(keys: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("TUNEDIN_PSEUDONYM_KEY", "TUNEDIN_API_KEYS_FILE")
    }
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        env={**clean, "TUNEDIN_UP_KEYS_DIR": str(keys), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _contents(keys: Path) -> dict[str, str]:
    return {name: (keys / name).read_text(encoding="utf-8") for name in FILES}


def _scopes_of(keys: Path, name: str) -> list[Scope]:
    key = (keys / f"{name}.key").read_text(encoding="utf-8").strip()
    parsed = parse_key(key)
    assert parsed is not None and KEY_PATTERN.match(key), key
    entry = read_key_file(keys / "api-keys.json").find(parsed[0])
    assert entry is not None and entry.active and entry.sha256 == hash_key(key)
    return entry.scopes


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    return tmp_path / "keys"


def test_the_first_run_makes_private_keys_the_key_file_lists(keys: Path) -> None:
    result = _run(keys)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    for name in FILES:
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600, name
    assert _scopes_of(keys, "admin") == [Scope.ADMIN]
    assert _scopes_of(keys, "frontend") == FRONTEND_SCOPES
    pseudonym = (keys / "pseudonym.key").read_text(encoding="utf-8").strip()
    assert len(pseudonym) == 48 and pseudonym != "tunedin-development-key"
    other = keys.parent / "other"
    assert _run(other).returncode == 0
    assert _contents(other) != _contents(keys), "random on every machine, never a fixed default"


def test_later_runs_reuse_them(keys: Path) -> None:
    assert _run(keys).returncode == 0
    first = _contents(keys)
    again = _run(keys)
    assert again.returncode == 0 and again.stderr == ""
    assert _contents(keys) == first


def test_a_revoked_key_gets_a_successor(keys: Path) -> None:
    assert _run(keys).returncode == 0
    first = _contents(keys)
    admin_id = parse_key(first["admin.key"].strip())
    assert admin_id is not None
    revoke = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "python"), "-m", "tunedin_api.keys", "revoke", admin_id[0]],
        env={**os.environ, "TUNEDIN_API_KEYS_FILE": str(keys / "api-keys.json")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert revoke.returncode == 0, revoke.stderr
    assert _run(keys).returncode == 0
    assert (keys / "admin.key").read_text(encoding="utf-8") != first["admin.key"]
    assert _scopes_of(keys, "admin") == [Scope.ADMIN]
    assert (keys / "frontend.key").read_text(encoding="utf-8") == first["frontend.key"]
    assert len(read_key_file(keys / "api-keys.json").keys) == 3, "the revoked key stays listed"


def test_exec_hands_the_local_keys_on_unless_the_caller_has_its_own(keys: Path) -> None:
    show = ("exec", "sh", "-c", 'printf "%s\\n%s\\n" "$TUNEDIN_PSEUDONYM_KEY" "$TUNEDIN_API_KEYS_FILE"')
    result = _run(keys, *show)
    assert result.returncode == 0, result.stderr
    pseudonym, key_file = result.stdout.splitlines()
    assert pseudonym == (keys / "pseudonym.key").read_text(encoding="utf-8").strip()
    assert key_file == str(keys / "api-keys.json")
    theirs = _run(
        keys, *show, env={"TUNEDIN_PSEUDONYM_KEY": "their-key", "TUNEDIN_API_KEYS_FILE": "/their.json"}
    )
    assert theirs.stdout.splitlines() == ["their-key", "/their.json"]


def test_a_broken_key_file_is_reported(keys: Path) -> None:
    keys.mkdir()
    (keys / "api-keys.json").write_text("{not json", encoding="utf-8")
    result = _run(keys)
    assert result.returncode != 0
    assert f"{keys / 'api-keys.json'} is not a key file" in result.stderr, result.stderr
    assert not (keys / "admin.key").exists()
