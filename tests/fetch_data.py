"""``python -m tests.fetch_data``: make sure the Last.fm files the integration tests need exist.

The tests look in ``$TUNEDIN_TEST_DATA``, then ``../shared/data/lastfm-hetrec2011``, then
``.cache/lastfm-hetrec2011``. When none holds the original zip, this downloads the official
archive into the last one with the pipeline's own checksum-verified downloader and extracts it
(the licence is non-commercial: the files stay out of the repository, ``.cache/`` is ignored).
"""

from __future__ import annotations

import sys
import zipfile

from tests.conftest import ARCHIVE_NAME, CACHED_DATA_DIR, find_test_data
from tunedin_trainer.data.download import fetch_zip
from tunedin_trainer.errors import PipelineError
from tunedin_trainer.settings import OFFICIAL_SHA256, OFFICIAL_URL


def main() -> int:
    """Exit 0 once the files exist; with ``--zip`` print only the zip's path (for make)."""
    found = find_test_data()
    if found is not None:
        print(found / ARCHIVE_NAME if "--zip" in sys.argv[1:] else f"Last.fm test data: {found}")
        return 0
    try:
        archive, _ = fetch_zip(OFFICIAL_URL, OFFICIAL_SHA256, CACHED_DATA_DIR / "download", 120.0)
    except PipelineError as exc:
        print(f"error: cannot get the Last.fm data for the tests: {exc}", file=sys.stderr)
        print(f"set TUNEDIN_TEST_DATA to a folder holding {ARCHIVE_NAME} and its files", file=sys.stderr)
        return 1
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(CACHED_DATA_DIR)
    (CACHED_DATA_DIR / ARCHIVE_NAME).write_bytes(archive.read_bytes())
    print(
        CACHED_DATA_DIR / ARCHIVE_NAME if "--zip" in sys.argv[1:] else f"Last.fm test data: {CACHED_DATA_DIR}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
