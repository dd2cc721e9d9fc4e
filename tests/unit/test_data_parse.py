"""Parsing and checking the raw Last.fm files: quirks kept, bad rows named by file and line."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.prepare_support import ARTIST_NAMES, LISTENS, TAGS, replace_line, tiny_files, tsv
from tunedin_trainer.data.parse import parse_files
from tunedin_trainer.data.tsv import Column, TableSpec, read_table
from tunedin_trainer.errors import DataError


def test_parses_the_tiny_dataset_with_its_quirks() -> None:
    raw = parse_files(tiny_files())
    assert len(raw.interactions) == sum(len(a) for a in LISTENS.values())
    assert list(raw.interactions.columns) == ["user_id", "artist_id", "weight"]
    assert all(raw.interactions[c].dtype == "int64" for c in raw.interactions.columns)
    assert raw.interactions[["user_id", "artist_id"]].apply(tuple, axis=1).is_monotonic_increasing
    names = dict(zip(raw.artists["artist_id"], raw.artists["name"], strict=True))
    assert names == ARTIST_NAMES  # garbled and quoted names as the file has them
    assert dict(zip(raw.tags["tag_id"], raw.tags["tag"], strict=True)) == TAGS  # Latin-1 decoded
    assert not raw.tags["tag"].str.contains("\r").any()
    assert raw.artists.set_index("artist_id").loc[6, "picture_url"] == ""
    assert raw.friends is not None and len(raw.friends) == 4
    assert list(raw.taggings.columns) == ["user_id", "artist_id", "tag_id"]


def test_friends_file_is_optional() -> None:
    files = tiny_files()
    del files["user_friends.dat"]
    assert parse_files(files).friends is None


def test_lf_and_crlf_files_read_the_same() -> None:
    crlf = tiny_files()
    lf = {**crlf, "user_artists.dat": crlf["user_artists.dat"].replace(b"\r\n", b"\n")}
    pd.testing.assert_frame_equal(parse_files(crlf).interactions, parse_files(lf).interactions)


def test_missing_required_file() -> None:
    files = tiny_files()
    del files["user_taggedartists.dat"]
    with pytest.raises(DataError, match=r"missing required file\(s\): user_taggedartists.dat"):
        parse_files(files)


def _with_line(file: str, line: int, new: bytes) -> dict[str, bytes]:
    files = tiny_files()
    files[file] = replace_line(files[file], line, new)
    return files


@pytest.mark.parametrize(
    ("file", "line", "new", "expected"),
    [
        ("user_artists.dat", 1, b"userID\tartist\tweight", "user_artists.dat line 1: header"),
        ("user_artists.dat", 5, b"2\t4", "user_artists.dat line 5: expected 3 tab-separated fields, found 2"),
        ("user_artists.dat", 5, b"2\t4\t204\t1", "user_artists.dat line 5: expected 3"),
        ("user_artists.dat", 5, b"2\tfour\t204", "user_artists.dat line 5: artistID is 'four'"),
        ("user_artists.dat", 7, b"2\t6\t0", "user_artists.dat line 7: weight is '0'"),
        ("user_artists.dat", 7, b"-2\t6\t5", "user_artists.dat line 7: userID is '-2'"),
        ("user_artists.dat", 7, b"2\t6\t1.5", "user_artists.dat line 7: weight is '1.5'"),
        ("user_artists.dat", 7, b"2\t6\t99999999999999999999", "user_artists.dat line 7: weight"),
        ("user_artists.dat", 12, b"", "user_artists.dat line 12: expected 3"),
        (
            "user_artists.dat",
            12,
            b"2\t1\t5",
            "user_artists.dat line 12: duplicate (user, artist) pair (2, 1)",
        ),
        ("user_artists.dat", 12, b"3\t77\t5", "user_artists.dat line 12: artist 77 is not in artists.dat"),
        ("artists.dat", 3, b"1\tAgain\tu\tp", "artists.dat line 3: duplicate artist id (1)"),
        ("artists.dat", 4, b"3\tBad \xff byte\tu\tp", "artists.dat line 4: not valid utf-8"),
        ("artists.dat", 4, b"3\t\tu\tp", "artists.dat line 4: name is ''"),
        ("tags.dat", 2, b"x\trock", "tags.dat line 2: tagID is 'x'"),
        ("tags.dat", 3, b"1\tpop", "tags.dat line 3: duplicate tag id (1)"),
        ("user_taggedartists.dat", 4, b"2\t1\t1\t1\t4\tlast", "user_taggedartists.dat line 4: year"),
        ("user_friends.dat", 2, b"2\tthree", "user_friends.dat line 2: friendID is 'three'"),
    ],
)
def test_malformed_rows_name_file_and_line(file: str, line: int, new: bytes, expected: str) -> None:
    with pytest.raises(DataError) as caught:
        parse_files(_with_line(file, line, new))
    assert expected in str(caught.value)


@pytest.mark.parametrize("file", ["user_artists.dat", "artists.dat"])
def test_header_without_rows_is_empty_data(file: str) -> None:
    files = tiny_files()
    files[file] = files[file].split(b"\n", 1)[0] + b"\n"
    with pytest.raises(DataError, match=f"{file} has a header but no data rows"):
        parse_files(files)


def test_zero_byte_file_is_empty() -> None:
    files = {**tiny_files(), "user_artists.dat": b""}
    with pytest.raises(DataError, match=r"user_artists.dat is empty"):
        parse_files(files)


def test_read_table_keeps_text_and_converts_integers() -> None:
    spec = TableSpec("x.dat", "latin-1", (Column("id", "id", "id"), Column("v", "value", "text")))
    frame = read_table(spec, tsv("id\tv", ["1\t fu\xdfball ", "2\t"], encoding="latin-1"))
    assert frame["id"].tolist() == [1, 2]
    assert frame["value"].tolist() == [" fußball ", ""]


def test_read_table_of_header_only_has_the_columns() -> None:
    spec = TableSpec("x.dat", "utf-8", (Column("id", "id", "id"), Column("n", "n", "int")))
    frame = read_table(spec, b"id\tn\r\n")
    assert frame.empty and list(frame.columns) == ["id", "n"]
