"""Regler: the rule catalogue, browsable and searchable, read-only.

The same catalogue ``ibp rules docs`` writes (one entry per rule: what it
looks at, what it does, why, the pillar relation, the source, and examples
from its own cases), as pages. Conditions are worded, not shown as syntax.
Search looks in every rule's id, title, reason, source and the measures it
suggests, in the page's language.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ibp_rules.condition_words import atom_words
from ibp_rules.engine import Engine
from ibp_rules.rule_cases import LoadedCase, load_rule_cases
from ibp_rules.text import Lang
from ibp_rules.training import case_lines
from ibp_rules.words import value_word

from ..templating import page
from .common import lang_of, page_engine

router = APIRouter(include_in_schema=False)


_CASES: dict[str, dict[str, list[LoadedCase]]] = {}


def _cases(engine: Engine) -> dict[str, list[LoadedCase]]:
    """The rules' own cases (the catalogue's examples), read once per ruleset (a few kept)."""
    rs = engine.ruleset
    found = _CASES.get(rs.sha256)
    if found is None:
        found = {}
        for lc in load_rule_cases(rs):
            found.setdefault(lc.case.rule, []).append(lc)
        if len(_CASES) >= 4:
            _CASES.clear()
        _CASES[rs.sha256] = found
    return found


def _action(engine: Engine, a: Any, lang: Lang) -> str:
    rs = engine.ruleset
    nb = lang == "nb"
    if a.suggest:
        partners = ", ".join(f"{rs.partners[p.id].title.get(lang)} ({value_word('form', p.form, lang)})" for p in a.partners)
        return f"{'Foreslår' if nb else 'Suggests'}: {rs.measures[a.suggest].title.get(lang)}" + (f" – {partners}" if partners else "")
    if a.derive:
        return f"{'Utleder' if nb else 'Derives'}: {rs.facts[a.derive].title.get(lang)}"
    if a.task:
        return f"{'Oppgave for koordinatoren' if nb else 'Task for the coordinator'}: {rs.tasks[a.task].title.get(lang)}"
    if a.in_place:
        partners = ", ".join(f"{rs.partners[p.id].title.get(lang)} ({value_word('form', p.form, lang)})" for p in a.partners)
        return (f"{'Allerede på plass, samarbeid med tjenesten' if nb else 'Already in place, work with the service'}: "
                f"{rs.measures[a.in_place].title.get(lang)}" + (f" – {partners}" if partners else ""))
    return f"{'Holder utenfor' if nb else 'Leaves out'}: {rs.measures[a.exclude].title.get(lang)}"


def rule_entry(engine: Engine, rid: str, lang: Lang) -> dict[str, Any]:
    rs = engine.ruleset
    rule = rs.rules[rid]
    r = rule.rule
    relation = None
    if r.relation is not None:
        rel = r.relation
        relation = (f"{rs.pillars[rel.from_].title.get(lang)} → {rs.pillars[rel.to].title.get(lang)} "
                    f"({value_word('role', rel.role, lang)})")
    return {"id": rid, "title": r.title.get(lang), "reason": r.rationale.get(lang), "source": r.source, "relation": relation,
            "status": r.status, "when": [[atom_words(a, lang, rs) for a in conj] for conj in rule.branches],
            "then": [_action(engine, a, lang) for a in r.then],
            "pillars": [rs.pillars[p].title.get(lang) for p in sorted(rule.reads_pillars) if p in rs.pillars]}


def _matches(entry: dict[str, Any], words: list[str]) -> bool:
    hay = " ".join([entry["id"], entry["title"], entry["reason"], entry["source"], *entry["then"],
                    *(w for alt in entry["when"] for w in alt)]).casefold()
    return all(w in hay for w in words)


@router.get("/regler")
async def catalogue(request: Request, q: str = "") -> Response:
    lang = lang_of(request)
    engine = page_engine(request)
    entries = [rule_entry(engine, rid, lang) for rid in engine.ruleset.rules]
    words = q.casefold().split()[:10]
    found = [e for e in entries if _matches(e, words)] if words else entries
    return page(request, "rules.html.j2", {"rules": found, "total": len(entries), "q": q[:200], "area": "regler",
                                           "ruleset": engine.ruleset})


@router.get("/regler/{rid}")
async def rule_page(request: Request, rid: str) -> Response:
    lang = lang_of(request)
    engine = page_engine(request)
    if rid not in engine.ruleset.rules:
        raise HTTPException(404)
    examples = []
    for lc in sorted(_cases(engine).get(rid, []), key=lambda lc: (lc.case.expect, lc.case.id)):
        lines = case_lines(lc.assessment, lang)
        examples.append({"id": lc.case.id, "fires": lc.case.expect == "fires", "lines": lines, "note": lc.case.note or ""})
    return page(request, "rule.html.j2", {"r": rule_entry(engine, rid, lang), "examples": examples, "area": "regler"})
