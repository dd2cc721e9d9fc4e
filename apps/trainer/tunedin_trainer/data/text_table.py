"""A user's own table (CSV or Parquet) read as text cells, with positions an error can name.

Both formats end up the same way, so one set of checks serves them: every cell is text as a
CSV would show it ('' for an empty cell or a null), and each row knows where it came from.

* CSV: UTF-8 (a byte-order mark is allowed), comma-separated, a header row, quoting as the
  ``csv`` module reads it (fields may hold commas, quotes and line breaks); blank lines are
  skipped. A row is named by the file line it starts on (the header is line 1).
* Parquet: integer columns become their digits, whole floats too (``3.0`` → ``3``), timestamp
  columns ISO 8601 text in UTC, list columns their items joined by ``|``. A row is named by its
  position, ``row 1`` being the first.

Header names are matched without surrounding spaces and case: `` User `` is ``user``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tunedin_trainer.errors import DataError

CSV_SUFFIX = ".csv"
PARQUET_SUFFIX = ".parquet"
SUFFIXES = (CSV_SUFFIX, PARQUET_SUFFIX)
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class TextTable:
    """The cells of one table as text, one column per header name (lower-cased)."""

    name: str  # the file name, as errors show it
    cells: pd.DataFrame  # str columns, '' for empty; RangeIndex
    lines: np.ndarray | None  # CSV: the line each row starts on; None for Parquet

    def where(self, row: int) -> str:
        """``interactions.csv line 8`` or ``interactions.parquet row 7`` for data row ``row`` (0-based)."""
        if self.lines is not None:
            return f"{self.name} line {int(self.lines[row])}"
        return f"{self.name} row {row + 1}"

    def fail(self, row: int, column: str, problem: str) -> DataError:
        """A DataError naming the row, the column and what is wrong there."""
        return DataError(f"{self.where(row)}, column {column!r}: {problem}")

    def column(self, name: str) -> pd.Series:
        values: pd.Series = self.cells[name]
        return values


def read_text_table(name: str, data: bytes) -> TextTable:
    """Read the bytes of file ``name`` (``.csv`` or ``.parquet``); DataError when they are not one."""
    suffix = PurePath(name).suffix.lower()
    if suffix == CSV_SUFFIX:
        return _from_csv(name, data)
    if suffix == PARQUET_SUFFIX:
        return _from_parquet(name, data)
    raise DataError(f"{name}: expected a {' or '.join(SUFFIXES)} file")


def _header(name: str, header: list[str]) -> list[str]:
    names = [h.strip().lower() for h in header]
    seen: set[str] = set()
    for position, column in enumerate(names, start=1):
        if not column:
            raise DataError(f"{name}: header column {position} has no name")
        if column in seen:
            raise DataError(f"{name}: header names column {column!r} twice")
        seen.add(column)
    return names


def _from_csv(name: str, data: bytes) -> TextTable:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{name} line {line}: not valid UTF-8 text") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for record in reader:
            if record:
                if header is None:
                    header = _header(name, record)
                elif len(record) != len(header):
                    raise DataError(
                        f"{name} line {start}: expected {len(header)} comma-separated fields, "
                        f"found {len(record)}"
                    )
                else:
                    rows.append(record)
                    lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"{name} line {reader.line_num}: {exc}") from exc
    if header is None:
        raise DataError(f"{name} is empty: expected a header row")
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    cells = pd.DataFrame(
        {h: pd.Series(list(col), dtype="str") for h, col in zip(header, columns, strict=True)}
    )
    return TextTable(name, cells, np.asarray(lines, dtype=np.int64))


def _from_parquet(name: str, data: bytes) -> TextTable:
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"cannot read {name} as Parquet: {exc}") from exc
    header = _header(name, table.column_names)
    cells = pd.DataFrame(
        {h: _as_text(table.column(i)) for i, h in enumerate(header)}, index=pd.RangeIndex(table.num_rows)
    )
    return TextTable(name, cells, None)


def _as_text(column: pa.ChunkedArray) -> pd.Series:
    """One Parquet column as the text a CSV would hold."""
    kind = column.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        items = column.to_pylist()
        return pd.Series(
            ["" if v is None else LIST_SEPARATOR.join("" if x is None else str(x) for x in v) for v in items],
            dtype="str",
        )
    if pa.types.is_timestamp(kind):
        stamps = pd.Series(pd.to_datetime(column.to_pandas(), utc=kind.tz is not None))
        return pd.Series([("" if pd.isna(t) else t.isoformat()) for t in stamps], dtype="str")
    if pa.types.is_floating(kind):
        values = column.to_pandas()
        numbers = values.to_numpy(dtype=np.float64)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 2**53)
        text = pd.Series(values.map(repr), dtype="str")
        text[whole] = numbers[whole].astype(np.int64).astype(str)
        text[np.isnan(numbers)] = ""
        return text
    try:
        as_strings = pc.cast(column, pa.string())
    except pa.ArrowException:
        as_strings = pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())
    return pd.Series(pc.fill_null(as_strings, "").to_pylist(), dtype="str")
