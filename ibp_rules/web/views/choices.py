"""Valg og handlingsplan: the people decide, and the person's plan prints.

Each suggestion can be chosen, declined or changed, with the person's own
reason, who and when; the person and the coordinator can add measures of
their own. The form is kept as a draft while it is filled in (as the
assessment is) and saved as a new version based on the one it was made
from. The person's plan and the coordinator's appendix are the library's
partials in a page of their own, each printable on A4.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ibp_rules.decisions import Decisions
from ibp_rules.validation_messages import describe
from ibp_rules.views import StrategyView

from ..store import VersionConflict
from ..templating import page
from .cases import case_url
from .common import CaseState, draft_data, first, form_data, lang_of, load_case, services, stored_decisions, strategy_view
from .conflict import conflict_page, discard_draft, move_draft

router = APIRouter(include_in_schema=False)

STATUSES = ("valgt", "endret", "avslatt")
TEXTS = ("reason", "change", "who", "when")
OWN = ("title", "who", "when", "note")
#: empty rows for own measures below those already written
BLANK_ROWS = 2

RawChoices = dict[str, list[str]]


def raw_from_decisions(d: Decisions) -> RawChoices:
    raw: RawChoices = {}
    for mid, dec in d.measures.items():
        raw[f"status:{mid}"] = [dec.status]
        for key in TEXTS:
            value = getattr(dec, key)
            if value:
                raw[f"{key}:{mid}"] = [value]
    for key in OWN:
        raw[f"own_{key}"] = [getattr(o, key) or "" for o in d.own]
    return raw


def choice_fields(form: dict[str, list[str]], measures: set[str]) -> RawChoices:
    """Only the decision fields of a posted form (for known measures)."""
    out: RawChoices = {}
    for name, values in form.items():
        key, _, mid = name.partition(":")
        if (key == "status" or key in TEXTS) and mid in measures or name in {f"own_{k}" for k in OWN}:
            out[name] = [v[:2000] for v in values[:50]]
    return out


def own_rows(raw: RawChoices) -> list[dict[str, str]]:
    """The own measures written in the form (rows left empty are not rows)."""
    columns = {k: raw.get(f"own_{k}") or [] for k in OWN}
    count = max(len(c) for c in columns.values())
    rows = [{k: (columns[k][i].strip() if i < len(columns[k]) else "") for k in OWN} for i in range(count)]
    return [r for r in rows if any(r.values())]


def read_choices(raw: RawChoices, lang: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The decisions data from the form, and problems by field name."""
    measures: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, values in raw.items():
        key, _, mid = name.partition(":")
        if key != "status" or not values or values[0] not in STATUSES:
            continue
        item: dict[str, Any] = {"status": values[0]}
        for text in TEXTS:
            value = (raw.get(f"{text}:{mid}") or [""])[0].strip()
            if value:
                item[text] = value
        measures[mid] = item
    own = []
    for i, row in enumerate(own_rows(raw)):
        if not row["title"]:
            problems[f"own_title:{i}"] = ("skriv hva tiltaket er" if lang == "nb" else "write what the measure is")
        own.append({k: v for k, v in row.items() if v})
    data = {"measures": measures, "own": own}
    try:
        Decisions.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = err.get("loc", ())
            if len(loc) >= 3 and loc[0] == "measures":
                name = f"{loc[3] if len(loc) > 3 else 'status'}:{loc[1]}"
            elif len(loc) >= 2 and loc[0] == "own":
                name = f"own_{loc[2] if len(loc) > 2 else 'title'}:{loc[1]}"
            else:
                name = "form"
            problems.setdefault(name, describe(err).get("nb" if lang == "nb" else "en"))
    return data, problems


def _start(state: CaseState) -> tuple[RawChoices, int, bool]:
    draft = state.drafts.get("decisions")
    if draft is not None:
        fields = draft_data(draft).get("fields", {})
        return {k: [str(x) for x in v] for k, v in fields.items() if isinstance(v, list)}, draft.based_on, True
    assert state.version is not None
    return raw_from_decisions(stored_decisions(state.version)), state.current, False


