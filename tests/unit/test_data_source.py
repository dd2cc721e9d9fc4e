"""Resolving a data source: a folder of extracted files, a local zip, unsafe or broken archives."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from tests.prepare_support import tiny_files, write_files, write_zip
from tunedin_trainer.data.archive import check_archive
from tunedin_trainer.data.source import SourceData, load_source
from tunedin_trainer.errors import DataError


def _load(source: Path | str, sha256: str = "", cache: Path | None = None) -> SourceData:
    return load_source(str(source), sha256, cache or Path("/nonexistent-cache"), 5.0)


def test_directory_gives_its_files_and_a_content_checksum(tmp_path: Path) -> None:
    files = tiny_files()
    first = load_source(str(write_files(tmp_path / "a", files)), "", tmp_path / "cache", 5.0)
    moved = load_source(str(write_files(tmp_path / "b", files)), "", tmp_path / "cache", 5.0)
    assert first.files == files
    assert first.location == str((tmp_path / "a").resolve())
    assert first.sha256 == moved.sha256  # the bytes count, not where the folder is
    changed = load_source(
        str(write_files(tmp_path / "c", {**files, "tags.dat": files["tags.dat"] + b"9\tx\r\n"})),
        "",
        tmp_path / "cache",
        5.0,
    )
    assert changed.sha256 != first.sha256
    assert not (tmp_path / "cache").exists()  # folders never touch the cache


def test_directory_ignores_expected_sha_and_extra_files(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "d", {**tiny_files(), "readme.txt": b"hello"})
    source = load_source(str(folder), "0" * 64, tmp_path / "cache", 5.0)
    assert "readme.txt" not in source.files


def test_directory_missing_a_required_file(tmp_path: Path) -> None:
    files = tiny_files()
    del files["user_artists.dat"]
    with pytest.raises(DataError, match=r"lacks required file\(s\): user_artists.dat"):
        _load(write_files(tmp_path / "d", files))


def test_local_zip_verified_against_its_checksum(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "data.zip", tiny_files())
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    source = load_source(str(path), sha, tmp_path / "cache", 5.0)
    assert source.sha256 == sha and source.files == tiny_files()
    assert load_source(str(path), "", tmp_path / "cache", 5.0).sha256 == sha
    with pytest.raises(DataError, match=rf"checksum mismatch: .*data.zip has sha256 {sha}, expected 0+$"):
        _load(path, "0" * 64)


def test_zip_with_a_top_folder_is_found_by_name(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "data.zip", tiny_files(), prefix="hetrec2011-lastfm-2k/")
    assert load_source(str(path), "", tmp_path / "cache", 5.0).files == tiny_files()


def test_zip_missing_a_required_file(tmp_path: Path) -> None:
    files = tiny_files()
    del files["artists.dat"]
    with pytest.raises(DataError, match=r"data.zip lacks required file\(s\): artists.dat"):
        _load(write_zip(tmp_path / "data.zip", files))


@pytest.mark.parametrize("member", ["../evil.dat", "/etc/evil.dat", "a/../../evil.dat", "C:/evil.dat"])
def test_zip_with_a_member_outside_is_refused(tmp_path: Path, member: str) -> None:
    path = write_zip(tmp_path / "data.zip", {**tiny_files()})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(member, b"x")
    with pytest.raises(DataError, match="has a path outside the archive"):
        _load(path)


def test_truncated_zip(tmp_path: Path) -> None:
    whole = write_zip(tmp_path / "whole.zip", tiny_files()).read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(
        DataError, match=r"truncated.zip is not a readable zip archive \(truncated or corrupt\)"
    ):
        _load(truncated)


def test_member_failing_its_crc(tmp_path: Path) -> None:
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in tiny_files().items():
            archive.writestr(name, data)
    raw = bytearray(path.read_bytes())
    at = raw.index("Motörhead".encode())
    raw[at] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="not a readable zip archive"):
        _load(path)
    with pytest.raises(DataError, match="corrupt"):
        check_archive(path)


def test_missing_path_and_unsupported_scheme(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        _load(tmp_path / "nothing.zip")
    with pytest.raises(DataError, match="unsupported data source"):
        _load("ftp://example.org/data.zip")


def test_recorded_url_drops_credentials() -> None:
    from tunedin_trainer.data.source import _without_credentials

    assert (
        _without_credentials("https://u:secret@mirror.example:8443/x.zip")
        == "https://mirror.example:8443/x.zip"
    )
    assert _without_credentials("http://127.0.0.1:8000/a.zip") == "http://127.0.0.1:8000/a.zip"
