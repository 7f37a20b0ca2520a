"""Forløp: the case over time, and what changed between any two versions.

Each version is listed with its date, what was saved (an assessment or the
people's choices) and the ruleset it was assessed with (id, version and
hash: the audit trail); any version's strategy opens as it was made. Two
versions compare as facts, barriers per pillar, measures and decisions.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ibp_rules.compare import diff

from ..templating import page
from .changes import Changes, decision_changes, fact_changes, strategy_changes
from .common import assessment_data, engine_for, lang_of, load_case, services, stored_assessment, stored_decisions, stored_strategy

router = APIRouter(include_in_schema=False)


def _number(text: str | None, default: int, top: int) -> int:
    return int(text) if text and text.isdigit() and 1 <= int(text) <= top else default


@router.get("/saker/{ref}/forlop")
async def history(request: Request, ref: str, fra: str | None = None, til: str | None = None) -> Response:
    state = await load_case(request, ref)
    lang = lang_of(request)
    changes = None
    versions = []
    a_n = b_n = 0
    if state.current:
        store = services(request).store
        all_versions = await run_in_threadpool(store.versions, state.ref)
        by_number = {v.number: v for v in all_versions}
        b_n = _number(til, state.current, state.current)
        a_n = _number(fra, max(1, b_n - 1), state.current)
        a, b = by_number[a_n], by_number[b_n]
        engine = engine_for(request, b)
        sa, sb = stored_strategy(a), stored_strategy(b)
        measures, barriers, start_a, start_b = strategy_changes(diff(sa, sb), sa, sb, engine.ruleset, lang)
        changes = Changes(facts=fact_changes(assessment_data(stored_assessment(a)), assessment_data(stored_assessment(b)), lang),
                          measures=measures, barriers=barriers, start_before=start_a, start_after=start_b,
                          decisions=decision_changes(stored_decisions(a), stored_decisions(b), engine.ruleset, lang))
        for v in reversed(all_versions):
            s = stored_strategy(v)
            versions.append({"number": v.number, "based_on": v.based_on, "kind": v.kind, "created_at": v.created_at,
                             "ruleset": f"{v.ruleset_id} {v.ruleset_version}", "sha": v.ruleset_sha256[:12],
                             "engine": v.engine_version, "measures": len(s.measures), "stages": s.stages,
                             "decided": len(stored_decisions(v).measures)})
        rules_changed = a.ruleset_sha256 != b.ruleset_sha256
    else:
        rules_changed = False
    return page(request, "history.html.j2", {"state": state, "tab": "forlop", "versions": versions, "changes": changes,
                                             "a": a_n, "b": b_n, "rules_changed": rules_changed})
