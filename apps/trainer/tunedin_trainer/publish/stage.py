"""The publish stage: gates in order, then CURRENT (atomic), then garbage collection.

Nothing is written before every gate has passed, so a refused model leaves CURRENT as it was.
Whatever the outcome, pending erasures then take the step the served model allows
(``tunedin_trainer.erasure.models_step``): a refusal is recorded as what they wait for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from tunedin_common.contract import ArtifactStore
from tunedin_trainer.erasure.stages import after_publish
from tunedin_trainer.errors import GateError
from tunedin_trainer.index.models import newest_servable
from tunedin_trainer.publish.gates import check_index, check_quality, check_servable
from tunedin_trainer.publish.gc import collect_garbage
from tunedin_trainer.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishOutcome:
    """What publish did: ``published`` is False for a no-op."""

    model_id: str
    previous: str | None
    published: bool
    removed: list[Path] = field(default_factory=list)


def publish(
    store: ArtifactStore, settings: Settings, model_id: str | None = None, force: bool = False
) -> PublishOutcome:
    """``publish_model``, then the erasure step of whatever model is served afterwards."""
    try:
        outcome = publish_model(store, settings, model_id, force)
    except GateError as exc:
        after_publish(store, settings, refused=str(exc))
        raise
    after_publish(store, settings)
    return outcome


def publish_model(
    store: ArtifactStore, settings: Settings, model_id: str | None = None, force: bool = False
) -> PublishOutcome:
    """Serve ``model_id`` (default: the newest indexed model) if it passes every gate.

    ``force`` skips only the quality gate (rollback to an older model); integrity and the
    index gates always apply. Publishing the served model is a no-op, and so is the default
    choice when the newest indexed model is older than the served one (a rollback must be
    asked for by id).
    """
    served = store.read_current()
    if model_id is None:
        model_id = newest_servable(store)
        if served is not None and model_id < served:
            log.info(
                "newest indexed model %s is older than the served %s: nothing to publish "
                "(--model-id rolls back)",
                model_id,
                served,
            )
            return PublishOutcome(model_id, served, False)
    if model_id == served:
        log.info("model %s is already served: nothing to do", model_id)
        return PublishOutcome(model_id, served, False)

    manifest = check_servable(store, model_id)
    meta = check_index(store, manifest, settings)
    quality = check_quality(store, manifest, served, settings, force)
    log.info(
        "model %s passed its gates: recall@20 %.4f, recall@100 %.4f, index %.2f MB; %s",
        model_id,
        meta.recall_at_20,
        meta.recall_at_100,
        meta.bytes / 1e6,
        quality,
    )
    store.write_current(model_id)
    log.info("CURRENT: %s → %s", served or "nothing", model_id)
    try:
        removed = collect_garbage(store, settings.keep_models)
    except OSError as exc:  # the model is published; a later publish collects again
        log.warning("garbage collection failed, CURRENT is %s nonetheless: %s", model_id, exc)
        return PublishOutcome(model_id, served, True)
    log.info(
        "garbage collection kept the newest %d models and the served one, removed %d: %s",
        settings.keep_models,
        len(removed),
        ", ".join(p.name for p in removed) or "nothing",
    )
    return PublishOutcome(model_id, served, True, removed)
