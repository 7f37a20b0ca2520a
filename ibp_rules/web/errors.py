"""Every error the service answers with: JSON, never an HTML 500 or a traceback.

One shape for all of them, so a client in any language handles errors in
one place::

    {"error": {"kind": "input", "status": 422,
               "message": "ugyldig kartlegging (1 feil): …",
               "problems": [{"path": "bolig.situasjon", "line": 3, "message": "ukjent verdi; …"}]}}

Input problems are the ones the CLI reports (the same library errors, with
field path and line, in nb or en); like the CLI they never quote what was
given. An internal error says only that it happened and its type: no
traceback, no input. Its log line names the exception type and the path
template, nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ibp_rules.errors import IbpError, InputError, Problem, UnknownIdError
from ibp_rules.validation_messages import describe
from ibp_rules.yaml_source import format_path

from .lang import lang_of_scope
from .store import CaseExists, CaseNotFound, NoAssessment, VersionConflict, VersionNotFound

log = logging.getLogger("ibp_rules.web")

Kind = Literal["input", "not_found", "exists", "conflict", "no_assessment", "unauthorized", "forbidden", "too_large",
               "rate_limited", "method_not_allowed", "internal"]


class ProblemOut(BaseModel):
    """One thing wrong in the request: where (field path, line) and what was expected."""

    path: str = Field(description="Field path in the request body, e.g. 'assessment.bolig.situasjon' ('' = the body as a whole).")
    line: int | None = Field(None, description="Line in the request body, where known.")
    message: str = Field(description="What was expected, in the requested language; never the value given.")


class VersionOut(BaseModel):
    number: int
    based_on: int
    kind: Literal["assessment", "decisions"]
    created_at: str
    ruleset_sha256: str


class ConflictOut(BaseModel):
    """What changed since the version a refused save was based on."""

    based_on: int
    current: int
    since: list[VersionOut] = Field(description="The versions saved after the one the save was based on, oldest first.")


class ErrorBody(BaseModel):
    kind: Kind
    status: int
    message: str = Field(description="A one-paragraph summary in the requested language.")
    problems: list[ProblemOut] = []
    conflict: ConflictOut | None = None


class ApiError(BaseModel):
    """The body of every error response."""

    error: ErrorBody


MESSAGES: dict[str, dict[str, str]] = {
    "not_found": {"nb": "finnes ikke", "en": "not found"},
    "case_not_found": {"nb": "ingen sak med denne referansen", "en": "no case with this reference"},
    "exists": {"nb": "det finnes allerede en sak med denne referansen", "en": "a case with this reference exists already"},
    "conflict": {"nb": "lagringen bygde på versjon {based_on}, men saken er nå på versjon {current}; "
                       "hent den nye versjonen, se hva som er endret, og lagre på nytt",
                 "en": "the save was based on version {based_on}, but the case is now at version {current}; "
                       "fetch the new version, see what changed, and save again"},
    "no_assessment": {"nb": "saken har ingen kartlegging ennå; lagre en først", "en": "the case has no assessment yet; save one first"},
    "unauthorized": {"nb": "tilgangsnøkkel mangler eller er feil", "en": "missing or wrong access token"},
    "csrf": {"nb": "skjemaet mangler gyldig CSRF-nøkkel; last siden på nytt", "en": "missing or invalid CSRF token; reload the page"},
    "origin": {"nb": "forespørselen kom fra en annen nettside", "en": "the request came from another site"},
    "too_large": {"nb": "forespørselen er større enn grensen på {limit}", "en": "the request is larger than the limit of {limit}"},
    "rate_limited": {"nb": "for mange forespørsler; vent litt", "en": "too many requests; wait a moment"},
    "method_not_allowed": {"nb": "metoden er ikke tillatt her", "en": "method not allowed here"},
    "internal": {"nb": "intern feil ({name}); ingenting ble lagret av denne forespørselen",
                 "en": "internal error ({name}); nothing was saved by this request"},
    "version_not_found": {"nb": "saken har ingen versjon {number}", "en": "the case has no version {number}"},
}


def message(key: str, lang: str, **values: Any) -> str:
    return MESSAGES[key]["nb" if lang == "nb" else "en"].format(**values)


def error_json(kind: Kind, status: int, text: str, problems: list[ProblemOut] | None = None,
               conflict: ConflictOut | None = None) -> bytes:
    body = ApiError(error=ErrorBody(kind=kind, status=status, message=text, problems=problems or [], conflict=conflict))
    return body.model_dump_json(exclude_none=True).encode()


def error_response(kind: Kind, status: int, text: str, problems: list[ProblemOut] | None = None,
                   conflict: ConflictOut | None = None, headers: dict[str, str] | None = None) -> Response:
    return Response(error_json(kind, status, text, problems, conflict), status_code=status, media_type="application/json",
                    headers=headers)


def problems_out(problems: list[Problem], lang: str) -> list[ProblemOut]:
    return [ProblemOut(path=p.path, line=p.line, message=p.message_in(lang)) for p in problems]


def with_prefix(exc: InputError, prefix: str) -> InputError:
    """The same error with every problem's path under ``prefix`` (an envelope's field)."""
    moved = [replace(p, path=f"{prefix}.{p.path}" if p.path and not p.path.startswith("[") else f"{prefix}{p.path}") for p in exc.problems]
    return type(exc)(moved)


def unknown_id_problem(exc: UnknownIdError, path: str) -> InputError:
    """An unknown id (measure …) as an input problem at ``path``, with its did-you-mean."""
    hint_en = f" Did you mean: {', '.join(exc.suggestions)}?" if exc.suggestions else ""
    hint_nb = f" Mente du: {', '.join(exc.suggestions)}?" if exc.suggestions else ""
    return InputError(Problem(None, None, path, f"unknown {exc.kind} id.{hint_en}", message_nb=f"ukjent id.{hint_nb}"))


def _input_response(exc: InputError, lang: str) -> Response:
    return error_response("input", 422, exc.render(lang), problems_out(exc.problems, lang))


def response_for(exc: BaseException, request_lang: str) -> Response | None:
    """The JSON answer for an error the service expects, or None for an internal one."""
    lang = request_lang
    if isinstance(exc, InputError):
        return _input_response(exc, lang)
    if isinstance(exc, CaseNotFound):
        return error_response("not_found", 404, message("case_not_found", lang))
    if isinstance(exc, VersionNotFound):
        return error_response("not_found", 404, message("version_not_found", lang, number=exc.number))
    if isinstance(exc, CaseExists):
        return error_response("exists", 409, message("exists", lang))
    if isinstance(exc, NoAssessment):
        return error_response("no_assessment", 409, message("no_assessment", lang))
    if isinstance(exc, VersionConflict):
        since = [VersionOut(number=v.number, based_on=v.based_on, kind=v.kind, created_at=v.created_at,
                            ruleset_sha256=v.ruleset_sha256) for v in exc.since]
        return error_response("conflict", 409, message("conflict", lang, based_on=exc.based_on, current=exc.current),
                              conflict=ConflictOut(based_on=exc.based_on, current=exc.current, since=since))
    if isinstance(exc, BodyTooLarge):
        return error_response("too_large", 413, message("too_large", lang, limit=human_size(exc.limit)))
    return None


class BodyTooLarge(IbpError):
    """A request body over its documented limit (raised while reading it)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"request body larger than {limit} bytes")