def _render(request: Request, state: CaseState, view: StrategyView, raw: RawChoices, based_on: int, from_draft: bool,
            problems: dict[str, str] | None = None, status: int = 200, extra_rows: int = 0, saved: bool = False) -> Response:
    own = own_rows(raw) + [dict.fromkeys(OWN, "") for _ in range(BLANK_ROWS + extra_rows)]
    return page(request, "choices.html.j2", {
        "state": state, "tab": "valg", "view": view, "raw": raw, "own": own, "based_on": based_on,
        "from_draft": from_draft, "stale": from_draft and based_on != state.current, "problems": problems or {},
        "draft_url": case_url(state.ref, "/valg/utkast"), "saved": saved}, status=status)


@router.get("/saker/{ref}/valg")
async def choices_form(request: Request, ref: str, lagret: str | None = None) -> Response:
    state = await load_case(request, ref)
    if state.version is None:
        return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)
    raw, based_on, from_draft = _start(state)
    view = strategy_view(request, state.version, lang_of(request), with_decisions=False)
    return _render(request, state, view, raw, based_on, from_draft, saved=lagret is not None)


async def _posted(request: Request, ref: str) -> tuple[CaseState, StrategyView, RawChoices, int, dict[str, list[str]]]:
    state = await load_case(request, ref)
    if state.version is None:
        from ..store import NoAssessment

        raise NoAssessment()
    form = await form_data(request)
    view = strategy_view(request, state.version, lang_of(request), with_decisions=False)
    raw = choice_fields(form, {m.id for m in view.measures})
    text = first(form, "based_on", "0")
    based_on = int(text) if text.isdigit() and len(text) < 9 else 0
    await run_in_threadpool(services(request).store.save_draft, state.ref, "decisions", based_on, orjson.dumps({"fields": raw}).decode())
    return state, view, raw, based_on, form


@router.post("/saker/{ref}/valg/utkast")
async def save_draft(request: Request, ref: str) -> Response:
    state, view, raw, based_on, form = await _posted(request, ref)
    if request.headers.get("x-requested-with") == "ibp-page":
        return Response(orjson.dumps({"saved": True}), media_type="application/json")
    extra = 1 if first(form, "add_row") else 0
    rows = first(form, "rows", "0")
    extra += int(rows) if rows.isdigit() and int(rows) < 20 else 0
    state = await load_case(request, ref)
    _, problems = read_choices(raw, lang_of(request))
    return _render(request, state, view, raw, based_on, True, problems, extra_rows=extra)


@router.post("/saker/{ref}/valg")
async def save_choices(request: Request, ref: str) -> Response:
    state, view, raw, based_on, _form = await _posted(request, ref)
    data, problems = read_choices(raw, lang_of(request))
    if problems:
        state = await load_case(request, ref)
        return _render(request, state, view, raw, based_on, True, problems, status=422)
    decisions = Decisions.model_validate(data)
    try:
        await run_in_threadpool(services(request).store.save_decisions, state.ref, based_on,
                                orjson.dumps(decisions.model_dump(mode="json", exclude_none=True)).decode())
    except VersionConflict as exc:
        return await conflict_page(request, state.ref, exc, decisions, "valg")
    return RedirectResponse(case_url(state.ref, "/valg?lagret=1"), status_code=303)


@router.post("/saker/{ref}/valg/flytt")
async def move(request: Request, ref: str) -> Response:
    await move_draft(request, ref, "decisions")
    return RedirectResponse(case_url(ref, "/valg"), status_code=303)


@router.post("/saker/{ref}/valg/forkast")
async def discard(request: Request, ref: str) -> Response:
    return RedirectResponse(case_url(await discard_draft(request, ref, "decisions"), "/valg"), status_code=303)


@router.get("/saker/{ref}/plan")
async def person_plan(request: Request, ref: str, versjon: str | None = None) -> Response:
    """The person's plan: goals and resources in their words, the chosen measures with who
    and when, open questions, date and signatures; at most two A4 pages."""
    number = int(versjon) if versjon and versjon.isdigit() and len(versjon) < 9 else None
    state = await load_case(request, ref, number)
    if state.version is None:
        return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)
    view = strategy_view(request, state.version, lang_of(request))
    return page(request, "plan.html.j2", {"state": state, "tab": "valg", "view": view, "print_page": True})
