"""Strict reading of the HetRec tab-separated files, with errors that name the file and line.

The files are plain TSV without quoting: one header row, then one record per line, fields
separated by tabs. Line ends may be CRLF or LF. Every check reports the first offending line
as the file shows it (the header is line 1), so a user can open the file and look.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tunedin_trainer.errors import DataError

ColumnKind = Literal["id", "positive", "int", "text", "nonempty"]
_INTEGER = r"-?[0-9]{1,18}"  # at most 18 digits: always fits in int64
_KIND_TEXT = {
    "id": "a positive integer id",
    "positive": "a positive integer",
    "int": "an integer",
    "nonempty": "non-empty text",
}


@dataclass(frozen=True)
class Column:
    """One column: its header name in the file, its name in our frames, and what it must hold."""

    header: str
    name: str
    kind: ColumnKind


@dataclass(frozen=True)
class TableSpec:
    """A file's name, text encoding and exact header."""

    file: str
    encoding: str
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [c.header for c in self.columns]


def line_of(row: int) -> int:
    """File line number of data row ``row`` (0-based): line 1 is the header."""
    return row + 2


def fail_at(spec: TableSpec, row: int, problem: str) -> DataError:
    """A DataError pointing at data row ``row`` of ``spec.file``."""
    return DataError(f"{spec.file} line {line_of(row)}: {problem}")


def _decode(spec: TableSpec, data: bytes) -> str:
    try:
        return data.decode(spec.encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{spec.file} line {line}: not valid {spec.encoding} text") from exc


def _lines(spec: TableSpec, data: bytes) -> list[str]:
    text = _decode(spec, data).replace("\r\n", "\n")
    if not text:
        raise DataError(f"{spec.file} is empty: expected the header {'/'.join(spec.header)}")
    lines = text.split("\n")
    if lines[-1] == "":  # the newline that ends the last line
        lines.pop()
    return lines


def read_table(spec: TableSpec, data: bytes) -> pd.DataFrame:
    """Parse and check one file; columns are renamed to ``Column.name``.

    Integer kinds become ``int64``; text stays as the file has it (no trimming, no repair of
    odd characters). Raises DataError on a wrong header, a wrong number of fields, or a value
    that is not what its column must hold.
    """
    lines = _lines(spec, data)
    header = lines[0].split("\t")
    if header != spec.header:
        raise DataError(
            f"{spec.file} line 1: header is {'/'.join(header)!r}, expected {'/'.join(spec.header)!r}"
        )
    rows = pd.Series(lines[1:], dtype="str")
    n_fields = rows.str.count("\t") + 1
    wrong = (n_fields != len(spec.columns)).to_numpy()
    if wrong.any():
        row = int(wrong.argmax())
        raise fail_at(spec, row, f"expected {len(spec.columns)} tab-separated fields, found {n_fields[row]}")
    if rows.empty:
        fields = pd.DataFrame({c.name: pd.Series([], dtype="str") for c in spec.columns})
    else:
        fields = rows.str.split("\t", expand=True, regex=False)
        fields.columns = pd.Index([c.name for c in spec.columns])
    return pd.DataFrame({c.name: _convert(spec, c, fields[c.name]) for c in spec.columns})


def _convert(spec: TableSpec, column: Column, values: pd.Series) -> pd.Series:
    if column.kind == "text":
        return values
    if column.kind == "nonempty":
        _check(spec, column, values, (values.str.len() == 0).to_numpy())
        return values
    matches = values.str.fullmatch(_INTEGER).to_numpy(dtype=bool)
    numbers = values.where(matches, "0").astype("int64")
    bad = ~matches
    if column.kind in ("id", "positive"):
        bad |= numbers.to_numpy() <= 0
    _check(spec, column, values, bad)
    return numbers


def _check(spec: TableSpec, column: Column, values: pd.Series, bad: np.ndarray) -> None:
    if bad.any():
        row = int(bad.argmax())
        expected = _KIND_TEXT[column.kind]
        raise fail_at(spec, row, f"{column.header} is {values.iloc[row]!r}, expected {expected}")
