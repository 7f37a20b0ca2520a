"""Assess, explain, what-if and diff: thin routes over the library.

Each route does what the CLI command of the same name does, with the same
library calls; only the transport differs.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ibp_rules.assessment import Assessment, assessment_from_located
from ibp_rules.compare import apply_sets, diff, diff_text
from ibp_rules.errors import AssessmentError, UnknownIdError
from ibp_rules.explain import explain_measure, explanation_text
from ibp_rules.render import render
from ibp_rules.yaml_source import Located

from .. import models as M
from ..bodies import assessment_body, envelope_body
from ..errors import unknown_id_problem, with_prefix
from ..openapi import RENDERINGS, answers, body
from .common import FormatQuery, LangQuery, json_response, lang_of, rendered, use_engine

router = APIRouter(tags=["strategies"])


@router.post("/assess", summary="Suggest a strategy for an assessment", openapi_extra=body("Assessment", yaml=True),
             responses=answers("Strategy", errors=(413, 422), also=RENDERINGS))
async def assess(request: Request, lang: LangQuery = None, compact: bool = False, format: FormatQuery = "json") -> Response:  # noqa: A002
    """The strategy for an assessment: the same JSON, byte for byte, as
    `ibp assess --format json`. `compact=true` gives the one-line form of
    `ibp batch --compact` (ids, stages and partners without the ruleset's
    texts). `format=text|markdown|html` renders it for people in `lang`,
    as `ibp assess --format` does (html: the printable handlingsplan);
    `lang` also sets the language of error messages."""
    engine = use_engine(request)
    assessment = await assessment_body(request)
    strategy = engine.assess(assessment)
    if format != "json":
        return rendered(render(strategy, engine.ruleset, format, lang_of(request), assessment=assessment), format)
    content = strategy.to_json_line(compact=True) + b"\n" if compact else strategy.to_json().encode()
    return Response(content, media_type="application/json")


def _assess_in(engine: Any, assessment: Assessment, field: str) -> Any:
    """Assess, with the engine's own problems (unknown measure ids) under ``field``."""
    try:
        return engine.assess(assessment)
    except AssessmentError as exc:
        raise with_prefix(exc, field) from None


@router.post("/explain", summary="Why a measure was suggested, or why not", openapi_extra=body("ExplainRequest"),
             responses=answers("ExplainResponse", errors=(413, 422)))
async def explain(request: Request, lang: LangQuery = None) -> Response:
    """The chain facts → rules → derived facts → relation → measure for a
    suggested measure; for one not suggested, each rule that could suggest it
    with the clauses that held and those that did not (as `ibp explain`)."""
    engine = use_engine(request)
    req = await envelope_body(request, M.ExplainRequest)
    try:
        expl = explain_measure(engine, req.assessment, req.measure)
    except UnknownIdError as exc:
        raise unknown_id_problem(exc, "measure") from None
    except AssessmentError as exc:
        raise with_prefix(exc, "assessment") from None
    status = ("suggested" if expl.suggested else "excluded" if expl.excluded_by
              else "already_in_place" if expl.already_in_place else "not_suggested")
    out = M.ExplainResponse(status=status, explanation=expl, text=explanation_text(expl, engine, lang_of(request)))
    return json_response(out)


def _get(data: dict[str, Any], path: str) -> Any:
    section, _, name = path.partition(".")
    return (data.get(section) or {}).get(name) if name else data.get(section)


def flat_facts(data: dict[str, Any]) -> dict[str, Any]:
    """Assessment data as ``section.field → value`` (unknown fields left out)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def fact_changes(before: Assessment, after: Assessment) -> list[M.SetChange]:
    a, b = (flat_facts(x.model_dump(mode="json", exclude_none=True, exclude_defaults=True)) for x in (before, after))
    return [M.SetChange(path=p, before=a.get(p), after=b.get(p)) for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p)]


@router.post("/whatif", summary="What would change if some facts were different", openapi_extra=body("WhatIfRequest"),
             responses=answers("WhatIfResponse", errors=(413, 422)))
async def whatif(request: Request, lang: LangQuery = None) -> Response:
    """Change facts (`set`: path → value, null = unknown) and see which
    measures appear, vanish or move, without saving anything (as `ibp whatif`)."""
    engine = use_engine(request)
    req = await envelope_body(request, M.WhatIfRequest)
    data = req.assessment.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    try:
        changed = apply_sets(data, [f"{path}={json.dumps(value)}" for path, value in req.changes.items()])
        after = assessment_from_located(Located(changed, "set", {}))
    except AssessmentError as exc:
        raise with_prefix(exc, "set") from None
    before_s = _assess_in(engine, req.assessment, "assessment")
    after_s = _assess_in(engine, after, "set")
    changes = [(p, _get(data, p), _get(changed, p)) for p in req.changes]
    d = diff(before_s, after_s)
    out = M.WhatIfResponse(set=[M.SetChange(path=p, before=b, after=a) for p, b, a in changes],
                           diff=M.StrategyDiffOut.model_validate(d.to_data()), assessment=changed,
                           text=diff_text(d, engine.ruleset, lang_of(request), changes))
    return json_response(out)


@router.post("/diff", summary="What differs between the strategies for two assessments", openapi_extra=body("DiffRequest"),
             responses=answers("DiffResponse", errors=(413, 422)))
async def diff_route(request: Request, lang: LangQuery = None) -> Response:
    """The facts that differ and what that changes in the strategy (as `ibp diff`)."""
    engine = use_engine(request)
    req = await envelope_body(request, M.DiffRequest)
    d = diff(_assess_in(engine, req.before, "before"), _assess_in(engine, req.after, "after"))
    facts = fact_changes(req.before, req.after)
    out = M.DiffResponse(facts=facts, diff=M.StrategyDiffOut.model_validate(d.to_data()),
                         text=diff_text(d, engine.ruleset, lang_of(request), [(f.path, f.before, f.after) for f in facts]))
    return json_response(out)
