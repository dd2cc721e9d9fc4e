"""Copy the API's feedback stream into the artifact store as Parquet (``jobs.export_feedback``).

Each run reads the stream after the id in ``feedback/CURSOR`` in batches, drops the entries of
erased users (their subjects are on the erasure ledger's suppression list), writes the rest as
one file named by its first stream id (atomically: a crash leaves the old state), then moves the
cursor. A run that crashed between the two rewrites the same file on the next run, so nothing is
counted twice. Every run also rewrites older exports without the subjects erased since.

The stream is capped by the API (``TUNEDIN_FEEDBACK_STREAM_MAXLEN``): entries trimmed before an
export are lost to it, and the run says how many ids it could not account for when the oldest
entry left is newer than the cursor.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import redis

from tunedin_common.contract import ArtifactStore, atomic_write_bytes
from tunedin_common.erasures import ErasureLedger
from tunedin_common.feedback_log import (
    CURSOR_FILE,
    EXPORT_COLUMNS,
    FEEDBACK_DIR,
    FEEDBACK_EVENTS,
    FEEDBACK_STREAM,
    export_files,
    export_name,
)
from tunedin_trainer.errors import PipelineError

log = logging.getLogger(__name__)

EXPORT_SCHEMA = pa.schema(
    [
        (EXPORT_COLUMNS[0], pa.string()),
        (EXPORT_COLUMNS[1], pa.string()),
        (EXPORT_COLUMNS[2], pa.int64()),
        (EXPORT_COLUMNS[3], pa.string()),
        (EXPORT_COLUMNS[4], pa.float64()),
    ]
)
BATCH = 5000
StreamEntries = list[tuple[bytes, dict[bytes, bytes]]]


@dataclass(frozen=True)
class ExportResult:
    """What one export run did."""

    exported: int  # entries written to the new file
    erased_dropped: int  # entries of erased users left out of it
    malformed_dropped: int  # entries whose fields are not the log's
    purged: int  # entries of newly erased users removed from older exports
    file: Path | None  # the new export (None: nothing new)
    cursor: str | None  # the stream id exported up to
    trimmed_before_export: bool  # the stream lost entries after the cursor before this run


def read_cursor(store: ArtifactStore) -> str | None:
    path = store.root / FEEDBACK_DIR / CURSOR_FILE
    return path.read_text(encoding="ascii").strip() or None if path.is_file() else None


def _entries(client: redis.Redis, after: str | None) -> Iterator[StreamEntries]:
    start = f"({after}" if after else "-"
    while True:
        batch = cast(StreamEntries, client.xrange(FEEDBACK_STREAM, min=start, max="+", count=BATCH))
        if batch:
            yield batch
        if len(batch) < BATCH:
            return
        start = "(" + batch[-1][0].decode()


def _row(entry_id: bytes, fields: dict[bytes, bytes]) -> dict[str, Any] | None:
    """One export row, or None for an entry that is not a feedback event."""
    try:
        event = fields[b"event"].decode()
        row = {
            "stream_id": entry_id.decode(),
            "subject": fields[b"user"].decode(),
            "artist_id": int(fields[b"artist"]),
            "event": event,
            "at": float(fields[b"at"]),
        }
    except (KeyError, ValueError, UnicodeDecodeError):
        return None
    return row if event in FEEDBACK_EVENTS else None


def _parquet(frame: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    table = pa.Table.from_pandas(frame[list(EXPORT_COLUMNS)], schema=EXPORT_SCHEMA, preserve_index=False)
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def purge_erased(store: ArtifactStore, subjects: frozenset[str]) -> int:
    """Rewrite every export without the entries of ``subjects``; how many entries went."""
    removed = 0
    for path in export_files(store.root):
        frame = pq.read_table(path).to_pandas()
        keep = ~frame["subject"].isin(subjects)
        if keep.all():
            continue
        removed += int((~keep).sum())
        if keep.any():
            atomic_write_bytes(path, _parquet(frame[keep]))
        else:
            path.unlink()
    return removed


def _stream_lost_entries(client: redis.Redis, cursor: str | None) -> bool:
    """The oldest entry left is newer than the one after the cursor: some were trimmed unread."""
    if cursor is None:
        return False
    info: dict[str, Any] = client.xinfo_stream(FEEDBACK_STREAM)
    first = info.get("first-entry")
    if not first:
        return False
    first_id = first[0].decode() if isinstance(first[0], bytes) else str(first[0])
    ms, _, seq = first_id.partition("-")
    cms, _, cseq = cursor.partition("-")
    return (int(ms), int(seq)) > (int(cms), int(cseq) + 1)


def export_feedback(store: ArtifactStore, redis_url: str) -> ExportResult:
    """Export the stream's entries after the cursor; see the module docstring."""
    subjects = ErasureLedger(store.root).subjects()
    client = redis.Redis.from_url(redis_url, socket_timeout=10)
    cursor = read_cursor(store)
    try:
        if not client.exists(FEEDBACK_STREAM):
            purged = purge_erased(store, subjects)
            return ExportResult(0, 0, 0, purged, None, cursor, False)
        trimmed = _stream_lost_entries(client, cursor)
        rows: list[dict[str, Any]] = []
        malformed_count, last_id = 0, cursor
        for batch in _entries(client, cursor):
            for entry_id, fields in batch:
                row = _row(entry_id, fields)
                if row is None:
                    malformed_count += 1
                else:
                    rows.append(row)
                last_id = entry_id.decode()
    except (redis.RedisError, OSError) as exc:
        raise PipelineError(f"reading the feedback stream failed: {exc}") from exc
    finally:
        client.close()
    frame = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
    erased = frame["subject"].isin(subjects)
    kept = frame[~erased]
    written: Path | None = None
    if len(kept):
        written = store.root / FEEDBACK_DIR / export_name(str(kept["stream_id"].iloc[0]))
        atomic_write_bytes(written, _parquet(kept))
    if last_id is not None and last_id != cursor:
        atomic_write_bytes(store.root / FEEDBACK_DIR / CURSOR_FILE, f"{last_id}\n".encode("ascii"))
    purged = purge_erased(store, subjects)
    result = ExportResult(len(kept), int(erased.sum()), malformed_count, purged, written, last_id, trimmed)
    log.info("export-feedback: %s", result)
    return result
