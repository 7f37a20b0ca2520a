"""What every API route uses: the services, the engine it answers with, the language."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from ibp_rules.engine import Engine
from ibp_rules.text import Lang

from ..lang import lang_of_scope
from ..services import Services

FormatQuery = Annotated[Literal["json", "text", "markdown", "html"], Query(
    description="json (the contract) or a rendering for people: text, markdown, or html (the printable handlingsplan), "
                "each as `ibp assess --format` gives it.")]

#: the media type of each rendering
MEDIA = {"json": "application/json", "text": "text/plain; charset=utf-8", "markdown": "text/markdown; charset=utf-8",
         "html": "text/html; charset=utf-8"}
#: the printable handlingsplan styles itself inline and runs no script
PLAN_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def rendered(text: str, fmt: str) -> Response:
    """A strategy rendered for people, with its media type (HTML with its own, still script-free, policy)."""
    headers = {"content-security-policy": PLAN_CSP} if fmt == "html" else None
    return Response(text.encode(), media_type=MEDIA[fmt], headers=headers)


LangQuery = Annotated[Literal["nb", "en"] | None, Query(description="Language of messages and texts: nb (default) or en.")]


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def use_engine(request: Request) -> Engine:
    """The engine for this request, remembered so the response headers name it."""
    engine = services(request).engine()
    request.scope.setdefault("state", {})["ibp.engine"] = engine
    return engine


def lang_of(request: Request) -> Lang:
    return lang_of_scope(request.scope)


def json_response(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(by_alias=True), status_code=status, media_type="application/json")
