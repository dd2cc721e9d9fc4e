"""The artifact contract: the one definition of the artifact store's layout.

Every writer (the batch jobs) and every reader (the API, publish, garbage collection)
imports this module; nothing else spells a path, a file name or the manifest schema.

```
$ARTIFACTS/
  datasets/<dataset_id>/   interactions.parquet users.parquet artists.parquet split.parquet
                           friends.parquet dataset.json
  datasets/LATEST          the dataset id prepare-data last built or confirmed (train's default)
  models/<model_id>/       user_embeddings.npy item_embeddings.npy users.parquet items.parquet
                           metrics.json index.faiss index.json manifest.json
  CURRENT                  the model id the API serves, replaced atomically
  experiment.json          the running or last champion/challenger experiment
                           (tunedin_common.experiments.record), replaced atomically like CURRENT
  cache/                   downloaded source archives (safe to delete)
  checkpoints/<run_key>/   training state of an unfinished run, removed when its model is written;
                           its dataset_id file names the dataset the run trains on
  erasures/                the erasure ledger (tunedin_common.erasures): <erasure_id>.json from the
                           API, <erasure_id>.batch.json from the pipeline that completes the erasure
```

Rules the readers rely on:

* ``dataset.json`` and ``manifest.json`` are written last, by atomic rename, and list the
  sha256 of every file they cover. A directory without them, or whose checksums fail, is
  incomplete and is never used.
* Stages build a new directory under a hidden staging name (``.staging-*``) and rename it
  into place, so a crash never leaves a half-written dataset or model visible.
* ``CURRENT`` is replaced by writing a temporary file and renaming it over the old one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tunedin_common.quality_report import ColdStartReport, SimilarArtistsReport

SCHEMA_VERSION: Literal[1] = 1

DATASETS_DIR = "datasets"
MODELS_DIR = "models"
CURRENT_FILE = "CURRENT"
EXPERIMENT_FILE = "experiment.json"  # the running or last experiment, replaced atomically
CACHE_DIR = "cache"  # downloads, keyed by sha256; safe to delete
CHECKPOINTS_DIR = "checkpoints"  # resumable training state, one folder per run key
CHECKPOINT_DATASET_FILE = "dataset_id"  # in a checkpoint folder: the dataset id of its run
STAGING_PREFIX = ".staging-"

# Files of a prepared dataset.
INTERACTIONS_FILE = "interactions.parquet"
USERS_FILE = "users.parquet"
ARTISTS_FILE = "artists.parquet"
SPLIT_FILE = "split.parquet"
FRIENDS_FILE = "friends.parquet"  # user_id, friend_id: one row per friendship and direction
DATASET_MANIFEST_FILE = "dataset.json"
DATASET_FILES = (INTERACTIONS_FILE, USERS_FILE, ARTISTS_FILE, SPLIT_FILE, FRIENDS_FILE)
LATEST_DATASET_FILE = "LATEST"  # in datasets/: the dataset prepare-data last built or confirmed

# Files of a trained model.
USER_EMBEDDINGS_FILE = "user_embeddings.npy"
ITEM_EMBEDDINGS_FILE = "item_embeddings.npy"
MODEL_USERS_FILE = "users.parquet"
MODEL_ITEMS_FILE = "items.parquet"
METRICS_FILE = "metrics.json"
INDEX_FILE = "index.faiss"
INDEX_META_FILE = "index.json"
MODEL_MANIFEST_FILE = "manifest.json"
MODEL_FILES = (
    USER_EMBEDDINGS_FILE,
    ITEM_EMBEDDINGS_FILE,
    MODEL_USERS_FILE,
    MODEL_ITEMS_FILE,
    METRICS_FILE,
)
INDEX_FILES = (INDEX_FILE, INDEX_META_FILE)

# Columns the readers rely on.
SPLIT_COLUMNS = ("user_id", "artist_id", "split")
FRIENDS_COLUMNS = ("user_id", "friend_id")
SPLIT_VALUES = ("train", "valid", "test")
MODEL_USERS_COLUMNS = ("user_id",)
MODEL_ITEMS_COLUMNS = ("artist_id", "name", "top_tags", "listeners")

_ID_PATTERN = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")
_DATASET_ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
_CHUNK = 1 << 20
_M = TypeVar("_M", bound=BaseModel)


class ContractError(Exception):
    """An artifact is missing, incomplete, corrupt or does not follow the contract."""


class FileEntry(BaseModel):
    """Checksum and size of one file covered by a manifest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)


