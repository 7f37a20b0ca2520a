"""The case store over HTTP: cases kept over time, versions, decisions, notes, drafts.

Every save names the version it was based on (``based_on``); the store
refuses a save based on an older version with 409 and the versions saved
since, so two coordinators (or two tabs) never overwrite each other. Store
calls run in the thread pool: they wait on disk (an fsync per save).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ibp_rules import __version__
from ibp_rules.assessment import Assessment
from ibp_rules.compare import diff, diff_text
from ibp_rules.decisions import Decisions
from ibp_rules.engine import Engine, parse_assessment
from ibp_rules.errors import AssessmentError, InputError, Problem
from ibp_rules.render import render
from ibp_rules.strategy import Strategy
from ibp_rules.text import suggestion_suffix

from ...refs import check_reference
from .. import models as M
from ..bodies import envelope_body
from ..errors import with_prefix
from ..export import export_response
from ..openapi import RENDERINGS, answers, body
from ..store import Draft, NewVersion, Version
from .analysis import flat_facts
from .common import LangQuery, json_response, lang_of, rendered, services, use_engine

router = APIRouter(prefix="/cases", tags=["cases"])

DraftKind = Literal["assessment", "decisions", "note"]
CASE_ERRORS = (404, 422)


def _new_version(engine: Engine, assessment: Assessment) -> NewVersion:
    try:
        strategy = engine.assess(assessment)
    except AssessmentError as exc:
        raise with_prefix(exc, "assessment") from None
    rs = strategy.ruleset
    summary = {"goals": strategy.goals, "start_with": strategy.start_with, "stages": strategy.stages, "measures": len(strategy.measures)}
    return NewVersion(assessment=orjson.dumps(assessment.model_dump(mode="json", exclude_none=True, exclude_defaults=True)).decode(),
                      strategy=strategy.to_json(), engine_version=__version__, ruleset_id=rs.id, ruleset_version=rs.version,
                      ruleset_sha256=rs.sha256, summary=orjson.dumps(summary).decode())


def _version_out(ref: str, v: Version, current: int) -> M.VersionDetail:
    strategy = orjson.loads(v.strategy)
    overrides = strategy.get("ruleset", {}).get("overrides", [])
    return M.VersionDetail(ref=ref, number=v.number, based_on=v.based_on, kind=v.kind, created_at=v.created_at,
                           current=v.number == current, engine_version=v.engine_version,
                           ruleset=M.RulesetOut(id=v.ruleset_id, version=v.ruleset_version, sha256=v.ruleset_sha256, overrides=overrides),
                           assessment=orjson.loads(v.assessment), strategy=strategy, decisions=orjson.loads(v.decisions))


def _draft_meta(d: Draft, current: int) -> M.DraftMeta:
    return M.DraftMeta(kind=d.kind, based_on=d.based_on, updated_at=d.updated_at, stale=d.based_on != current)


async def _detail(request: Request, ref: str) -> M.CaseDetail:
    case, versions, notes, drafts = await run_in_threadpool(services(request).store.case, ref)
    return M.CaseDetail(
        ref=case.ref, created_at=case.created_at, updated_at=case.updated_at, current_version=case.current_version,
        versions=[M.VersionMetaOut(number=v.number, based_on=v.based_on, kind=v.kind, created_at=v.created_at,
                                   ruleset_sha256=v.ruleset_sha256) for v in versions],
        notes=[M.NoteOut(id=n.id, version=n.version, created_at=n.created_at, text=n.text) for n in notes],
        drafts=[_draft_meta(d, case.current_version) for d in drafts])


@router.get("", summary="Every case, most recently changed first", responses=answers("CaseList"))
async def list_cases(request: Request) -> Response:
    rows = await run_in_threadpool(services(request).store.cases)
    out = []
    for case, meta in rows:
        summary: dict[str, Any] = orjson.loads(meta.summary) if meta else {}
        out.append(M.CaseSummary(ref=case.ref, created_at=case.created_at, updated_at=case.updated_at,
                                 current_version=case.current_version, **summary))
    return json_response(M.CaseList(cases=out))


@router.post("", summary="Create a case", status_code=201, openapi_extra=body("CaseCreate"),
             responses=answers("CaseDetail", status=201, errors=(409, 413, 422)))
async def create_case(request: Request, lang: LangQuery = None) -> Response:
    """A new case under the coordinator's reference, with its first
    assessment (version 1) when one is given. A reference that looks like a
    national id number is refused (422); one in use gives 409."""
    req = await envelope_body(request, M.CaseCreate)
    check_reference(req.ref)
    first = _new_version(use_engine(request), req.assessment) if req.assessment is not None else None
    await run_in_threadpool(services(request).store.create, req.ref, first)
    return json_response(await _detail(request, req.ref), 201)


@router.get("/{ref}", summary="A case: its versions, notes and drafts", responses=answers("CaseDetail", errors=CASE_ERRORS))
async def get_case(request: Request, ref: str, lang: LangQuery = None) -> Response:
    return json_response(await _detail(request, check_reference(ref)))


@router.delete("/{ref}", summary="Delete a case, really", responses=answers("DeleteOut", errors=CASE_ERRORS))
async def delete_case(request: Request, ref: str, lang: LangQuery = None) -> Response:
    """Every version, decision, note and draft of the case is deleted; the
    freed space is overwritten (secure_delete) and the write-ahead log is
    emptied, so nothing of it remains in the files."""
    purged = await run_in_threadpool(services(request).store.delete, check_reference(ref))
    return json_response(M.DeleteOut(purged=purged))


@router.post("/{ref}/versions", summary="Save a new assessment (a new version)", status_code=201, openapi_extra=body("VersionCreate"),
             responses=answers("VersionDetail", status=201, errors=(404, 409, 413, 422)))
async def save_version(request: Request, ref: str, lang: LangQuery = None) -> Response:
    """The strategy is made with the rules in use now and stored beside the
    assessment with the ruleset's hash. The decisions so far carry over.
    `based_on` must be the current version: otherwise 409 with the versions
    saved since, and nothing is written."""
    check_reference(ref)
    req = await envelope_body(request, M.VersionCreate)
    new = _new_version(use_engine(request), req.assessment)
    v = await run_in_threadpool(services(request).store.save_assessment, ref, req.based_on, new)
    return json_response(_version_out(ref, v, v.number), 201)


@router.get("/{ref}/versions/{number}", summary="One version: assessment, strategy, decisions",
            responses=answers("VersionDetail", errors=CASE_ERRORS))
async def get_version(request: Request, ref: str, number: int, lang: LangQuery = None) -> Response:
    store = services(request).store
    v = await run_in_threadpool(store.version, check_reference(ref), number)
    case, *_ = await run_in_threadpool(store.case, ref)
    return json_response(_version_out(ref, v, case.current_version))


@router.get("/{ref}/versions/{number}/strategy", summary="The strategy of a version, exactly as stored",
            responses=answers("Strategy", errors=CASE_ERRORS))
async def get_version_strategy(request: Request, ref: str, number: int, lang: LangQuery = None) -> Response:
    """The bytes `ibp assess --format json` gave for this version's assessment
    with the rules of that day (their hash is in the strategy)."""
    v = await run_in_threadpool(services(request).store.version, check_reference(ref), number)
    return Response(v.strategy.encode(), media_type="application/json")


@router.get("/{ref}/versions/{number}/plan", summary="The handlingsplan of a version, rendered for people",
            responses=answers(None, errors=CASE_ERRORS) | {200: {"description": "OK", "content": RENDERINGS}})
async def get_version_plan(request: Request, ref: str, number: int, lang: LangQuery = None,
                           format: Annotated[Literal["text", "markdown", "html"], Query()] = "html") -> Response:  # noqa: A002
    """The version's strategy with the people's decisions, as
    `ibp assess kartlegging.yaml --format html` gives it beside
    `kartlegging.valg.yaml`: their plan first, declined suggestions apart."""
    v = await run_in_threadpool(services(request).store.version, check_reference(ref), number)
    engine = services(request).engines.for_sha256(v.ruleset_sha256)
    request.scope.setdefault("state", {})["ibp.engine"] = engine
    text = render(Strategy.model_validate_json(v.strategy), engine.ruleset, format, lang_of(request),
                  decisions=Decisions.model_validate_json(v.decisions), assessment=parse_assessment(v.assessment.encode()))
    return rendered(text, format)


@router.put("/{ref}/decisions", summary="Record the people's decisions (a new version)", status_code=201,
            openapi_extra=body("DecisionsSave"), responses=answers("VersionDetail", status=201, errors=(404, 409, 413, 422)))
async def save_decisions(request: Request, ref: str, lang: LangQuery = None) -> Response:
    """Each suggestion valgt / avslatt / endret with the person's own reason,
    and their own measures (as `ibp decide`). `based_on` must be the current
    version (409 otherwise)."""
    check_reference(ref)
    req = await envelope_body(request, M.DecisionsSave)
    measures = use_engine(request).ruleset.measures
    unknown = [Problem(None, None, f"decisions.measures.{mid}", "unknown measure id." + suggestion_suffix(mid, measures),
                       message_nb="ukjent tiltak." + suggestion_suffix(mid, measures, "nb"))
               for mid in sorted(req.decisions.measures) if mid not in measures]
    if unknown:
        raise InputError(unknown)
    data = orjson.dumps(req.decisions.model_dump(mode="json", exclude_none=True)).decode()
    v = await run_in_threadpool(services(request).store.save_decisions, ref, req.based_on, data)
    return json_response(_version_out(ref, v, v.number), 201)


@router.post("/{ref}/notes", summary="Add a note", status_code=201, openapi_extra=body("NoteCreate"),
             responses=answers("NoteOut", status=201, errors=(404, 413, 422)))
async def add_note(request: Request, ref: str, lang: LangQuery = None) -> Response:
    check_reference(ref)
    req = await envelope_body(request, M.NoteCreate)
    n = await run_in_threadpool(services(request).store.add_note, ref, req.text)
    return json_response(M.NoteOut(id=n.id, version=n.version, created_at=n.created_at, text=n.text), 201)


@router.put("/{ref}/drafts/{kind}", summary="Keep what is being typed", openapi_extra=body("DraftSave"),
            responses=answers("DraftMeta", errors=(404, 413, 422)))
async def save_draft(request: Request, ref: str, kind: DraftKind, lang: LangQuery = None) -> Response:
    """Saved as the coordinator types (a page sends it every few seconds),
    so a closed tab or a crash loses nothing entered. Not checked until it
    is saved as a version; replaced by the next draft of the same kind."""
    check_reference(ref)
    req = await envelope_body(request, M.DraftSave)
    store = services(request).store
    d = await run_in_threadpool(store.save_draft, ref, kind, req.based_on, orjson.dumps(req.data).decode())
    case, *_ = await run_in_threadpool(store.case, ref)
    return json_response(_draft_meta(d, case.current_version))


@router.get("/{ref}/drafts/{kind}", summary="The draft being typed", responses=answers("DraftOut", errors=CASE_ERRORS))
async def get_draft(request: Request, ref: str, kind: DraftKind, lang: LangQuery = None) -> Response:
    store = services(request).store
    d = await run_in_threadpool(store.draft, check_reference(ref), kind)
    if d is None:
        from ..errors import error_response, message

        return error_response("not_found", 404, message("not_found", lang_of(request)))
    case, *_ = await run_in_threadpool(store.case, ref)
    meta = _draft_meta(d, case.current_version)
    return json_response(M.DraftOut(**meta.model_dump(), data=orjson.loads(d.data)))


@router.delete("/{ref}/drafts/{kind}", summary="Throw a draft away", status_code=204, responses=answers(None, status=204, errors=CASE_ERRORS))
async def delete_draft(request: Request, ref: str, kind: DraftKind, lang: LangQuery = None) -> Response:
    await run_in_threadpool(services(request).store.delete_draft, check_reference(ref), kind)
    return Response(status_code=204)


@router.get("/{ref}/history", summary="What changed between two versions", responses=answers("HistoryOut", errors=CASE_ERRORS))
async def history(request: Request, ref: str, lang: LangQuery = None,
                  from_: Annotated[int | None, Query(alias="from", ge=1, description="Default: the version before `to`.")] = None,
                  to: Annotated[int | None, Query(ge=1, description="Default: the current version.")] = None) -> Response:
    """Facts that changed, barriers and measures that appeared, vanished or
    moved, decisions that changed, and whether the ruleset differs."""
    store = services(request).store
    check_reference(ref)
    case, *_ = await run_in_threadpool(store.case, ref)
    to = to or case.current_version
    from_ = from_ or max(1, to - 1)
    a = await run_in_threadpool(store.version, ref, from_)
    b = await run_in_threadpool(store.version, ref, to)
    engine = use_engine(request)
    lang = lang_of(request)
    facts_a, facts_b = flat_facts(orjson.loads(a.assessment)), flat_facts(orjson.loads(b.assessment))
    facts = [M.SetChange(path=p, before=facts_a.get(p), after=facts_b.get(p))
             for p in sorted(set(facts_a) | set(facts_b)) if facts_a.get(p) != facts_b.get(p)]
    d = diff(Strategy.model_validate_json(a.strategy), Strategy.model_validate_json(b.strategy))
    dec_a = {k: v.get("status") for k, v in orjson.loads(a.decisions).get("measures", {}).items()}
    dec_b = {k: v.get("status") for k, v in orjson.loads(b.decisions).get("measures", {}).items()}
    decisions = [M.DecisionChange(measure=k, before=dec_a.get(k), after=dec_b.get(k))
                 for k in sorted(set(dec_a) | set(dec_b)) if dec_a.get(k) != dec_b.get(k)]
    text = diff_text(d, engine.ruleset, lang, [(f.path, f.before, f.after) for f in facts])
    for change in decisions:
        title = engine.ruleset.measures[change.measure].title.get(lang) if change.measure in engine.ruleset.measures else change.measure
        text += f"{'Valg' if lang == 'nb' else 'Decision'}: {title}: {change.before or '–'} → {change.after or '–'}\n"
    out = M.HistoryOut(ref=ref, from_=from_, to=to, ruleset_changed=a.ruleset_sha256 != b.ruleset_sha256, facts=facts,
                       diff=M.StrategyDiffOut.model_validate(d.to_data()), decisions=decisions, text=text)
    return json_response(out)


@router.get("/{ref}/export", summary="The case as files (zip)", responses=answers(
    {"type": "string", "contentMediaType": "application/zip"}, errors=CASE_ERRORS, media="application/zip"))
async def export_case(request: Request, ref: str, lang: LangQuery = None) -> Response:
    """Everything stored about the case, as the files the command line reads:
    kartlegging.yaml, kartlegging.valg.yaml, strategi.json, notes, every
    version and any unsaved drafts."""
    return await export_response(services(request).store, ref)
