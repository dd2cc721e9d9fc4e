"""Turning a text column of a user's table into checked values; the first bad cell is the error.

* ids: whole numbers from 0 to 2^31 − 1, the ids the API takes (``/v1/users/{id}``, artist ids);
* counts: whole numbers ≥ 1 (``3`` and ``3.0`` alike; ``2.5``, ``0``, ``-1`` and ``many`` fail);
* timestamps: ISO 8601 dates or date-times (a missing zone means UTC) or Unix seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tunedin_trainer.data.text_table import TextTable

MAX_ID = 2**31 - 1
_ID = r"[0-9]{1,10}"
_EPOCH_SECONDS = r"-?[0-9]{1,12}"


def _first(bad: np.ndarray) -> int | None:
    return int(bad.argmax()) if bad.any() else None


def _require_filled(table: TextTable, column: str, what: str) -> pd.Series:
    values = table.column(column)
    empty = _first((values.str.strip() == "").to_numpy(dtype=bool))
    if empty is not None:
        raise table.fail(empty, column, f"is empty, expected {what}")
    return values


def id_values(table: TextTable, column: str) -> np.ndarray:
    """The column as int64 ids."""
    what = f"an integer id from 0 to {MAX_ID}"
    values = _require_filled(table, column, what)
    digits = values.str.fullmatch(_ID).to_numpy(dtype=bool)
    numbers = values.where(digits, "0").astype("int64").to_numpy()
    bad = _first(~digits | (numbers > MAX_ID))
    if bad is not None:
        raise table.fail(bad, column, f"{values.iloc[bad]!r} is not {what}")
    return numbers


def count_values(table: TextTable, column: str) -> np.ndarray:
    """The column as int64 counts ≥ 1."""
    what = "a whole number of at least 1"
    values = _require_filled(table, column, what)
    numbers = pd.to_numeric(values.str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    finite = np.isfinite(numbers)
    bad = _first(~finite | (numbers < 1) | (numbers != np.round(numbers)) | (numbers >= 2**53))
    if bad is not None:
        raise table.fail(
            bad, column, f"{values.iloc[bad]!r} is {_count_problem(numbers[bad])}; expected {what}"
        )
    return numbers.astype(np.int64)


def _count_problem(number: float) -> str:
    if not np.isfinite(number):
        return "not a number"
    if number < 0:
        return "negative"
    if number < 1:
        return "zero" if number == 0 else "below 1"
    return "not a whole number" if number != np.round(number) else "too large"


def timestamp_values(table: TextTable, column: str) -> pd.Series:
    """The column as UTC timestamps (datetime64[ns, UTC])."""
    what = "an ISO 8601 date or date-time, or Unix seconds"
    values = _require_filled(table, column, what).str.strip()
    epoch = values.str.fullmatch(_EPOCH_SECONDS).to_numpy(dtype=bool)
    stamps = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if epoch.any():
        seconds = values[epoch].astype("int64")
        stamps[epoch] = pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")
    if (~epoch).any():
        stamps[~epoch] = pd.to_datetime(values[~epoch], format="ISO8601", utc=True, errors="coerce")
    bad = _first(stamps.isna().to_numpy())
    if bad is not None:
        raise table.fail(bad, column, f"{values.iloc[bad]!r} is not {what}")
    return stamps