class DatasetManifest(BaseModel):
    """``datasets/<dataset_id>/dataset.json``: what a prepared dataset holds."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["dataset"] = "dataset"
    dataset_id: str = Field(pattern=_DATASET_ID_PATTERN.pattern)
    created_at: datetime
    source: str
    source_sha256: str
    seed: int
    split_params: dict[str, Any]
    counts: dict[str, int]
    files: dict[str, FileEntry]


class ModelManifest(BaseModel):
    """``models/<model_id>/manifest.json``: what a model directory holds.

    ``train`` writes it without index files; ``build-index`` rewrites it with them.
    Only a manifest that lists the index files describes a servable model.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["model"] = "model"
    model_id: str = Field(pattern=_ID_PATTERN.pattern)
    dataset_id: str = Field(pattern=_DATASET_ID_PATTERN.pattern)
    data_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: datetime
    n_users: int = Field(gt=0)
    n_items: int = Field(gt=0)
    dim: int = Field(gt=0)
    params: dict[str, Any]
    headline_metrics: dict[str, float] = Field(default_factory=dict)
    index: dict[str, Any] | None = None
    files: dict[str, FileEntry]

    @property
    def servable(self) -> bool:
        return self.index is not None and all(name in self.files for name in INDEX_FILES)


# ------------------------------------------------------------------ metrics.json

# The test metrics ``train`` copies into ``ModelManifest.headline_metrics``.
HEADLINE_METRICS = (
    "recall@10",
    "recall@20",
    "ndcg@10",
    "ndcg@20",
    "precision@10",
    "precision@20",
    "coverage@20",
)


class TrainingCurvePoint(BaseModel):
    """One training epoch: mean BPR loss, its duration, and valid metrics when it was evaluated."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, serialize_by_alias=True)

    epoch: int = Field(ge=1)
    loss: float
    epoch_s: float = Field(ge=0, description="Training time of this epoch (no evaluation).")
    elapsed_s: float = Field(ge=0, description="Time since the phase started, evaluations included.")
    valid_recall_at_20: float | None = Field(None, alias="valid_recall@20")
    valid_ndcg_at_20: float | None = Field(None, alias="valid_ndcg@20")


class PopularityBias(BaseModel):
    """How far a recommender's test top-K lists reach beyond the most popular artists.

    Popularity is the number of users with the artist in the data the recommender was fitted
    on; the head is the ``head_fraction`` of the catalogue with the most listeners there, the
    long tail everything else. The ``held_out_*`` values describe the test items themselves:
    what the listeners went on to play, for comparison.
    """

    model_config = ConfigDict(extra="forbid")

    k: int = Field(gt=0, description="Length of the evaluated lists.")
    head_fraction: float = Field(gt=0, lt=1, description="Share of the catalogue counted as the head.")
    catalogue_coverage: float = Field(ge=0, le=1, description="Distinct artists in any list / catalogue.")
    novelty: float = Field(
        ge=0, description="Mean self-information log2(users / listeners) of the listed artists, in bits."
    )
    long_tail_share: float = Field(ge=0, le=1, description="Share of the listed artists outside the head.")
    held_out_novelty: float = Field(ge=0, description="The same mean over the test items.")
    held_out_long_tail_share: float = Field(ge=0, le=1, description="The same share among the test items.")


class RecommenderScores(BaseModel):
    """One recommender's metrics (``recall@10`` … ``coverage@20``) on valid and test."""

    model_config = ConfigDict(extra="forbid")

    valid: dict[str, float] = Field(description="Fitted on train, scored on valid (train masked).")
    test: dict[str, float] = Field(description="Scored on test with train and valid masked.")
    test_fitted_on: Literal["train", "train+valid"]
    params: dict[str, Any] = Field(default_factory=dict)
    notes: str = ""
    seconds: float = Field(0.0, ge=0, description="Fitting and scoring time.")
    extra: dict[str, dict[str, float]] = Field(default_factory=dict)
    popularity_bias: PopularityBias | None = Field(
        None, description="Coverage, novelty and long tail of the test lists (absent in older reports)."
    )


