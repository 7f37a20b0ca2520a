"""Request limits: body size (413) and request rate per client (429).

A body over its limit is refused from its Content-Length before a byte is
read, and otherwise stopped while it is read (:class:`BodyTooLarge` from
``receive``), so a client cannot make the service hold more than the limit.
Rates are token buckets per client address: ``rate`` requests a second with
bursts up to ``burst``. The limits are per process (with ``--workers 2``
each worker counts its own).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Limits
from .errors import BodyTooLarge, error_json, human_size, message
from .lang import lang_of_scope

#: paths whose bodies may be as large as Limits.max_batch
BATCH_PATHS = ("/api/v1/batch",)


class TokenBuckets:
    """One token bucket per key, the least recently used forgotten past ``keys``."""

    def __init__(self, rate: float, burst: float, keys: int = 10_000) -> None:
        self.rate, self.burst, self.keys = rate, burst, keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when a token was taken, else the seconds until one is free."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.keys:
            self._buckets.popitem(last=False)
        return wait

    def empty(self, key: str, now: float | None = None) -> bool:
        """True when ``key`` has no token left (without taking one)."""
        if self.rate <= 0 or key not in self._buckets:
            return False
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets[key]
        return min(self.burst, tokens + (now - last) * self.rate) < 1


def client_key(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"


def json_reply(status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> list[Message]:
    """The two ASGI messages of a small JSON answer."""
    return [{"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])]},
            {"type": "http.response.body", "body": body}]


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.buckets = TokenBuckets(limits.rate, limits.burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in ("/health", "/api/v1/health"):
            wait = self.buckets.take(client_key(scope))
            if wait > 0:
                body = error_json("rate_limited", 429, message("rate_limited", lang_of_scope(scope)))
                for m in json_reply(429, body, [(b"retry-after", str(max(1, round(wait + 0.5))).encode())]):
                    await send(m)
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.max_batch if scope["path"] in BATCH_PATHS else self.limits.max_body
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > limit):
            body = error_json("too_large", 413, message("too_large", lang_of_scope(scope), limit=human_size(limit)))
            for m in json_reply(413, body, [(b"connection", b"close")]):
                await send(m)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            msg: dict[str, Any] = dict(await receive())
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return msg

        await self.app(scope, counted, send)
