"""Who may use the service: the access token, the page session, and CSRF.

``ibp serve`` makes a random access token at start (or takes ``IBP_TOKEN``)
and prints a sign-in URL with it, as Jupyter does. Two ways in:

* **API clients** send ``Authorization: Bearer <token>`` with every request.
  A browser never adds that header by itself, so these requests need no
  CSRF token.
* **Pages**: ``/login?token=…`` (or the sign-in form) sets a session cookie,
  ``HttpOnly`` and ``SameSite=Strict``. The cookie holds a random session id
  signed with a key derived from the token (no server-side session table,
  so every worker process accepts it; a new token ends every session).
  Every state-changing request made with the cookie must also carry the
  session's CSRF token, in the ``X-CSRF-Token`` header (scripts), the
  ``csrf_token`` form field (forms) or the ``csrf_token`` query parameter
  (multipart forms), and must not come from another origin.

Tokens and signatures are compared with :func:`hmac.compare_digest`
(constant time). Failed sign-ins are counted per client address; past the
limit the address gets 429 for a while, even with the right token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_json, message
from .lang import lang_of_scope
from .limits import TokenBuckets, client_key, json_reply

SESSION_COOKIE = "ibp_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
#: how long a page session lasts (a working day and then some)
SESSION_SECONDS = 12 * 3600
#: paths anyone may fetch: health checks, signing in, and the shipped assets
PUBLIC_PATHS = frozenset({"/health", "/api/v1/health", "/login", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = (b"application/x-www-form-urlencoded",)


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """Who made a request: an API client (bearer) or a page session (cookie)."""

    kind: str
    session: str | None = None
    csrf: str | None = None


class Tokens:
    """Checks the access token and signs page sessions and CSRF tokens."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()
        self._key = hmac.new(self._token, b"ibp-rules session key v1", hashlib.sha256).digest()

    def _sign(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()

    def check_token(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self._token)

    def new_session(self, now: float | None = None) -> str:
        value = f"{secrets.token_urlsafe(18)}.{int(now if now is not None else time.time())}"
        return f"{value}.{self._sign('session', value)}"

    def check_session(self, cookie: str | None, now: float | None = None) -> str | None:
        """The session id of a valid, unexpired cookie value, else None."""
        if not cookie or cookie.count(".") != 2:
            return None
        sid, issued, signature = cookie.split(".")
        if not hmac.compare_digest(signature, self._sign("session", f"{sid}.{issued}")):
            return None
        if not issued.isdigit() or (now if now is not None else time.time()) - int(issued) > SESSION_SECONDS:
            return None
        return sid

    def csrf_for(self, session: str) -> str:
        return self._sign("csrf", session)

    def check_csrf(self, session: str, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given, self.csrf_for(session))


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k: v for k, v in scope["headers"]}


