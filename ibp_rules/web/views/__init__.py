"""The pages, one module per kind (the Datasette layout): thin views over the library.

Each module has a ``router``; :func:`pages_router` puts them together. A
new kind of page is a new module here, listed in :data:`MODULES`, with its
templates in ``../templates`` (partials start with ``_``) and any script or
style in ``../static``. Every page renders through
:func:`ibp_rules.web.templating.page`, which gives it the language, the
session's CSRF token for its forms and the base layout.

The coordinator's pages live under ``/saker`` (a case: kartlegging,
strategi, hva om, valg og handlingsplan, forløp), the trainer's under
``/opplaering``, the rule catalogue under ``/regler``.
"""

from __future__ import annotations

from fastapi import APIRouter

from ..routing import combined, templates
from . import cases, choices, docs, history, home, intake, rules, session, strategy, training, whatif

MODULES = (session, home, docs, cases, intake, strategy, whatif, choices, history, training, rules)


def pages_router() -> APIRouter:
    return combined(MODULES, include_in_schema=False)


def page_templates() -> list[str]:
    """The path template of every page (for the access log)."""
    return templates(MODULES)
