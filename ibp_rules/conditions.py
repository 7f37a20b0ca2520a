"""The condition language of rule files: parse, check, normalise, explain.

A condition is plain YAML data, never code::

    all:
      - helse.arbeidsevne: nedsatt_varig          # equality
      - okonomi.inntektskilder: {contains: aap}   # list membership
      - husholdning.antall_barn: {gte: 1}         # comparison
      - okonomi.gjeld: {known: true}              # known / unknown
      - derived: stabil_inntekt_mulig             # a fact another rule derived
      - not: {derived: betalingsproblemer}
      - any: [...]

It is parsed into a small tree, checked against the assessment's fact
schema and the catalogue's derived facts (unknown path → did-you-mean, a
value outside an enumeration → the allowed values), then normalised:
negation pushed down to the atoms (so "not" of an *unknown* fact stays
false: rules act only on what is known) and expanded to a disjunction of
conjunctions that the compiler turns into durable_rules patterns.

:func:`evaluate` exists only to *explain* what durable_rules decided
(which clauses held, with which values); it never decides what fires.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any, Literal

from .fact_schema import FACTS, FactSpec, engine_number
from .text import suggestion_suffix

Op = Literal[
    "eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in",
    "contains", "not_contains", "contains_any", "contains_none", "empty", "known",
]
OPS: tuple[str, ...] = (
    "eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in",
    "contains", "not_contains", "contains_any", "contains_none", "empty", "known",
)
_ORDERING = {"lt", "lte", "gt", "gte"}
_NEGATED: dict[str, str] = {
    "eq": "ne", "ne": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt",
    "in": "not_in", "not_in": "in", "contains": "not_contains", "not_contains": "contains",
    "contains_any": "contains_none", "contains_none": "contains_any",
}
_ALLOWED_OPS: dict[str, set[str]] = {
    "bool": {"eq", "ne", "known"},
    "number": {"eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "known"},
    "enum": {"eq", "ne", "in", "not_in", "known"},
    "enum_list": {"contains", "not_contains", "contains_any", "contains_none", "empty", "known"},
    "id_list": {"contains", "not_contains", "contains_any", "contains_none", "empty", "known"},
}
MAX_BRANCHES = 32


@dataclass(frozen=True)
class Compare:
    """A test on one assessment fact. Never true when the fact is unknown,
    except ``known: false``."""

    path: str
    op: Op
    value: Any


@dataclass(frozen=True)
class Derived:
    """A fact derived by another rule: present, or (``present=False``) absent."""

    id: str
    present: bool = True


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Atom = Compare | Derived
Condition = Compare | Derived | All | AnyOf | Not
Conjunction = tuple[Atom, ...]


class ConditionProblem(Exception):
    """A condition error at a path inside the rule (collected by the loader)."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.path, self.message = path, message
        super().__init__(message)


@dataclass(frozen=True)
class ParseContext:
    """What a condition may refer to besides the assessment facts."""

    derived_ids: frozenset[str]
    measure_ids: frozenset[str]


def parse(data: Any, ctx: ParseContext, path: tuple[str | int, ...] = ()) -> tuple[Condition | None, list[ConditionProblem]]:
    """Parse and type-check a condition, returning every problem found."""
    problems: list[ConditionProblem] = []
    cond = _parse(data, ctx, path, problems)
    return (cond if not problems else None), problems


def _parse(data: Any, ctx: ParseContext, path: tuple[str | int, ...], problems: list[ConditionProblem]) -> Condition:
    if not isinstance(data, dict) or len(data) != 1:
        problems.append(ConditionProblem(path, "a condition is a mapping with exactly one key: all, any, not, derived, or a fact path"))
        return All(())
    (key, value), = data.items()
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            problems.append(ConditionProblem(path + (key,), f"'{key}' takes a non-empty list of conditions"))
            return All(())
        items = tuple(_parse(v, ctx, path + (key, i), problems) for i, v in enumerate(value))
        return All(items) if key == "all" else AnyOf(items)
    if key == "not":
        return Not(_parse(value, ctx, path + ("not",), problems))
    if key == "derived":
        if not isinstance(value, str) or value not in ctx.derived_ids:
            problems.append(ConditionProblem(
                path + ("derived",),
                f"unknown derived fact {value!r}; declare it in a facts catalogue." + suggestion_suffix(str(value), ctx.derived_ids),
            ))
        return Derived(str(value))
    return _parse_compare(key, value, ctx, path + (key,), problems)


