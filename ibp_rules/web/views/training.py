"""Opplæring: the worked cases, a training round, and the pillar model for a projector.

A trainee reads a case's story and facts, ticks the measures and partners
they would suggest, and gets each miss and each extra explained in plain
words from the rules (the library's :func:`ibp_rules.training.compare_answer`
and :func:`ibp_rules.explain.explain_measure`). The answer is about an
exercise, not a person, so it travels in the query string (a GET: a round
can be bookmarked or shown again on the projector) and nothing is stored.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ibp_rules.assessment import Assessment
from ibp_rules.engine import Engine
from ibp_rules.explain import explain_measure
from ibp_rules.graph import PillarGraph
from ibp_rules.labels import section_label
from ibp_rules.resources import examples_path
from ibp_rules.svg import pillar_svg
from ibp_rules.text import Lang
from ibp_rules.training import Answer, Case, case_lines, compare_answer, find_case, load_cases, measure_menu, partner_menu
from ibp_rules.words import value_word

from ..templating import page
from .common import lang_of, page_engine
from .explaining import FactLine, explanation_view, fact_words

router = APIRouter(include_in_schema=False)

_worked_lock = threading.Lock()
_worked: tuple[tuple[int, ...], dict[str, tuple[Case, Assessment]]] | None = None


def worked_cases() -> dict[str, tuple[Case, Assessment]]:
    """The worked cases with their assessments, read once and again only when a file changes.

    Parsing cases.yaml and a case's file costs ~35 ms, a page's whole budget on a busy machine;
    the files are the package's own, so a look at their times (a few stat calls) is enough."""
    global _worked
    folder = examples_path()
    stamp = tuple(p.stat().st_mtime_ns for p in sorted(folder.glob("*.yaml")))
    with _worked_lock:
        if _worked is None or _worked[0] != stamp:
            _worked = (stamp, {c.id: find_case(c.id, folder) for c in load_cases(folder)})
        return _worked[1]


@dataclass(frozen=True)
class Point:
    """One line of feedback: a measure or partner, and why, in words."""

    title: str
    reason: str = ""
    facts: tuple[FactLine, ...] = ()


@dataclass(frozen=True)
class Feedback:
    found: int
    total: int
    hits: tuple[Point, ...]
    misses: tuple[Point, ...]
    extras: tuple[Point, ...]
    partners_found: int
    partners_total: int
    partner_hits: tuple[Point, ...]
    partner_misses: tuple[Point, ...]
    partner_extras: tuple[Point, ...]


def feedback(engine: Engine, case_id: str, answer: Answer, lang: Lang) -> Feedback:
    """Each hit, miss and extra of a trainee's answer, explained from the rules in words."""
    _case, assessment = worked_cases()[case_id]
    strategy = engine.assess(assessment)
    fb = compare_answer(strategy, answer)
    rs = engine.ruleset
    by_id = {m.id: m for m in strategy.measures}
    nb = lang == "nb"

    def title(mid: str) -> str:
        return rs.measures[mid].title.get(lang)

    misses = []
    for mid in fb.misses:
        w = by_id[mid].why[0]
        misses.append(Point(title(mid), w.text.get(lang), tuple(fact_words(rs, w.rule, f, lang) for f in w.facts)))
    extras = []
    for mid in fb.extras:
        expl = explain_measure(engine, assessment, mid)
        if expl.already_in_place:
            extras.append(Point(title(mid), "Personen har dette tiltaket allerede." if nb else "The person already has this measure."))
        elif expl.excluded_by:
            extras.append(Point(title(mid), expl.excluded_by[0].text.get(lang)))
        elif not expl.misses:
            extras.append(Point(title(mid), "Ingen regel foreslår dette tiltaket; begrunn det med egne ord." if nb
                                else "No rule suggests this measure; give your own reason."))
        else:
            xv = explanation_view(engine, expl, lang)
            lines = tuple(dict.fromkeys(line for miss in xv.misses for alt in miss.alternatives for line in alt if not line.held))
            reason = ("Reglene som kan foreslå tiltaket, slår ikke til i denne saken. Dette mangler:" if nb
                      else "The rules that can suggest this measure do not apply in this case. What is missing:")
            extras.append(Point(title(mid), reason, lines))
    partners = {p.id: p for p in strategy.partners}

    def partner(pid: str) -> str:
        return rs.partners[pid].title.get(lang) if pid in rs.partners else pid

    partner_misses = []
    for pid in fb.partner_misses:
        ps = partners[pid]
        forms = ", ".join(value_word("form", f, lang) for f in ps.forms)
        partner_misses.append(Point(partner(pid), f"{forms} – " + ("for" if nb else "for") + " " + ", ".join(title(m) for m in ps.measures)))
    return Feedback(
        found=len(fb.hits), total=len(by_id), hits=tuple(Point(title(m)) for m in fb.hits), misses=tuple(misses), extras=tuple(extras),
        partners_found=len(fb.partner_hits), partners_total=len(partners), partner_hits=tuple(Point(partner(p)) for p in fb.partner_hits),
        partner_misses=tuple(partner_misses),
        partner_extras=tuple(Point(partner(p), "Ingen av de foreslåtte tiltakene trenger denne tjenesten her." if nb
                                   else "None of the suggested measures needs this service here.") for p in fb.partner_extras))


