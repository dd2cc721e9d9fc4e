"""``python -m jobs.prepare_data`` on tiny data: output, idempotence, and every kind of bad input.

Each bad input must end the real process with a non-zero exit, one ``error:`` line naming
the problem, and no dataset, staging folder or cache file left behind.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.prepare_support import (
    assert_fails_cleanly,
    replace_line,
    run_prepare,
    tiny_files,
    write_files,
    write_zip,
)


def test_help() -> None:
    result = run_prepare(Path("/nonexistent"), "unused", "--help")
    assert result.returncode == 0
    for option in ("--source", "--sha256", "--force"):
        assert option in result.stdout


def test_prepares_then_reuses(tmp_path: Path) -> None:
    artifacts, folder = tmp_path / "artifacts", write_files(tmp_path / "lastfm", tiny_files())
    # --source overrides TUNEDIN_DATA_SOURCE
    first = run_prepare(artifacts, str(tmp_path / "elsewhere"), "--source", str(folder))
    assert first.returncode == 0, first.stderr
    match = re.search(r"^dataset ([0-9a-f]{16}) \(prepared in", first.stdout, re.MULTILINE)
    assert match, first.stdout
    assert re.search(r"^\s+interactions\s+32$", first.stdout, re.MULTILINE)
    second = run_prepare(artifacts, str(folder))
    assert second.returncode == 0, second.stderr
    assert f"dataset {match.group(1)} (reused" in second.stdout
    assert "reusing" in second.stderr
    rebuilt = run_prepare(artifacts, str(folder), "--force")
    assert f"dataset {match.group(1)} (prepared" in rebuilt.stdout


def _zip(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "lastfm.zip", tiny_files())


def _truncated_zip(tmp_path: Path) -> Path:
    whole = _zip(tmp_path).read_bytes()
    path = tmp_path / "truncated.zip"
    path.write_bytes(whole[: len(whole) - 40])
    return path


def _folder(tmp_path: Path, drop: str = "", file: str = "", line: int = 0, new: bytes = b"") -> Path:
    files = tiny_files()
    if drop:
        del files[drop]
    if file:
        files[file] = replace_line(files[file], line, new)
    return write_files(tmp_path / "lastfm", files)


def _header_only(tmp_path: Path) -> Path:
    files = tiny_files()
    files["user_artists.dat"] = b"userID\tartistID\tweight\r\n"
    return write_files(tmp_path / "lastfm", files)


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], str | None, list[str]]] = {
    "checksum mismatch": (_zip, "ab" * 32, ["checksum mismatch", "lastfm.zip"]),
    "truncated zip": (_truncated_zip, "", ["truncated.zip", "truncated or corrupt"]),
    "truncated zip, checked": (_truncated_zip, None, ["checksum mismatch"]),
    "missing file": (lambda p: _folder(p, drop="artists.dat"), None, ["lacks required file", "artists.dat"]),
    "malformed row": (
        lambda p: _folder(p, file="user_artists.dat", line=5, new=b"2\tfour\t204"),
        None,
        ["user_artists.dat line 5", "artistID"],
    ),
    "bad encoding": (
        lambda p: _folder(p, file="artists.dat", line=3, new=b"2\t\xff\tu\tp"),
        None,
        ["artists.dat line 3", "utf-8"],
    ),
    "unknown artist": (
        lambda p: _folder(p, file="user_artists.dat", line=5, new=b"2\t404\t1"),
        None,
        ["user_artists.dat line 5", "artist 404 is not in artists.dat"],
    ),
    "empty data": (_header_only, None, ["user_artists.dat has a header but no data rows"]),
    "no such source": (lambda p: p / "absent", None, ["does not exist"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_fails_cleanly(tmp_path: Path, case: str) -> None:
    make, sha256, words = BAD_INPUTS[case]
    artifacts = tmp_path / "artifacts"
    result = run_prepare(artifacts, str(make(tmp_path)), sha256=sha256)
    line = assert_fails_cleanly(result, artifacts, "prepare-data failed", *words)
    assert len(line) < 400


def test_invalid_sha_setting_is_refused(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    result = run_prepare(artifacts, str(_zip(tmp_path)), "--sha256", "not-a-sha")
    assert_fails_cleanly(result, artifacts, "invalid settings", "data_sha256")


def test_empty_sha_accepts_any_zip(tmp_path: Path) -> None:
    path = _zip(tmp_path)
    result = run_prepare(tmp_path / "artifacts", str(path), "--sha256", "")
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() in result.stderr  # logged as unverified