def _parse_compare(field: str, value: Any, ctx: ParseContext, path: tuple[str | int, ...], problems: list[ConditionProblem]) -> Condition:
    spec = FACTS.get(field)
    if spec is None:
        problems.append(ConditionProblem(path, f"unknown fact '{field}'." + suggestion_suffix(field, FACTS.keys())))
        return All(())
    if isinstance(value, dict):
        if len(value) != 1:
            problems.append(ConditionProblem(path, f"give exactly one operator: {', '.join(sorted(_ALLOWED_OPS[spec.kind]))}"))
            return All(())
        (op, operand), = value.items()
    else:
        op, operand = "eq", value
    if op not in _ALLOWED_OPS[spec.kind]:
        problems.append(ConditionProblem(
            path + (op,) if isinstance(value, dict) else path,
            f"operator '{op}' does not apply to {spec.kind} fact '{field}'; use one of: {', '.join(sorted(_ALLOWED_OPS[spec.kind]))}",
        ))
        return All(())
    where = path + (op,) if isinstance(value, dict) else path
    checked = _check_operand(spec, op, operand, ctx, where, problems)
    return Compare(field, op, checked)


def _check_scalar(spec: FactSpec, v: Any, ctx: ParseContext, path: tuple[str | int, ...], problems: list[ConditionProblem]) -> Any:
    if spec.kind == "bool":
        if not isinstance(v, bool):
            problems.append(ConditionProblem(path, f"'{spec.path}' is true/false; got {type(v).__name__}"))
        return v
    if spec.kind == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or not -1e9 <= v <= 1e9:
            problems.append(ConditionProblem(path, f"'{spec.path}' is a number between -1e9 and 1e9; got {v!r}"))
            return v
        return v if isinstance(v, int) else engine_number(v)
    allowed: frozenset[str] | tuple[str, ...] = spec.values if spec.kind in ("enum", "enum_list") else ctx.measure_ids
    if not isinstance(v, str) or v not in allowed:
        what = "measure id" if spec.kind == "id_list" else "value"
        problems.append(ConditionProblem(
            path, f"unknown {what} {v!r} for '{spec.path}'; allowed: {', '.join(sorted(allowed))}" if spec.kind != "id_list"
            else f"unknown measure id {v!r} for '{spec.path}'." + suggestion_suffix(str(v), allowed),
        ))
    return v


def _check_operand(spec: FactSpec, op: str, operand: Any, ctx: ParseContext, path: tuple[str | int, ...], problems: list[ConditionProblem]) -> Any:
    if op in ("known", "empty"):
        if not isinstance(operand, bool):
            problems.append(ConditionProblem(path, f"'{op}' takes true or false"))
        return operand
    if op in ("in", "not_in", "contains_any", "contains_none"):
        if not isinstance(operand, list) or not operand:
            problems.append(ConditionProblem(path, f"'{op}' takes a non-empty list"))
            return ()
        return tuple(_check_scalar(spec, v, ctx, path + (i,), problems) for i, v in enumerate(operand))
    return _check_scalar(spec, operand, ctx, path, problems)


# --- normalisation -----------------------------------------------------------

def negate_atom(atom: Atom) -> Atom:
    """The negation of an atom under "unknown is never true" semantics."""
    if isinstance(atom, Derived):
        return Derived(atom.id, not atom.present)
    if atom.op == "known":
        return Compare(atom.path, "known", not atom.value)
    if atom.op == "empty":
        # not empty ≡ known and non-empty
        return Compare(atom.path, "empty", not atom.value)
    if atom.op in ("eq", "ne") and isinstance(atom.value, bool):
        # on a true/false fact "known and not true" is simply "false"
        return Compare(atom.path, "eq", (not atom.value) if atom.op == "eq" else atom.value)
    return Compare(atom.path, _NEGATED[atom.op], atom.value)  # type: ignore[arg-type]