@router.get("/opplaering")
async def training_home(request: Request) -> Response:
    lang = lang_of(request)
    cases = [{"id": c.id, "title": c.title.get(lang), "summary": c.summary.get(lang)} for c, _ in worked_cases().values()]
    return page(request, "training.html.j2", {"cases": cases, "area": "opplaering"})


def relations_text(engine: Engine, lang: Lang) -> list[dict[str, Any]]:
    """The six relations, each direction with what it means as a barrier and as a solution
    (the pillar picture's text alternative, in full)."""
    rs = engine.ruleset
    out = []
    for rel in rs.relations.values():
        out.append({"title": rel.title.get(lang), "directions": [
            {"from": rs.pillars[d.from_].title.get(lang), "to": rs.pillars[d.to].title.get(lang),
             "barrier": d.barrier.get(lang), "solution": d.solution.get(lang)} for d in rel.directions]})
    return out


@router.get("/opplaering/pilarmodell")
async def pillar_model(request: Request) -> Response:
    lang = lang_of(request)
    engine = page_engine(request)
    rs = engine.ruleset
    svg = pillar_svg(PillarGraph(rs), lang, id_prefix="pilarmodell")
    pillars = [{"title": p.title.get(lang), "description": p.description.get(lang)} for p in rs.pillars.values()]
    return page(request, "pillars.html.j2", {"svg": svg, "pillars": pillars, "relations": relations_text(engine, lang),
                                             "area": "opplaering"})


@router.get("/opplaering/{case_id}")
async def training_case(request: Request, case_id: str, tiltak: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies it
                        partner: Annotated[list[str], Query()] = [], svar: str | None = None) -> Response:  # noqa: B006
    lang = lang_of(request)
    engine = page_engine(request)
    cases = worked_cases()
    if case_id not in cases:
        raise HTTPException(404)
    case, assessment = cases[case_id]
    measures = [m for m in tiltak if m in engine.ruleset.measures]
    partners = [p for p in partner if p in engine.ruleset.partners]
    result = feedback(engine, case_id, Answer(measures=measures, partners=partners), lang) if svar is not None else None
    facts: list[dict[str, object]] = []
    for line in case_lines(assessment, lang):
        if line.startswith("  "):
            facts[-1]["lines"].append(line.strip())  # type: ignore[attr-defined]
        else:
            facts.append({"section": line, "lines": []})
    menu = measure_menu(engine, lang)
    groups: dict[str, list[tuple[str, str]]] = {}
    for mid, label in menu:
        group, _, title = label.partition(": ")
        groups.setdefault(group, []).append((mid, title))
    return page(request, "training_case.html.j2", {
        "case": {"id": case.id, "title": case.title.get(lang), "summary": case.summary.get(lang)}, "facts": facts,
        "groups": groups, "partners": partner_menu(engine, lang), "chosen": set(measures), "chosen_partners": set(partners),
        "result": result, "area": "opplaering", "section_label": lambda s: section_label(s, lang)})
