"""The served model, liveness, readiness and the Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from tunedin_api.auth import require
from tunedin_api.deps import Model, RateLimit, State
from tunedin_api.keys.keyfile import Scope
from tunedin_api.responses import OrjsonResponse
from tunedin_api.schemas import AUTH_RESPONSES, ERROR_RESPONSES, HealthOut, ModelOut, ReadyOut
from tunedin_api.telemetry import metrics

router = APIRouter(tags=["service"])


@router.get(
    "/v1/model",
    response_model=ModelOut,
    dependencies=[require(Scope.RECOMMENDATIONS_READ), RateLimit],
    responses={**AUTH_RESPONSES, 429: ERROR_RESPONSES[429], 503: ERROR_RESPONSES[503]},
    description="Scope: `recommendations:read`.",
)
async def model_info(model: Model) -> Any:
    manifest = model.manifest
    return OrjsonResponse(
        {
            "model_id": manifest.model_id,
            "created_at": manifest.created_at,
            "loaded_at": model.loaded_at,
            "dataset_id": manifest.dataset_id,
            "n_users": manifest.n_users,
            "n_items": manifest.n_items,
            "dim": manifest.dim,
            "metrics": manifest.headline_metrics,
            "report": model.report.model_dump(mode="json", by_alias=True),
            "index": model.index.meta.model_dump(mode="json"),
        }
    )


@router.get("/healthz", response_model=HealthOut)
async def healthz() -> Any:
    return OrjsonResponse({"status": "ok"})


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
async def readyz(state: State) -> Any:
    model = state.holder.model
    details = {
        "model_loaded": model is not None,
        "redis": "up" if state.redis.up else "down",
        "last_model_error": state.holder.last_error,
        "api_keys": len(state.keys.active_ids),
        "api_keys_error": state.keys.error,
        "erasures": len(state.suppression.subjects),
    }
    payload = {"ready": model is not None, "model_id": model.model_id if model else None, "details": details}
    return OrjsonResponse(payload, status_code=200 if model is not None else 503)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics() -> Response:
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
