"""The JSON API, versioned under ``/api/v1``: one module per kind of endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from . import analysis, batch, cases, catalogue

PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    for module in (analysis, batch, catalogue, cases):
        router.include_router(module.router)
    return router