#: the DNF of a derived fact's three-valued negation ("known to be false"), by fact id
NegatedDerived = Callable[[str], list[Conjunction]]


def to_dnf(cond: Condition, negate: bool = False, negated: NegatedDerived | None = None) -> list[Conjunction]:
    """Expand to a list of conjunctions (OR of ANDs), negation at the atoms.

    With ``negated``, "not derived X" is replaced by the conditions under
    which X is *known* to be false (see :func:`known_false`), so that a
    derived fact has three values like any other: "not X" holds only when
    every rule that could derive X is known not to fire — never merely
    because one of its inputs is unknown. Without it (tests, tools), "not
    derived X" stays an atom meaning "X was not derived".

    Each step is simplified (contradictory alternatives dropped, implied
    clauses removed). Raises ValueError when the expansion still exceeds
    :data:`MAX_BRANCHES`: such a rule should be split, and the loader says so.
    """
    if isinstance(cond, Derived) and negated is not None and cond.present == negate:
        return negated(cond.id)
    if isinstance(cond, (Compare, Derived)):
        return [(negate_atom(cond) if negate else cond,)]
    if isinstance(cond, Not):
        return to_dnf(cond.item, not negate, negated)
    conj_like = isinstance(cond, All) != negate  # De Morgan
    parts = [to_dnf(item, negate, negated) for item in cond.items]
    if not conj_like:
        out = simplify([c for part in parts for c in part])
    else:
        out = [()]
        for part in parts:
            out = simplify([a + b for a in out for b in part])
            if len(out) > MAX_BRANCHES:
                break
    if len(out) > MAX_BRANCHES:
        raise ValueError(f"the condition expands to more than {MAX_BRANCHES} alternatives; split the rule")
    return out


def known_false(branches_of_derivers: list[list[Conjunction]], negated: NegatedDerived) -> list[Conjunction]:
    """When a derived fact is *known* to be false, as a DNF.

    The fact holds when some branch of some rule deriving it holds; it is
    known false when *every* such branch has a clause known to be false
    (Kleene's three-valued logic: a conjunction is false as soon as one
    clause is). A clause on an assessment fact is negated strictly (known and
    different), a clause "derived Y" by Y's own known-false conditions.
    A fact no rule derives is always known false (``[()]``).
    """
    out: list[Conjunction] = [()]
    for branches in branches_of_derivers:
        for branch in branches:
            alternatives: list[Conjunction] = []
            for atom in branch:
                if isinstance(atom, Derived):
                    alternatives += negated(atom.id) if atom.present else [(Derived(atom.id, True),)]
                else:
                    alternatives.append((negate_atom(atom),))
            out = simplify([a + b for a in out for b in alternatives])
            if len(out) > MAX_BRANCHES:
                raise ValueError(f"'not' of this derived fact expands to more than {MAX_BRANCHES} alternatives; "
                                 "simplify the rules that derive it")
    return out


def simplify(conjs: list[Conjunction]) -> list[Conjunction]:
    """Drop contradictory conjunctions and implied clauses, then subsumed conjunctions.

    Keeps the clauses as written (explanations show them) and the order of
    first appearance, so the result is deterministic.
    """
    reduced: list[Conjunction] = []
    seen: set[frozenset[Atom]] = set()
    for conj in conjs:
        r = _reduce(conj)
        if r is None:
            continue
        key = frozenset(r)
        if key not in seen:
            seen.add(key)
            reduced.append(r)
    sets = [frozenset(c) for c in reduced]
    return [c for i, c in enumerate(reduced)
            if not any(j != i and sets[j] < sets[i] for j in range(len(sets)))]


