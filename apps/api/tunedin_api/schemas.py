"""Request and response schemas (OpenAPI at /docs). Requests reject unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tunedin_common.contract import MetricsReport
from tunedin_common.experiments.report import ExperimentReport

ArtistId = Annotated[int, Field(ge=0, le=2**31 - 1)]
UserId = Annotated[int, Field(ge=0, le=2**31 - 1)]
K = Annotated[int, Field(ge=1, le=100, description="How many artists to return.")]
Diversity = Annotated[float, Field(ge=0, le=1, description="MMR trade-off: 0 = plain model ranking.")]
RECOMMENDATION_ID_PATTERN = r"^[0-9a-f]{20}$"  # experiments.serving.recommendation_id


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ColdStartIn(Strict):
    artist_ids: list[ArtistId] = Field(min_length=1, max_length=50, description="Artists the person likes.")
    k: K = 20
    diversity: Diversity = 0.3
    tags: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(None, max_length=20)
    session_id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="A stable key of the person asking (a browser session, say): while an experiment "
        "runs it keeps them in one variant; without it the variant follows the set of artists.",
    )


RecommendationId = Annotated[
    str,
    Field(
        pattern=RECOMMENDATION_ID_PATTERN,
        description="The `recommendation_id` of the list the event came from.",
    ),
]


class FeedbackIn(Strict):
    user_id: UserId
    artist_id: ArtistId
    event: Literal["play", "like", "skip"]
    recommendation_id: RecommendationId | None = Field(
        None,
        description="The list the artist was shown in: the event is attributed to that list, its "
        "variant and position (422 when the artist is not in it).",
    )


LASTFM_URL = "The artist's Last.fm page (from the dataset's artists.dat), when it has one."


class Item(BaseModel):
    artist_id: int
    name: str
    url: str | None = Field(description=LASTFM_URL)
    score: float = Field(description="Relevance after reranking (popularity for `popular`).")
    tags: list[str]
    reason: str


class ListIdentity(BaseModel):
    recommendation_id: str = Field(
        description="Names this list (the same list for the same person on the same day keeps its "
        "id); feedback may cite it."
    )
    experiment_id: str | None = Field(description="The experiment this list was served in, if any.")
    variant: Literal["champion", "challenger"] | None = Field(
        description="The experiment arm that served it: the champion model or the challenger."
    )


class RecommendationsOut(ListIdentity):
    user_id: int
    model_id: str
    strategy: Literal["model", "history", "popular"]
    items: list[Item]


class ColdStartOut(ListIdentity):
    model_id: str
    strategy: Literal["fold_in"]
    items: list[Item]


class SimilarOut(BaseModel):
    artist_id: int
    model_id: str
    items: list[Item]


class ArtistOut(BaseModel):
    artist_id: int
    name: str
    url: str | None = Field(description=LASTFM_URL)
    tags: list[str]
    listeners: int


class TopArtistOut(ArtistOut):
    plays: int = Field(description="The user's plays of the artist in the model's data.")


class ArtistSearchOut(BaseModel):
    query: str
    items: list[ArtistOut]


class HistoryEventOut(BaseModel):
    artist_id: int
    name: str | None
    event: Literal["play", "like", "skip"]
    at: datetime


class HistoryOut(BaseModel):
    user_id: int
    events: list[HistoryEventOut] = Field(description="Recent feedback events, newest first.")
    top_artists: list[TopArtistOut] = Field(description="Most played artists in the model's data.")
    complete: bool = Field(description="False when Redis is unreachable: recent events are unknown.")


class AttributionOut(BaseModel):
    experiment_id: str
    variant: Literal["champion", "challenger"]
    position: int = Field(description="The artist's place in the cited list, from 1.")
    counted: bool = Field(
        description="Whether it counted in the experiment's figures: false once the experiment "
        "ended, or when the user's day already had this event from that variant."
    )


class FeedbackOut(BaseModel):
    accepted: Literal[True]
    user_id: int
    artist_id: int
    event: str
    history_length: int
    attribution: AttributionOut | None = Field(
        description="Where the cited list came from; null without a recommendation_id, or when the "
        "list is unknown (not shown to this user during an experiment, or past the attribution window)."
    )


class ExperimentReportOut(ExperimentReport):
    """The experiment record, both variants' figures, the sequential tests and the decision."""


class ErasureStep(BaseModel):
    step: Literal["suppressed", "caches_purged", "removed_from_datasets", "retrained", "removed_from_models"]
    status: Literal["done", "pending"]
    at: datetime | None = Field(description="When the step was done.")
    description: str
    detail: str | None = Field(description="What the step removed or made, when there is more to say.")


class ErasureOut(BaseModel):
    """The receipt of a user's erasure (which names no user: the ledger keeps none)."""

    erasure_id: str
    status: Literal["in_progress", "overdue", "complete"] = Field(
        description="complete: the served model was trained without the user and no store holds them; "
        "overdue: past due_by and not complete."
    )
    requested_at: datetime
    due_by: datetime = Field(description="When the retrain that completes the erasure is due at the latest.")
    completed_at: datetime | None
    requests: int = Field(description="DELETE requests received for the user.")
    steps: list[ErasureStep]
    waiting_for: str | None = Field(description="What the erasure waits for, until it is complete.")
    note: str


class DeletionOut(ErasureOut):
    user_id: int
    removed: dict[str, int] = Field(description="What this request removed, per kind of data.")


class ModelOut(BaseModel):
    model_id: str
    created_at: datetime
    loaded_at: datetime
    dataset_id: str
    n_users: int
    n_items: int
    dim: int
    metrics: dict[str, float] = Field(description="LightGCN's headline test metrics (from the manifest).")
    report: MetricsReport = Field(
        description="The model's metrics.json: LightGCN, most-popular and EASE on valid and test, "
        "and the training curve."
    )
    index: dict[str, Any]


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    ready: bool
    model_id: str | None
    details: dict[str, Any]


class ValidationIssue(BaseModel):
    """One thing wrong with a request: where (``loc``), what (``msg``) and its kind (``type``)."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every 4xx/5xx body: ``detail`` is a sentence, or the list of validation issues (422)."""

    detail: str | list[ValidationIssue]


def error_response(description: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An OpenAPI response of ``ErrorOut`` with ``description`` and the headers it carries."""
    response: dict[str, Any] = {"model": ErrorOut, "description": description}
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()
        }
    return response


# The error answers every /v1 route may give, documented so clients (and schema fuzzers) know them.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: error_response("Request body too large."),
    422: error_response("Invalid request: the issues, or a sentence naming unknown artist ids."),
    429: error_response("Rate limit exceeded; see the Retry-After header."),
    503: error_response("No model loaded yet, or Redis is needed for this write and is unavailable."),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: error_response("Unknown artist id.")}
# Every /v1 route needs an API key (Authorization: Bearer <key>).
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: error_response(
        "No API key, or one that is malformed, unknown or revoked.",
        {"WWW-Authenticate": 'Bearer realm="tunedin" (error="invalid_token" for a key that is not valid)'},
    ),
    403: error_response(
        "The API key lacks the route's scope (named in the route's description).",
        {"WWW-Authenticate": 'Bearer realm="tunedin", error="insufficient_scope", scope="<the scope>"'},
    ),
}
# Writes: a body is read only when it says it is JSON (so no web page can post one cross-origin
# without the CORS preflight the configured origins decide).
JSON_BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    415: error_response("The request's Content-Type is not application/json."),
}
