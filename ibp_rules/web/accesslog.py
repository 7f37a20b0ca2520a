"""Access logs that carry no case data: method, path template, status, time.

uvicorn's own access log writes the full path and query string, and a path
holds a case reference (``/api/v1/cases/sak-17``). This log writes the route's
template instead (``/api/v1/cases/{ref}``), so nothing a coordinator typed
reaches the log: no reference, no query, no body, no client address.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("ibp_rules.web.access")


def path_template(scope: Scope, routes: Sequence[BaseRoute] = ()) -> str:
    """The template of the route the request matches (``/api/v1/cases/{ref}``),
    also for one refused before routing (401, 413, 429); ``-`` when none does."""
    for route in routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "-"))
    route = scope.get("route")
    return str(getattr(route, "path", None) or "-")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute] = ()) -> None:
        self.app, self.routes = app, routes

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
            access_log.info("%s %s %d %.1fms", scope["method"], path_template(scope, self.routes), status, (time.perf_counter() - start) * 1000)
