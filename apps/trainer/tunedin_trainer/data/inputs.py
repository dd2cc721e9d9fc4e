"""What prepare-data builds a dataset from: the HetRec files or your own tables, parsed alike.

Either way the result is the HetRec-shaped ``RawData`` the rest of the stage derives the
dataset from; your own tables bring their items' tags with them (HetRec's are counted from
the users' tag assignments after the erased users' rows are gone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tunedin_trainer.data.own_parse import parse_own
from tunedin_trainer.data.own_source import OwnTables, own_tables
from tunedin_trainer.data.parse import RawData, parse_files
from tunedin_trainer.data.source import load_source
from tunedin_trainer.data.tags import TagFeatures
from tunedin_trainer.data.text_table import read_text_table
from tunedin_trainer.settings import Settings


@dataclass(frozen=True)
class Parsed:
    """The checked source tables, the item tags a source brings, counts only it has."""

    raw: RawData
    tags: TagFeatures | None = None  # None: count them from raw.taggings
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Input:
    """Where the data comes from, its checksum, and how to parse it (given ``top_tags``)."""

    location: str
    sha256: str
    parse: Callable[[int], Parsed]


def load_input(settings: Settings, cache_dir: Path) -> Input:
    """Your own tables when ``data_source`` names them, else the HetRec source."""
    own = own_tables(settings.data_source)
    if own is not None:
        return Input(own.location, own.sha256, lambda top_n: _parse_own(own, top_n))
    source = load_source(settings.data_source, settings.data_sha256, cache_dir, settings.download_timeout_s)
    return Input(source.location, source.sha256, lambda _top_n: Parsed(parse_files(source.files)))


def _parse_own(own: OwnTables, top_n: int) -> Parsed:
    interactions = read_text_table(*own.interactions)
    items = None if own.items is None else read_text_table(*own.items)
    data = parse_own(interactions, items, top_n)
    return Parsed(data.raw, data.tags, {"duplicate_rows_merged": data.duplicate_rows_merged})
