"""The JSON API, versioned under ``/api/v1``: one module per kind of endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from ..routing import combined, templates
from . import analysis, batch, cases, catalogue

PREFIX = "/api/v1"
MODULES = (analysis, batch, catalogue, cases)


def api_router() -> APIRouter:
    return combined(MODULES, PREFIX)


def api_templates() -> list[str]:
    """The path template of every API route, prefix included."""
    return templates(MODULES, PREFIX)