def cookie_value(scope: Scope, name: str) -> str | None:
    raw = _headers(scope).get(b"cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:  # noqa: BLE001 - a malformed cookie header counts as none
        return None
    return jar[name].value if name in jar else None


def same_origin(scope: Scope) -> bool:
    """False when the browser says the request comes from another origin."""
    headers = _headers(scope)
    site = headers.get(b"sec-fetch-site")
    if site is not None:
        # what the browser itself says; our pages send no referrer, so a browser
        # sends "Origin: null" with their forms, and this is how it tells us more
        return site in (b"same-origin", b"none")
    origin = headers.get(b"origin")
    if origin is None or origin == b"null" and scope["method"] in SAFE_METHODS:
        return True
    host = headers.get(b"host", b"")
    scheme = scope.get("scheme", "http").encode()
    return bool(origin == scheme + b"://" + host)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def wants_page(scope: Scope) -> bool:
    """A browser navigating to a page (not an API client)."""
    accept = _headers(scope).get(b"accept", b"")
    return scope["method"] in SAFE_METHODS and not scope["path"].startswith("/api/") and b"text/html" in accept


class AuthMiddleware:
    """Lets a request through only with the token (bearer) or a valid session (cookie + CSRF)."""

    def __init__(self, app: ASGIApp, tokens: Tokens, failures: TokenBuckets) -> None:
        self.app, self.tokens, self.failures = app, tokens, failures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = client_key(scope)
        if self.failures.empty(client):
            await self._reply(send, 429, "rate_limited", message("rate_limited", lang_of_scope(scope)), [(b"retry-after", b"60")])
            return
        if is_public(scope["path"]):
            scope.setdefault("state", {})["ibp.auth"] = self._from_cookie(scope)
            await self.app(scope, receive, send)
            return
        authorization = _headers(scope).get(b"authorization", b"").decode("latin-1")
        if authorization:
            scheme, _, given = authorization.partition(" ")
            if scheme.lower() == "bearer" and self.tokens.check_token(given.strip()):
                scope.setdefault("state", {})["ibp.auth"] = Principal("bearer")
                await self.app(scope, receive, send)
                return
            self.failures.take(client)
            await self._unauthorized(scope, send)
            return
        principal = self._from_cookie(scope)
        if principal is None:
            if cookie_value(scope, SESSION_COOKIE) is not None:
                self.failures.take(client)
            await self._unauthorized(scope, send)
            return
        scope.setdefault("state", {})["ibp.auth"] = principal
        if scope["method"] not in SAFE_METHODS:
            lang = lang_of_scope(scope)
            if not same_origin(scope):
                await self._reply(send, 403, "forbidden", message("origin", lang))
                return
            receive, csrf = await self._csrf_token(scope, receive)  # the body is handed on as it came
            assert principal.session is not None
            if not self.tokens.check_csrf(principal.session, csrf):
                await self._reply(send, 403, "forbidden", message("csrf", lang))
                return
        await self.app(scope, receive, send)

    def _from_cookie(self, scope: Scope) -> Principal | None:
        session = self.tokens.check_session(cookie_value(scope, SESSION_COOKIE))
        return Principal("cookie", session, self.tokens.csrf_for(session)) if session else None

    async def _csrf_token(self, scope: Scope, receive: Receive) -> tuple[Receive, str | None]:
        """The CSRF token from the header, the query, or a urlencoded form body.

        A form body is read here (it is small: the body limit applies) and
        handed on unchanged to the app.
        """
        headers = _headers(scope)
        if CSRF_HEADER in headers:
            return receive, headers[CSRF_HEADER].decode("latin-1")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if CSRF_FIELD in query:
            return receive, query[CSRF_FIELD][0]
        if not headers.get(b"content-type", b"").split(b";")[0].strip().startswith(FORM_TYPES):
            return receive, None
        chunks: list[bytes] = []
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        form = parse_qs(body.decode("utf-8", "replace"))
        found = form.get(CSRF_FIELD)
        return replay, found[0] if found else None

    async def _unauthorized(self, scope: Scope, send: Send) -> None:
        if wants_page(scope):
            target = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
            location = "/login?next=" + quote(target, safe="")
            await send({"type": "http.response.start", "status": 303, "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await self._reply(send, 401, "unauthorized", message("unauthorized", lang_of_scope(scope)),
                          [(b"www-authenticate", b'Bearer realm="ibp-rules"')])

    @staticmethod
    async def _reply(send: Send, status: int, kind: Any, text: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        for m in json_reply(status, error_json(kind, status, text), headers):
            await send(m)


def session_cookie(value: str, secure: bool) -> str:
    """The Set-Cookie value for a page session."""
    parts = [f"{SESSION_COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Strict", f"Max-Age={SESSION_SECONDS}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def clear_session_cookie() -> str:
    return f"{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"


def principal_of(scope: Scope) -> Principal | None:
    value = scope.get("state", {}).get("ibp.auth")
    return value if isinstance(value, Principal) else None
