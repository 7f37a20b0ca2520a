"""Compile checked rules into durable_rules ruleset definitions (plain data).

durable_rules decides what fires; this module only translates. Each rule
branch (one conjunction of the rule's normalised condition) becomes one
durable rule named ``<rule-id>#<branch>``; firings are deduplicated per rule
afterwards, which also absorbs durable's "``$or`` fires once per true branch".

Facts the engine sees, all in one session per assessment:

* ``{"t": "a", ...}`` — the assessment, flat: ``bolig__situasjon``; list
  fields as a count plus a true/false flag for each value some rule tests
  (``okonomi__inntektskilder__aap``), so membership is a scalar test;
  unknown facts are absent, so no comparison on them can match.
* ``{"t": "d", "id": X}`` — a fact derived by a rule (forward chaining).
* ``{"t": "s", "n": k}`` — stratum markers, asserted in order after the
  assessment: a rule that tests a derived fact's *absence* waits for the
  marker of its stratum, placed first in its pattern list, with the negated
  patterns last (durable checks a negation once, when the patterns before it
  have matched, and never retracts a firing).
* ``{"t": "end"}`` — matched by a rule that always fires. Besides closing the
  run, it avoids a crash found here: ``delete_state`` segfaults on a session
  in which no action ever ran, even with a sink rule in place.

A *sink* rule matches every fact but can never fire, so no fact is
"unhandled" (which would raise or drop actions in durable_rules).

**Groups.** durable matches a fact by walking its network depth-first with
a fixed stack of 64 nodes: at each test it pushes every following test that
holds. Without care, every rule's first test hangs directly below "this is
the assessment", and a full assessment can make 60 of them hold at once —
the bundled rules were 3 short of durable's error 303. So each assessment
pattern starts with a *group* test after ``t == a``: ``{"$neq": {"t":
"g<k>"}}``, which every assessment passes. Rules are spread over about
√(number of first keys) groups by the key of their first test (all tests
of one key in one group: one key holds one value, so they rarely hold
together; groups balanced by the first tests they hold), and the stack then
needs about two square roots instead of the sum. :mod:`ibp_rules.engine_limits` checks the worst case for every
ruleset.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import conditions as C
from .fact_schema import FACTS
from .ruleset import CompiledRule, Ruleset

END_RULE = "__end__"
SINK_RULE = "__sink__"

Expr = dict[str, Any]


def flag_key(path: str, value: str) -> str:
    """Engine key of the true/false flag for ``value`` in list fact ``path``."""
    return f"{FACTS[path].key}__{value}"


def compile_atom(atom: C.Compare) -> Expr:
    """The durable_rules expression for one test on the assessment fact."""
    spec = FACTS[atom.path]
    key, op, v = spec.key, atom.op, atom.value
    if op == "known":
        return {"$ex": {key: 1}} if v else {"$nex": {key: 1}}
    if spec.kind in ("enum_list", "id_list"):
        if op == "empty":
            return {key: 0} if v else {"$gt": {key: 0}}
        if op == "contains":
            return {flag_key(atom.path, v): True}
        if op == "not_contains":
            return {flag_key(atom.path, v): False}
        flags = [{flag_key(atom.path, x): op == "contains_any"} for x in v]
        return _join("$or" if op == "contains_any" else "$and", flags)
    if op == "eq":
        return {key: v}
    if op == "ne":
        return {"$neq": {key: v}}
    if op in ("lt", "lte", "gt", "gte"):
        return {f"${op}": {key: v}}
    if op == "in":
        return _join("$or", [{key: x} for x in v])
    if op == "not_in":
        return _join("$and", [{"$neq": {key: x}} for x in v])
    raise AssertionError(f"operator {op} on {spec.kind}")  # pragma: no cover - the loader rejects it


def _join(op: str, exprs: list[Expr]) -> Expr:
    return exprs[0] if len(exprs) == 1 else {op: exprs}


def _selectivity(atom: C.Compare) -> tuple[int, str, str, str]:
    """Order of tests in a pattern: rarely true first, then by key.

    durable_rules matches a pattern as a chain of tests shared between rules
    (a trie); a test that seldom holds (an equality, a flag that is set)
    stops a chain early, while tests that usually hold (≠, "false", "does not
    contain", "is unknown") are cheaper at the end. Sorting by key within a
    rank also lets branches share their prefixes (about a tenth less time
    matching the assessment, measured on the worked cases).
    """
    op, v = atom.op, atom.value
    if op == "known":
        rank = 4
    elif op in ("ne", "not_in", "not_contains", "contains_none"):
        rank = 3
    elif (op == "eq" and v is False) or (op == "empty" and v is False):
        rank = 2
    elif op in ("in", "contains_any") and len(v) > 2:
        rank = 1
    else:
        rank = 0
    return rank, atom.path, op, repr(v)


def compile_branch(conj: C.Conjunction, stratum: int, groups: dict[str, int] | None = None) -> list[Expr]:
    """The ordered pattern list of one branch (durable's ``all``).

    ``groups`` maps the key of a first test to its group (see the module
    docstring); without it, no group test is added.
    """
    compares = sorted((a for a in conj if isinstance(a, C.Compare)), key=_selectivity)
    present = [a for a in conj if isinstance(a, C.Derived) and a.present]
    absent = [a for a in conj if isinstance(a, C.Derived) and not a.present]
    patterns: list[Expr] = []
    if stratum > 0:
        patterns.append({"s": {"$and": [{"t": "s"}, {"n": stratum}]}})
    if compares or not present:
        tests = [compile_atom(a) for a in compares]
        group = groups.get(first_key(tests[0]), None) if groups and tests else None
        head: list[Expr] = [{"t": "a"}] if group is None else [{"t": "a"}, {"$neq": {"t": f"g{group}"}}]
        patterns.append({"a": {"$and": head + tests}})
    for i, d in enumerate(present):
        patterns.append({f"d{i}": {"$and": [{"t": "d"}, {"id": d.id}]}})
    for i, d in enumerate(absent):
        patterns.append({f"n{i}$not": {"$and": [{"t": "d"}, {"id": d.id}]}})
    return patterns


def compile_ruleset(ruleset: Ruleset, action_for: Callable[[CompiledRule, int], Callable[[Any], None]],
                    end_action: Callable[[Any], None]) -> dict[str, Any]:
    """The durable definition ``{rule_name: {"all": [...], "run": fn}}``.

    ``action_for(rule, branch)`` supplies the one-argument callable durable
    runs when that branch fires (a closure: durable rejects extra arguments).
    """
    definition: dict[str, Any] = {}
    groups = first_key_groups(ruleset)
    for rule in ruleset.rules.values():
        for b, conj in enumerate(rule.branches):
            definition[f"{rule.id}#{b}"] = {"all": compile_branch(conj, rule.stratum, groups), "run": action_for(rule, b)}
    definition[SINK_RULE] = {"all": [{"x": {"$ex": {"t": 1}}}, {"y": {"t": "__never__"}}], "run": _never}
    definition[END_RULE] = {"all": [{"e": {"t": "end"}}], "run": end_action}
    return definition


def first_key(expr: Expr) -> str:
    """The fact key a compiled test reads first (for ``$and``/``$or``: its first item's)."""
    (name, value), = expr.items()
    if name in ("$and", "$or"):
        return first_key(value[0])
    if name.startswith("$"):
        return str(next(iter(value)))
    return name


def first_key_groups(ruleset: Ruleset) -> dict[str, int]:
    """Each first-test key's group, over ⌈√keys⌉ groups, balanced by the first tests they hold.

    What fills durable's stack under a group is how many of its first tests
    one assessment can pass together, so keys are dealt greedily: the key
    with the most distinct first tests goes to the group holding the fewest
    so far (ties by key, so the layout is deterministic). Dealing sorted keys
    round-robin instead made every new first key move half the others to
    another group, and one added rule could raise the worst case by five.
    """
    tests: dict[str, set[str]] = {}
    for rule in ruleset.rules.values():
        for conj in rule.branches:
            compares = sorted((a for a in conj if isinstance(a, C.Compare)), key=_selectivity)
            if compares:
                expr = compile_atom(compares[0])
                tests.setdefault(first_key(expr), set()).add(repr(expr))
    n = max(1, math.ceil(math.sqrt(len(tests))))
    if n == 1:
        return {}
    load = [0] * n
    groups: dict[str, int] = {}
    for key in sorted(tests, key=lambda k: (-len(tests[k]), k)):
        group = min(range(n), key=lambda i: (load[i], i))
        groups[key] = group
        load[group] += len(tests[key])
    return groups


def _never(c: Any) -> None:  # pragma: no cover - the sink's second pattern never matches
    raise AssertionError("the sink rule fired")


def plain_definition(ruleset: Ruleset) -> dict[str, Any]:
    """The definition without callables, for snapshots and inspection."""
    d = compile_ruleset(ruleset, lambda r, b: _never, _never)
    return {name: {"all": rule["all"]} for name, rule in d.items()}


def flags_read(ruleset: Ruleset) -> dict[str, tuple[str, ...]]:
    """For each list fact, the values some rule tests membership of.

    Only those get a true/false flag in the engine fact: durable serialises
    the whole fact on every assert and every firing, so flags no rule reads
    would only cost time (computed once, at load).
    """
    out: dict[str, set[str]] = {}
    for rule in ruleset.rules.values():
        for conj in rule.branches:
            for atom in conj:
                if isinstance(atom, C.Compare) and atom.op in ("contains", "not_contains", "contains_any", "contains_none"):
                    values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
                    out.setdefault(atom.path, set()).update(values)
    return {path: tuple(sorted(values)) for path, values in sorted(out.items())}


def engine_fact_keys(ruleset: Ruleset) -> list[str]:
    """Every key the engine fact can have (durable caps the keys of one fact)."""
    flags = flags_read(ruleset)
    keys = ["t"]
    for path, spec in FACTS.items():
        keys.append(spec.key)
        keys += [f"{spec.key}__{v}" for v in flags.get(path, ())]
    return keys


def engine_fact(facts: dict[str, Any], flags: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The flat assessment fact durable matches on (see the module docstring)."""
    return fact_encoder(flags)(facts)


def fact_encoder(flags: dict[str, tuple[str, ...]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """:func:`engine_fact` with its table computed once: each path's engine
    key and, for a list fact, the (value, flag key) pairs rules test. The
    backend encodes every assessment with it; building keys per record
    cost about a tenth of the match."""
    table: dict[str, tuple[str, tuple[tuple[str, str], ...] | None]] = {
        path: (spec.key, tuple((v, f"{spec.key}__{v}") for v in flags.get(path, ()))
               if spec.kind in ("enum_list", "id_list") else None)
        for path, spec in FACTS.items()
    }

    def encode(facts: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"t": "a"}
        for path, value in facts.items():
            key, flag_keys = table[path]
            if flag_keys is None:
                out[key] = value
            else:
                out[key] = len(value)
                for v, flag in flag_keys:
                    out[flag] = v in value  # a list of a few ids: a set would cost more than it saves
        return out

    return encode
