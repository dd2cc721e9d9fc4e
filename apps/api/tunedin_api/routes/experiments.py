"""The running (or last) champion/challenger experiment and its figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from tunedin_api.auth import require
from tunedin_api.deps import RateLimit, State
from tunedin_api.experiments.report import current_report
from tunedin_api.keys.keyfile import Scope
from tunedin_api.responses import OrjsonResponse
from tunedin_api.schemas import AUTH_RESPONSES, ERROR_RESPONSES, ExperimentReportOut, error_response

router = APIRouter(
    prefix="/v1/experiments",
    tags=["experiments"],
    dependencies=[require(Scope.ADMIN), RateLimit],
    responses={
        **AUTH_RESPONSES,
        404: error_response("No experiment was ever started."),
        429: ERROR_RESPONSES[429],
        503: ERROR_RESPONSES[503],
    },
)


@router.get(
    "/current",
    response_model=ExperimentReportOut,
    description="Scope: `admin`. The running experiment (or the last one, once ended; 404 when none "
    "was ever started): per variant the impressions (user-days shown a list) and the play, like and "
    "skip rates per impression with Wilson intervals, and for each rate difference an always-valid "
    "sequential test (mixture SPRT), so the report may be read at any time and as often as wanted; "
    "the decision rests on the play rate.",
)
async def current(state: State) -> Any:
    report = await current_report(state.holder.experiments, state.impressions)
    if report is None:
        raise HTTPException(404, "no experiment was ever started: python -m jobs.experiment start")
    return OrjsonResponse(report.model_dump(mode="json"))
