"""The batch pipeline's one ``Settings``: every knob is an env var ``TUNEDIN_<FIELD>``.

The chart's values map onto these env vars; the CLIs of ``jobs/`` read them and never
spell a knob of their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tunedin_common.settings import CommonSettings

OFFICIAL_URL = "https://files.grouplens.org/datasets/hetrec2011/hetrec2011-lastfm-2k.zip"
OFFICIAL_SHA256 = "6738f48195667ff03caaab4d32ca9a3133d8cc026b7c3cdaf6ce1010e913c59c"


class Settings(CommonSettings):
    # ---- data
    data_source: str = Field(
        OFFICIAL_URL,
        description="Where the Last.fm HetRec 2011 data comes from: an http(s) URL of the zip, "
        "a local zip path, or a directory holding the extracted files.",
    )
    data_sha256: str = Field(
        OFFICIAL_SHA256,
        description="Expected sha256 of the zip (URL or path). Empty disables the check, "
        "for your own data; directories are not checked.",
        pattern=r"^([0-9a-f]{64})?$",
    )
    download_timeout_s: float = Field(60.0, gt=0)
    seed: int = Field(42, description="Seeds the split, the initialisation and negative sampling.")
    test_fraction: float = Field(0.2, gt=0, lt=1)
    valid_fraction: float = Field(
        0.1, gt=0, lt=1, description="Share of each user's train artists held out for model selection."
    )
    min_user_interactions: int = Field(
        5, ge=3, description="Users with fewer artists keep all of them in train (no test/valid rows)."
    )
    top_tags: int = Field(5, ge=0, description="Tags kept per artist as content features.")
    split_strategy: Literal["random", "temporal"] = Field(
        "random",
        description="How each user's held-out pairs are chosen: a seeded random draw, or their "
        "latest ones (needs a timestamp column; see docs/own-data.md).",
    )

    # ---- the feedback loop (jobs.export_feedback, then prepare-data)
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="The API's Redis, whose feedback stream export-feedback reads.",
    )
    feedback_merge: bool = Field(
        False, description="prepare-data merges the exported feedback into the train split."
    )
    feedback_play_weight: int = Field(1, ge=0, description="Plays a merged play event adds to its pair.")
    feedback_like_weight: int = Field(5, ge=0, description="Plays a merged like event adds to its pair.")

    # ---- training
    dim: int = Field(64, ge=2, le=1024)
    layers: int = Field(3, ge=0, le=8)
    epochs: int = Field(300, ge=1, description="Upper bound; early stopping usually ends sooner.")
    lr: float = Field(0.005, gt=0, description="Adam learning rate.")
    batch_size: int = Field(2048, ge=1, description="Positive pairs per BPR step.")
    reg: float = Field(3e-3, ge=0, description="L2 weight on the batch's ego embeddings.")
    negatives: int = Field(1, ge=1, description="BPR negatives per positive pair.")
    hard_negative_pool: int = Field(
        16,
        ge=1,
        description="Uniform candidates drawn per negative; the one the model scores highest "
        "(and that is no training positive) is used. 1 = plain uniform negatives.",
    )
    edge_weight: Literal["none", "log_plays"] = Field(
        "log_plays",
        description="Graph edge weights before normalisation: 1, or 1 + ln(1 + play count).",
    )
    friend_edge_weight: float = Field(
        0.2,
        ge=0,
        description="Friendships (friends.parquet) as user–user edges of the propagation graph, "
        "each weighted this multiple of the mean user–artist edge weight. 0 = no friend edges.",
    )
    tag_edge_weight: float = Field(
        4.0,
        ge=0,
        description="Artists' top tags as nodes of the propagation graph, each artist–tag edge "
        "weighted this multiple of the mean user–artist edge weight. 0 = no tag nodes.",
    )
    contrast_weight: float = Field(
        0.0,
        ge=0,
        description="Weight of the XSimGCL contrastive term (InfoNCE between the noised final "
        "embeddings and the noised contrast_layer embeddings). 0 = plain BPR.",
    )
    contrast_noise: float = Field(
        0.05, ge=0, description="Norm of the random noise added to every layer's embeddings (XSimGCL)."
    )
    contrast_temperature: float = Field(0.2, gt=0, description="InfoNCE temperature (XSimGCL).")
    contrast_layer: int = Field(
        1, ge=1, le=8, description="The layer whose embeddings are the contrastive view (XSimGCL)."
    )
    refit: bool = Field(
        True,
        description="After choosing the epoch count on valid, retrain on train + valid for that "
        "many epochs; the test metrics and the served embeddings come from that model.",
    )
    eval_every: int = Field(5, ge=1, description="Epochs between validation evaluations.")
    patience: int = Field(
        4, ge=1, description="Evaluations without a better valid Recall@20 before stopping."
    )
    threads: int = Field(0, ge=0, description="torch CPU threads; 0 lets torch decide.")
    similar_eval_queries: int = Field(
        500, ge=10, description="Query artists the similar-artist candidates are measured on (metrics.json)."
    )
    cold_start_eval_users: int = Field(
        500, ge=10, description="Users (per valid and test) the cold-start methods are measured on."
    )
    checkpoint_every: int = Field(5, ge=1, description="Epochs between resumable checkpoints.")
    ablations_report: Path = Field(
        Path("bench/results/ablations.json"),
        description="Ablation table (written by `python -m bench.ablations`) copied into metrics.json "
        "when present.",
    )

    # ---- index
    index_type: Literal["hnsw", "flat"] = "hnsw"
    hnsw_m: int = Field(32, ge=4, le=256)
    hnsw_ef_construction: int = Field(200, ge=8)
    hnsw_ef_search: int = Field(
        512,
        ge=8,
        description="The largest HNSW search breadth build-index may choose: it records the "
        "smallest of this, its half, its quarter … (down to 100) that still clears both recall gates.",
    )
    recall_gate_at_20: float = Field(0.99, ge=0, le=1)
    recall_gate_at_100: float = Field(0.97, ge=0, le=1)
    max_index_mb: float = Field(10.0, gt=0)

    # ---- publish
    quality_metric: str = Field("recall@20", description="Test metric the quality gate compares.")
    quality_tolerance: float = Field(
        0.01, ge=0, description="A new model may be this much (absolute) worse than the served one."
    )
    keep_models: int = Field(5, ge=1, description="Model directories kept for rollback.")
    challenger_share: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Above 0, publish starts an experiment serving the new model to this share of "
        "users against the served one, instead of serving it to everyone (see jobs.experiment).",
    )

    # ---- orchestration on Kubernetes (jobs.retrain, jobs.erasures; the chart sets both)
    namespace: str = Field(
        "default", min_length=1, description="Namespace of the pipeline Jobs a runner creates and watches."
    )
    runner_job: str = Field(
        "",
        description="The name of the Job a pipeline runner runs in (its stage Jobs are owned by it); "
        "jobs.retrain run needs it.",
    )

    @model_validator(mode="after")
    def _fractions_leave_training_data(self) -> Settings:
        if self.test_fraction + self.valid_fraction * (1 - self.test_fraction) >= 0.9:
            raise ValueError("test_fraction and valid_fraction leave too little training data")
        return self

    @model_validator(mode="after")
    def _contrast_layer_exists(self) -> Settings:
        if self.contrast_weight > 0 and self.contrast_layer > self.layers:
            raise ValueError(
                "contrast_layer must be one of the model's layers (1 … layers); "
                "contrast_weight 0 turns XSimGCL off"
            )
        return self
