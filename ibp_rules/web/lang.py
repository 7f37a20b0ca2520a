"""The language of an answer: ``?lang=``, else the browser's, else bokmål.

Everything a coordinator sees is bokmål by default with English alongside
(one language at a time). API clients choose with ``?lang=en``; a browser
that asks for English (``Accept-Language: en``) gets English pages and
messages; a chosen language is remembered in the ``ibp_lang`` cookie.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import Scope

from ibp_rules.text import Lang

LANG_COOKIE = "ibp_lang"
_NORWEGIAN = ("nb", "no", "nn")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _as_lang(value: object) -> Lang | None:
    if value == "nb":
        return "nb"
    if value == "en":
        return "en"
    return None


def lang_of_scope(scope: Scope) -> Lang:
    """nb or en for this request (never fails: a bad value falls back to nb)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    asked = _as_lang((query.get("lang") or [""])[0])
    if asked is not None:
        return asked
    cookie = _header(scope, b"cookie")
    if cookie:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie)
        except Exception:  # noqa: BLE001 - a malformed cookie header is ignored
            jar = SimpleCookie()
        chosen = _as_lang(jar[LANG_COOKIE].value if LANG_COOKIE in jar else "")
        if chosen is not None:
            return chosen
    for part in _header(scope, b"accept-language").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in _NORWEGIAN:
            return "nb"
        if tag == "en":
            return "en"
    return "nb"
