"""The served model and its hot swap: watch CURRENT, load and verify off the event loop, swap.

A request takes ``holder.model`` once and keeps that object, so a swap in the middle never
mixes two models. A model that fails to load is refused (log line + metric) and the old one
keeps serving; it is tried again only when CURRENT or its manifest changes.

While an experiment runs on the served model (``experiment.json``, see
``tunedin_common.experiments``), ``holder.split`` holds it with its challenger model, loaded the
same way; a request takes it once too. A challenger that fails to load is refused like a model,
and everybody is served the champion meanwhile. The share in effect is the gauge
``tunedin_experiment_challenger_share`` (0 once an experiment stops splitting traffic).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from tunedin_api import heap
from tunedin_api.model.loaded import LoadedModel, load_model
from tunedin_api.telemetry import metrics
from tunedin_common.contract import CURRENT_FILE, MODEL_MANIFEST_FILE, ArtifactStore, ContractError
from tunedin_common.experiments.record import Experiment, ExperimentReader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Split:
    """A running experiment on the served model, with its challenger loaded."""

    experiment: Experiment
    challenger: LoadedModel


class ModelHolder:
    def __init__(
        self, store: ArtifactStore, search_cache_size: int = 4096, result_cache_size: int = 4096
    ) -> None:
        self.store = store
        self.cache_sizes = (search_cache_size, result_cache_size)
        self.model: LoadedModel | None = None
        self.split: Split | None = None
        self.experiments = ExperimentReader(store)
        self.refused: tuple[str, int] | None = None  # (model id, manifest mtime) of the last refusal
        self.refused_challenger: tuple[str, int] | None = None  # the same, of a challenger
        self.last_error: str | None = None
        self._lock = asyncio.Lock()

    def _manifest_mtime(self, model_id: str) -> int:
        try:
            return (self.store.model_dir(model_id) / MODEL_MANIFEST_FILE).stat().st_mtime_ns
        except (OSError, ContractError):
            return -1

    async def refresh(self) -> bool:
        """Load CURRENT's model when it is new, then the running experiment's challenger; True
        when a model was swapped in."""
        async with self._lock:
            swapped = await self._refresh_model()
            await self._refresh_split()
            return swapped

    async def _refresh_model(self) -> bool:
        try:
            wanted = self.store.read_current()
        except ContractError as exc:
            self.refused = (CURRENT_FILE, -1)
            self._refuse(CURRENT_FILE, str(exc))
            return False
        if wanted is None or (self.model is not None and self.model.model_id == wanted):
            return False
        stamp = self._manifest_mtime(wanted)
        if self.refused == (wanted, stamp):
            return False
        try:
            loaded = await asyncio.to_thread(load_model, self.store, wanted, *self.cache_sizes)
        except (ContractError, OSError, ValueError, KeyError) as exc:
            self.refused = (wanted, stamp)
            self._refuse(wanted, " ".join(str(exc).split()))
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

    async def _refresh_split(self) -> None:
        champion = self.model
        experiment = self.experiments.active(champion.model_id if champion is not None else None)
        if experiment is None:
            if self.split is not None:
                log.info("experiment %s no longer splits traffic", self.split.experiment.experiment_id)
            self._set_split(None)
            return
        if self.split is not None and self.split.experiment == experiment:
            return
        if self.split is not None and self.split.challenger.model_id == experiment.challenger:
            self._set_split(Split(experiment, self.split.challenger))  # the share changed, say
            return
        wanted = experiment.challenger
        stamp = self._manifest_mtime(wanted)
        if self.refused_challenger == (wanted, stamp):
            return
        try:
            loaded = await asyncio.to_thread(load_model, self.store, wanted, *self.cache_sizes)
        except (ContractError, OSError, ValueError, KeyError) as exc:
            self._set_split(None)
            self.refused_challenger = (wanted, stamp)
            self._refuse(wanted, " ".join(str(exc).split()))
            return
        self._set_split(Split(experiment, loaded))
        self.refused_challenger = None
        heap.settle()
        log.info(
            "experiment %s: %.0f%% of users get challenger %s, the rest champion %s",
            experiment.experiment_id,
            100 * experiment.share,
            loaded.model_id,
            experiment.champion,
            extra={"model_id": loaded.model_id},
        )

    def _set_split(self, split: Split | None) -> None:
        previous = self.split.experiment.experiment_id if self.split is not None else None
        self.split = split
        if split is None:
            metrics.set_experiment_share(None, 0, previous)
        else:
            metrics.set_experiment_share(split.experiment.experiment_id, split.experiment.share, previous)

    def _refuse(self, model_id: str, reason: str) -> None:
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
