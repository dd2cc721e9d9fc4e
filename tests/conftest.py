"""Fixtures shared by every test: where the real Last.fm files are, and a fresh artifact store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tunedin_common.contract import ArtifactStore

REPO_ROOT = Path(__file__).resolve().parent.parent
ARCHIVE_NAME = "hetrec2011-lastfm-2k.zip"
CACHED_DATA_DIR = REPO_ROOT / ".cache" / "lastfm-hetrec2011"


def find_test_data() -> Path | None:
    """The first folder holding the original zip and its files: TUNEDIN_TEST_DATA, ../shared, .cache."""
    configured = os.environ.get("TUNEDIN_TEST_DATA")
    candidates = [Path(configured)] if configured else []
    candidates += [REPO_ROOT.parent / "shared" / "data" / "lastfm-hetrec2011", CACHED_DATA_DIR]
    for path in candidates:
        if (path / ARCHIVE_NAME).is_file() and (path / "user_artists.dat").is_file():
            return path
    return None


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The extracted HetRec 2011 files and the original zip (see ``find_test_data``)."""
    path = find_test_data()
    if path is None:
        pytest.fail("the Last.fm data was not found: run `make test-data` or set TUNEDIN_TEST_DATA")
    return path


@pytest.fixture(scope="session")
def shared_zip(shared_data_dir: Path) -> Path:
    return shared_data_dir / ARCHIVE_NAME


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(tmp_path / "artifacts")
