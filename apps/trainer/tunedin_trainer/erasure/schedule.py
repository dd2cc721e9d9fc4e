"""The erasure schedule in a cluster: while erasures are pending, one pipeline runner per pending set.

The chart's erasure CronJob runs ``python -m jobs.erasures ensure`` often (hourly by default). With
nothing pending it does nothing. Otherwise the pending erasure ids, sorted and hashed (10 hex),
name the set, and ``ensure_runner`` starts a runner labelled ``tunedin.io/erasure-set=<hash>``
unless one is active or has succeeded: each set gets one run, a failed one is retried at the next
schedule, and a new erasure makes a new set (which queues behind a run still going). The runner
is the pipeline's own (prepare-train, then index-publish), whose prepare-data and publish complete
the erasures. A run that succeeded while its set is still pending is an error to look at
(``python -m jobs.erasures status`` says what each erasure waits for): the same set is not
retrained again and again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime

from tunedin_common.erasures import ErasureLedger, ErasureRequest
from tunedin_trainer.errors import PipelineError
from tunedin_trainer.orchestration.definition import read_definition
from tunedin_trainer.orchestration.ensure import EnsureOutcome, RunFor, ensure_runner
from tunedin_trainer.orchestration.kube import Cluster

log = logging.getLogger("tunedin.orchestration")

ERASURE_SET_LABEL = "tunedin.io/erasure-set"


def erasure_set(pending: list[ErasureRequest]) -> str:
    """The name of a set of pending erasures: sha256 (10 hex) of their sorted ids."""
    return hashlib.sha256("\n".join(sorted(r.erasure_id for r in pending)).encode()).hexdigest()[:10]


def ensure_erasure_run(
    cluster: Cluster,
    ledger: ErasureLedger,
    config_map: str,
    name_prefix: str,
    now: Callable[[], datetime],
) -> EnsureOutcome | None:
    """Start the run that completes the pending erasures (None: nothing is pending)."""
    pending = ledger.pending()
    if not pending:
        log.info("no erasure is pending: nothing to run")
        return None
    moment = now()
    for request in pending:
        if request.due_by < moment:
            log.error("erasure %s is overdue: due by %s", request.erasure_id, request.due_by.isoformat())
    set_id = erasure_set(pending)
    log.info("%d erasure(s) pending (set %s)", len(pending), set_id)
    definition = read_definition(cluster, config_map)
    outcome = ensure_runner(
        cluster, definition, RunFor(ERASURE_SET_LABEL, set_id, "erase"), name_prefix, lambda: moment
    )
    if outcome.state == "succeeded":
        raise PipelineError(
            f"runner {outcome.runner} of erasure set {set_id} succeeded, yet {len(pending)} erasure(s) "
            "are still pending: python -m jobs.erasures status says what each waits for"
        )
    return outcome
