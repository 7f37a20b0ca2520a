"""Jinja2 for the service's pages: templates and static files ship in the package.

Pages are server-rendered and work without JavaScript; a script, where a
page has one, comes from ``/static`` (the Content-Security-Policy allows no
inline script and nothing from another origin). Every page gets the
language, a ``t(nb, en)`` helper and the session's CSRF token for its forms.
Templates whose names start with ``_`` are partials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from ibp_rules import __version__
from ibp_rules.render import TEMPLATE_DIR, add_filters

from .auth import CSRF_FIELD, principal_of
from .lang import lang_of_scope

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES = WEB_DIR / "templates"
STATIC = WEB_DIR / "static"



def _environment() -> jinja2.Environment:
    """The pages' templates, then the library's (the intake view, the person's plan and
    the coordinator's appendix are the library's own partials, so a printed page and
    ``ibp assess --format html`` agree), with the library's filters."""
    env = jinja2.Environment(loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(TEMPLATES)),
                                                         jinja2.FileSystemLoader(str(TEMPLATE_DIR))]),
                             autoescape=jinja2.select_autoescape(["html.j2", "html"]), trim_blocks=True, lstrip_blocks=True)
    add_filters(env)
    return env


templates = Jinja2Templates(env=_environment())


def page(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200,
         headers: dict[str, str] | None = None) -> Response:
    """Render a page with what every page needs."""
    lang = lang_of_scope(request.scope)
    principal = principal_of(request.scope)
    base: dict[str, Any] = {
        "lang": lang,
        "t": lambda nb, en: nb if lang == "nb" else en,
        "csrf_field": CSRF_FIELD,
        "csrf_token": principal.csrf if principal else None,
        "signed_in": principal is not None,
        "version": __version__,
    }
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status, headers=headers)
