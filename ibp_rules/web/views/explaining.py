"""Why a measure was suggested, or why not, as a page says it: in plain words.

The explanation is the library's (:func:`ibp_rules.explain.explain_measure`:
the chain facts → rules → derived facts → relation → source, or each rule
that could have suggested the measure with the clauses that held and those
that did not). This turns it into words for one language: facts by their
labels and values, rules by their titles and reasons, never a rule's
condition syntax or code.
"""

from __future__ import annotations

from dataclasses import dataclass

from ibp_rules import conditions as C
from ibp_rules.condition_words import atom_words, held_words, value_words
from ibp_rules.engine import Engine
from ibp_rules.explain import Clause, MeasureExplanation, Step
from ibp_rules.labels import field_label
from ibp_rules.ruleset import Ruleset
from ibp_rules.strategy import FactValue, PrerequisiteStatus, Why
from ibp_rules.text import Lang
from ibp_rules.words import value_word


@dataclass(frozen=True)
class FactLine:
    text: str
    held: bool = True


@dataclass(frozen=True)
class StepView:
    title: str
    reason: str
    facts: tuple[FactLine, ...]
    relation: str | None
    source: str
    behind: tuple[StepView, ...]


@dataclass(frozen=True)
class MissView:
    """A rule that could suggest the measure: what is in place and what is missing, per alternative."""

    title: str
    reason: str
    alternatives: tuple[tuple[FactLine, ...], ...]
    source: str


@dataclass(frozen=True)
class Explanation:
    measure: str
    title: str
    #: suggested, excluded, already_in_place or not_suggested
    status: str
    stage: int | None
    phase: str | None
    partners: tuple[str, ...]
    chain: tuple[StepView, ...]
    excluded: tuple[StepView, ...]
    misses: tuple[MissView, ...]
    checks: tuple[str, ...]


def fact_words(rs: Ruleset, rule: str, f: FactValue, lang: Lang) -> FactLine:
    """A fact a suggestion rests on, as it holds for the person: "Arbeidsevnen er varig nedsatt"
    (the library's words, as ``ibp explain`` says it)."""
    return FactLine(held_words(rs, rule, f.test, f.value, lang))


def clause_words(rs: Ruleset, clause: Clause, lang: Lang, atom: C.Atom | None = None) -> FactLine:
    """One clause of a rule that did not fire, in words: what the rule asks, and the fact now."""
    now = "nå" if lang == "nb" else "now"
    asked = atom_words(atom, lang, rs) if atom is not None else field_label(clause.path, lang)
    return FactLine(f"{asked} ({now}: {value_words(clause.path, clause.value, lang, rs)})", clause.held)


def _step(rs: Ruleset, step: Step, lang: Lang) -> StepView:
    w: Why = step.why
    relation = None
    if w.relation is not None:
        r = w.relation
        names = [rs.pillars[p].title.get(lang) if p in rs.pillars else p for p in (r.from_, r.to)]
        relation = f"{names[0]} → {names[1]} ({value_word('role', r.role, lang)}): {r.text.get(lang)}"
    return StepView(title=w.title.get(lang), reason=w.text.get(lang), facts=tuple(fact_words(rs, w.rule, f, lang) for f in w.facts),
                    relation=relation, source=w.source, behind=tuple(_step(rs, b, lang) for b in step.behind))


def explanation_view(engine: Engine, expl: MeasureExplanation, lang: Lang) -> Explanation:
    rs = engine.ruleset
    m = expl.suggested
    status = ("suggested" if m is not None else "excluded" if expl.excluded_by
              else "already_in_place" if expl.already_in_place else "not_suggested")
    misses = []
    for miss in expl.misses:
        rule = rs.rules[miss.rule].rule
        branches = rs.rules[miss.rule].branches
        misses.append(MissView(title=miss.title.get(lang), reason=rule.rationale.get(lang), source=rule.source,
                               alternatives=tuple(tuple(clause_words(rs, c, lang, branches[i][j]) for j, c in enumerate(branch))
                                                  for i, branch in enumerate(miss.branches))))
    checks: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    if m is not None:
        def standing(p: PrerequisiteStatus) -> str:
            word = value_word("prerequisite_status", p.status, lang)
            by = ", ".join(rs.measures[b].title.get(lang) if b in rs.measures else b for b in p.by)
            return f"{word} {by}" if p.status == "planned" and by else word

        checks = tuple(f"{p.check.get(lang)} ({standing(p)})" for p in m.prerequisites if p.status != "met")
        checks += tuple(c.get(lang) for c in m.to_check)
        partners = tuple(f"{rs.partners[p.id].title.get(lang) if p.id in rs.partners else p.id} ({value_word('form', p.form, lang)})"
                         for p in m.partners)
    return Explanation(
        measure=expl.measure, title=rs.measures[expl.measure].title.get(lang), status=status,
        stage=m.stage + 1 if m is not None else None, phase=value_word("phase", m.phase, lang) if m is not None else None,
        partners=partners, chain=tuple(_step(rs, s, lang) for s in expl.chain),
        excluded=tuple(_step(rs, Step(w), lang) for w in expl.excluded_by), misses=tuple(misses), checks=checks)