def _allowed(atom: Compare, domain: frozenset[Any]) -> frozenset[Any]:
    """The values of a closed domain (a bool or an enumeration) for which ``atom`` holds."""
    op, v = atom.op, atom.value
    if op == "eq":
        return frozenset({v}) & domain
    if op == "ne":
        return domain - {v}
    if op == "in":
        return frozenset(v) & domain
    if op == "not_in":
        return domain - set(v)
    return domain  # known: true


def _reduce(conj: Conjunction) -> Conjunction | None:
    """One conjunction without repeats and implied clauses; None when it can never hold."""
    atoms_ = _dedupe(conj)
    drop: set[Atom] = set()
    replace: dict[Atom, Atom] = {}
    derived = {(a.id, a.present) for a in atoms_ if isinstance(a, Derived)}
    if any((fid, not present) in derived for fid, present in derived):
        return None
    by_path: dict[str, list[Compare]] = {}
    for a in atoms_:
        if isinstance(a, Compare):
            by_path.setdefault(a.path, []).append(a)
    for path, group in by_path.items():
        knowns = [a for a in group if a.op == "known"]
        tests = [a for a in group if a.op != "known"]
        if any(not k.value for k in knowns):
            if tests or any(k.value for k in knowns):
                return None  # unknown, yet tested or known
            continue
        if tests:
            drop.update(knowns)  # any test implies "known"
        spec = FACTS[path]
        if spec.kind in ("bool", "enum"):
            domain = frozenset((True, False)) if spec.kind == "bool" else frozenset(spec.values)
            allowed = {a: _allowed(a, domain) for a in tests}
            total = domain
            for values in allowed.values():
                total &= values
            if not total:
                return None
            kept = list(tests)
            for a in tests:
                rest = [b for b in kept if b is not a]
                if not rest:
                    break
                others = domain
                for b in rest:
                    others &= allowed[b]
                if others <= allowed[a]:
                    kept.remove(a)
                    drop.add(a)
            if len(kept) > 1:
                # several clauses on one enumeration read best as one: "in [...]" or "not in [...]"
                order = (False, True) if spec.kind == "bool" else spec.values
                inside = tuple(v for v in order if v in total)
                outside = tuple(v for v in order if v not in total)
                merged = (Compare(path, "eq", inside[0]) if len(inside) == 1 else
                          Compare(path, "in", inside) if len(inside) <= len(outside) else
                          Compare(path, "ne", outside[0]) if len(outside) == 1 else Compare(path, "not_in", outside))
                drop.update(kept)
                replace[kept[0]] = merged
        elif spec.kind == "number":
            if _numbers_empty(tests):
                return None
        else:
            must = {a.value for a in tests if a.op == "contains"}
            must_not = {a.value for a in tests if a.op == "not_contains"}
            for a in tests:
                if a.op == "contains_none":
                    must_not |= set(a.value)
            if must & must_not:
                return None
            empties = {a.value for a in tests if a.op == "empty"}
            any_sets = [set(a.value) for a in tests if a.op == "contains_any"]
            if (True in empties and (must or any_sets or False in empties)) or any(s <= must_not for s in any_sets):
                return None
            nones = [set(a.value) for a in tests if a.op == "contains_none"]
            for a in tests:
                if (a.op == "not_contains" and any(a.value in n for n in nones)) \
                        or (a.op == "contains_any" and set(a.value) & must) \
                        or (a.op == "empty" and a.value is False and (must or any_sets)):
                    drop.add(a)
    return _dedupe(tuple(replace.get(a, a) for a in atoms_ if a not in drop or a in replace))


def _numbers_empty(tests: list[Compare]) -> bool:
    """Whether comparisons on one number can never hold together (a conservative check)."""
    lo, lo_open, hi, hi_open = float("-inf"), False, float("inf"), False
    eqs: set[Any] = set()
    nes: set[Any] = set()
    for a in tests:
        v = a.value
        if a.op == "eq":
            eqs.add(v)
        elif a.op == "ne":
            nes.add(v)
        elif a.op in ("gt", "gte") and (v > lo or (v == lo and a.op == "gt")):
            lo, lo_open = v, a.op == "gt"
        elif a.op in ("lt", "lte") and (v < hi or (v == hi and a.op == "lt")):
            hi, hi_open = v, a.op == "lt"
    if lo > hi or (lo == hi and (lo_open or hi_open)):
        return True
    if len(eqs) > 1 or eqs & nes:
        return True
    return any(v < lo or v > hi or (v == lo and lo_open) or (v == hi and hi_open) for v in eqs)


