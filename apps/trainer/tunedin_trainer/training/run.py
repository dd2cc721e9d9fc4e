"""The train stage: load a dataset, train LightGCN, score it and the baselines, write the model.

``run_train`` is what ``python -m jobs.train`` runs. It resumes an interrupted run of the
same dataset and settings from its checkpoint, and removes the checkpoint once the model
directory is written.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from tunedin_common.contract import (
    AblationTable,
    ArtifactStore,
    MetricsReport,
    ModelManifest,
    TrainingCurvePoint,
    TrainingReport,
    new_model_id,
    utcnow,
)
from tunedin_trainer.data.prepared import load_prepared
from tunedin_trainer.evaluation.artist_quality import cold_start_report, similar_report
from tunedin_trainer.evaluation.metrics import METRIC_DEFINITIONS
from tunedin_trainer.evaluation.ranking import KS
from tunedin_trainer.evaluation.scores import SplitMatrices, ease_scores, lightgcn_scores, popular_scores
from tunedin_trainer.settings import Settings
from tunedin_trainer.training.checkpoint import clear_checkpoint
from tunedin_trainer.training.checkpoint_dataset import mark_dataset
from tunedin_trainer.training.config import TrainConfig, run_key
from tunedin_trainer.training.inputs import training_inputs
from tunedin_trainer.training.loop import TrainingResult, train_model
from tunedin_trainer.training.model_writer import write_model

log = logging.getLogger(__name__)

PROTOCOL = (
    "Per-user split train/valid/test. LightGCN is trained on train; every eval_every epochs "
    "valid is ranked (train masked) and the epoch with the best valid Recall@20 is selected "
    "(early stopping after `patience` evaluations without improvement). With refit, a fresh "
    "model with the same seed and settings is trained on train+valid for exactly that many "
    "epochs. Test is scored once, with train and valid masked, ranking over every artist. "
    "Baselines follow the same protocol: EASE's lambda is chosen on valid (fitted on train), "
    "and both baselines are fitted on the same data as LightGCN's final model before test."
)


@dataclass(frozen=True)
class TrainOutcome:
    model_id: str
    model_dir: Path
    manifest: ModelManifest
    report: MetricsReport


def _training_report(result: TrainingResult, threads: int) -> TrainingReport:
    state = result.state
    curve = [TrainingCurvePoint.model_validate(p) for p in state.curve]
    refit_curve = [TrainingCurvePoint.model_validate(p) for p in state.refit_curve]
    epoch_times = [p.epoch_s for p in curve + refit_curve]
    return TrainingReport(
        best_epoch=state.best_epoch,
        epochs_run=state.selection_epochs,
        stopped_early=state.stopped_early,
        resumed_from_epoch=result.resumed_from[1] if result.resumed_from else None,
        resumed_phase=result.resumed_from[0] if result.resumed_from else None,
        refit_epochs=len(refit_curve),
        seconds=state.select_seconds + state.refit_seconds,
        seconds_per_epoch=sum(epoch_times) / len(epoch_times),
        threads=threads,
        curve=curve,
        refit_curve=refit_curve,
    )


def load_ablations(path: Path) -> AblationTable | None:
    """The ablation table ``bench/ablations.py`` measured, if it is there and readable."""
    if not path.is_file():
        log.info("no ablation table at %s (run python -m bench.ablations)", path)
        return None
    try:
        return AblationTable.model_validate_json(path.read_bytes())
    except ValueError as exc:
        log.warning("ignoring ablation table %s: %s", path, exc)
        return None


def run_train(settings: Settings, dataset_id: str | None = None, progress: bool = True) -> TrainOutcome:
    """Train on ``dataset_id`` (default: the latest dataset) and write a model directory."""
    started = time.perf_counter()
    store = ArtifactStore(settings.artifacts)
    config = TrainConfig.from_settings(settings)
    if config.threads:
        torch.set_num_threads(config.threads)
    data = load_prepared(store, dataset_id)
    inputs = training_inputs(store, data)
    key = run_key(data.dataset_id, config)
    checkpoint_dir = store.checkpoint_dir(key)
    mark_dataset(checkpoint_dir, data.dataset_id)
    log.info(
        "training on dataset %s: %d users, %d artists, %d train pairs (run %s)",
        data.dataset_id,
        data.n_users,
        data.n_items,
        len(data.train),
        key,
    )
    loaded = time.perf_counter()
    result = train_model(inputs, config, key, checkpoint_dir, progress=progress)
    trained = time.perf_counter()

    splits = SplitMatrices(data.n_users, data.n_items, data.train, data.valid, data.test)
    selected = (result.selected_users, result.selected_items)
    models = {"lightgcn": lightgcn_scores(splits, selected, (result.users, result.items), config.refit)}
    evaluated = time.perf_counter()
    models["most_popular"] = popular_scores(splits, config.refit)
    models["ease"] = ease_scores(splits, config.refit)
    baselines_done = time.perf_counter()
    similar = similar_report(splits, result.items, config.refit, data.artists, settings.similar_eval_queries)
    cold = cold_start_report(
        splits, result.selected_items, result.items, config.refit, settings.cold_start_eval_users
    )
    artists_done = time.perf_counter()

    params = config.params()
    model_id = new_model_id({**params, "dataset_id": data.dataset_id})
    report = MetricsReport(
        dataset_id=data.dataset_id,
        model_id=model_id,
        created_at=utcnow(),
        k=list(KS),
        protocol=PROTOCOL,
        metric_definitions=METRIC_DEFINITIONS,
        models=models,
        training=_training_report(result, torch.get_num_threads()),
        timings={
            "load_s": loaded - started,
            "train_s": trained - loaded,
            "evaluate_s": evaluated - trained,
            "baselines_s": baselines_done - evaluated,
            "similar_and_cold_start_s": artists_done - baselines_done,
            "total_s": time.perf_counter() - started,
        },
        ablations=load_ablations(settings.ablations_report),
        similar_artists=similar,
        cold_start=cold,
    )
    model_dir, manifest = write_model(
        store, data, model_id, result.users, result.items, report, params, config.refit
    )
    clear_checkpoint(checkpoint_dir)
    log.info(
        "model %s written: test recall@20 %.4f ndcg@20 %.4f (most popular %.4f / %.4f, EASE %.4f / %.4f)",
        model_id,
        *(models[name].test[metric] for name in models for metric in ("recall@20", "ndcg@20")),
    )
    return TrainOutcome(model_id=model_id, model_dir=model_dir, manifest=manifest, report=report)
