"""What the service knows: rules, measures, partners, schemas, version; reload; health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ibp_rules import __version__
from ibp_rules.assessment import ASSESSMENT_SCHEMA_VERSION
from ibp_rules.engine import Engine
from ibp_rules.graph import relation_id
from ibp_rules.schemas import assessment_json_schema, strategy_json_schema
from ibp_rules.strategy import STRATEGY_SCHEMA_VERSION

from .. import models as M
from ..openapi import answers, list_of
from .common import LangQuery, json_response, services, use_engine

router = APIRouter(tags=["catalogue"])
health_router = APIRouter(tags=["service"])


def ruleset_out(engine: Engine) -> M.RulesetOut:
    rs = engine.ruleset
    return M.RulesetOut(id=rs.id, version=rs.version, sha256=rs.sha256, overrides=list(rs.overrides))


def _json(data: Any) -> Response:
    import orjson

    return Response(orjson.dumps(data), media_type="application/json")


@health_router.get("/health", summary="Is the service up (no token needed)", responses=answers("Health"))
@health_router.get("/api/v1/health", summary="Is the service up (no token needed)", responses=answers("Health"), include_in_schema=False)
async def health() -> Response:
    return json_response(M.Health())


@router.get("/version", summary="Engine, ruleset and schema versions", responses=answers("VersionInfo"))
async def version(request: Request) -> Response:
    engine = use_engine(request)
    return json_response(M.VersionInfo(version=__version__, ruleset=ruleset_out(engine), assessment_schema_version=ASSESSMENT_SCHEMA_VERSION,
                                       strategy_schema_version=STRATEGY_SCHEMA_VERSION,
                                       store_schema_version=services(request).store.schema_version))


@router.get("/rules", summary="The rules: what they read and what they do", responses=answers(list_of("RuleOut")))
async def rules(request: Request) -> Response:
    rs = use_engine(request).ruleset
    out = []
    for r in rs.rules.values():
        then = sorted({a.suggest or a.derive or a.exclude or a.task or a.in_place or "" for a in r.rule.then} - {""})
        rel = r.rule.relation
        out.append(M.RuleOut(id=r.id, title=r.rule.title, reads=sorted(r.reads_pillars), then=then,
                             relation=relation_id(rel.from_, rel.to) if rel else None, source=r.rule.source).model_dump(mode="json"))
    return _json(out)


@router.get("/measures", summary="The measures (virkemidler) of the catalogue",
            responses=answers(list_of("Measure")))
async def measures(request: Request) -> Response:
    rs = use_engine(request).ruleset
    return _json([m.model_dump(mode="json", by_alias=True) for m in rs.measures.values()])


@router.get("/partners", summary="The partner services", responses=answers(list_of("Partner")))
async def partners(request: Request) -> Response:
    rs = use_engine(request).ruleset
    return _json([p.model_dump(mode="json", by_alias=True) for p in rs.partners.values()])


@router.get("/schema/assessment", summary="JSON Schema of the assessment (input)", responses=answers({"type": "object"}))
async def schema_assessment(request: Request) -> Response:
    use_engine(request)
    return _json(assessment_json_schema())


@router.get("/schema/strategy", summary="JSON Schema of the strategy (output)", responses=answers({"type": "object"}))
async def schema_strategy(request: Request) -> Response:
    use_engine(request)
    return _json(strategy_json_schema())


@router.post("/rules/reload", summary="Reload the rule folders", responses=answers("ReloadOut", errors=(403, 422)))
def reload(request: Request, lang: LangQuery = None) -> Response:
    """Read the rule folders again. Unchanged files build nothing; rules seen
    before reuse their engine. Bad rule files are refused with every problem
    (422) and the rules in use stay. `kill -HUP` does the same."""
    svc = services(request)
    result = svc.reload()
    engine = svc.engines.current
    request.scope.setdefault("state", {})["ibp.engine"] = engine
    return json_response(M.ReloadOut(changed=result.changed, previous_sha256=result.previous_sha256, ruleset=ruleset_out(engine),
                                     engines_built=result.engines))
