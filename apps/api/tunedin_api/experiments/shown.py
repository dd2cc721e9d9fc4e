"""What happens to a list on its way out: it gets its ``recommendation_id`` and experiment fields,
and during an experiment its impression is recorded (``impressions``) and counted per variant
in Prometheus. A list is served even when Redis cannot record it (a metric counts those)."""

from __future__ import annotations

import logging
import time

import orjson

from tunedin_api.experiments.serving import Served, recommendation_id, utc_day, with_experiment_fields
from tunedin_api.state import AppState
from tunedin_api.store.redis_link import RedisUnavailableError
from tunedin_api.telemetry import metrics

log = logging.getLogger(__name__)


async def identified(
    state: AppState, served: Served, user_key: str, body: bytes, user_id: int | None
) -> bytes:
    """``body`` with its identity fields; recorded as an impression of ``user_id`` while an
    experiment serves it (a list without a user is not recorded: nothing could cite it)."""
    day = utc_day(time.time())
    rec_id = recommendation_id(served, user_key, day, body)
    experiment, variant = served.experiment, served.variant
    if experiment is not None and variant is not None:
        eid = experiment.experiment_id
        metrics.EXPERIMENT_LISTS.labels(eid, variant).inc()
        if user_id is not None:
            artist_ids = [int(item["artist_id"]) for item in orjson.loads(body)["items"]]
            subject = state.suppression.subject(user_id)
            try:
                counted = await state.impressions.record(
                    user_id, subject, rec_id, experiment, variant, artist_ids, day
                )
            except RedisUnavailableError:
                metrics.EXPERIMENT_UNRECORDED.inc()
            else:
                if counted:
                    metrics.EXPERIMENT_IMPRESSIONS.labels(eid, variant).inc()
    return with_experiment_fields(body, rec_id, served)
