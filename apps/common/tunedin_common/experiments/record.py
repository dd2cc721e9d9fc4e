"""The experiment record: ``$ARTIFACTS/experiment.json``, written like CURRENT, polled by the API.

One file holds the running experiment, or the last one once it ended (``state`` says which).
``jobs/experiment.py`` is its only writer; every write is a whole new file renamed into place
(``contract.atomic_write_bytes``), so a reader sees the old record or the new one, never a mix.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tunedin_common.contract import (
    SCHEMA_VERSION,
    ArtifactStore,
    ContractError,
    atomic_write_bytes,
    is_model_id,
    utcnow,
)

log = logging.getLogger(__name__)

ExperimentState = Literal["running", "stopped", "promoted", "rolled_back"]
Variant = Literal["champion", "challenger"]
EXPERIMENT_ID_PATTERN = r"^ex-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$"
_MODEL_ID_PATTERN = r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$"


def new_experiment_id(now: datetime | None = None) -> str:
    """``ex-<UTC time>-<8 hex>``: sortable by start time, unique per start."""
    return f"ex-{(now or utcnow()).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"


class Experiment(BaseModel):
    """A champion/challenger experiment: who is compared, on what share of users, and how it ended.

    ``champion`` is the model CURRENT named when the experiment started; ``challenger`` gets
    ``share`` of the users (see ``tunedin_common.experiments.assignment``). ``ended_at`` is set
    when it stops or is promoted, ``rolled_back_at`` when a promotion was undone.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["experiment"] = "experiment"
    experiment_id: str = Field(pattern=EXPERIMENT_ID_PATTERN)
    champion: str = Field(pattern=_MODEL_ID_PATTERN, description="The served model when it started.")
    challenger: str = Field(pattern=_MODEL_ID_PATTERN, description="The model tried on `share` of users.")
    share: float = Field(gt=0, lt=1, description="Fraction of users served the challenger.")
    started_at: datetime
    state: ExperimentState = "running"
    ended_at: datetime | None = None
    rolled_back_at: datetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        if self.champion == self.challenger:
            raise ValueError("the challenger is the champion")
        if (self.state == "running") != (self.ended_at is None):
            raise ValueError("ended_at is set exactly when the experiment is not running")
        if (self.state == "rolled_back") != (self.rolled_back_at is not None):
            raise ValueError("rolled_back_at is set exactly when the experiment was rolled back")
        return self

    @property
    def running(self) -> bool:
        return self.state == "running"

    def model_of(self, variant: Variant) -> str:
        return self.champion if variant == "champion" else self.challenger

    def applies_to(self, current: str | None) -> bool:
        """Whether to split traffic: running, and CURRENT still names the champion.

        A publish during the experiment moves CURRENT elsewhere; the record then describes a
        comparison that no longer holds, and a reader should serve CURRENT alone.
        """
        return self.running and current == self.champion


def load_experiment(store: ArtifactStore) -> Experiment | None:
    """The record in ``store`` (running or ended), None when none was ever started; uncached
    (``ExperimentReader`` polls cheaply)."""
    try:
        raw = store.experiment_file.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return Experiment.model_validate_json(raw)
    except ValueError as exc:
        raise ContractError(f"{store.experiment_file} does not follow the contract: {exc}") from exc


def write_experiment(store: ArtifactStore, experiment: Experiment) -> None:
    """Replace the record atomically (temporary file, fsync, rename), like CURRENT."""
    for model_id in (experiment.champion, experiment.challenger):
        if not is_model_id(model_id):
            raise ContractError(f"not a model id: {model_id!r}")
    atomic_write_bytes(store.experiment_file, (experiment.model_dump_json(indent=2) + "\n").encode())


@dataclass(frozen=True)
class _Seen:
    stamp: tuple[int, int, int]
    experiment: Experiment | None


class ExperimentReader:
    """The record as a long-running process sees it: one ``stat`` per call, a parse per change.

    ``load_experiment()`` returns the cached record while the file's inode, size and mtime are
    unchanged (every write renames a new inode into place, so any write is noticed). A record
    that does not parse is logged and read as None, so a reader falls back to the champion.
    """

    def __init__(self, store: ArtifactStore) -> None:
        self.store = store
        self._seen: _Seen | None = None

    def load_experiment(self) -> Experiment | None:
        try:
            info = self.store.experiment_file.stat()
        except FileNotFoundError:
            self._seen = None
            return None
        stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
        if self._seen is not None and self._seen.stamp == stamp:
            return self._seen.experiment
        try:
            experiment = load_experiment(self.store)
        except (ContractError, OSError) as exc:
            log.warning("ignoring the experiment record: %s", " ".join(str(exc).split()))
            experiment = None
        self._seen = _Seen(stamp, experiment)
        return experiment

    def active(self, current: str | None) -> Experiment | None:
        """The experiment to split traffic by, given the model CURRENT names (see ``applies_to``)."""
        experiment = self.load_experiment()
        return experiment if experiment is not None and experiment.applies_to(current) else None