class TrainingReport(BaseModel):
    """How the LightGCN run went: selection on valid, then the optional refit."""

    model_config = ConfigDict(extra="forbid")

    best_epoch: int = Field(ge=1, description="Epoch with the best valid Recall@20.")
    epochs_run: int = Field(ge=1, description="Epochs of the selection phase.")
    stopped_early: bool
    resumed_from_epoch: int | None = None
    resumed_phase: Literal["select", "refit"] | None = None
    refit_epochs: int = Field(ge=0, description="Epochs trained on train + valid (0: no refit).")
    seconds: float = Field(ge=0, description="Wall time of training: both phases, evaluations included.")
    seconds_per_epoch: float = Field(ge=0, description="Mean training time of one epoch.")
    threads: int = Field(ge=1)
    curve: list[TrainingCurvePoint]
    refit_curve: list[TrainingCurvePoint] = Field(default_factory=list)


class AblationRow(BaseModel):
    """One configuration of the ablation study and what it scored."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    settings: dict[str, Any]
    best_epoch: int = Field(ge=1)
    seconds: float = Field(ge=0)
    valid: dict[str, float]
    test: dict[str, float]


class AblationTable(BaseModel):
    """What each addition to plain LightGCN adds, measured once by ``bench/ablations.py``."""

    model_config = ConfigDict(extra="forbid")

    dataset_id: str = Field(pattern=_DATASET_ID_PATTERN.pattern)
    measured_at: datetime
    protocol: str
    rows: list[AblationRow]


class MetricsReport(BaseModel):
    """``models/<model_id>/metrics.json``: LightGCN against the baselines, and its training.

    ``models`` holds ``lightgcn``, ``most_popular`` and ``ease``, all on the same split and
    masking; ``lightgcn.test`` restricted to ``HEADLINE_METRICS`` is the manifest's headline.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["metrics"] = "metrics"
    dataset_id: str = Field(pattern=_DATASET_ID_PATTERN.pattern)
    model_id: str = Field(pattern=_ID_PATTERN.pattern)
    created_at: datetime
    k: list[int]
    protocol: str
    metric_definitions: dict[str, str]
    models: dict[str, RecommenderScores]
    training: TrainingReport
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per part of the stage.")
    ablations: AblationTable | None = None
    similar_artists: SimilarArtistsReport | None = Field(
        None,
        description="Similar-artist candidates measured offline, the one served (absent in older reports).",
    )
    cold_start: ColdStartReport | None = Field(
        None,
        description="Cold-start methods measured offline and the one served (absent in older reports).",
    )


class HnswParams(BaseModel):
    """FAISS HNSW parameters: graph degree ``M``, ``efConstruction`` and the default ``efSearch``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    m: int = Field(ge=2)
    ef_construction: int = Field(ge=1)
    ef_search: int = Field(ge=1)


class QueryLatency(BaseModel):
    """Search latency of single queries (batch of one), measured at build time in microseconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    p50: float = Field(ge=0)
    p99: float = Field(ge=0)
    k: int = Field(gt=0)
    threads: int = Field(gt=0)
    queries: int = Field(gt=0)


class IndexMeta(BaseModel):
    """``models/<model_id>/index.json``: how ``index.faiss`` was built and what it measured.

    ``build-index`` writes it and copies it into ``ModelManifest.index``; the API loads the
    index through it (``tunedin_common.vector_index``). Recall is measured against exact
    inner-product search over every user's embedding.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["index"] = "index"
    model_id: str = Field(pattern=_ID_PATTERN.pattern)
    type: Literal["hnsw", "flat"]
    metric: Literal["inner_product"] = "inner_product"
    transform: Literal["none", "mips_augment"]
    max_norm: float | None = Field(None, gt=0, description="Norm the mips_augment transform lifts items to.")
    params: HnswParams | None = None
    n_items: int = Field(gt=0)
    dim: int = Field(gt=0, description="Embedding dimension (before any transform).")
    bytes: int = Field(gt=0, description="Size of index.faiss.")
    build_seconds: float = Field(ge=0)
    recall_at_20: float = Field(ge=0, le=1)
    recall_at_100: float = Field(ge=0, le=1)
    recall_queries: int = Field(gt=0, description="User embeddings the recall was measured on.")
    query_latency_us: QueryLatency
    faiss_version: str
    built_at: datetime

    @model_validator(mode="after")
    def _consistent(self) -> IndexMeta:
        if (self.transform == "mips_augment") != (self.max_norm is not None):
            raise ValueError("max_norm is set exactly when the transform is mips_augment")
        if (self.type == "hnsw") != (self.params is not None):
            raise ValueError("params are set exactly for an hnsw index")
        return self


# --------------------------------------------------------------------------- ids


def new_model_id(params: dict[str, Any], now: datetime | None = None) -> str:
    """``<UTC time>-<8 hex>``: sortable by creation time, unique per run."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256(
        json.dumps(params, sort_keys=True, default=str).encode() + secrets.token_bytes(8)
    ).hexdigest()[:8]
    return f"{stamp}-{digest}"


