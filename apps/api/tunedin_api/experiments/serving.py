"""Which model serves a request while an experiment runs, and the fields every list carries.

The assignment is ``tunedin_common.experiments.assignment``: a hash of the experiment id and the
user's key, so every worker and replica gives a user the same variant without shared state. A
user's key is their id; a cold-start request without one is keyed by its ``session_id``, else by
its set of artists.

Every list names its ``recommendation_id``: a digest of the experiment, the user key, the UTC day
and the list itself, so the same list shown again to the same person on the same day has the same
id (its impression record is rewritten, not added), and ``experiment_id`` and ``variant`` (both
null outside an experiment). Feedback may cite the id (``routes.feedback``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from tunedin_api.model.holder import Split
from tunedin_api.model.loaded import LoadedModel
from tunedin_common.experiments.assignment import assign
from tunedin_common.experiments.record import Experiment, Variant


@dataclass(frozen=True)
class Served:
    """The model a request is served by, and the experiment arm it is in (None: no experiment)."""

    model: LoadedModel
    experiment: Experiment | None = None
    variant: Variant | None = None


def serve(champion: LoadedModel, split: Split | None, user_key: str) -> Served:
    """The model for ``user_key``: the challenger for its share of keys while ``split`` runs on
    ``champion``, else the champion."""
    if split is None or split.experiment.champion != champion.model_id:
        return Served(champion)
    variant = assign(split.experiment, user_key)
    model = split.challenger if variant == "challenger" else champion
    return Served(model, split.experiment, variant)


def utc_day(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y%m%d")


def recommendation_id(served: Served, user_key: str, day: str, body: bytes) -> str:
    """20 hex digits naming this list, for this person, on this day (see the module doc)."""
    experiment = served.experiment.experiment_id if served.experiment is not None else ""
    digest = hashlib.blake2b(digest_size=10)
    for part in (experiment.encode(), user_key.encode("utf-8", "surrogatepass"), day.encode()):
        digest.update(part + b"\x00")
    digest.update(body)
    return digest.hexdigest()


def with_experiment_fields(body: bytes, rec_id: str, served: Served) -> bytes:
    """``body`` (a rendered JSON object) with ``recommendation_id``, ``experiment_id`` and
    ``variant`` put first: the rendered list is cached without them."""
    fields = orjson.dumps(
        {
            "recommendation_id": rec_id,
            "experiment_id": served.experiment.experiment_id if served.experiment is not None else None,
            "variant": served.variant,
        }
    )
    return fields[:-1] + b"," + body[1:]