def _dedupe(conj: Conjunction) -> Conjunction:
    seen: dict[Atom, None] = {}
    for atom in conj:
        seen.setdefault(atom, None)
    return tuple(seen)


def atoms(cond: Condition) -> list[Atom]:
    """Every atom in the tree, in reading order."""
    if isinstance(cond, (Compare, Derived)):
        return [cond]
    if isinstance(cond, Not):
        return atoms(cond.item)
    return [a for item in cond.items for a in atoms(item)]


# --- explanation -------------------------------------------------------------

def holds(atom: Atom, facts: dict[str, Any], derived: Container[str]) -> bool:
    """Whether an atom holds for known facts (used only to explain)."""
    if isinstance(atom, Derived):
        return (atom.id in derived) == atom.present
    value = facts.get(atom.path)
    op, v = atom.op, atom.value
    if op == "known":
        return bool((value is not None) == v)
    if value is None:
        return False
    if op == "eq":
        return bool(value == v)
    if op == "ne":
        return bool(value != v)
    if op == "lt":
        return bool(value < v)
    if op == "lte":
        return bool(value <= v)
    if op == "gt":
        return bool(value > v)
    if op == "gte":
        return bool(value >= v)
    if op == "in":
        return bool(value in v)
    if op == "not_in":
        return bool(value not in v)
    if op == "contains":
        return bool(v in value)
    if op == "not_contains":
        return bool(v not in value)
    if op == "contains_any":
        return any(x in value for x in v)
    if op == "contains_none":
        return not any(x in value for x in v)
    if op == "empty":
        return bool((len(value) == 0) == v)
    raise AssertionError(op)  # pragma: no cover


def value_test(atom: Compare) -> Callable[[Any], bool]:
    """A predicate on a *known* value for ``atom`` (not for ``known``).

    Built once per atom at load time, so that evaluating many conditions per
    assessment (open questions, settled checks) costs a call, not an
    if-chain; same meaning as :func:`holds`.
    """
    op, v = atom.op, atom.value
    tests: dict[str, Callable[[Any], bool]] = {
        "eq": lambda x: bool(x == v),
        "ne": lambda x: bool(x != v),
        "lt": lambda x: bool(x < v),
        "lte": lambda x: bool(x <= v),
        "gt": lambda x: bool(x > v),
        "gte": lambda x: bool(x >= v),
        "in": lambda x: x in v,
        "not_in": lambda x: x not in v,
        "contains": lambda x: v in x,
        "not_contains": lambda x: v not in x,
        "contains_any": lambda x: any(y in x for y in v),
        "contains_none": lambda x: not any(y in x for y in v),
        "empty": lambda x: (len(x) == 0) == v,
    }
    return tests[op]


@functools.lru_cache(maxsize=8192)
def describe_atom(atom: Atom) -> str:
    """A compact, language-neutral rendering (``helse.arbeidsevne = nedsatt_varig``).

    Cached: atoms are immutable and few, and explanations ask for the same
    ones on every assessment.
    """
    if isinstance(atom, Derived):
        return ("" if atom.present else "not ") + f"derived:{atom.id}"
    sym = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥", "in": "in", "not_in": "not in",
           "contains": "contains", "not_contains": "does not contain", "contains_any": "contains any of",
           "contains_none": "contains none of", "empty": "is empty" if atom.value else "is not empty",
           "known": "is known" if atom.value else "is unknown"}[atom.op]
    if atom.op in ("known", "empty"):
        return f"{atom.path} {sym}"
    value = atom.value
    if isinstance(value, tuple):
        shown = "[" + ", ".join(_fmt(x) for x in value) + "]"
    else:
        shown = _fmt(value)
    return f"{atom.path} {sym} {shown}"


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
