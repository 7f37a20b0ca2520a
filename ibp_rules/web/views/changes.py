"""What changed, in words: facts, barriers per pillar, measures, decisions.

The what-if page, the history and the conflict page all show a change
between two assessments (or two versions) the same way; the diff itself is
the library's (:func:`ibp_rules.compare.diff`), this only words it for a
page in one language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ibp_rules.compare import FREE_TEXT, StrategyDiff
from ibp_rules.decisions import Decisions
from ibp_rules.labels import field_label, value_label
from ibp_rules.ruleset import Ruleset
from ibp_rules.strategy import Strategy
from ibp_rules.text import Lang
from ibp_rules.words import value_word

from ..api.analysis import flat_facts


@dataclass(frozen=True)
class FactChange:
    path: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class MeasureChange:
    id: str
    title: str
    #: "added", "removed" or "moved"
    kind: str
    detail: str


@dataclass(frozen=True)
class PillarChange:
    pillar: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Changes:
    facts: tuple[FactChange, ...]
    measures: tuple[MeasureChange, ...]
    barriers: tuple[PillarChange, ...]
    start_before: str
    start_after: str
    decisions: tuple[FactChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.facts or self.measures or self.barriers or self.decisions or self.start_before != self.start_after)

    @property
    def strategy_same(self) -> bool:
        return not (self.measures or self.barriers or self.start_before != self.start_after)


def fact_changes(before: dict[str, Any], after: dict[str, Any], lang: Lang) -> tuple[FactChange, ...]:
    """Assessment fields that differ (``schema_version`` aside), in words; free text
    is said to have changed, never quoted."""
    a, b = flat_facts(before), flat_facts(after)
    out = []
    for path in sorted(set(a) | set(b)):
        if path == "schema_version" or a.get(path) == b.get(path):
            continue
        if path in FREE_TEXT:
            changed = "endret" if lang == "nb" else "changed"
            out.append(FactChange(path, field_label(path, lang), "", changed))
        else:
            out.append(FactChange(path, field_label(path, lang), value_label(path, a.get(path), lang), value_label(path, b.get(path), lang)))
    return tuple(out)


def strategy_changes(d: StrategyDiff, before: Strategy, after: Strategy, rs: Ruleset, lang: Lang) -> tuple[
        tuple[MeasureChange, ...], tuple[PillarChange, ...], str, str]:
    """What appears, vanishes or moves; barriers per pillar; where to start before and after."""
    nb = lang == "nb"

    def title(mid: str) -> str:
        return rs.measures[mid].title.get(lang) if mid in rs.measures else mid

    def pillar(pid: str) -> str:
        return rs.pillars[pid].title.get(lang) if pid in rs.pillars else value_word("other_pillar", pid, lang)

    def fact(fid: str) -> str:
        return rs.facts[fid].title.get(lang) if fid in rs.facts else fid

    stage = "trinn" if nb else "stage"
    measures = [MeasureChange(m.id, title(m.id), "added", f"{stage} {m.stage + 1}") for m in d.added]
    measures += [MeasureChange(m.id, title(m.id), "removed", "") for m in d.removed]
    for a, b, fields in d.changed:
        parts = []
        if "stage" in fields:
            parts.append(f"{stage} {a.stage + 1} → {b.stage + 1}")
        if "phase" in fields:
            parts.append(f"{value_word('phase', a.phase, lang)} → {value_word('phase', b.phase, lang)}")
        if "requires" in fields:
            parts.append(("etter" if nb else "after") + ": " + (", ".join(map(title, b.requires)) or "–"))
        if "partners" in fields:
            parts.append("samarbeidspartnere endret" if nb else "partners changed")
        if "prerequisites" in fields:
            parts.append("forutsetninger endret" if nb else "prerequisites changed")
        measures.append(MeasureChange(a.id, title(a.id), "moved", "; ".join(parts)))
    barriers_a = {n.pillar: set(n.barriers) for n in before.needs}
    barriers_b = {n.pillar: set(n.barriers) for n in after.needs}
    pillars = []
    for pid in [*rs.pillars, *sorted(set(barriers_a) | set(barriers_b) - set(rs.pillars))]:
        ba, bb = barriers_a.get(pid, set()), barriers_b.get(pid, set())
        if ba != bb:
            pillars.append(PillarChange(pillar(pid), tuple(sorted(map(fact, bb - ba))), tuple(sorted(map(fact, ba - bb)))))
    return (tuple(measures), tuple(pillars), ", ".join(map(pillar, d.start_before)) or "–",
            ", ".join(map(pillar, d.start_after)) or "–")


def decision_changes(before: Decisions, after: Decisions, rs: Ruleset, lang: Lang) -> tuple[FactChange, ...]:
    """Suggestions whose decision changed, and own measures added or removed."""
    out = []
    for mid in sorted(set(before.measures) | set(after.measures)):
        a, b = before.measures.get(mid), after.measures.get(mid)
        sa = value_word("decision", a.status, lang) if a else "–"
        sb = value_word("decision", b.status, lang) if b else "–"
        if (a.model_dump() if a else None) != (b.model_dump() if b else None):
            title = rs.measures[mid].title.get(lang) if mid in rs.measures else mid
            out.append(FactChange(mid, title, sa, sb if sa != sb else sb + (" (endret tekst)" if lang == "nb" else " (text changed)")))
    own_a, own_b = {o.title for o in before.own}, {o.title for o in after.own}
    label = "Eget tiltak" if lang == "nb" else "Own measure"
    out += [FactChange("own", f"{label}: {t}", "", "lagt til" if lang == "nb" else "added") for t in sorted(own_b - own_a)]
    out += [FactChange("own", f"{label}: {t}", "", "fjernet" if lang == "nb" else "removed") for t in sorted(own_a - own_b)]
    return tuple(out)
