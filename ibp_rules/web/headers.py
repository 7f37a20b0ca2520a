"""Headers on every response: which engine and rules answered, and the security set.

``X-IBP-Engine-Version`` and ``X-IBP-Ruleset-{Id,Version,Sha256}`` name the
engine and ruleset that answered (the one the request used, even when the
rules were reloaded while it ran), so a client can keep the audit trail of
every answer, errors included.

The security headers follow from what the service holds (health data) and
what its pages are (server-rendered, scripts only from the package):
a Content-Security-Policy with no inline script and nothing from another
origin, no framing, no referrer, and ``Cache-Control: no-store`` on every
response except the shipped static assets, which hold no case data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ibp_rules.engine import Engine

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
]


def engine_headers(engine: Engine) -> list[tuple[bytes, bytes]]:
    rs = engine.ruleset
    from ibp_rules import __version__

    return [(b"x-ibp-engine-version", __version__.encode()), (b"x-ibp-ruleset-id", rs.id.encode()),
            (b"x-ibp-ruleset-version", rs.version.encode()), (b"x-ibp-ruleset-sha256", rs.sha256.encode())]


class HeadersMiddleware:
    def __init__(self, app: ASGIApp, current_engine: Callable[[], Engine]) -> None:
        self.app, self.current_engine = app, current_engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        fallback = self.current_engine()

        async def stamped(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                used = scope.get("state", {}).get("ibp.engine", fallback)
                names = {k.lower() for k, _ in msg.get("headers", [])}
                headers: list[Any] = list(msg.get("headers", []))
                headers += [h for h in SECURITY_HEADERS + engine_headers(used) if h[0] not in names]
                if not static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                msg = {**msg, "headers": headers}
            await send(msg)

        await self.app(scope, receive, stamped)
