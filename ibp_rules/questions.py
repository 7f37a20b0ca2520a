"""Open questions: the unknown facts whose answers would change the plan.

Unknown is never "no", so a rule that needs an unknown fact stays silent.
Silence is not enough for a coordinator, though: she needs to know *which*
unanswered questions matter. This module reads the compiled conditions
(the same branches durable_rules matches) with three-valued logic — each
clause is true, false or unknown — and reports:

* a rule that did not fire but has a branch with no clause known to be
  false and at least one unknown clause could fire once those facts are
  known: its suggestions *could be added*, its guards *could remove*;
* a rule that fired only through a clause that tests a fact's absence
  (``known: false``) could stop firing once that fact is known: what it
  alone suggests *could be removed*;
* both through derived facts: a derived fact is unknown when none of its
  rules fired but one of them could, and the unknown facts behind it count.

It decides nothing (durable_rules decides what fires); like the "why not"
of :mod:`ibp_rules.explain` it only reads the conditions kept beside the
rules, so that the intake can ask the questions that matter first.

It runs on every assessment, so it is written for speed: each distinct
clause is evaluated once into bit sets (false, unknown; the rest hold) and a
branch is then a bit mask — "closed" when it shares a bit with the false
set, "open" when it shares none with it but one with the unknown set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx

from . import conditions as C
from .fact_schema import FACTS, means_nothing_here
from .ruleset import Ruleset


def _field_order() -> dict[str, int]:
    """Every field path of the assessment, in the model's (the intake's) order."""
    from pydantic import BaseModel

    from .assessment import Assessment

    paths: list[str] = []
    for section, field in Assessment.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            paths += [f"{section}.{name}" for name in ann.model_fields]
        elif section != "schema_version":
            paths.append(section)
    return {path: i for i, path in enumerate(paths)}


#: the order of fields in the assessment (the intake asks in this order)
FIELD_ORDER = _field_order()

#: a computed fact (the youngest child's age) is missing both when its source
#: is unknown and when the source says there is nothing to compute (no
#: children): only the first is an open question, and it is about the source
_SOURCE = {path: spec.computed_from for path, spec in FACTS.items() if spec.computed_from}
#: the computed facts of each source field: the source is known when any of them is
_COMPUTED = {src: tuple(p for p, s in _SOURCE.items() if s == src) for src in set(_SOURCE.values())}


def _source_known(source: str, facts: dict[str, Any]) -> bool:
    return any(p in facts for p in _COMPUTED[source])


@dataclass(slots=True)
class Question:
    """What answering one unknown field could change."""

    path: str
    adds: frozenset[str] | set[str]
    removes: frozenset[str] | set[str]
    tasks: frozenset[str] | set[str]
    rules: set[str]

    def mutable(self) -> Question:
        """Make the effect sets writable (they are shared cache entries until then)."""
        if not isinstance(self.adds, set):
            self.adds, self.removes, self.tasks = set(self.adds), set(self.removes), set(self.tasks)
        return self


@dataclass(frozen=True)
class _RuleInfo:
    id: str
    masks: tuple[int, ...]
    #: per branch: the paths it tests with the bits of their clauses, and the
    #: derived facts it reads with theirs (to name what an open branch waits for)
    groups: tuple[tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]], ...]
    suggests: frozenset[str]
    #: measures a firing would take out of the plan (guards, measures in place)
    takes_out: frozenset[str]
    tasks: frozenset[str]
    #: bits whose truth may rest on something unknown ("is unknown" clauses, derived facts)
    fragile_bits: int


class QuestionIndex:
    """The compiled conditions of a ruleset, prepared for three-valued reading."""

    def __init__(self, ruleset: Ruleset) -> None:
        index: dict[C.Atom, int] = {}
        for rule in ruleset.rules.values():
            for conj in rule.branches:
                for atom in conj:
                    index.setdefault(atom, len(index))
        #: per assessment path: (path, source, bits of its tests with their predicates,
        #: bits of "is known" clauses, bits of "is unknown" clauses)
        by_path: dict[str, tuple[list[tuple[int, Any]], list[int], list[int]]] = {}
        #: derived facts read: fact id → [bits when present, bits when absent]
        self._derived_bits: dict[str, list[int]] = {}
        #: the assessment path an unknown clause asks about
        self._path_of: dict[int, str] = {}
        fragile = 0  # "is unknown" clauses and "not derived" ones: they hold only while something is unknown
        for atom, bit in index.items():
            if isinstance(atom, C.Derived):
                self._derived_bits.setdefault(atom.id, [0, 0])[0 if atom.present else 1] |= 1 << bit
                if not atom.present:
                    fragile |= 1 << bit
                continue
            self._path_of[bit] = _SOURCE.get(atom.path) or atom.path
            tests, known, unknown_ = by_path.setdefault(atom.path, ([], [], []))
            if atom.op != "known":
                tests.append((1 << bit, C.value_test(atom)))
            elif atom.value:
                known.append(bit)
            else:
                unknown_.append(bit)
                fragile |= 1 << bit
        #: per path: (path, source, tests, "is known" bits, "is unknown" bits, all test bits,
        #: and a cache of the bits each value makes false: values repeat across a caseload)
        self._groups: list[tuple[str, str | None, tuple[tuple[int, Any], ...], int, int, int, dict[Any, int]]] = [
            (path, _SOURCE.get(path), tuple(tests), sum(1 << b for b in known), sum(1 << b for b in unknown_),
             sum(m for m, _t in tests), {})
            for path, (tests, known, unknown_) in sorted(by_path.items())
        ]
        rules: dict[str, _RuleInfo] = {}
        derivers: dict[str, list[str]] = {}
        for rule in ruleset.rules.values():
            then = rule.rule.then
            masks = tuple(sum(1 << index[a] for a in set(conj)) for conj in rule.branches)
            groups = []
            for conj in rule.branches:
                cmp: dict[str, int] = {}
                der: dict[str, int] = {}
                for atom_ in set(conj):
                    if isinstance(atom_, C.Derived):
                        der[atom_.id] = der.get(atom_.id, 0) | 1 << index[atom_]
                    else:
                        where = self._path_of[index[atom_]]
                        cmp[where] = cmp.get(where, 0) | 1 << index[atom_]
                groups.append((tuple(sorted(cmp.items())), tuple(sorted(der.items()))))
            rules[rule.id] = _RuleInfo(
                id=rule.id, masks=masks, groups=tuple(groups),
                suggests=frozenset(a.suggest for a in then if a.suggest),
                takes_out=frozenset(x for a in then if (x := a.exclude or a.in_place)),
                tasks=frozenset(a.task for a in then if a.task),
                fragile_bits=fragile & _or(masks),
            )
            for action in then:
                if action.derive:
                    derivers.setdefault(action.derive, []).append(rule.id)
        # a derived fact can be undone by an answer only if a rule deriving it can; found by a
        # fixpoint, so that the (many) rules that cannot stop firing are never looked at again
        fragile_facts: set[str] = set()
        changed = True
        while changed:
            changed = False
            for fid, deriving in derivers.items():
                if fid in fragile_facts:
                    continue
                fact_bits = {g: bits[0] for g, bits in self._derived_bits.items() if g in fragile_facts}
                if any(rules[rid].fragile_bits or any(m & fact_bits.get(g, 0) for _mask, (_cmp, der) in
                                                      zip(rules[rid].masks, rules[rid].groups, strict=True) for g, m in der)
                       for rid in deriving):
                    fragile_facts.add(fid)
                    changed = True
        fragile_derived = 0
        for fid in fragile_facts:
            fragile_derived |= self._derived_bits.get(fid, [0, 0])[0]
        rules = {rid: replace(info, fragile_bits=info.fragile_bits | (fragile_derived & _or(info.masks))) for rid, info in rules.items()}
        self.rules = rules
        self.derivers = {fid: tuple(ids) for fid, ids in derivers.items()}
        #: every branch of every rule: its bits, and (rule, the paths it tests with their bits, the derived facts with theirs)
        self._branch_masks = [mask for r in rules.values() for mask in r.masks]
        self._branch_info = [(r.id, cmp, der) for r in rules.values() for cmp, der in r.groups]
        #: per clause bit: the branches that have it (a record has few unknown
        #: clauses, so the branches waiting on one are found from those)
        self._branches_of_bit: list[tuple[int, ...]] = [
            tuple(i for i, m in enumerate(self._branch_masks) if m >> bit & 1) for bit in range(len(index))]
        self._deriver_branches = {fid: [(mask, cmp, der) for rid in ids for mask, (cmp, der) in zip(rules[rid].masks, rules[rid].groups, strict=True)]
                                  for fid, ids in self.derivers.items()}
        self._effects: dict[frozenset[str], tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        # derived facts in an order where every fact comes after those its rules read
        deps: nx.DiGraph = nx.DiGraph()
        deps.add_nodes_from(sorted(self.derivers))
        for fid, ids in self.derivers.items():
            for rid in ids:
                for conj in ruleset.rules[rid].branches:
                    for atom in conj:
                        if isinstance(atom, C.Derived) and atom.id in self.derivers and atom.id != fid:
                            deps.add_edge(atom.id, fid)
        try:
            self._order: tuple[str, ...] = tuple(nx.lexicographical_topological_sort(deps))
        except nx.NetworkXUnfeasible:  # a positive cycle: fall back to a fixed order
            self._order = tuple(sorted(self.derivers))

    # -- evaluation ------------------------------------------------------------

    def _evaluate(self, facts: dict[str, Any], derived: Iterable[str]) -> tuple[int, int, dict[str, frozenset[str]]]:
        """The clauses known to be false and those unknown (two bit sets; the
        rest hold), and for each unknown derived fact the unknown fields behind it."""
        false = unknown = 0
        for path, source, tests, is_known, is_unknown, all_tests, cache in self._groups:
            value = facts.get(path)
            if value is None:
                # "is unknown" holds now, but only while the field is unknown
                if source is not None and _source_known(source, facts):
                    false |= all_tests | is_known  # nothing to compute (no children): no test can hold
                else:
                    unknown |= all_tests | is_known
                continue
            false |= is_unknown
            if tests:
                key = tuple(value) if type(value) is list else value
                got = cache.get(key)
                if got is None:
                    got = 0
                    for bit, test in tests:
                        if not test(value):
                            got |= bit
                    if len(cache) >= _VALUE_CACHE:
                        cache.clear()
                    cache[key] = got
                false |= got

        behind: dict[str, frozenset[str]] = {}  # an unknown derived fact → the fields behind it
        derived_true = set(derived)

        for fid in self._order:
            bits = self._derived_bits.get(fid)
            if bits is None:
                continue
            present, absent = bits
            if fid in derived_true:
                false |= absent
                continue
            paths: set[str] = set()
            for mask, cmp, der in self._deriver_branches[fid]:
                if mask & unknown and not mask & false:
                    paths.update([p for p, m in cmp if m & unknown])
                    for g, m in der:
                        if m & unknown:
                            paths |= behind[g]
            if paths:
                unknown |= present | absent
                behind[fid] = frozenset(paths)
            else:
                false |= present
        return false, unknown, behind

    def derived_states(self, facts: dict[str, Any], derived: Iterable[str]) -> dict[str, tuple[bool | None, frozenset[str]]]:
        """Each derived fact rules read: derived (True), known to be false (False) or unknown
        (None, with the fields it waits for). For explanations: "not derived" is not "no"."""
        derived = set(derived)
        false, unknown, behind = self._evaluate(facts, derived)
        return {fid: (True, frozenset()) if fid in derived else (None, behind[fid]) if fid in behind else (False, frozenset())
                for fid in self._derived_bits}


    def questions(self, facts: dict[str, Any], fired: dict[str, list[int]], derived: Iterable[str],
                  suggested: set[str], settled: set[str]) -> list[Question]:
        """The open questions for one assessment.

        ``fired`` are the rules durable_rules fired (with their branches),
        ``derived`` the facts they derived, ``suggested`` the measures in the
        strategy and ``settled`` the measures already in place or left out
        (a rule that could suggest those would add nothing).
        """
        false, unknown, behind = self._evaluate(facts, derived)
        rules = self.rules

        waiting: dict[str, set[str]] = {}  # field → rules that could fire once it is known
        branch_info = self._branch_info
        branch_masks = self._branch_masks
        branches_of_bit = self._branches_of_bit
        candidates: set[int] = set()
        rest = unknown
        while rest:
            low = rest & -rest
            candidates.update(branches_of_bit[low.bit_length() - 1])
            rest ^= low
        for i in sorted(candidates):
            if branch_masks[i] & false:
                continue
            rid, cmp, der = branch_info[i]
            if rid in fired:
                continue
            for p, m in cmp:
                if m & unknown:
                    rids = waiting.get(p)
                    if rids is None:
                        waiting[p] = {rid}
                    else:
                        rids.add(rid)
            for g, m in der:
                if m & unknown:
                    for p in behind[g]:
                        waiting.setdefault(p, set()).add(rid)
        out: dict[str, Question] = {}
        could_add: dict[str, frozenset[str]] = {}  # path → measures its answer could bring, guards aside
        effects = self._effects
        for path, rids in waiting.items():
            key = frozenset(rids)
            eff = effects.get(key)
            if eff is None:
                infos = [rules[r] for r in rids]
                empty: frozenset[str] = frozenset()
                if len(effects) >= _VALUE_CACHE:
                    effects.clear()
                eff = effects[key] = (empty.union(*[i.suggests for i in infos]), empty.union(*[i.takes_out for i in infos]),
                                      empty.union(*[i.tasks for i in infos]))
            could_add[path] = eff[0]
            out[path] = Question(path, eff[0] - suggested - settled, eff[1] & suggested, eff[2], rids)

        def note(path: str, rid: str) -> Question:
            q = out.get(path)
            if q is None:
                q = out[path] = Question(path, set(), set(), set(), set())
            q.rules.add(rid)
            return q.mutable()

        # rules that fired only while something is unknown
        fragile_rules = [rid for rid in fired if rules[rid].fragile_bits]
        if not fragile_rules:
            return _sorted(out, facts)
        fact_memo: dict[str, frozenset[str]] = {}
        rule_memo: dict[str, frozenset[str]] = {}

        def rule_fragility(rid: str) -> frozenset[str]:
            """Fields whose answer could stop ``rid`` (every branch that fired rests on it)."""
            got = rule_memo.get(rid)
            if got is not None:
                return got
            rule_memo[rid] = frozenset()
            info = rules[rid]
            result: frozenset[str] | None = None
            for b in fired[rid]:
                mask = info.masks[b] & info.fragile_bits
                cmp, der = info.groups[b]
                paths: set[str] = {p for p, m in cmp if m & mask}  # "is unknown" clauses
                for fid, m in der:
                    if m & self._derived_bits[fid][0]:
                        paths |= fact_fragility(fid)
                    elif fid in behind:
                        paths |= behind[fid]  # "not derived" of a fact still unknown
                result = frozenset(paths) if result is None else result & paths
                if not result:
                    break
            rule_memo[rid] = result or frozenset()
            return rule_memo[rid]

        def fact_fragility(fid: str) -> frozenset[str]:
            got = fact_memo.get(fid)
            if got is not None:
                return got
            fact_memo[fid] = frozenset()
            result: frozenset[str] | None = None
            for rid in self.derivers.get(fid, ()):
                if rid in fired:
                    r = rule_fragility(rid)
                    result = r if result is None else result & r
            fact_memo[fid] = result or frozenset()
            return fact_memo[fid]

        by_measure: dict[str, list[str]] = {}
        for rid in fired:
            for mid in rules[rid].suggests:
                by_measure.setdefault(mid, []).append(rid)
        for rid in fragile_rules:
            info = rules[rid]
            for path in rule_fragility(rid):
                q = note(path, rid)
                assert isinstance(q.adds, set) and isinstance(q.removes, set) and isinstance(q.tasks, set)
                for mid in info.suggests:
                    # removed only when every rule suggesting it hangs on the same answer
                    if mid in suggested and all(path in rule_fragility(other) for other in by_measure[mid]):
                        q.removes.add(mid)
                # a guard (or a measure in place) that could stop would let its measure back in: one a fired
                # rule suggests, or one the same answer could bring (a goal that lifts a guard and fires a rule)
                back = could_add.get(path, frozenset())
                q.adds.update(x for x in info.takes_out if x not in suggested and (x in by_measure or x in back))
                q.tasks.update(info.tasks)
        return _sorted(out, facts)


def _or(masks: Iterable[int]) -> int:
    out = 0
    for m in masks:
        out |= m
    return out


#: bound on the per-path value caches and the effect cache
_VALUE_CACHE = 4096


def _sorted(out: dict[str, Question], facts: dict[str, Any]) -> list[Question]:
    """The questions in assessment order, without fields that mean nothing for this
    person (:data:`~ibp_rules.fact_schema.ASKED_ONLY_WITH`: the weeks left of a
    benefit the income sources say the person does not have)."""
    kept = [q for q in out.values() if not means_nothing_here(q.path, facts)]
    return sorted(kept, key=lambda q: (FIELD_ORDER.get(q.path, len(FIELD_ORDER)), q.path))
