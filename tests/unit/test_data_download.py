"""Downloading the archive from a local HTTP server: verify, cache, reuse, and clean failures."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.prepare_support import LocalServer, http_server, tiny_files, write_zip
from tunedin_trainer.data.download import cached_zip_path, fetch_zip
from tunedin_trainer.data.source import load_source
from tunedin_trainer.errors import DataError

NAME = "lastfm.zip"


@pytest.fixture
def served(tmp_path: Path) -> Path:
    folder = tmp_path / "www"
    write_zip(folder / NAME, tiny_files())
    (folder / "notes.txt").write_text("not a zip\n")
    return folder


@pytest.fixture
def server(served: Path) -> Iterator[LocalServer]:
    with http_server(served) as running:
        yield running


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []


def test_downloads_verifies_and_reuses_the_cache(server: LocalServer, served: Path, tmp_path: Path) -> None:
    cache, sha = tmp_path / "cache", _sha(served / NAME)
    path, got = fetch_zip(server.url(NAME), sha, cache, 5.0)
    assert (path, got) == (cached_zip_path(cache, sha), sha)
    assert path.read_bytes() == (served / NAME).read_bytes()
    again, _ = fetch_zip(server.url(NAME), sha, cache, 5.0)
    assert again == path
    assert server.requests == [f"/{NAME}"]  # the second call did not ask the server
    assert _cache_files(cache) == [f"{sha}.zip"]


def test_corrupt_cache_entry_is_downloaded_again(server: LocalServer, served: Path, tmp_path: Path) -> None:
    cache, sha = tmp_path / "cache", _sha(served / NAME)
    cache.mkdir()
    cached_zip_path(cache, sha).write_bytes(b"garbage")
    path, _ = fetch_zip(server.url(NAME), sha, cache, 5.0)
    assert _sha(path) == sha
    assert len(server.requests) == 1


def test_without_expected_sha_caches_under_the_actual_one(
    server: LocalServer, served: Path, tmp_path: Path
) -> None:
    path, sha = fetch_zip(server.url(NAME), "", tmp_path / "cache", 5.0)
    assert sha == _sha(served / NAME) and path.name == f"{sha}.zip"


def test_load_source_from_a_url(server: LocalServer, served: Path, tmp_path: Path) -> None:
    source = load_source(server.url(NAME), _sha(served / NAME), tmp_path / "cache", 5.0)
    assert source.files == tiny_files()
    assert source.location == server.url(NAME)


def test_checksum_mismatch_leaves_nothing_in_the_cache(server: LocalServer, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"checksum mismatch: the download from .* expected f{64}"):
        fetch_zip(server.url(NAME), "f" * 64, tmp_path / "cache", 5.0)
    assert _cache_files(tmp_path / "cache") == []


def test_not_a_zip_is_not_cached_even_unchecked(server: LocalServer, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a readable zip archive"):
        fetch_zip(server.url("notes.txt"), "", tmp_path / "cache", 5.0)
    assert _cache_files(tmp_path / "cache") == []


def test_dropped_connection_is_a_data_error(served: Path, tmp_path: Path) -> None:
    with (
        http_server(served, cut_body_at=100) as cut,
        pytest.raises(DataError, match=r"download of .* failed"),
    ):
        fetch_zip(cut.url(NAME), "", tmp_path / "cache", 5.0)
    assert _cache_files(tmp_path / "cache") == []


def test_http_error_status(server: LocalServer, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="failed: HTTP 404"):
        fetch_zip(server.url("missing.zip"), "", tmp_path / "cache", 5.0)
    assert _cache_files(tmp_path / "cache") == []


def test_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DataError, match=r"download of .* failed"):
        fetch_zip(f"http://127.0.0.1:{port}/{NAME}", "", tmp_path / "cache", 2.0)
    assert _cache_files(tmp_path / "cache") == []
