"""The served model and its hot swap: watch CURRENT, load and verify off the event loop, swap.

A request takes ``holder.model`` once and keeps that object, so a swap in the middle never
mixes two models. A model that fails to load is refused (log line + metric) and the old one
keeps serving; it is tried again only when CURRENT or its manifest changes.
"""

from __future__ import annotations

import asyncio
import logging

from tunedin_api import heap
from tunedin_api.model.loaded import LoadedModel, load_model
from tunedin_api.telemetry import metrics
from tunedin_common.contract import CURRENT_FILE, MODEL_MANIFEST_FILE, ArtifactStore, ContractError

log = logging.getLogger(__name__)


class ModelHolder:
    def __init__(
        self, store: ArtifactStore, search_cache_size: int = 4096, result_cache_size: int = 4096
    ) -> None:
        self.store = store
        self.cache_sizes = (search_cache_size, result_cache_size)
        self.model: LoadedModel | None = None
        self.refused: tuple[str, int] | None = None  # (model id, manifest mtime) of the last refusal
        self.last_error: str | None = None
        self._lock = asyncio.Lock()

    def _manifest_mtime(self, model_id: str) -> int:
        try:
            return (self.store.model_dir(model_id) / MODEL_MANIFEST_FILE).stat().st_mtime_ns
        except (OSError, ContractError):
            return -1

    async def refresh(self) -> bool:
        """Load CURRENT's model when it is new; True when a model was swapped in."""
        async with self._lock:
            try:
                wanted = self.store.read_current()
            except ContractError as exc:
                self._refuse(CURRENT_FILE, str(exc), -1)
                return False
            if wanted is None or (self.model is not None and self.model.model_id == wanted):
                return False
            stamp = self._manifest_mtime(wanted)
            if self.refused == (wanted, stamp):
                return False
            try:
                loaded = await asyncio.to_thread(load_model, self.store, wanted, *self.cache_sizes)
            except (ContractError, OSError, ValueError, KeyError) as exc:
                self._refuse(wanted, " ".join(str(exc).split()), stamp)
                return False
            previous = self.model
            self.model = loaded
            self.refused = None
            self.last_error = None
            metrics.set_model(loaded.model_id, previous.model_id if previous else None)
            metrics.MODEL_SWAPS.inc()
            heap.settle()  # the new model is long-lived: keep it out of full collections
            log.info(
                "serving model %s (was %s)",
                loaded.model_id,
                previous.model_id if previous else "nothing",
                extra={"model_id": loaded.model_id},
            )
            return True

    def _refuse(self, model_id: str, reason: str, stamp: int) -> None:
        self.refused = (model_id, stamp)
        self.last_error = f"model {model_id} refused: {reason}"
        metrics.MODEL_LOAD_FAILURES.inc()
        serving = self.model.model_id if self.model else "nothing"
        log.error("%s; still serving %s", self.last_error, serving, extra={"model_id": model_id})

    async def watch(self, interval_s: float) -> None:
        """Poll CURRENT forever (a background task of each worker)."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.refresh()
            except Exception:  # the watcher must survive anything a bad artifact throws
                log.exception("model refresh failed; still serving the old model")
