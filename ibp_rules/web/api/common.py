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
