"""Reading the dataset's members out of a zip archive, safely.

Members are read into memory (the archive holds about 13 MB), never extracted to disk, and
the archive is refused when any member's path would land outside an extraction folder
(absolute, ``..``, a drive letter). A file is found at the archive root or in a folder, by
its name. A truncated or corrupt archive (bad central directory, CRC mismatch, broken
compressed stream) is a DataError.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from tunedin_trainer.errors import DataError

MAX_MEMBER_BYTES = 512 * 1024 * 1024  # far above the real files; refuses zip bombs
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


def _is_unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (bool(path.parts) and ":" in path.parts[0])


@contextmanager
def _open(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except _ZIP_ERRORS as exc:
        raise DataError(f"{path.name} is not a readable zip archive (truncated or corrupt): {exc}") from exc


def _members(path: Path, archive: zipfile.ZipFile) -> dict[str, list[zipfile.ZipInfo]]:
    """File members by base name; refuses the archive if any member path is unsafe."""
    found: dict[str, list[zipfile.ZipInfo]] = {}
    for info in archive.infolist():
        if _is_unsafe(info.filename):
            raise DataError(f"{path.name}: member {info.filename!r} has a path outside the archive")
        if not info.is_dir():
            found.setdefault(PurePosixPath(info.filename).name, []).append(info)
    return found


def read_members(path: Path, wanted: Iterable[str], required: Iterable[str]) -> dict[str, bytes]:
    """The bytes of each ``wanted`` member present; DataError if a ``required`` one is absent."""
    with _open(path) as archive:
        members = _members(path, archive)
        missing = [name for name in required if name not in members]
        if missing:
            raise DataError(f"{path.name} lacks required file(s): {', '.join(missing)}")
        out: dict[str, bytes] = {}
        for name in wanted:
            infos = members.get(name, [])
            if len(infos) > 1:
                raise DataError(f"{path.name} holds {name} more than once")
            if infos:
                if infos[0].file_size > MAX_MEMBER_BYTES:
                    raise DataError(f"{path.name}: {name} is implausibly large ({infos[0].file_size} bytes)")
                out[name] = archive.read(infos[0])
        return out


def check_archive(path: Path) -> None:
    """Raise DataError unless every member of the archive reads back with a correct CRC."""
    with _open(path) as archive:
        _members(path, archive)
        bad = archive.testzip()
        if bad is not None:
            raise DataError(f"{path.name} is corrupt: {bad} fails its CRC check")
