"""Errors a person meets in the browser: an HTML page in their language, never JSON or a traceback.

The API answers errors as JSON (:mod:`ibp_rules.web.errors`); a page request
(a browser navigating or sending a form, anywhere outside ``/api``) gets
the same status with a page that says what happened and where to go.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..lang import lang_of_scope
from ..store import CaseExists, CaseNotFound, NoAssessment, VersionNotFound
from ..templating import page

Handler = Callable[[Request, Exception], Awaitable[Response]]

_TEXTS: dict[int, tuple[str, str, str, str]] = {
    404: ("Finnes ikke", "Not found", "Siden eller saken finnes ikke (kanskje er den slettet).",
          "The page or case does not exist (perhaps it was deleted)."),
    409: ("Kan ikke gjøres nå", "Cannot be done now", "Saken er ikke i en tilstand der dette kan gjøres.",
          "The case is not in a state where this can be done."),
    422: ("Ugyldig forespørsel", "Invalid request", "Det som ble sendt, kunne ikke leses.", "What was sent could not be read."),
}


def _is_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith("/api/") and path not in ("/openapi.json", "/health")


def _status(exc: Exception) -> int | None:
    if isinstance(exc, CaseNotFound | VersionNotFound):
        return 404
    if isinstance(exc, CaseExists | NoAssessment):
        return 409
    if isinstance(exc, StarletteHTTPException) and exc.status_code in _TEXTS:
        return exc.status_code
    return None


def for_pages(handler: Handler) -> Handler:
    """``handler`` for the API; an HTML error page for a page request it knows."""

    async def handle(request: Request, exc: Exception) -> Response:
        status = _status(exc)
        if status is None or not _is_page(request):
            return await handler(request, exc)
        heading_nb, heading_en, text_nb, text_en = _TEXTS[status]
        nb = lang_of_scope(request.scope) == "nb"
        return page(request, "error.html.j2", {"heading": heading_nb if nb else heading_en, "text": text_nb if nb else text_en},
                    status=status)

    return handle
