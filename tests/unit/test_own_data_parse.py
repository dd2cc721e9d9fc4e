"""Your own tables: CSV and Parquet read alike, and every bad cell named by its row and column."""

from __future__ import annotations

import io
import logging
import re

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tunedin_trainer.data.own_parse import OwnData, parse_own
from tunedin_trainer.data.text_table import read_text_table
from tunedin_trainer.errors import DataError

INTERACTIONS = """user,item,count,timestamp
1,10,3,2024-01-01
1,11,1,2024-01-02T10:00:00+02:00
2,10,4,1704300000
"""
ITEMS = """id,name,tags,url
10,"Band, The",rock|indie|rock,http://example.test/10
11,Solo,,
12,Nobody Listens,jazz,
"""


def _parse(interactions: str, items: str | None = None, top_n: int = 5) -> OwnData:
    table = read_text_table("interactions.csv", interactions.encode())
    listed = None if items is None else read_text_table("items.csv", items.encode())
    return parse_own(table, listed, top_n)


def _parquet(frame: pd.DataFrame | pa.Table) -> bytes:
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_a_valid_csv_becomes_the_hetrec_shaped_tables() -> None:
    data = _parse(INTERACTIONS, ITEMS)
    pairs = data.raw.interactions
    assert pairs[["user_id", "artist_id", "weight"]].values.tolist() == [[1, 10, 3], [1, 11, 1], [2, 10, 4]]
    assert pairs["timestamp"].tolist() == [
        pd.Timestamp("2024-01-01", tz="UTC"),
        pd.Timestamp("2024-01-02T08:00:00", tz="UTC"),
        pd.Timestamp(1704300000, unit="s", tz="UTC"),
    ]
    artists = data.raw.artists.set_index("artist_id")
    assert artists["name"].to_dict() == {10: "Band, The", 11: "Solo", 12: "Nobody Listens"}
    assert artists.loc[10, "url"] == "http://example.test/10" and artists.loc[11, "url"] == ""
    assert data.tags.top_tags.to_dict() == {10: ["rock", "indie"], 11: [], 12: ["jazz"]}
    assert sorted(data.raw.tags["tag"]) == ["indie", "jazz", "rock"]
    assert data.raw.friends is None and data.raw.taggings.empty
    assert data.duplicate_rows_merged == 0


def test_only_the_first_tags_are_kept() -> None:
    data = _parse(INTERACTIONS, ITEMS, top_n=1)
    assert data.tags.top_tags.to_dict() == {10: ["rock"], 11: [], 12: ["jazz"]}
    assert (data.tags.used_taggings, data.tags.dropped_taggings) == (2, 1)


def test_repeated_pairs_are_summed_keeping_the_latest_time() -> None:
    data = _parse("user,item,weight,timestamp\n1,10,2,2024-03-01\n1,10,5,2024-01-01\n1,11,1,2024-01-01\n")
    pairs = data.raw.interactions.set_index("artist_id")
    assert pairs.loc[10, "weight"] == 7 and pairs.loc[10, "timestamp"] == pd.Timestamp("2024-03-01", tz="UTC")
    assert data.duplicate_rows_merged == 1


def test_without_a_weight_column_each_row_counts_once() -> None:
    data = _parse("user,item\n1,10\n1,10\n1,10\n2,10\n")
    assert data.raw.interactions[["user_id", "weight"]].values.tolist() == [[1, 3], [2, 1]]
    assert "timestamp" not in data.raw.interactions.columns
    assert data.raw.artists[["artist_id", "name"]].values.tolist() == [[10, "10"]]


def test_header_names_ignore_case_and_spaces_and_unknown_columns_are_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        data = _parse(" User ,ITEM,Count,rating\n1,10,2,5\n")
    assert data.raw.interactions["weight"].tolist() == [2]
    assert "ignoring column(s) rating" in caplog.text


@pytest.mark.parametrize(
    ("interactions", "where"),
    [
        ("user,item,count\n1,10,2\n,10,1\n", "interactions.csv line 3, column 'user': is empty"),
        ("user,item,count\n1,10,2\n1, ,1\n", "interactions.csv line 3, column 'item': is empty"),
        ("user,item,count\nalice,10,2\n", "line 2, column 'user': 'alice' is not an integer id"),
        ("user,item,count\n2147483648,10,2\n", "line 2, column 'user': '2147483648' is not an integer id"),
        ("user,item,count\n1,-10,2\n", "line 2, column 'item': '-10' is not an integer id"),
        ("user,item,count\n1,10,2\n1,11,-3\n", "line 3, column 'count': '-3' is negative"),
        ("user,item,count\n1,10,many\n", "line 2, column 'count': 'many' is not a number"),
        ("user,item,weight\n1,10,0\n", "line 2, column 'weight': '0' is zero"),
        ("user,item,weight\n1,10,2.5\n", "line 2, column 'weight': '2.5' is not a whole number"),
        ("user,item,weight\n1,10,\n", "line 2, column 'weight': is empty"),
        ("user,item,timestamp\n1,10,2024-13-01\n", "line 2, column 'timestamp': '2024-13-01' is not an ISO"),
        ("user,item,timestamp\n1,10,2024-01-01\n1,11,\n", "line 3, column 'timestamp': is empty"),
        ("user,item,timestamp\n1,10,last tuesday\n", "column 'timestamp': 'last tuesday' is not an ISO"),
    ],
)
def test_a_bad_cell_is_named_by_line_and_column(interactions: str, where: str) -> None:
    with pytest.raises(DataError, match=re.escape(where)):
        _parse(interactions)