def is_model_id(value: str) -> bool:
    return bool(_ID_PATTERN.match(value))


def dataset_id_for(source_sha256: str, split_params: dict[str, Any]) -> str:
    """Content address of a dataset: same source bytes and split parameters, same id."""
    payload = json.dumps(
        {"schema_version": SCHEMA_VERSION, "source": source_sha256, "split": split_params},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


# --------------------------------------------------------------------- checksums


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: Path) -> FileEntry:
    return FileEntry(sha256=sha256_file(path), bytes=path.stat().st_size)


def file_entries(directory: Path, names: tuple[str, ...] | list[str]) -> dict[str, FileEntry]:
    missing = [name for name in names if not (directory / name).is_file()]
    if missing:
        raise ContractError(f"{directory}: missing {', '.join(missing)}")
    return {name: file_entry(directory / name) for name in names}


def verify_files(directory: Path, files: dict[str, FileEntry]) -> None:
    """Raise ContractError unless every listed file exists with the recorded size and sha256."""
    for name, entry in files.items():
        path = directory / name
        if not path.is_file():
            raise ContractError(f"{directory}: {name} is listed in the manifest but missing")
        if path.stat().st_size != entry.bytes:
            raise ContractError(f"{directory}: {name} has the wrong size")
        if sha256_file(path) != entry.sha256:
            raise ContractError(f"{directory}: {name} fails its sha256 check")


