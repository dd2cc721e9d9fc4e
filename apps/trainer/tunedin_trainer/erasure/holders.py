"""Which erased users a dataset or model directory holds, read from its own files.

Datasets and models name users only by the ``user_id`` column of their Parquet files
(interactions, users and split; a model's users id map). A directory whose Parquet files cannot
all be read, or that holds embeddings without their id map (a staging directory cut short),
cannot be cleared, so it counts as holding every erased user: it is removed rather than kept.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tunedin_common.contract import MODEL_USERS_FILE, USER_EMBEDDINGS_FILE
from tunedin_trainer.erasure.suppression import Suppression

USER_COLUMN = "user_id"


def user_ids_in(directory: Path) -> set[int] | None:
    """The user ids in every Parquet file of ``directory``; None when they cannot all be read."""
    if (directory / USER_EMBEDDINGS_FILE).exists() and not (directory / MODEL_USERS_FILE).is_file():
        return None
    ids: set[int] = set()
    try:
        for path in sorted(directory.rglob("*.parquet")):
            if USER_COLUMN in pq.read_schema(path).names:
                column = pq.read_table(path, columns=[USER_COLUMN]).column(USER_COLUMN)
                ids.update(int(v) for v in column.unique().to_pylist() if v is not None)
    except (OSError, pa.ArrowException):
        return None
    return ids


def erased_subjects_in(directory: Path, suppression: Suppression) -> frozenset[str]:
    """The erased subjects ``directory`` holds (all of them when it cannot be read)."""
    ids = user_ids_in(directory)
    return suppression.subjects if ids is None else suppression.subjects_among(ids)
