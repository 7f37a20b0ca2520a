"""The start page."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..templating import page
from .common import services

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request) -> Response:
    svc = services(request)
    engine = svc.engine()
    request.scope.setdefault("state", {})["ibp.engine"] = engine
    cases = await run_in_threadpool(svc.store.cases)
    return page(request, "home.html.j2", {"ruleset": engine.ruleset, "cases": len(cases)})