# ----------------------------------------------------------------- atomic writes


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = _read_umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old content or the new, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; artifacts are read by other users (the API pod), so use
        # the permissions an ordinary file gets under the process umask.
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_write_json(path: Path, payload: Any) -> None:
    atomic_write_bytes(path, (json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n").encode())


def write_manifest(path: Path, manifest: BaseModel) -> None:
    atomic_write_bytes(path, (manifest.model_dump_json(indent=2) + "\n").encode())


# ------------------------------------------------------------------ the store


class ArtifactStore:
    """Paths and safe operations on one artifact root (a local folder or a mounted volume)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # paths
    @property
    def datasets_dir(self) -> Path:
        return self.root / DATASETS_DIR

    @property
    def models_dir(self) -> Path:
        return self.root / MODELS_DIR

    @property
    def current_file(self) -> Path:
        return self.root / CURRENT_FILE

    @property
    def experiment_file(self) -> Path:
        return self.root / EXPERIMENT_FILE

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    def checkpoint_dir(self, run_key: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{16}", run_key):
            raise ContractError(f"not a run key: {run_key!r}")
        return self.root / CHECKPOINTS_DIR / run_key

    def dataset_dir(self, dataset_id: str) -> Path:
        if not _DATASET_ID_PATTERN.match(dataset_id):
            raise ContractError(f"not a dataset id: {dataset_id!r}")
        return self.datasets_dir / dataset_id

    def model_dir(self, model_id: str) -> Path:
        if not is_model_id(model_id):
            raise ContractError(f"not a model id: {model_id!r}")
        return self.models_dir / model_id

    # staging: build a directory out of sight, then rename it into place
    @contextmanager
    def staging(self, final: Path) -> Iterator[Path]:
        """Yield a hidden sibling of ``final`` to fill; rename it to ``final`` on success.

        On any exception the staging directory is removed, so nothing partial is left.
        """
        final.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{final.name}-", dir=final.parent))
        stage.chmod(0o777 & ~_UMASK)  # mkdtemp makes 0700; readers may run as another user
        try:
            yield stage
            if final.exists():
                shutil.rmtree(final)
            stage.replace(final)
            _fsync_dir(final.parent)
        finally:
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)

    def sweep_staging(self) -> list[Path]:
        """Remove staging directories that a killed run left behind; return what was removed."""
        removed = []
        for parent in (self.datasets_dir, self.models_dir):
            if parent.is_dir():
                for child in parent.iterdir():
                    if child.name.startswith(STAGING_PREFIX):
                        shutil.rmtree(child, ignore_errors=True)
                        removed.append(child)
        return removed

    # datasets
    def read_dataset_manifest(self, dataset_id: str, verify: bool = True) -> DatasetManifest:
        directory = self.dataset_dir(dataset_id)
        manifest = _read_model(directory / DATASET_MANIFEST_FILE, DatasetManifest)
        if manifest.dataset_id != dataset_id:
            raise ContractError(f"{directory}: manifest names dataset {manifest.dataset_id}")
        if verify:
            verify_files(directory, manifest.files)
        return manifest

    def complete_dataset_ids(self) -> list[str]:
        """Dataset ids whose manifest exists (not verified), sorted by id."""
        if not self.datasets_dir.is_dir():
            return []
        return sorted(
            d.name
            for d in self.datasets_dir.iterdir()
            if _DATASET_ID_PATTERN.match(d.name) and (d / DATASET_MANIFEST_FILE).is_file()
        )

    @property
    def latest_dataset_file(self) -> Path:
        return self.datasets_dir / LATEST_DATASET_FILE

    def read_latest_dataset(self) -> str | None:
        """The dataset prepare-data last built or confirmed (what training uses by default)."""
        try:
            value = self.latest_dataset_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        if not _DATASET_ID_PATTERN.match(value):
            raise ContractError(f"{self.latest_dataset_file} holds {value!r}, not a dataset id")
        return value

    def write_latest_dataset(self, dataset_id: str) -> None:
        """Point LATEST at ``dataset_id`` atomically; its manifest must exist."""
        self.read_dataset_manifest(dataset_id, verify=False)
        atomic_write_bytes(self.latest_dataset_file, f"{dataset_id}\n".encode("ascii"))

    # models
    def read_model_manifest(self, model_id: str, verify: bool = True) -> ModelManifest:
        directory = self.model_dir(model_id)
        manifest = _read_model(directory / MODEL_MANIFEST_FILE, ModelManifest)
        if manifest.model_id != model_id:
            raise ContractError(f"{directory}: manifest names model {manifest.model_id}")
        if verify:
            verify_files(directory, manifest.files)
        return manifest

    def require_servable(self, model_id: str) -> ModelManifest:
        """The manifest of a model that may be served: complete, indexed, checksums intact."""
        manifest = self.read_model_manifest(model_id, verify=True)
        if not manifest.servable:
            raise ContractError(f"model {model_id} has no index yet")
        return manifest

    def model_ids(self) -> list[str]:
        """Ids of model directories that have a manifest, oldest first (ids sort by time)."""
        if not self.models_dir.is_dir():
            return []
        return sorted(
            d.name
            for d in self.models_dir.iterdir()
            if is_model_id(d.name) and (d / MODEL_MANIFEST_FILE).is_file()
        )

    # CURRENT
    def read_current(self) -> str | None:
        """The served model id, or None when nothing was published yet."""
        try:
            value = self.current_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        if not is_model_id(value):
            raise ContractError(f"{self.current_file} holds {value!r}, not a model id")
        return value

    def write_current(self, model_id: str) -> None:
        """Point CURRENT at ``model_id`` atomically; the model must be servable."""
        self.require_servable(model_id)
        atomic_write_bytes(self.current_file, f"{model_id}\n".encode("ascii"))


def _read_model(path: Path, cls: type[_M]) -> _M:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ContractError(f"{path} is missing: the directory is incomplete") from exc
    try:
        return cls.model_validate_json(raw)
    except ValueError as exc:
        raise ContractError(f"{path} does not follow the contract: {exc}") from exc


def utcnow() -> datetime:
    return datetime.now(UTC)
