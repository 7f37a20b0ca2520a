"""Explain what durable_rules decided, from the condition kept beside each rule.

durable_rules records nothing about *why* a rule fired. We know which rule
branch fired; the branch's atoms say which clauses held and which facts
they read. Re-checking those atoms here is a consistency check on the
compiler, never a second decision: if an atom of a fired branch does not
hold, the explanation would be wrong, so we raise instead of printing it.
"""

from __future__ import annotations

from typing import Any

from . import conditions as C
from .errors import EngineError
from .graph import PillarGraph, relation_id
from .ruleset import CompiledRule
from .strategy import FactValue, RelationNote, Why


def explain_rule(rule: CompiledRule, branches: list[int], facts: dict[str, Any],
                 derived: dict[str, list[str]], graph: PillarGraph) -> Why:
    """The :class:`Why` of one fired rule."""
    values: dict[str, FactValue] = {}
    active = set(derived)
    for b in sorted(branches):
        for atom in rule.branches[b]:
            if not C.holds(atom, facts, active):
                raise EngineError(f"internal inconsistency: rule '{rule.id}' fired but '{C.describe_atom(atom)}' does not hold")
            test = C.describe_atom(atom)
            if isinstance(atom, C.Derived):
                path = f"derived.{atom.id}"
                fv = FactValue(path=path, value=atom.present, test=test, derived_by=sorted(derived.get(atom.id, [])) or None)
            else:
                path = atom.path
                fv = FactValue(path=path, value=facts.get(path), test=test)
            values.setdefault(f"{path}\0{test}", fv)
    rel = rule.rule.relation
    note = None
    if rel is not None:
        note = RelationNote(id=relation_id(rel.from_, rel.to), from_=rel.from_, to=rel.to, role=rel.role,
                            text=graph.meaning(rel.from_, rel.to, rel.role))
    return Why(
        rule=rule.id, title=rule.rule.title, facts=[values[k] for k in sorted(values)], relation=note,
        source=rule.rule.source, text=rule.rule.rationale,
    )
