"""Downloading the source archive into the artifact store's cache, checksum first.

The download streams into a hidden temporary file in the cache folder while hashing it; only
a file whose sha256 matches (when one is expected) and whose zip members all read back is
renamed to ``<sha256>.zip``. A cached archive with the expected checksum is reused without a
request, so reruns and offline clusters with a warm cache need no network. Whatever fails,
no partial or unverified file stays in the cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import httpx
from tqdm import tqdm

from tunedin_common.contract import sha256_file
from tunedin_trainer.data.archive import check_archive
from tunedin_trainer.errors import DataError

log = logging.getLogger(__name__)

_CHUNK = 1 << 16


def cached_zip_path(cache_dir: Path, sha256: str) -> Path:
    """Where an archive with this checksum lives in the cache."""
    return cache_dir / f"{sha256}.zip"


def checksum_mismatch(what: str, actual: str, expected: str) -> DataError:
    return DataError(f"checksum mismatch: {what} has sha256 {actual}, expected {expected}")


def fetch_zip(url: str, expected_sha256: str, cache_dir: Path, timeout_s: float) -> tuple[Path, str]:
    """A verified local copy of the archive at ``url`` and its sha256.

    ``expected_sha256`` empty means 'no expectation': the file is downloaded every time and
    cached under the checksum it turns out to have.
    """
    if expected_sha256:
        cached = cached_zip_path(cache_dir, expected_sha256)
        if cached.is_file():
            if sha256_file(cached) == expected_sha256:
                log.info("using cached %s (sha256 verified), no download", cached)
                return cached, expected_sha256
            log.warning("cached %s fails its checksum: removing it and downloading again", cached)
            cached.unlink()

    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=cache_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            actual = _stream(url, out, timeout_s)
            out.flush()
            os.fsync(out.fileno())
        if expected_sha256 and actual != expected_sha256:
            raise checksum_mismatch(f"the download from {url}", actual, expected_sha256)
        check_archive(tmp)
        final = cached_zip_path(cache_dir, actual)
        tmp.replace(final)
        log.info("downloaded %s to %s (%d bytes, sha256 %s)", url, final, final.stat().st_size, actual)
        return final, actual
    finally:
        tmp.unlink(missing_ok=True)


def _stream(url: str, out: BinaryIO, timeout_s: float) -> str:
    """Write the body of ``url`` to ``out`` (a binary file) with a progress bar; return its sha256."""
    digest = hashlib.sha256()
    name = Path(urlsplit(url).path).name or url
    log.info("downloading %s (timeout %.0f s)", url, timeout_s)
    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as response:
            response.raise_for_status()
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            # disable=None: a bar on a terminal, silence in a Job's logs.
            with tqdm(
                total=total, desc=name, unit="B", unit_scale=True, unit_divisor=1024, disable=None
            ) as bar:
                for chunk in response.iter_bytes(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
    except httpx.HTTPStatusError as exc:
        raise DataError(f"download of {url} failed: HTTP {exc.response.status_code}") from exc
    except httpx.HTTPError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"download of {url} failed: {reason}") from exc
    return digest.hexdigest()
