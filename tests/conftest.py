"""Fixtures shared by every test: where the real Last.fm files are, and a fresh artifact store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tunedin_common.contract import ArtifactStore

REPO_ROOT = Path(__file__).resolve().parent.parent


def _shared_data_dir() -> Path:
    configured = os.environ.get("TUNEDIN_TEST_DATA")
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "data" / "lastfm-hetrec2011"


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The extracted HetRec 2011 files and the original zip (``../shared`` or TUNEDIN_TEST_DATA)."""
    path = _shared_data_dir()
    if not (path / "hetrec2011-lastfm-2k.zip").is_file():
        pytest.fail(f"the Last.fm data is not at {path}: set TUNEDIN_TEST_DATA to its folder")
    return path


@pytest.fixture(scope="session")
def shared_zip(shared_data_dir: Path) -> Path:
    return shared_data_dir / "hetrec2011-lastfm-2k.zip"


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(tmp_path / "artifacts")
