"""What the knowledge base knows but never uses: ``ibp rules coverage``.

A measure no rule can suggest, a partner no rule involves, an assessment
field no rule reads, a task no rule gives, a derived fact nobody derives, or
a pillar relation (direction and role) no rule explains a suggestion by is
either a gap in the rules or a deliberate choice. Deliberate choices are
written down (``kind: coverage`` notes in the catalogue) so that the report
is empty when the knowledge base is complete, and a note that no longer
explains anything (the item is used after all) is reported as stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import conditions as C
from .fact_schema import FACTS
from .ruleset import Ruleset
from .ruleset_files import PILLAR_IDS
from .text import Text


@dataclass(frozen=True)
class CoverageItem:
    item: str
    reason: Text | None


@dataclass(frozen=True)
class CoverageReport:
    #: unused items, each with its note (None = unexplained)
    unused: tuple[CoverageItem, ...]
    #: notes for items that are in fact used
    stale: tuple[str, ...]
    counts: dict[str, tuple[int, int]]

    @property
    def unexplained(self) -> list[str]:
        return [u.item for u in self.unused if u.reason is None]

    @property
    def clean(self) -> bool:
        return not self.unexplained and not self.stale


def coverage(rs: Ruleset) -> CoverageReport:
    """Compare what the catalogues define with what the rules use."""
    suggested: set[str] = set()
    partners: set[str] = set()
    tasks: set[str] = set()
    derived: set[str] = set()
    read: set[str] = set()
    relations: set[str] = set()
    for rule in rs.rules.values():
        for action in rule.rule.then:
            if action.suggest or action.in_place:
                # a measure found in place is used as much as one suggested: the plan shows it and its partners
                suggested.add(action.suggest or action.in_place or "")
                partners.update(p.id for p in action.partners)
            elif action.task:
                tasks.add(action.task)
            elif action.derive:
                derived.add(action.derive)
        rel = rule.rule.relation
        if rel is not None:
            relations.add(f"{rel.from_}>{rel.to}:{rel.role}")
        for atom in C.atoms(rule.condition):
            if isinstance(atom, C.Compare):
                # a computed fact counts as reading the field it is computed from
                read.add(FACTS[atom.path].computed_from or atom.path)
    # a partner administering a suggestable measure is involved through it
    partners.update(rs.measures[m].partner for m in suggested)
    defined = {
        "measure": (set(rs.measures), suggested),
        "partner": (set(rs.partners), partners),
        "task": (set(rs.tasks), tasks),
        "fact": (set(rs.facts), derived),
        "field": ({p for p, spec in FACTS.items() if not spec.computed}, read),
        # each of the six relations, both directions, as barrier and as solution (veileder §4.1.1)
        "relation": ({f"{a}>{b}:{role}" for a in PILLAR_IDS for b in PILLAR_IDS if a != b for role in ("barrier", "solution")},
                     relations),
    }
    unused, used_items, counts = [], set(), {}
    for kind, (all_ids, used) in defined.items():
        counts[kind] = (len(all_ids & used), len(all_ids))
        for ident in sorted(all_ids):
            key = f"{kind}:{ident}"
            if ident in used:
                used_items.add(key)
            else:
                unused.append(CoverageItem(key, rs.coverage_notes.get(key)))
    stale = tuple(sorted(k for k in rs.coverage_notes if k in used_items or k.split(":", 1)[1] not in defined[k.split(":", 1)[0]][0]))
    return CoverageReport(tuple(unused), stale, counts)
