"""The report ``GET /v1/experiments/current`` serves: the experiment record, the counts in Redis,
and the running minimum of the p-values over every report served before (kept in Redis, so
any replica's next report continues it)."""

from __future__ import annotations

import logging

from pydantic import ValidationError
from redis.exceptions import RedisError

from tunedin_api.experiments.impressions import ImpressionStore
from tunedin_api.store import keys
from tunedin_api.store.redis_link import RedisUnavailableError
from tunedin_common.experiments.record import ExperimentReader
from tunedin_common.experiments.report import ExperimentReport, experiment_report

log = logging.getLogger(__name__)
_KEPT_S = 90 * 24 * 3600


async def current_report(reader: ExperimentReader, store: ImpressionStore) -> ExperimentReport | None:
    """The running experiment's report (or the last one's, once it ended); None when none was
    ever started."""
    experiment = reader.load_experiment()
    if experiment is None:
        return None
    eid = experiment.experiment_id
    counts = await store.counts(eid)
    client = store.link.require()
    try:
        raw = await client.get(keys.experiment_report(eid))
    except (RedisError, OSError) as exc:
        store.link.failed(exc)
        raise RedisUnavailableError("Redis is unavailable") from exc
    previous = None
    if raw is not None:
        try:
            previous = ExperimentReport.model_validate_json(raw)
        except ValidationError:
            log.warning("the stored report of experiment %s does not parse; starting afresh", eid)
    report = experiment_report(experiment, counts["champion"], counts["challenger"], previous=previous)
    try:
        await client.set(keys.experiment_report(eid), report.model_dump_json(), ex=_KEPT_S)
    except (RedisError, OSError) as exc:
        store.link.failed(exc)
        raise RedisUnavailableError("Redis is unavailable") from exc
    return report
