"""Your own data: an interactions table and an optional items table, checked and shaped like HetRec's.

Interactions (one row per user–item pair, or per event):

* ``user``, ``item``: integer ids (``cells.id_values``);
* ``weight`` or ``count`` (not both): a whole number ≥ 1; without either every row counts 1;
* ``timestamp`` (optional): when it happened; needed by the temporal split.

Rows naming the same (user, item) pair are summed into one (their weights added, the latest
timestamp kept), so an event log of one row per play works as it is; ``duplicate_rows_merged``
counts them. Other columns are ignored, with a warning that names them.

Items (optional): ``id`` and ``name`` required, ``tags`` (``|``-separated, most relevant first;
the first ``top_tags`` are kept) and ``url`` optional. Every item the interactions name must be
listed; listed items nobody interacted with are kept, as HetRec's artists without listeners.
Without an items table each item is named by its id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from tunedin_trainer.data.cells import count_values, id_values, timestamp_values
from tunedin_trainer.data.parse import RawData
from tunedin_trainer.data.tags import TagFeatures
from tunedin_trainer.data.text_table import LIST_SEPARATOR, TextTable
from tunedin_trainer.errors import DataError

log = logging.getLogger(__name__)

USER, ITEM, WEIGHT, COUNT, TIMESTAMP = "user", "item", "weight", "count", "timestamp"
ID, NAME, TAGS, URL = "id", "name", "tags", "url"
INTERACTION_COLUMNS = (USER, ITEM, WEIGHT, COUNT, TIMESTAMP)
ITEM_COLUMNS = (ID, NAME, TAGS, URL)


@dataclass(frozen=True)
class OwnData:
    """The checked tables: HetRec's shapes (no taggings, no friends), the tags, what was merged."""

    raw: RawData  # interactions carry a ``timestamp`` column when the table has one
    tags: TagFeatures
    duplicate_rows_merged: int


def parse_own(interactions: TextTable, items: TextTable | None, top_n: int) -> OwnData:
    """Check both tables and derive the source tables; DataError naming the row and column."""
    pairs, merged = _interactions(interactions)
    if items is None:
        artists, item_tags = _items_from_ids(pairs)
    else:
        artists, item_tags = _items(items)
        _require_known_items(interactions, pairs, artists, items.name)
    tags = _tag_features(item_tags, top_n)
    tag_names = sorted({t for listed in item_tags for t in listed})
    raw = RawData(
        interactions=pairs.sort_values(["user_id", "artist_id"], ignore_index=True),
        artists=artists.sort_values("artist_id", ignore_index=True),
        tags=pd.DataFrame({"tag_id": range(1, len(tag_names) + 1), "tag": tag_names}),
        taggings=pd.DataFrame({c: pd.Series(dtype="int64") for c in ("user_id", "artist_id", "tag_id")}),
        friends=None,
    )
    return OwnData(raw, tags, merged)


def _require_columns(table: TextTable, required: tuple[str, ...], known: tuple[str, ...]) -> None:
    have = list(table.cells.columns)
    missing = [c for c in required if c not in have]
    if missing:
        raise DataError(
            f"{table.name}: missing column(s) {', '.join(missing)} (header: {', '.join(have) or 'none'})"
        )
    ignored = [c for c in have if c not in known]
    if ignored:
        log.warning("%s: ignoring column(s) %s", table.name, ", ".join(ignored))
    if table.cells.empty:
        raise DataError(f"{table.name} has a header but no data rows")


def _interactions(table: TextTable) -> tuple[pd.DataFrame, int]:
    _require_columns(table, (USER, ITEM), INTERACTION_COLUMNS)
    columns = table.cells.columns
    if WEIGHT in columns and COUNT in columns:
        raise DataError(f"{table.name}: has both a {WEIGHT!r} and a {COUNT!r} column; keep one")
    weight_column = WEIGHT if WEIGHT in columns else COUNT if COUNT in columns else None
    frame = pd.DataFrame({"user_id": id_values(table, USER), "artist_id": id_values(table, ITEM)})
    frame["weight"] = 1 if weight_column is None else count_values(table, weight_column)
    aggregations: dict[str, tuple[str, str]] = {"weight": ("weight", "sum")}
    if TIMESTAMP in columns:
        frame["timestamp"] = timestamp_values(table, TIMESTAMP).to_numpy()
        aggregations["timestamp"] = ("timestamp", "max")
    pairs = frame.groupby(["user_id", "artist_id"], sort=True, as_index=False).agg(**aggregations)
    merged = len(frame) - len(pairs)
    if merged:
        log.info("%s: summed %d row(s) that repeat a (user, item) pair", table.name, merged)
    return pairs.astype({"user_id": "int64", "artist_id": "int64", "weight": "int64"}), merged


def _items(table: TextTable) -> tuple[pd.DataFrame, pd.Series]:
    _require_columns(table, (ID, NAME), ITEM_COLUMNS)
    ids = id_values(table, ID)
    repeated = pd.Series(ids).duplicated().to_numpy()
    if repeated.any():
        row = int(repeated.argmax())
        first = int((ids == ids[row]).argmax())
        raise table.fail(row, ID, f"item {ids[row]} is listed again (first at {table.where(first)})")
    names = table.column(NAME)
    empty = (names.str.strip() == "").to_numpy(dtype=bool)
    if empty.any():
        raise table.fail(int(empty.argmax()), NAME, "is empty, expected the item's name")
    blank = pd.Series("", index=table.cells.index, dtype="str")
    urls = table.column(URL).str.strip() if URL in table.cells.columns else blank
    raw_tags = table.column(TAGS) if TAGS in table.cells.columns else blank
    item_tags = pd.Series([_tag_list(value) for value in raw_tags], index=ids, dtype="object")
    artists = pd.DataFrame(
        {"artist_id": ids, "name": names.to_numpy(), "url": urls.to_numpy(), "picture_url": ""}
    )
    return artists, item_tags


def _items_from_ids(pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    ids = pairs["artist_id"].drop_duplicates().sort_values().to_numpy()
    artists = pd.DataFrame({"artist_id": ids, "name": [str(i) for i in ids], "url": "", "picture_url": ""})
    return artists, pd.Series([[] for _ in ids], index=ids, dtype="object")


def _tag_list(value: str) -> list[str]:
    """``"rock | indie|rock"`` → ``["rock", "indie"]``: trimmed, no empties, first mention kept."""
    return list(dict.fromkeys(t.strip() for t in value.split(LIST_SEPARATOR) if t.strip()))


def _require_known_items(
    table: TextTable, pairs: pd.DataFrame, artists: pd.DataFrame, items_name: str
) -> None:
    unknown_ids = set(pairs["artist_id"]) - set(artists["artist_id"])
    if not unknown_ids:
        return
    items = id_values(table, ITEM)
    row = int(pd.Series(items).isin(unknown_ids).to_numpy().argmax())
    raise table.fail(
        row, ITEM, f"item {items[row]} is not in {items_name} ({len(unknown_ids)} item id(s) missing there)"
    )


def _tag_features(item_tags: pd.Series, top_n: int) -> TagFeatures:
    """Each item's first ``top_n`` tags (indexed by item id), in the order the items table lists them."""
    kept = item_tags.map(lambda listed: listed[:top_n]).rename("top_tags")
    kept.index.name = "artist_id"
    used = int(kept.map(len).sum())
    return TagFeatures(
        top_tags=kept,
        used_taggings=used,
        dropped_artists=0,
        dropped_taggings=int(item_tags.map(len).sum()) - used,
    )
