"""Kartlegging: the assessment form, its draft, and saving it as a new version.

What is typed is kept as a draft in the store (kind ``assessment``): the
page's script sends the form a moment after each change and when the tab
is hidden or closed; without a script, "Lagre utkast" does the same. The
draft's answer also says which questions apply now and what is wrong where,
so the script shows and hides questions by the server's (the intake's) own
logic. Saving names the version the form was based on: a save based on an
older version gets a conflict page with what changed, never a silent
overwrite (the draft stays).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ibp_rules import __version__
from ibp_rules.assessment import Assessment
from ibp_rules.engine import Engine
from ibp_rules.ruleset import current_ids
from ibp_rules.text import Lang

from ..forms import FormResult, RawForm, form_fields, raw_from_assessment, read_form
from ..store import NewVersion, VersionConflict
from ..templating import page
from .cases import case_url
from .common import CaseState, assessment_data, draft_data, first, form_data, lang_of, load_case, page_engine, services, stored_assessment
from .conflict import conflict_page, discard_draft, move_draft

router = APIRouter(include_in_schema=False)


def measure_choices(engine: Engine, lang: Lang) -> list[tuple[str, str, str]]:
    """Every catalogue measure as (id, title, pillar) for "already in place", in pillar order."""
    rs = engine.ruleset
    order = {p: i for i, p in enumerate(rs.pillars)}
    other = "Utenfor pilarene" if lang == "nb" else "Outside the pillars"
    items = sorted(rs.measures.values(), key=lambda m: (order.get(m.pillar, len(order)), m.title.get(lang)))
    return [(m.id, m.title.get(lang), rs.pillars[m.pillar].title.get(lang) if m.pillar in rs.pillars else other) for m in items]


def new_version(engine: Engine, assessment: Assessment) -> NewVersion:
    """The stored form of a new assessment: the strategy made now, with the rules' hash."""
    strategy = engine.assess(assessment)
    rs = strategy.ruleset
    summary = {"goals": strategy.goals, "start_with": strategy.start_with, "stages": strategy.stages, "measures": len(strategy.measures)}
    return NewVersion(assessment=orjson.dumps(assessment_data(assessment)).decode(), strategy=strategy.to_json(),
                      engine_version=__version__, ruleset_id=rs.id, ruleset_version=rs.version, ruleset_sha256=rs.sha256,
                      summary=orjson.dumps(summary).decode())


def _start(state: CaseState) -> tuple[RawForm, int, bool]:
    """The form to show: the draft when there is one, else the current version's answers;
    the version it is based on, and whether it comes from a draft."""
    draft = state.drafts.get("assessment")
    if draft is not None:
        fields = draft_data(draft).get("fields", {})
        return {k: [str(x) for x in v] for k, v in fields.items() if isinstance(v, list)}, draft.based_on, True
    if state.version is not None:
        return raw_from_assessment(assessment_data(stored_assessment(state.version))), state.current, False
    return {}, 0, False


def _render(request: Request, state: CaseState, result: FormResult, based_on: int, from_draft: bool, status: int = 200,
            saved: bool = False) -> Response:
    return page(request, "intake.html.j2", {
        "state": state, "tab": "kartlegging", "form": result, "based_on": based_on, "from_draft": from_draft,
        "stale": from_draft and based_on != state.current, "saved": saved,
        "draft_url": case_url(state.ref, "/kartlegging/utkast"),
    }, status=status)


#: the form fields that hold measure ids
MEASURE_FIELDS = ("tiltak_mottatt", "mal.tiltak_ikke_onsket")


def current_measure_ids(raw: RawForm, replaced: dict[str, str]) -> RawForm:
    """The form with former measure ids (the catalogue's ``replaces``) ticked as the
    measures that replaced them: a case stored before the catalogue was tidied shows
    its answer on the right box, so saving the form keeps it instead of dropping it."""
    if not any(v in replaced for f in MEASURE_FIELDS for v in raw.get(f, ())):
        return raw
    out = dict(raw)
    for f in MEASURE_FIELDS:
        if f in out:
            out[f] = current_ids(out[f], replaced)
    return out


@router.get("/saker/{ref}/kartlegging")
async def intake_form(request: Request, ref: str, lagret: str | None = None) -> Response:
    state = await load_case(request, ref)
    raw, based_on, from_draft = _start(state)
    raw = current_measure_ids(raw, page_engine(request).ruleset.replaced)
    lang = lang_of(request)
    result = read_form(raw, lang, measure_choices(page_engine(request), lang), validate=from_draft)
    return _render(request, state, result, based_on, from_draft, saved=lagret is not None)


async def _keep_draft(request: Request, ref: str, raw: RawForm, based_on: int) -> None:
    await run_in_threadpool(services(request).store.save_draft, ref, "assessment", based_on,
                            orjson.dumps({"fields": raw}).decode())


def _based_on(form: dict[str, list[str]]) -> int:
    text = first(form, "based_on", "0")
    return int(text) if text.isdigit() and len(text) < 9 else 0


@router.post("/saker/{ref}/kartlegging/utkast")
async def save_draft(request: Request, ref: str) -> Response:
    """Keep what is typed. A script gets JSON back (which questions apply, the problems
    at their fields); a form without a script gets the page again."""
    state = await load_case(request, ref)
    form = await form_data(request)
    raw = form_fields(form)
    based_on = _based_on(form)
    await _keep_draft(request, state.ref, raw, based_on)
    lang = lang_of(request)
    result = read_form(raw, lang, measure_choices(page_engine(request), lang))
    if request.headers.get("x-requested-with") == "ibp-page":
        body: dict[str, Any] = {"saved": True, "hidden": result.hidden,
                                "problems": {f.path: f.problem for f in result.problems}}
        return Response(orjson.dumps(body), media_type="application/json")
    state = await load_case(request, ref)
    return _render(request, state, result, based_on, True)


@router.post("/saker/{ref}/kartlegging")
async def save_assessment(request: Request, ref: str) -> Response:
    state = await load_case(request, ref)
    form = await form_data(request)
    raw = form_fields(form)
    based_on = _based_on(form)
    lang = lang_of(request)
    engine = page_engine(request)
    result = read_form(raw, lang, measure_choices(engine, lang))
    await _keep_draft(request, state.ref, raw, based_on)  # kept until the save succeeds
    if result.assessment is None:
        state = await load_case(request, ref)
        return _render(request, state, result, based_on, True, status=422)
    new = new_version(engine, result.assessment)
    try:
        await run_in_threadpool(services(request).store.save_assessment, state.ref, based_on, new)
    except VersionConflict as exc:
        return await conflict_page(request, state.ref, exc, result.data, "kartlegging")
    return RedirectResponse(case_url(state.ref, "/strategi?lagret=1"), status_code=303)


@router.post("/saker/{ref}/kartlegging/forkast")
async def discard(request: Request, ref: str) -> Response:
    """Throw the draft away and start again from the current version."""
    return RedirectResponse(case_url(await discard_draft(request, ref, "assessment"), "/kartlegging"), status_code=303)


@router.post("/saker/{ref}/kartlegging/flytt")
async def move(request: Request, ref: str) -> Response:
    """Base the draft on the newest version; the coordinator looks at the form again before saving."""
    await move_draft(request, ref, "assessment")
    return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)
