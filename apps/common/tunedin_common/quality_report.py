"""The optional sections of ``metrics.json`` about similar artists and cold start.

``train`` measures every candidate offline and records which one the API serves; a report
written before these sections existed has neither, and the API then serves its defaults
(embedding cosine for similar artists, the mean fold-in for cold start).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SimilarMethod = Literal["inner_product", "embedding_cosine", "colisten", "blend"]
ColdStartName = Literal["mean", "least_squares", "colisten"]


class SimilarCandidate(BaseModel):
    """One similarity's measures on its top-K lists, and the same for its popularity-matched baseline."""

    model_config = ConfigDict(extra="forbid")

    measures: dict[str, float]
    baseline: dict[str, float] = Field(
        description="Every returned artist replaced by a random one of the same popularity bin."
    )
    params: dict[str, Any] = Field(default_factory=dict)


class SimilarArtistsReport(BaseModel):
    """``similar_artists`` in metrics.json: the candidates for GET /v1/artists/{id}/similar."""

    model_config = ConfigDict(extra="forbid")

    protocol: str
    measure_definitions: dict[str, str]
    k: int = Field(gt=0)
    queries: int = Field(ge=0, description="Query artists measured.")
    min_listeners: int = Field(ge=1, description="Query artists have at least this many listeners.")
    candidates: dict[str, SimilarCandidate]
    served: SimilarMethod = Field(description="The candidate the API serves.")
    selection: str = Field(description="How ``served`` was chosen.")
    seconds: float = Field(0.0, ge=0)


class ColdStartMethod(BaseModel):
    """One cold-start method: its settings (chosen on valid) and metrics per seed count."""

    model_config = ConfigDict(extra="forbid")

    method: ColdStartName
    params: dict[str, float] = Field(default_factory=dict, description="lambda, beta.")
    valid: dict[str, dict[str, float]] = Field(description="Seed count k → metrics on valid.")
    test: dict[str, dict[str, float]] = Field(description="Seed count k → metrics on test.")


class ServedColdStart(BaseModel):
    """What POST /v1/recommendations folds in with: the method and its settings."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, serialize_by_alias=True)

    method: ColdStartName
    lam: float = Field(0.0, ge=0, alias="lambda")
    beta: float = Field(0.0, ge=0)


class ColdStartReport(BaseModel):
    """``cold_start`` in metrics.json: recommendations from a few seed artists, offline."""

    model_config = ConfigDict(extra="forbid")

    protocol: str
    ks: list[int]
    valid_users: int = Field(ge=0)
    test_users: int = Field(ge=0)
    seed: int
    methods: dict[str, ColdStartMethod] = Field(
        description="Each method at its best valid settings; 'mean' and 'mean_raw' are the plain fold-in."
    )
    served: ServedColdStart
    selection: str
    seconds: float = Field(0.0, ge=0)
