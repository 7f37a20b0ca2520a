"""Explain what durable_rules decided, from the condition kept beside each rule.

durable_rules records nothing about *why* a rule fired. We know which rule
branch fired; the branch's atoms say which clauses held and which facts
they read. Re-checking those atoms here is a consistency check on the
compiler, never a second decision: if an atom of a fired branch does not
hold, the explanation would be wrong, so we raise instead of printing it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import conditions as C
from .assessment import Assessment
from .caches import TwoGenerations
from .condition_words import held_words, test_words, value_words
from .errors import EngineError, UnknownIdError
from .fact_schema import FACTS, project
from .graph import PillarGraph, relation_id
from .ruleset import CompiledRule
from .strategy import FactValue, RelationNote, SuggestedMeasure, Why, share
from .text import Lang, Text, did_you_mean

if TYPE_CHECKING:
    from .engine import Engine


#: explanations depend only on the rule, the branches that fired and the
#: values those branches read, which repeat a lot across a caseload
WhyCache = TwoGenerations[tuple[Any, ...], Why]
#: bound on a why cache, per generation (see :mod:`ibp_rules.caches`). Each
#: batch worker holds one
WHY_CACHE_SIZE = 2_500


def new_why_cache() -> WhyCache:
    """An empty, bounded why cache."""
    return TwoGenerations(WHY_CACHE_SIZE)


def explain_rule(rule: CompiledRule, branches: list[int], facts: dict[str, Any],
                 derived: dict[str, list[str]], graph: PillarGraph, cache: WhyCache | None = None) -> Why:
    """The :class:`Why` of one fired rule (from ``cache`` when the same values were read before)."""
    variant = _variant(rule, facts, derived) if rule.text_variants else -1
    if cache is None:
        return _explain_rule(rule, branches, facts, derived, graph, variant)
    fired = tuple(branches) if len(branches) == 1 else tuple(sorted(branches))
    reads = _READERS.get((id(rule), fired))
    if reads is None or reads[0] is not rule:
        reads = _readers(rule, fired)
    _rule, rule_id, paths, lists, fids = reads
    get = facts.get
    # one flat tuple: what each position holds is fixed by the rule and its branches
    key = (rule_id, fired, variant, *map(get, paths), *[tuple(get(p) or ()) for p in lists],
           *[frozenset(derived.get(f, ())) for f in fids])
    why = cache.young.get(key) or cache.get(key)
    if why is None:
        why = _explain_rule(rule, branches, facts, derived, graph, variant)
        cache.put(key, why)
        share(why)
    return why


_Readers = tuple[CompiledRule, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_READERS: dict[tuple[int, tuple[int, ...]], _Readers] = {}


def _readers(rule: CompiledRule, fired: tuple[int, ...]) -> _Readers:
    """What the fired branches of a rule read: scalar fields, list fields, derived facts (kept, with the rule)."""
    atoms = [a for b in fired for a in rule.branches[b]]
    compares = sorted({a.path for a in atoms if isinstance(a, C.Compare)})
    lists = tuple(p for p in compares if FACTS[p].kind in ("enum_list", "id_list"))
    scalars = tuple(p for p in compares if p not in lists)
    fids = tuple(sorted({a.id for a in atoms if isinstance(a, C.Derived)}))
    if len(_READERS) >= WHY_CACHE_SIZE:
        _READERS.clear()
    got = _READERS[(id(rule), fired)] = (rule, rule.id, scalars, lists, fids)
    return got


#: the facts explanations show, shared: a field's value and its test recur in most records
_FACT_VALUES: TwoGenerations[tuple[Any, ...], FactValue] = TwoGenerations(WHY_CACHE_SIZE)


def _fact_value(path: str, value: Any, test: str, derived_by: list[str] | None) -> FactValue:
    key = (path, tuple(value) if type(value) is list else value, type(value), test, tuple(derived_by) if derived_by else None)
    fv = _FACT_VALUES.get(key)
    if fv is None:
        fv = FactValue(path=path, value=value, test=test, derived_by=derived_by)
        _FACT_VALUES.put(key, fv)
    return fv


def _variant(rule: CompiledRule, facts: dict[str, Any], derived: dict[str, list[str]]) -> int:
    """Which text fits the person: the first variant whose condition holds, or -1 for the rationale."""
    for i, (branches, _text) in enumerate(rule.text_variants):
        if any(all(C.holds(atom, facts, derived) for atom in conj) for conj in branches):
            return i
    return -1


def _explain_rule(rule: CompiledRule, branches: list[int], facts: dict[str, Any],
                  derived: dict[str, list[str]], graph: PillarGraph, variant: int = -1) -> Why:
    values: dict[str, FactValue] = {}
    active = set(derived)
    for b in sorted(branches):
        for atom in rule.branches[b]:
            if not C.holds(atom, facts, active):
                raise EngineError(f"internal inconsistency: rule '{rule.id}' fired but '{C.describe_atom(atom)}' does not hold")
            test = C.describe_atom(atom)
            if isinstance(atom, C.Derived):
                path = f"derived.{atom.id}"
                fv = _fact_value(path, atom.present, test, sorted(derived.get(atom.id, [])) or None)
            else:
                path = atom.path
                fv = _fact_value(path, facts.get(path), test, None)
            values.setdefault(f"{path}\0{test}", fv)
    rel = rule.rule.relation
    note = None
    if rel is not None:
        note = RelationNote(id=relation_id(rel.from_, rel.to), from_=rel.from_, to=rel.to, role=rel.role,
                            text=graph.meaning(rel.from_, rel.to, rel.role))
    return Why(
        rule=rule.id, title=rule.rule.title, facts=[values[k] for k in sorted(values)], relation=note,
        source=rule.rule.source, text=rule.text_variants[variant][1] if variant >= 0 else rule.rule.rationale,
    )


# --- the full chain for one measure, and "why not" ---------------------------

@dataclass
class Step:
    """One rule in a chain: what it read, what it crosses, what it led to."""

    why: Why
    #: the steps behind each derived fact this rule read
    behind: list[Step] = field(default_factory=list)


@dataclass
class Clause:
    test: str
    path: str
    value: Any
    held: bool
    #: neither held nor failed: it reads something unknown (an open question, not a "no")
    open: bool = False


@dataclass
class Miss:
    """A rule that could suggest the measure but did not fire: its clauses."""

    rule: str
    title: Text
    branches: list[list[Clause]]


@dataclass
class MeasureExplanation:
    measure: str
    suggested: SuggestedMeasure | None
    already_in_place: bool
    chain: list[Step]
    misses: list[Miss]
    #: the guard rules that left it out (suggested by a rule, but ruled out by what is known)
    excluded_by: list[Why] = field(default_factory=list)
    #: the rules that found it already in place (empty when recorded in tiltak_mottatt)
    in_place_why: list[Why] = field(default_factory=list)
    #: left out because the user does not want it
    not_wanted: bool = False


def explain_measure(engine: Engine, assessment: Assessment, measure_id: str) -> MeasureExplanation:
    """Why a measure was suggested (the chain back to the facts), or why not."""
    rs = engine.ruleset
    measure_id = rs.replaced.get(measure_id, measure_id)  # a former id names the measure it became
    if measure_id not in rs.measures:
        raise UnknownIdError("measure", measure_id, did_you_mean(measure_id, rs.measures))
    strategy = engine.assess(assessment)
    findings = {f.id: f for f in strategy.findings}
    suggested = next((m for m in strategy.measures if m.id == measure_id), None)

    def steps(why: Why, seen: frozenset[str]) -> Step:
        step = Step(why)
        for f in why.facts:
            fid = f.path.removeprefix("derived.")
            if f.path.startswith("derived.") and f.value and fid in findings and fid not in seen:
                step.behind += [steps(w, seen | {fid}) for w in findings[fid].why]
        return step

    chain = [steps(w, frozenset()) for w in suggested.why] if suggested else []
    excluded = next((x.why for x in strategy.excluded if x.id == measure_id), [])
    misses: list[Miss] = []
    if suggested is None and not excluded:
        facts = project(assessment)
        derived = set(findings)
        states = engine.derived_states(facts, derived)
        for rule in rs.rules.values():
            if not any(a.suggest == measure_id for a in rule.rule.then):
                continue
            branches = [[_clause(atom, facts, derived, states) for atom in conj] for conj in rule.branches]
            misses.append(Miss(rule.id, rule.rule.title, branches))
    in_place = next((x for x in strategy.already_in_place if x.id == measure_id), None)
    return MeasureExplanation(measure_id, suggested, in_place is not None, chain, misses, list(excluded),
                              in_place_why=list(in_place.why) if in_place else [],
                              not_wanted=any(x.id == measure_id for x in strategy.not_wanted))


def _clause(atom: C.Atom, facts: dict[str, Any], derived: set[str], states: dict[str, tuple[bool | None, frozenset[str]]]) -> Clause:
    """One clause of a rule that did not fire: held, failed, or open (it reads something unknown)."""
    if isinstance(atom, C.Derived):
        state = states.get(atom.id, (atom.id in derived, frozenset()))[0]
        value = state
        held = state is not None and state == atom.present
        return Clause(C.describe_atom(atom), _atom_path(atom), value, held, open=state is None)
    value = facts.get(atom.path)
    held = C.holds(atom, facts, derived)
    unknown = value is None and atom.op != "known" and not (FACTS[atom.path].computed_from and any(
        p in facts for p, spec in FACTS.items() if spec.computed_from == FACTS[atom.path].computed_from))
    return Clause(C.describe_atom(atom), _atom_path(atom), value, held, open=unknown)


def _atom_path(atom: C.Atom) -> str:
    return f"derived.{atom.id}" if isinstance(atom, C.Derived) else atom.path


def explanation_text(expl: MeasureExplanation, engine: Engine, lang: Lang) -> str:
    """The explanation as text for a person (nb or en)."""
    rs = engine.ruleset
    nb = lang == "nb"
    title = rs.measures[expl.measure].title.get(lang)
    out: list[str] = []

    def fact_line(rule: str, path: str, value: Any, test: str, now: bool = False) -> str:
        """The clause in words; ``now`` adds what the fact is (for a clause that did not hold)."""
        if not now:
            return held_words(rs, rule, test, value, lang)
        return f"{test_words(rs, rule, test, lang)} ({'nå' if nb else 'now'}: {value_words(path, value, lang, rs)})"

    def walk(step: Step, depth: int) -> None:
        pad = "  " * depth
        w = step.why
        out.append(f"{pad}- {'regel' if nb else 'rule'} {w.rule}: {w.title.get(lang)}  ({'kilde' if nb else 'source'}: {w.source})")
        for f in w.facts:
            out.append(f"{pad}    {'fakta' if nb else 'fact'}: {fact_line(w.rule, f.path, f.value, f.test)}")
        if w.relation:
            rel = f"{rs.pillars[w.relation.from_].title.get(lang)} → {rs.pillars[w.relation.to].title.get(lang)}"
            role = {"barrier": "barriere" if nb else "barrier", "solution": "løsning" if nb else "solution"}[w.relation.role]
            out.append(f"{pad}    {'relasjon' if nb else 'relation'}: {rel} ({role}): {w.relation.text.get(lang)}")
        out.append(f"{pad}    {w.text.get(lang)}")
        for b in step.behind:
            walk(b, depth + 2)

    if expl.suggested is not None:
        m = expl.suggested
        phase = {"oppstart": ("oppstart", "start-up"), "oppfolging": ("oppfølging", "follow-up"),
                 "avslutning": ("avslutning", "closing")}[m.phase][0 if nb else 1]
        out.append(f"{title} – {'foreslått' if nb else 'suggested'} ({'trinn' if nb else 'stage'} {m.stage + 1}, {phase})")
        out.append("")
        out.append("Hvorfor (fakta → regler → utledede fakta → relasjon → tiltak):" if nb else
                   "Why (facts → rules → derived facts → relation → measure):")
        for step in expl.chain:
            walk(step, 1)
        if m.prerequisites:
            out.append("")
            out.append("Forutsetninger:" if nb else "Prerequisites:")
            for p in m.prerequisites:
                what = rs.measures[p.measure].title.get(lang) if p.measure else rs.facts[p.fact or ""].title.get(lang)
                status = {"met": "oppfylt" if nb else "met", "check": "sjekk" if nb else "check",
                          "planned": ("dekkes av " if nb else "met by ") + ", ".join(rs.measures[b].title.get(lang) for b in p.by)}[p.status]
                kind = {"hard": "vilkår" if nb else "condition", "soft": "råd" if nb else "advice"}[p.kind]
                out.append(f"  - {what} ({kind}; {status}): {p.check.get(lang)}")
    elif expl.excluded_by:
        out.append(f"{title} – {'vurdert, men utelatt ut fra det som er kjent' if nb else 'considered, but left out given what is known'}")
        out.append("")
        out.append("En regel foreslo tiltaket, men en vaktregel holder det utenfor nå; sjekk opplysningene den bygger på:" if nb else
                   "A rule suggested the measure, but a guard rule keeps it out for now; check the facts it rests on:")
        for w in expl.excluded_by:
            walk(Step(w), 1)
    elif expl.already_in_place:
        note = "ikke foreslått på nytt: personen har det allerede; tjenesten er med som samarbeidspartner." if nb else \
            "not suggested again: the person already has it; the service is involved as a partner."
        out.append(f"{title} – {note}")
        for w in expl.in_place_why:
            walk(Step(w), 1)
    elif expl.not_wanted:
        out.append(f"{title} – " + ("utelatt: brukeren har sagt at hun eller han ikke ønsker dette." if nb else
                                    "left out: the user has said they do not want this."))
    else:
        out.append(f"{title} – {'ikke foreslått' if nb else 'not suggested'}")
        out.append("")
        if not expl.misses:
            out.append("Ingen regel i regelsettet foreslår dette tiltaket." if nb else "No rule in the ruleset suggests this measure.")
        else:
            out.append("Hvorfor ikke – det som mangler i hver regel som kunne foreslått det:" if nb else
                       "Why not – what is missing for each rule that could suggest it:")
            for miss in expl.misses:
                out.append(f"  - {'regel' if nb else 'rule'} {miss.rule}: {miss.title.get(lang)}")
                for i, branch in enumerate(miss.branches):
                    if len(miss.branches) > 1:
                        out.append(f"      {'alternativ' if nb else 'alternative'} {i + 1}:")
                    for c in branch:
                        mark = "✓" if c.held else "?" if c.open else "✗"
                        shown = fact_line(miss.rule, c.path, c.value, c.test, now=not c.held)
                        out.append(f"      {mark} {shown}")
    return "\n".join(wrap_line(line) for line in out) + "\n"


def wrap_line(line: str, width: int = 100) -> str:
    """Wrap a long line, continuing under its own indentation (+4)."""
    if len(line) <= width:
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.fill(line, width=width, subsequent_indent=indent, break_on_hyphens=False)

