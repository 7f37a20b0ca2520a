"""One router from several modules' routers, and their path templates.

The API (``api/``) and the pages (``views/``) are each one module per kind
of endpoint or page, each with a ``router``; this puts them together, and
lists their templates for the access log (which logs templates, never paths).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

from fastapi import APIRouter


def combined(modules: Sequence[ModuleType], prefix: str = "", **options: Any) -> APIRouter:
    router = APIRouter(prefix=prefix, **options)
    for module in modules:
        router.include_router(module.router)
    return router


def templates(modules: Sequence[ModuleType], prefix: str = "") -> list[str]:
    """The path template of every route of ``modules``, ``prefix`` included."""
    return [prefix + route.path for module in modules for route in module.router.routes if hasattr(route, "path")]
