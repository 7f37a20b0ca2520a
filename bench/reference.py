"""The fastest plain-Python rule runner we could write, to price durable_rules.

Kept for the benchmark only (``bench/bench_scale.py``) and the test that it
agrees with durable (``tests/test_bench_reference.py``); results always come
from durable_rules. It is meant to be the fair opponent, not a strawman:

* every test is compiled once, when the ruleset loads, to a small closure
  over the flat ``{path: value}`` facts (sets built once for ``in`` and
  ``contains_any``); an alternative of a rule is a tuple of such closures,
  its derived-fact tests two tuples of ids;
* an alternative whose first test is an equality (``path: value``) or a
  ``contains`` is indexed by that path and value: per record, one dict
  look-up per indexed path finds the alternatives whose first test holds,
  and the others are skipped without a call (a plain-Python discrimination
  index, the job durable's alpha network does in C);
* the rules run once each, in dependency order: a topological order of the
  graph "derives a fact that this rule reads" (stratified negation: a rule
  testing a fact's absence comes after every rule that can derive it);
  only rules in a cycle of positive chaining would need repeating, and they
  are run to a fixpoint;
* it returns the same :class:`ibp_rules.backend.Firings` as the durable
  backend, so an :class:`ibp_rules.Engine` can run on it unchanged (the
  whole record — JSON line in, JSON line out — is priced the same way).

It reads the parsed conditions (:mod:`ibp_rules.conditions`) the engine
keeps beside the compiled ones for explanations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx

from ibp_rules import conditions as C
from ibp_rules.backend import Firings
from ibp_rules.ruleset import CompiledRule, Ruleset

Test = Callable[[dict[str, Any]], bool]


def compile_test(atom: C.Compare) -> Test:
    """One test as a closure; unknown (absent) facts make every test but ``known: false`` false."""
    p, op, v = atom.path, atom.op, atom.value
    if op == "known":
        return (lambda f: p in f) if v else (lambda f: p not in f)
    if op == "eq":
        return lambda f: f.get(p) == v
    if op == "ne":
        return lambda f: (x := f.get(p)) is not None and x != v
    if op == "lt":
        return lambda f: (x := f.get(p)) is not None and x < v
    if op == "lte":
        return lambda f: (x := f.get(p)) is not None and x <= v
    if op == "gt":
        return lambda f: (x := f.get(p)) is not None and x > v
    if op == "gte":
        return lambda f: (x := f.get(p)) is not None and x >= v
    if op in ("in", "not_in", "contains_any", "contains_none"):
        s = frozenset(v)
        if op == "in":
            return lambda f: (x := f.get(p)) is not None and x in s
        if op == "not_in":
            return lambda f: (x := f.get(p)) is not None and x not in s
        if op == "contains_any":
            return lambda f: (x := f.get(p)) is not None and not s.isdisjoint(x)
        return lambda f: (x := f.get(p)) is not None and s.isdisjoint(x)
    if op == "contains":
        return lambda f: (x := f.get(p)) is not None and v in x
    if op == "not_contains":
        return lambda f: (x := f.get(p)) is not None and v not in x
    if op == "empty":
        return (lambda f: (x := f.get(p)) is not None and not x) if v else (lambda f: (x := f.get(p)) is not None and bool(x))
    raise AssertionError(f"operator {op}")


class ReferenceBackend:
    """Plain-Python stand-in for :class:`ibp_rules.backend.DurableBackend` (same ``run``)."""

    def __init__(self, ruleset: Ruleset) -> None:
        derivers: dict[str, set[str]] = {}
        for rule in ruleset.rules.values():
            for a in rule.rule.then:
                if a.derive:
                    derivers.setdefault(a.derive, set()).add(rule.id)
        g: nx.DiGraph = nx.DiGraph()
        g.add_nodes_from(ruleset.rules)
        for rule in ruleset.rules.values():
            for atom in C.atoms(rule.condition):
                if isinstance(atom, C.Derived):
                    g.add_edges_from((d, rule.id) for d in derivers.get(atom.id, ()))
        condensed = nx.condensation(g)
        members = condensed.graph["mapping"]
        groups: dict[int, list[str]] = {}
        for rid, c in members.items():
            groups.setdefault(c, []).append(rid)
        #: the rules in dependency order, one entry per alternative; a cycle
        #: of positive chaining is one entry holding its rules' alternatives
        self._plan: list[Step | list[Step]] = []
        #: path → value → the steps whose first test is "path = value" ("path contains value" for lists)
        self._equal: dict[str, dict[Any, list[int]]] = {}
        self._member: dict[str, dict[Any, list[int]]] = {}
        self._steps = 0
        for c in nx.lexicographical_topological_sort(condensed, key=lambda c: min(groups[c])):
            cyclic = len(groups[c]) > 1 or g.has_edge(groups[c][0], groups[c][0])
            steps = [self._step(ruleset.rules[rid], b, conj, not cyclic)
                     for rid in sorted(groups[c]) for b, conj in enumerate(ruleset.rules[rid].branches)]
            if cyclic:
                self._plan.append(steps)
            else:
                self._plan.extend(steps)

    def _step(self, rule: CompiledRule, b: int, conj: C.Conjunction, may_index: bool) -> Step:
        compares = [a for a in conj if isinstance(a, C.Compare)]
        guarded, i = False, self._steps
        self._steps += 1
        if may_index and compares and compares[0].op in ("eq", "contains"):
            index = self._equal if compares[0].op == "eq" else self._member
            index.setdefault(compares[0].path, {}).setdefault(compares[0].value, []).append(i)
            compares, guarded = compares[1:], True
        return (i, guarded, rule.id, b, tuple(compile_test(a) for a in compares),
                tuple(a.id for a in conj if isinstance(a, C.Derived) and a.present),
                tuple(a.id for a in conj if isinstance(a, C.Derived) and not a.present),
                tuple(a.derive for a in rule.rule.then if a.derive))

    def run(self, facts: dict[str, Any]) -> Firings:
        firings = Firings()
        fired, derived = firings.rules, firings.derived
        passed: set[int] = set()
        for path, by_value in self._equal.items():
            x = facts.get(path)
            if x is not None:
                hit = by_value.get(x)
                if hit:
                    passed.update(hit)
        for path, by_value in self._member.items():
            for item in facts.get(path, ()):
                hit = by_value.get(item)
                if hit:
                    passed.update(hit)
        for step in self._plan:
            if type(step) is list:  # a cycle: repeat until nothing new fires
                while any([_fire(s, facts, fired, derived) for s in step]):
                    pass
                continue
            # _fire, inlined: this loop is the whole cost
            i, guarded, rid, b, tests, present, absent, derives = step  # type: ignore[misc]
            if guarded and i not in passed:
                continue
            for test in tests:
                if not test(facts):
                    break
            else:
                if present or absent:
                    if any(d not in derived for d in present) or any(d in derived for d in absent):
                        continue
                _record(rid, b, derives, fired, derived)
        return firings


#: (index, whether its first test is in the index, rule id, alternative, its other tests,
#:  derived facts it needs, derived facts it needs absent, what the rule derives)
Step = tuple[int, bool, str, int, tuple[Test, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _fire(step: Step, facts: dict[str, Any], fired: dict[str, list[int]], derived: dict[str, list[str]]) -> bool:
    """Fire one alternative of a cycle if it holds; whether something new fired."""
    _i, _guarded, rid, b, tests, present, absent, derives = step
    for test in tests:
        if not test(facts):
            return False
    if any(d not in derived for d in present) or any(d in derived for d in absent):
        return False
    return _record(rid, b, derives, fired, derived)


def _record(rid: str, b: int, derives: tuple[str, ...], fired: dict[str, list[int]], derived: dict[str, list[str]]) -> bool:
    """Record that alternative ``b`` of a rule fired; whether it is new."""
    done = fired.get(rid)
    if done is None:
        fired[rid] = [b]
    elif b in done:
        return False
    else:
        done.append(b)
    for fact_id in derives:
        by = derived.get(fact_id)
        if by is None:
            derived[fact_id] = [rid]
        elif rid not in by:
            by.append(rid)
    return True
