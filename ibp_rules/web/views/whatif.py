"""Hva om: change facts and see what appears, vanishes or moves, without saving.

The form is the assessment form, filled in from the current version; what
is shown is the library's diff of the two strategies (the same engine for
both, so only the changed facts make a difference). Nothing is stored until
"save as a new version", which is an ordinary save based on the version the
what-if started from.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ibp_rules.compare import diff
from ibp_rules.engine import parse_assessment
from ibp_rules.errors import AssessmentError

from ..forms import form_fields, raw_from_assessment, read_form
from ..store import VersionConflict
from ..templating import page
from .cases import case_url
from .changes import Changes, fact_changes, strategy_changes
from .common import assessment_data, first, form_data, lang_of, load_case, page_engine, services, stored_assessment
from .conflict import conflict_page
from .intake import measure_choices, new_version

router = APIRouter(include_in_schema=False)


@router.get("/saker/{ref}/hva-om")
async def whatif_form(request: Request, ref: str) -> Response:
    state = await load_case(request, ref)
    if state.version is None:
        return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)
    lang = lang_of(request)
    raw = raw_from_assessment(assessment_data(stored_assessment(state.version)))
    form = read_form(raw, lang, measure_choices(page_engine(request), lang), validate=False)
    return page(request, "whatif.html.j2", {"state": state, "tab": "hva-om", "form": form, "changes": None, "after": None})


@router.post("/saker/{ref}/hva-om")
async def whatif(request: Request, ref: str) -> Response:
    state = await load_case(request, ref)
    if state.version is None:
        return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)
    lang = lang_of(request)
    engine = page_engine(request)
    posted = await form_data(request)
    form = read_form(form_fields(posted), lang, measure_choices(engine, lang))
    changes = None
    after_json = None
    if form.assessment is not None:
        before_a = stored_assessment(state.version)
        before, after = engine.assess(before_a), engine.assess(form.assessment)
        measures, barriers, start_a, start_b = strategy_changes(diff(before, after), before, after, engine.ruleset, lang)
        after_data = assessment_data(form.assessment)
        changes = Changes(facts=fact_changes(assessment_data(before_a), after_data, lang), measures=measures, barriers=barriers,
                          start_before=start_a, start_after=start_b)
        after_json = orjson.dumps(after_data).decode()
    return page(request, "whatif.html.j2", {"state": state, "tab": "hva-om", "form": form, "changes": changes, "after": after_json,
                                            "based_on": state.current}, status=200 if form.assessment is not None else 422)


@router.post("/saker/{ref}/hva-om/lagre")
async def save_whatif(request: Request, ref: str) -> Response:
    """Save the changed facts as a new version (based on the version the what-if started from)."""
    state = await load_case(request, ref)
    posted = await form_data(request)
    text = first(posted, "based_on", "0")
    based_on = int(text) if text.isdigit() and len(text) < 9 else 0
    try:
        assessment = parse_assessment(first(posted, "assessment").encode(), "hva-om")
    except AssessmentError:
        from starlette.exceptions import HTTPException

        raise HTTPException(422) from None
    new = new_version(page_engine(request), assessment)
    store = services(request).store
    try:
        await run_in_threadpool(store.save_assessment, state.ref, based_on, new)
    except VersionConflict as exc:
        return await conflict_page(request, state.ref, exc, assessment_data(assessment), "kartlegging")
    draft = state.drafts.get("assessment")
    if draft is not None:  # a save ends the intake's draft; one typed elsewhere is kept (it shows as stale)
        await run_in_threadpool(store.save_draft, state.ref, "assessment", draft.based_on, draft.data)
    return RedirectResponse(case_url(state.ref, "/strategi?lagret=1"), status_code=303)
