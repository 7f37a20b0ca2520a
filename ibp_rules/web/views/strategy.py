"""Strategi: the intake view first; the whole strategy, each measure's why and any why-not.

The intake view, the person's plan and the coordinator's appendix are the
library's own view (:func:`ibp_rules.views.build_view`) rendered with its
own partials, so what a page shows and prints agrees with
``ibp assess --format html`` for the same version.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ibp_rules.explain import explain_measure
from ibp_rules.training import measure_menu

from ..templating import page
from .cases import case_url
from .common import engine_for, lang_of, load_case, stored_assessment, strategy_view
from .explaining import explanation_view

router = APIRouter(include_in_schema=False)


def _version(versjon: str | None) -> int | None:
    return int(versjon) if versjon and versjon.isdigit() and len(versjon) < 9 else None


@router.get("/saker/{ref}/strategi")
async def strategy_page(request: Request, ref: str, versjon: str | None = None, lagret: str | None = None) -> Response:
    state = await load_case(request, ref, _version(versjon))
    if state.version is None:
        return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)
    lang = lang_of(request)
    v = state.version
    view = strategy_view(request, v, lang)
    number = v.number

    def measure_href(mid: str) -> str:
        tail = f"/hvorfor/{mid}" + (f"?versjon={number}" if number != state.current else "")
        return case_url(state.ref, tail)

    menu = measure_menu(engine_for(request, v), lang)
    return page(request, "strategy.html.j2", {"state": state, "tab": "strategi", "view": view, "measure_href": measure_href,
                                              "menu": menu, "saved": lagret is not None, "old": number != state.current})


@router.get("/saker/{ref}/hele-strategien")
async def whole_strategy(request: Request, ref: str, versjon: str | None = None) -> Response:
    """Everything one click from the intake view: every stage, reason, relation and check
    (the coordinator's appendix), printable on its own."""
    state = await load_case(request, ref, _version(versjon))
    if state.version is None:
        return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)
    view = strategy_view(request, state.version, lang_of(request))
    return page(request, "appendix.html.j2", {"state": state, "tab": "strategi", "view": view, "print_page": True})


@router.get("/saker/{ref}/hvorfor")
async def why_choice(request: Request, ref: str, tiltak: str = "", versjon: str | None = None) -> Response:
    """The why-not form (a select of every measure) lands here without a script."""
    tail = f"/hvorfor/{tiltak}" + (f"?versjon={versjon}" if _version(versjon) else "")
    return RedirectResponse(case_url(ref, tail), status_code=303)


@router.get("/saker/{ref}/hvorfor/{measure}")
async def why(request: Request, ref: str, measure: str, versjon: str | None = None) -> Response:
    state = await load_case(request, ref, _version(versjon))
    if state.version is None:
        return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)
    engine = engine_for(request, state.version)
    lang = lang_of(request)
    measure = engine.ruleset.replaced.get(measure, measure)
    if measure not in engine.ruleset.measures:
        from starlette.exceptions import HTTPException

        raise HTTPException(404)
    expl = explain_measure(engine, stored_assessment(state.version), measure)
    return page(request, "why.html.j2", {"state": state, "tab": "strategi", "x": explanation_view(engine, expl, lang),
                                         "menu": measure_menu(engine, lang), "versjon": _version(versjon)})
