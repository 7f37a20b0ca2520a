"""Signing in and out, and the language switch (pages every other page relies on)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..auth import clear_session_cookie, same_origin, session_cookie
from ..lang import LANG_COOKIE
from ..limits import client_key
from ..templating import page
from .common import services

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _sign_in(request: Request, token: str | None, target: str | None) -> Response:
    svc = services(request)
    if svc.tokens.check_token(token):
        response = RedirectResponse(safe_next(target), status_code=303)
        response.headers["set-cookie"] = session_cookie(svc.tokens.new_session(), secure=request.url.scheme == "https")
        return response
    if token is not None:
        svc.auth_failures.take(client_key(request.scope))
    return page(request, "login.html.j2", {"next": safe_next(target), "failed": token is not None},
                status=401 if token is not None else 200)


@router.get("/login")
async def login(request: Request, token: str | None = None, next: str | None = None) -> Response:  # noqa: A002 - the query name
    """``/login?token=…`` from the URL ``ibp serve`` prints, or the sign-in form."""
    return _sign_in(request, token, next)


@router.post("/login")
async def login_form(request: Request) -> Response:
    if not same_origin(request.scope):
        return Response(status_code=403)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    return _sign_in(request, (form.get("token") or [""])[0].strip(), (form.get("next") or ["/"])[0])


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.headers["set-cookie"] = clear_session_cookie()
    return response


@router.get("/lang")
async def choose_language(request: Request, set: str = "nb", next: str | None = None) -> Response:  # noqa: A002
    """Remember the chosen language in a cookie and go back."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if set in ("nb", "en"):
        response.headers["set-cookie"] = f"{LANG_COOKIE}={set}; Path=/; SameSite=Strict; Max-Age=31536000"
    return response


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204)


