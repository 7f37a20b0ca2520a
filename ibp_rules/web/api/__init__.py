"""The JSON API, versioned under ``/api/v1``: one module per kind of endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from . import analysis, batch, cases, catalogue

PREFIX = "/api/v1"


MODULES = (analysis, batch, catalogue, cases)


def api_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    for module in MODULES:
        router.include_router(module.router)
    return router


def api_templates() -> list[str]:
    """The path template of every API route, prefix included."""
    return [PREFIX + route.path for module in MODULES for route in module.router.routes if hasattr(route, "path")]
