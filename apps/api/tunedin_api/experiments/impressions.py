"""Impressions and attributed feedback of an experiment, in Redis.

The unit counted is a user-day of a variant: a user's first list of a UTC day from a variant
counts one impression for it, and their first play (like, skip) citing a list of that variant
and day counts one play (like, skip); a user changes variant only when the share is raised. So
every event count stays at or under its impressions, a heavy listener weighs no more than
anyone else on a day, and the report's rates are shares of exposed user-days with at least one
such event. Each list shown is also recorded for
attribution (``keys.recommendation``, for ``attribution_ttl_s``) and appended to the impression
log (``IMPRESSION_STREAM``, pseudonymised like the feedback log). Both writes are one Lua call.

Lists without a user (cold start) carry the fields but are not recorded: no feedback could cite
them, so counting them would only dilute the rates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import cast

from redis.exceptions import RedisError

from tunedin_api.store import keys
from tunedin_api.store.history import Event
from tunedin_api.store.redis_link import RedisLink, RedisUnavailableError
from tunedin_common.experiments.record import Experiment, Variant
from tunedin_common.experiments.report import VariantCounts

# KEYS: the list's record, the user's marks for this experiment, the counts, the impression log.
# ARGV: pseudonym, variant, experiment id, artist ids, day, ttl, log bound, recommendation id, now.
RECORD_SCRIPT = """
redis.call('HSET', KEYS[1], 'variant', ARGV[2], 'experiment', ARGV[3], 'items', ARGV[4], 'day', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
local counted = redis.call('HSETNX', KEYS[2], ARGV[2] .. ':' .. ARGV[5] .. ':seen', '1')
redis.call('EXPIRE', KEYS[2], ARGV[6])
if counted == 1 then
  redis.call('HINCRBY', KEYS[3], ARGV[2] .. ':impressions', 1)
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], '*', 'user', ARGV[1], 'recommendation', ARGV[8],
  'experiment', ARGV[3], 'variant', ARGV[2], 'items', ARGV[4], 'at', ARGV[9])
return counted
"""

# KEYS: the cited list's record, the user's marks for the running experiment, its counts.
# ARGV: artist id, event, running experiment id ('' when none), ttl.
# Returns {0} for an unknown (or expired) list, {-1} when the artist is not in it, else
# {1, variant, experiment id, position (1-based), counted}.
ATTRIBUTE_SCRIPT = """
local rec = redis.call('HMGET', KEYS[1], 'variant', 'experiment', 'items', 'day')
if not rec[1] then return {0} end
local position = 0
local i = 0
for id in string.gmatch(rec[3], '[^,]+') do
  i = i + 1
  if id == ARGV[1] then position = i break end
end
if position == 0 then return {-1} end
local counted = 0
if rec[2] == ARGV[3] then
  if redis.call('HSETNX', KEYS[2], rec[1] .. ':' .. rec[4] .. ':' .. ARGV[2], '1') == 1 then
    redis.call('EXPIRE', KEYS[2], ARGV[4])
    redis.call('HINCRBY', KEYS[3], rec[1] .. ':' .. ARGV[2] .. 's', 1)
    counted = 1
  end
end
return {1, rec[1], rec[2], position, counted}
"""

_COUNT_FIELDS = ("impressions", "plays", "likes", "skips")


@dataclass(frozen=True)
class Attribution:
    """Where a cited list came from: its experiment and variant, and the artist's place in it."""

    experiment_id: str
    variant: Variant
    position: int  # 1-based
    counted: bool  # False: the experiment ended, or the user's day already had this event


class NotInListError(ValueError):
    """The cited list does not hold the artist."""


class ImpressionStore:
    def __init__(self, link: RedisLink, attribution_ttl_s: int, log_maxlen: int) -> None:
        self.link = link
        self.ttl_s = attribution_ttl_s
        self.log_maxlen = log_maxlen
        self._record = link.client.register_script(RECORD_SCRIPT)
        self._attribute = link.client.register_script(ATTRIBUTE_SCRIPT)

    async def record(
        self,
        user_id: int,
        pseudonym: str,
        recommendation_id: str,
        experiment: Experiment,
        variant: Variant,
        artist_ids: list[int],
        day: str,
    ) -> bool:
        """Record a list shown to ``user_id``; True when it counted a new impression."""
        eid = experiment.experiment_id
        now = time.time()
        counted = await self._call(
            self._record,
            [
                keys.recommendation(user_id, recommendation_id),
                keys.experiment_marks(user_id, eid),
                keys.experiment_counts(eid),
                keys.IMPRESSION_STREAM,
            ],
            [
                pseudonym,
                variant,
                eid,
                ",".join(map(str, artist_ids)),
                day,
                self.ttl_s,
                self.log_maxlen,
                recommendation_id,
                now,
            ],
        )
        return bool(counted)

    async def attribute(
        self, user_id: int, recommendation_id: str, artist_id: int, event: Event, running: str | None
    ) -> Attribution | None:
        """Attribute ``event`` on ``artist_id`` to the cited list; None when the list is unknown
        (never shown to this user, or older than the attribution window). Raises ``NotInListError``."""
        marks = keys.experiment_marks(user_id, running or "none")
        counts = keys.experiment_counts(running or "none")
        reply = cast(
            list[object],
            await self._call(
                self._attribute,
                [keys.recommendation(user_id, recommendation_id), marks, counts],
                [artist_id, event, running or "", self.ttl_s],
            ),
        )
        status = int(cast(int, reply[0]))
        if status == 0:
            return None
        if status < 0:
            raise NotInListError(f"artist {artist_id} is not in recommendation {recommendation_id}")
        variant, experiment_id = (cast(bytes, value).decode() for value in reply[1:3])
        return Attribution(experiment_id, cast(Variant, variant), int(cast(int, reply[3])), bool(reply[4]))

    async def counts(self, experiment_id: str) -> dict[Variant, VariantCounts]:
        client = self.link.require()
        try:
            raw = cast(dict[bytes, bytes], await client.hgetall(keys.experiment_counts(experiment_id)))
        except (RedisError, OSError) as exc:
            self.link.failed(exc)
            raise RedisUnavailableError("Redis is unavailable") from exc
        values = {k.decode(): int(v) for k, v in raw.items()}
        return {
            variant: VariantCounts(**{f: values.get(f"{variant}:{f}", 0) for f in _COUNT_FIELDS})
            for variant in ("champion", "challenger")
        }

    async def _call(self, script: object, script_keys: list[str], args: list[object]) -> object:
        self.link.require()
        try:
            return await script(keys=script_keys, args=args)  # type: ignore[operator]
        except (RedisError, OSError) as exc:
            self.link.failed(exc)
            raise RedisUnavailableError("Redis is unavailable") from exc
