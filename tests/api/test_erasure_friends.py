"""An erased friend's listening leaves their friends' reasons at once ("3 of your friends play
X" counts only friends who were not erased), on every worker, with no stale cached answer."""

from __future__ import annotations

import re

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.erasure_support import app_on, erase, recommendations, state_of
from tests.support.redis_server import RedisServer
from tunedin_common.contract import ArtifactStore

FRIENDS = re.compile(r"(\d+) of your friends plays? (.+)$")
PARAMS = {"k": 50, "diversity": 0, "exclude_listened": "false"}


def _friend_counts(body: dict[str, object]) -> dict[str, int]:
    counts = {}
    for item in body["items"]:  # type: ignore[attr-defined]
        found = FRIENDS.search(item["reason"])
        if found:
            counts[found.group(2)] = int(found.group(1))
    return counts


def test_an_erased_friend_is_no_longer_counted_by_any_worker(
    own_store: ArtifactStore, redis_server: RedisServer, spans: InMemorySpanExporter
) -> None:
    redis_server.client().flushall()
    with (
        app_on(own_store, redis_server.url, spans) as worker_a,
        app_on(own_store, redis_server.url, spans) as worker_b,
    ):
        model = state_of(worker_a).holder.model
        assert model is not None
        # A trained user with a friend reason naming a pick several friends play.
        user, before, mate = None, {}, None
        for candidate in sorted(model.user_row)[:80]:
            counts = _friend_counts(recommendations(worker_b, candidate, **PARAMS))
            if counts:
                user, before = candidate, counts
                break
        assert user is not None, "no user of the test model has a friend reason"
        row = model.user_row[user]
        name = next(iter(before))
        pick = model.catalogue.names.index(name)
        ids = {r: u for u, r in model.user_row.items()}
        mate = next(
            ids[int(m)] for m in model.friends.of(row).tolist() if pick in model.listening.of(int(m)).tolist()
        )

        erase(worker_a, mate)

        after = _friend_counts(recommendations(worker_b, user, **PARAMS))  # B's cache held the old list
        assert after.get(name) != before[name]  # one friend fewer (or too few left to be named)
        still = [int(m) for m in model.friends.of(row).tolist() if ids[int(m)] != mate]
        for artist, count in after.items():  # every count is of the friends still there
            artist_row = model.catalogue.names.index(artist)
            assert count == sum(artist_row in model.listening.of(m).tolist() for m in still), artist
