"""The erasure progress record (lists grow, a step's time is set once) and the status table that
`python -m jobs.erasures status` prints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.erasure_support import DEADLINE, KEY, record_erasure
from tests.support.jobs import job_env, run_job
from tunedin_common.contract import ArtifactStore
from tunedin_common.erasures import ErasureLedger
from tunedin_trainer.erasure.progress import record_progress
from tunedin_trainer.erasure.status import status_table

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_progress_lists_only_grow_and_a_step_is_timed_once(store: ArtifactStore) -> None:
    ledger = ErasureLedger(store.root)
    request = ledger.record(KEY, 2, DEADLINE, now=T0)
    first = record_progress(
        ledger, request, done=("removed_from_datasets_at",), at=T0, datasets_removed=["a", "b", "a"]
    )
    assert first.datasets_removed == ["a", "b"] and first.removed_from_datasets_at == T0
    later = T0 + timedelta(hours=1)
    second = record_progress(
        ledger, request, done=("removed_from_datasets_at",), at=later, datasets_removed=["b", "c"]
    )
    assert second.datasets_removed == ["a", "b", "c"]
    assert second.removed_from_datasets_at == T0  # the first time the step was done
    assert ledger.progress(request.erasure_id) == second
    with pytest.raises(ValueError, match="not a step"):
        record_progress(ledger, request, done=("finished_at",), at=later)


def test_status_table_shows_each_step_or_pending(store: ArtifactStore) -> None:
    ledger = ErasureLedger(store.root)
    done = ledger.record(KEY, 2, DEADLINE, now=T0)
    late = ledger.record(KEY, 3, timedelta(hours=1), now=T0 + timedelta(minutes=5))
    fresh = ledger.record(KEY, 4, DEADLINE, now=T0 + timedelta(hours=2))
    steps = ("removed_from_datasets_at", "retrained_at", "removed_from_models_at")
    record_progress(ledger, done, done=steps, at=T0 + timedelta(hours=1), retrained_model_id="m-1")
    record_progress(ledger, late, waiting_for="publish refused the newest model (worse)")

    table = status_table(ledger, now=T0 + timedelta(hours=3)).splitlines()

    assert table[0].split() == [
        "erasure",
        "requested",
        "due",
        "by",
        "datasets",
        "retrained",
        "models",
        "state",
    ]
    rows = {line.split()[0]: line for line in table if line.startswith("er-")}
    assert list(rows) == [done.erasure_id, late.erasure_id, fresh.erasure_id]  # oldest first
    assert rows[done.erasure_id].split()[-1] == "complete"
    assert rows[done.erasure_id].count("2026-03-01 10:00") == 3
    assert rows[late.erasure_id].split()[-4:] == ["pending", "pending", "pending", "OVERDUE"]
    assert rows[fresh.erasure_id].split()[-1] == "pending"
    assert "    retrained model: m-1" in table
    assert "    waiting for: publish refused the newest model (worse)" in table
    assert table[-1] == "3 erasure(s), 2 not complete (times in UTC)"


def test_status_cli_prints_the_ledger(store: ArtifactStore) -> None:
    empty = run_job("erasures", job_env(store.root), "status")
    assert empty.returncode == 0 and "no erasures in" in empty.stdout
    request = record_erasure(store.root, 2)
    result = run_job("erasures", job_env(store.root), "status")
    assert result.returncode == 0, result.stderr
    assert request.erasure_id in result.stdout and "1 erasure(s), 1 not complete" in result.stdout
