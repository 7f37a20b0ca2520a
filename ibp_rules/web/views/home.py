"""The start page, and the print stylesheet the pages share with ``ibp assess --format html``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ibp_rules.render import TEMPLATE_DIR

from ..templating import page
from .common import page_engine, services

router = APIRouter(include_in_schema=False)

#: the library's stylesheet of the printed documents (the plan on A4, the appendix)
PRINT_CSS = (TEMPLATE_DIR / "ibp_print.css").read_bytes()


@router.get("/")
async def home(request: Request) -> Response:
    engine = page_engine(request)
    cases = await run_in_threadpool(services(request).store.cases)
    return page(request, "home.html.j2", {"ruleset": engine.ruleset, "cases": len(cases)})


@router.get("/static/ibp_print.css")
async def print_css() -> Response:
    """Served from the library, not copied: the web's print and the CLI's HTML use one stylesheet."""
    return Response(PRINT_CSS, media_type="text/css", headers={"cache-control": "public, max-age=3600"})