def test_lines_count_quoted_line_breaks() -> None:
    items = 'id,name\n10,"Two\nLines"\n11,\n'
    with pytest.raises(DataError, match=re.escape("items.csv line 4, column 'name': is empty")):
        _parse("user,item\n1,10\n", items)


@pytest.mark.parametrize(
    ("interactions", "message"),
    [
        ("user,count\n1,2\n", "interactions.csv: missing column(s) item"),
        ("who,what\n1,2\n", "missing column(s) user, item (header: who, what)"),
        ("user,item,weight,count\n1,10,2,2\n", "both a 'weight' and a 'count' column"),
        ("user,item\n", "has a header but no data rows"),
        ("", "interactions.csv is empty"),
        ("user,item\n1,10,5\n", "interactions.csv line 2: expected 2 comma-separated fields, found 3"),
        ("user,user\n1,10\n", "names column 'user' twice"),
    ],
)
def test_a_bad_table_says_what_is_wrong(interactions: str, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)):
        _parse(interactions)


def test_text_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(DataError, match=re.escape("interactions.csv line 2: not valid UTF-8")):
        parse_own(read_text_table("interactions.csv", b"user,item\n1,\xff\n"), None, 5)


@pytest.mark.parametrize(
    ("items", "where"),
    [
        (
            "id,name\n10,A\n11,B\n10,C\n",
            "items.csv line 4, column 'id': item 10 is listed again (first at items.csv line 2",
        ),
        ("id,name\n10,A\n11, \n", "items.csv line 3, column 'name': is empty"),
        ("id,name\n10,A\nx,B\n", "items.csv line 3, column 'id': 'x' is not an integer id"),
        ("id,title\n10,A\n11,B\n", "items.csv: missing column(s) name"),
    ],
)
def test_a_bad_items_table_is_named_by_line_and_column(items: str, where: str) -> None:
    with pytest.raises(DataError, match=re.escape(where)):
        _parse("user,item\n1,10\n1,11\n", items)


def test_an_item_missing_from_the_items_table_is_named_where_it_is_used() -> None:
    with pytest.raises(
        DataError,
        match=re.escape("interactions.csv line 4, column 'item': item 12 is not in items.csv (2 item"),
    ):
        _parse("user,item\n1,10\n1,11\n2,12\n2,13\n", "id,name\n10,A\n11,B\n")


def test_parquet_reads_like_csv_with_rows_counted_from_one() -> None:
    interactions = pa.table(
        {
            "user": pa.array([1, 1, 2], pa.int64()),
            "item": pa.array([10, 11, 10], pa.int32()),
            "weight": pa.array([3.0, 1.0, 4.0], pa.float64()),
            "timestamp": pa.array(
                pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]).as_unit("us"), pa.timestamp("us")
            ),
        }
    )
    items = pa.table(
        {"id": [10, 11], "name": ["A", "B"], "tags": pa.array([["rock", "pop"], None], pa.list_(pa.string()))}
    )
    data = parse_own(
        read_text_table("interactions.parquet", _parquet(interactions)),
        read_text_table("items.parquet", _parquet(items)),
        5,
    )
    assert data.raw.interactions[["user_id", "artist_id", "weight"]].values.tolist() == [
        [1, 10, 3],
        [1, 11, 1],
        [2, 10, 4],
    ]
    assert data.raw.interactions["timestamp"].iloc[2] == pd.Timestamp("2024-01-03", tz="UTC")
    assert data.tags.top_tags.to_dict() == {10: ["rock", "pop"], 11: []}


@pytest.mark.parametrize(
    ("frame", "where"),
    [
        (
            pd.DataFrame({"user": [1, None], "item": [10, 11]}),
            "interactions.parquet row 2, column 'user': is empty",
        ),
        (
            pd.DataFrame({"user": [1, 2], "item": [10, 11], "count": [1.0, 1.5]}),
            "row 2, column 'count': '1.5'",
        ),
        (
            pd.DataFrame({"user": ["1", "b"], "item": [10, 11]}),
            "row 2, column 'user': 'b' is not an integer id",
        ),
    ],
)
def test_a_bad_parquet_cell_is_named_by_row_and_column(frame: pd.DataFrame, where: str) -> None:
    with pytest.raises(DataError, match=re.escape(where)):
        parse_own(read_text_table("interactions.parquet", _parquet(frame)), None, 5)


def test_a_file_that_is_not_parquet_is_refused() -> None:
    with pytest.raises(DataError, match=re.escape("cannot read interactions.parquet as Parquet")):
        read_text_table("interactions.parquet", b"user,item\n1,10\n")
