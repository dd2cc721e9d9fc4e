"""Wait until the artifact store holds a complete model that build-index has not indexed yet."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from tunedin_common.contract import ArtifactStore, ContractError
from tunedin_trainer.errors import PipelineError

log = logging.getLogger("tunedin.orchestration")


def unindexed_model(store: ArtifactStore) -> str | None:
    """The newest model whose manifest and checksums verify and that has no index, else None."""
    for model_id in reversed(store.model_ids()):
        try:
            manifest = store.read_model_manifest(model_id, verify=True)
        except ContractError as exc:
            log.info("model %s is not complete yet: %s", model_id, exc)
            continue
        if not manifest.servable:
            return model_id
    return None


def wait_for_model(
    store: ArtifactStore,
    timeout_s: float,
    poll_s: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Poll until ``unindexed_model`` finds one; PipelineError after ``timeout_s``."""
    deadline = clock() + timeout_s
    while True:
        model_id = unindexed_model(store)
        if model_id is not None:
            log.info("model %s is complete and waits for its index", model_id)
            return model_id
        if clock() >= deadline:
            raise PipelineError(
                f"no complete, unindexed model appeared in {store.models_dir} within {timeout_s:g} s"
            )
        sleep(poll_s)
