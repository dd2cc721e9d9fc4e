"""Recognising a data source that holds your own tables rather than the HetRec files.

``Settings.data_source`` names your own data when it is

* a ``.csv`` or ``.parquet`` file: the interactions table alone; or
* a folder holding ``interactions.csv`` or ``interactions.parquet``, and optionally
  ``items.csv`` or ``items.parquet`` (and no HetRec ``user_artists.dat``).

Anything else (a URL, a zip, a folder of HetRec files) is the HetRec source of ``source.py``.
Like a folder of HetRec files, the tables are not checked against ``data_sha256``; their
checksum is the sha256 of ``name``, NUL, the file's sha256, newline for each table, sorted by
name, so the same bytes give the same dataset id wherever they live.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tunedin_trainer.data.parse import USER_ARTISTS
from tunedin_trainer.data.text_table import SUFFIXES
from tunedin_trainer.errors import DataError

log = logging.getLogger(__name__)

INTERACTIONS_STEM = "interactions"
ITEMS_STEM = "items"


@dataclass(frozen=True)
class OwnTables:
    """The bytes of your tables and the source's identity."""

    location: str  # absolute path of the file or folder
    sha256: str
    interactions: tuple[str, bytes]  # file name, bytes
    items: tuple[str, bytes] | None


def own_tables(source: str) -> OwnTables | None:
    """Your tables, when ``source`` names them; None for a HetRec source."""
    if len(urlsplit(source).scheme) > 1:
        return None
    path = Path(source).expanduser().resolve()
    if path.is_file() and path.suffix.lower() in SUFFIXES:
        return _tables(path, path, None)
    if not path.is_dir():
        return None
    interactions = _one_of(path, INTERACTIONS_STEM)
    if interactions is None:
        return None
    if (path / USER_ARTISTS.file).exists():
        raise DataError(
            f"{path} holds both {interactions.name} and HetRec's {USER_ARTISTS.file}: keep one kind of data"
        )
    return _tables(path, interactions, _one_of(path, ITEMS_STEM))


def _one_of(folder: Path, stem: str) -> Path | None:
    found = [folder / f"{stem}{suffix}" for suffix in SUFFIXES if (folder / f"{stem}{suffix}").is_file()]
    if len(found) > 1:
        raise DataError(f"{folder} holds {' and '.join(p.name for p in found)}: keep one")
    return found[0] if found else None


def _read(path: Path) -> tuple[str, bytes]:
    try:
        return path.name, path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _tables(location: Path, interactions: Path, items: Path | None) -> OwnTables:
    files = [_read(interactions)] + ([] if items is None else [_read(items)])
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(f"{name}\0{hashlib.sha256(data).hexdigest()}\n".encode())
    log.info("using your own tables in %s (%s)", location, ", ".join(name for name, _ in files))
    return OwnTables(str(location), digest.hexdigest(), files[0], files[1] if items is not None else None)
