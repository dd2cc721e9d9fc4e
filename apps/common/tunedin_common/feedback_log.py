"""The feedback log: what the API appends for every play, like and skip, and its exports.

The API appends one entry per feedback event to the Redis stream ``FEEDBACK_STREAM`` with the
fields ``user`` (the keyed pseudonym of the user id, ``erasures.subject_of``: never the id),
``artist``, ``event`` and ``at`` (Unix seconds). ``jobs.export_feedback`` copies new entries into
the artifact store as Parquet files under ``FEEDBACK_DIR`` (``EXPORT_COLUMNS``, one file per
export, named by its first stream id) and records the last exported id in ``CURSOR_FILE``;
prepare-data may merge the exports into the next dataset's training pairs.
"""

from __future__ import annotations

import re
from pathlib import Path

from tunedin_common.erasures import subject_of

FEEDBACK_STREAM = "tunedin:feedback"
# While an experiment runs, one entry per list shown: ``user`` (the pseudonym), ``recommendation``,
# ``experiment``, ``variant``, ``items`` (comma-separated artist ids, in order) and ``at``.
IMPRESSION_STREAM = "tunedin:impressions"
FEEDBACK_EVENTS = ("play", "like", "skip")
FEEDBACK_DIR = "feedback"
CURSOR_FILE = "CURSOR"  # in FEEDBACK_DIR: the stream id of the last exported entry
EXPORT_COLUMNS = ("stream_id", "subject", "artist_id", "event", "at")
_EXPORT_NAME = re.compile(r"^events-(\d+)-(\d+)\.parquet$")


def pseudonym(key: bytes, user_id: int) -> str:
    """The name the log gives ``user_id``: its keyed, irreversible subject."""
    return subject_of(key, user_id)


def export_name(first_stream_id: str) -> str:
    """The file of an export whose first entry is ``first_stream_id`` (``<ms>-<seq>``)."""
    ms, _, seq = first_stream_id.partition("-")
    return f"events-{int(ms)}-{int(seq or 0)}.parquet"


def export_files(root: Path) -> list[Path]:
    """The exports in the artifact store ``root``, oldest first."""
    folder = root / FEEDBACK_DIR
    if not folder.is_dir():
        return []
    found = [(m, p) for p in folder.iterdir() if (m := _EXPORT_NAME.match(p.name))]
    return [p for m, p in sorted(found, key=lambda mp: (int(mp[0][1]), int(mp[0][2])))]
