"""Access logs that carry no case data: method, path template, status, time.

uvicorn's own access log writes the full path and query string, and a path
holds a case reference (``/api/v1/cases/sak-17``). This log writes the route's
template instead (``/api/v1/cases/{ref}``), so nothing a coordinator typed
reaches the log: no reference, no query, no body, no client address.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("ibp_rules.web.access")


class PathTemplates:
    """Finds the route template a path belongs to (``/api/v1/cases/{ref}``).

    Built from the routes' own templates, so a request refused before
    routing (401, 413, 429) is logged under its template too; ``-`` when no
    route matches (a 404).
    """

    def __init__(self, templates: Iterable[str]) -> None:
        self._compiled = [(t.replace(":path}", "}"), compile_path(t)[0]) for t in templates]

    def __call__(self, path: str) -> str:
        return next((t for t, regex in self._compiled if regex.match(path)), "-")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, templates: PathTemplates) -> None:
        self.app, self.templates = app, templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def seen(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
            await send(msg)

        try:
            await self.app(scope, receive, seen)
        finally:
            access_log.info("%s %s %d %.1fms", scope["method"], self.templates(scope["path"]), status, (time.perf_counter() - start) * 1000)
