"""The API's own pages: ``/`` leads to the interactive docs at ``/docs``.

The docs pages (Swagger UI at ``/docs``, ReDoc at ``/redoc``) and their scripts, styles and
favicon come from the ``fastapi-offline`` package (``main.create_app``), so they work on a
machine without internet. Every URL they name starts with the request's root path, so
``/api/docs`` works through the frontend's proxy and an ingress that route ``/api``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

router = APIRouter(include_in_schema=False)


@router.get("/")
async def root(request: Request) -> RedirectResponse:
    """A person who opens the API's address lands on its documentation."""
    return RedirectResponse(f"{request.scope.get('root_path', '')}/docs", status_code=307)
