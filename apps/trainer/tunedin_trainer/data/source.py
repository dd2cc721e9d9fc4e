"""Resolving ``Settings.data_source`` to the bytes of the dataset files and a source checksum.

Three kinds of source:

* an ``http(s)`` URL of the zip (the official GroupLens URL by default, or a mirror):
  downloaded into the artifact store's cache, verified, reused on the next run;
* a local zip: verified against ``data_sha256`` unless that is empty;
* a directory holding the extracted files: used as it is. Its checksum is the sha256 of the
  files it contributes (``name``, NUL, the file's sha256, newline; sorted by name), so the
  same bytes give the same dataset id wherever the folder lives.

The checksum feeds the dataset id, so a different source never reuses another's dataset.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tunedin_common.contract import sha256_file
from tunedin_trainer.data.archive import read_members
from tunedin_trainer.data.download import checksum_mismatch, fetch_zip
from tunedin_trainer.data.parse import OPTIONAL_FILES, REQUIRED_FILES
from tunedin_trainer.errors import DataError

log = logging.getLogger(__name__)

WANTED_FILES = REQUIRED_FILES + OPTIONAL_FILES


@dataclass(frozen=True)
class SourceData:
    """What the dataset is built from."""

    location: str  # the URL, or the absolute path of the zip or folder
    sha256: str
    files: dict[str, bytes]  # file name → bytes, for the required and the optional files present


def load_source(source: str, expected_sha256: str, cache_dir: Path, timeout_s: float) -> SourceData:
    """Fetch or open ``source`` and return its files; DataError when it is unusable."""
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        path, sha = fetch_zip(source, expected_sha256, cache_dir, timeout_s)
        return SourceData(_without_credentials(source), sha, read_members(path, WANTED_FILES, REQUIRED_FILES))
    if len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise DataError(f"unsupported data source {source!r}: expected an http(s) URL, a zip or a folder")

    path = Path(source).expanduser().resolve()
    if path.is_dir():
        return _from_directory(path)
    if path.is_file():
        return _from_zip(path, expected_sha256)
    raise DataError(f"data source {source} does not exist")


def _without_credentials(url: str) -> str:
    """The URL as recorded in dataset.json: any ``user:password@`` is dropped."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


def _from_zip(path: Path, expected_sha256: str) -> SourceData:
    sha = sha256_file(path)
    if expected_sha256 and sha != expected_sha256:
        raise checksum_mismatch(str(path), sha, expected_sha256)
    if not expected_sha256:
        log.warning("no expected sha256 set: using %s unverified (sha256 %s)", path, sha)
    return SourceData(str(path), sha, read_members(path, WANTED_FILES, REQUIRED_FILES))


def _from_directory(path: Path) -> SourceData:
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise DataError(f"{path} lacks required file(s): {', '.join(missing)}")
    files: dict[str, bytes] = {}
    for name in WANTED_FILES:
        file = path / name
        if file.is_file():
            try:
                files[name] = file.read_bytes()
            except OSError as exc:
                raise DataError(f"cannot read {file}: {exc.strerror or exc}") from exc
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{hashlib.sha256(files[name]).hexdigest()}\n".encode())
    log.info("using the extracted files in %s (%s)", path, ", ".join(sorted(files)))
    return SourceData(str(path), digest.hexdigest(), files)
