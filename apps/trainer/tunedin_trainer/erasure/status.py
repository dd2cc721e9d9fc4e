"""The erasure ledger as a table for people: one row per erasure, each step's time or "pending"."""

from __future__ import annotations

from datetime import UTC, datetime

from tunedin_common.erasures import ErasureLedger, ErasureProgress

COLUMNS = ("erasure", "requested", "due by", "datasets", "retrained", "models", "state")


def _when(at: datetime | None) -> str:
    return "pending" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _state(progress: ErasureProgress | None, due_by: datetime, now: datetime) -> str:
    if progress is not None and progress.complete:
        return "complete"
    return "OVERDUE" if due_by < now else "pending"


def status_table(ledger: ErasureLedger, now: datetime) -> str:
    """Every erasure, oldest first, with what an incomplete one waits for under its row."""
    rows: list[tuple[str, ...]] = []
    notes: dict[int, str] = {}
    for request in ledger.requests():
        progress = ledger.progress(request.erasure_id)
        steps: tuple[datetime | None, ...] = (None, None, None)
        if progress is not None:
            steps = (
                progress.removed_from_datasets_at,
                progress.retrained_at,
                progress.removed_from_models_at,
            )
            if progress.retrained_model_id and progress.retrained_at is not None:
                notes[len(rows)] = f"retrained model: {progress.retrained_model_id}"
            if not progress.complete and progress.waiting_for:
                notes[len(rows)] = f"waiting for: {progress.waiting_for}"
        rows.append(
            (
                request.erasure_id,
                _when(request.requested_at),
                _when(request.due_by),
                *(_when(at) for at in steps),
                _state(progress, request.due_by, now),
            )
        )
    if not rows:
        return f"no erasures in {ledger.root}"
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for i, row in enumerate(rows):
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        if i in notes:
            lines.append(f"    {notes[i]}")
    pending = sum(1 for r in rows if r[-1] != "complete")
    lines.append(f"{len(rows)} erasure(s), {pending} not complete (times in UTC)")
    return "\n".join(lines)