def human_size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{n} bytes"


# -- FastAPI's own errors in our shape ---------------------------------------------

async def on_ibp_error(request: Request, exc: Exception) -> Response:
    response = response_for(exc, lang_of_scope(request.scope))
    if response is None:
        raise exc
    return response


async def on_validation_error(request: Request, exc: Exception) -> Response:
    """Query and path parameters FastAPI checked: same shape, no input echoed."""
    assert isinstance(exc, RequestValidationError)
    lang = lang_of_scope(request.scope)
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        where = loc[1:] if loc and loc[0] in ("query", "path", "header", "cookie", "body") else loc
        text = describe(err)
        problems.append(ProblemOut(path=format_path(where), line=None, message=text.get("nb" if lang == "nb" else "en")))
    n = len(problems)
    head = f"ugyldig forespørsel ({n} feil)" if lang == "nb" else f"invalid request ({n} problem{'s' if n != 1 else ''})"
    return error_response("input", 422, head, problems)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    lang = lang_of_scope(request.scope)
    if exc.status_code == 405:
        return error_response("method_not_allowed", 405, message("method_not_allowed", lang), headers=dict(exc.headers or {}))
    if exc.status_code == 404:
        return error_response("not_found", 404, message("not_found", lang))
    return error_response("internal" if exc.status_code >= 500 else "input", exc.status_code, str(exc.detail))


# -- the last line of defence ---------------------------------------------------------

class GuardMiddleware:
    """Turns any unexpected exception into a 500 JSON body, and logs only its type.

    Starlette's own error middleware would re-raise the exception after
    answering, and uvicorn would then log its traceback, whose message may
    quote the input; here it stops. ``debug`` logs the traceback (opt-in).
    """

    def __init__(self, app: ASGIApp, templates: Callable[[str], str], debug: bool = False) -> None:
        self.app, self.templates, self.debug = app, templates, debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            where = self.templates(scope["path"])
            if self.debug:
                log.exception("internal error in %s %s", scope.get("method"), where)
            else:
                log.error("internal error: %s in %s %s", type(exc).__name__, scope.get("method"), where)
            if started:
                return  # the client sees a cut-off response; nothing more can be said
            body = error_json("internal", 500, message("internal", lang_of_scope(scope), name=type(exc).__name__))
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})


def json_bytes(data: Any) -> bytes:
    """Plain data as compact UTF-8 JSON (responses other than a strategy)."""
    return orjson.dumps(data)
