"""The ASGI application: routes, middleware, error handlers, lifespan.

``create_app(config)`` builds one app; ``ibp serve`` runs it on uvicorn.
The middleware, from the outside in, and why in that order:

1. access log: sees every answer, including those refused further in;
2. headers: security headers and the engine/ruleset headers on every
   answer, errors included;
3. guard: an unexpected exception becomes a 500 JSON body, logged by type;
4. rate limit, then body limit: refuse cheaply before any work;
5. authentication (token or session) and CSRF: nothing past here is public
   except /health, /login and the static assets.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from ibp_rules import __version__
from ibp_rules.errors import IbpError, RulesetError

from .accesslog import AccessLogMiddleware, PathTemplates
from .api import api_router, api_templates
from .api.catalogue import health_router
from .auth import AuthMiddleware
from .config import ServeConfig
from .errors import GuardMiddleware, on_http_error, on_ibp_error, on_validation_error
from .headers import HeadersMiddleware
from .limits import BodyLimitMiddleware, RateLimitMiddleware
from .openapi import build_openapi
from .services import Services
from .templating import STATIC
from .views import page_templates, pages_router
from .views.errors import for_pages

log = logging.getLogger("ibp_rules.web")


def _reload_on_hangup(services: Services) -> None:
    """``kill -HUP <pid>`` reloads the rules (one process; with workers,
    uvicorn's supervisor restarts them on SIGHUP, which reloads too)."""
    if threading.current_thread() is not threading.main_thread():
        return
    import asyncio

    def reload() -> None:
        try:
            result = services.reload()
            log.info("rules reloaded on SIGHUP: %s (%s)", result.sha256[:12], "changed" if result.changed else "unchanged")
        except RulesetError as exc:
            log.error("rules reload on SIGHUP failed (%d problems); the previous rules stay in use", len(exc.problems))

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload)


def create_app(config: ServeConfig | None = None) -> FastAPI:
    """The service for ``config`` (default: from the environment, for workers)."""
    config = config or ServeConfig.from_env()
    services = Services(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _reload_on_hangup(services)
        try:
            yield
        finally:
            services.close()

    app = routes_only(lifespan)
    app.state.services = services

    app.add_exception_handler(IbpError, for_pages(on_ibp_error))
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, for_pages(on_http_error))

    # added innermost first (each add wraps what is there)
    app.add_middleware(AuthMiddleware, tokens=services.tokens, failures=services.auth_failures)
    app.add_middleware(BodyLimitMiddleware, limits=config.limits)
    app.add_middleware(RateLimitMiddleware, limits=config.limits)
    templates = PathTemplates([*api_templates(), *page_templates(), *(r.path for r in health_router.routes if hasattr(r, "path")),
                               "/static/{path:path}"])
    app.add_middleware(GuardMiddleware, templates=templates, debug=config.debug)
    app.add_middleware(HeadersMiddleware, current_engine=lambda: services.engines.current)
    app.add_middleware(AccessLogMiddleware, templates=templates)

    return app


def routes_only(lifespan: Any = None) -> FastAPI:
    """The app's routes without services or middleware (enough for its OpenAPI document)."""
    app = FastAPI(title="ibp-rules", version=__version__, docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.include_router(health_router)
    app.include_router(api_router())
    app.include_router(pages_router())
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    cached: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        doc: dict[str, Any] = cached.get("doc") or build_openapi(app)
        cached["doc"] = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
    return app
