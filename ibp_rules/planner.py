"""Order suggested measures into parallel stages and phases.

The method works in parallel unless a real prerequisite forces an order
(veileder §4.1.2). So a measure goes to a later stage only for a *hard*
prerequisite that another suggested measure meets (startlån after the
measure that gives a stable income); *soft* prerequisites are shown as advice
and never delay anything. A measure whose prerequisite is unmet and that no
suggested measure meets is kept, with the prerequisite marked "check" —
never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import conditions as C
from .ruleset import Ruleset
from .ruleset_files import PHASES
from .strategy import PrerequisiteStatus


def settled(ruleset: Ruleset, key: tuple[str, str, int], facts: dict[str, Any], derived: Iterable[str]) -> bool:
    """Whether the assessment settles a measure's check (its ``settled_by`` holds).

    Read like an explanation, on known facts only: a condition on an unknown
    fact never holds, so an unanswered check stays open.
    """
    branches = ruleset.settles.get(key)
    if not branches:
        return False
    active = derived if isinstance(derived, (set, frozenset, dict)) else set(derived)
    return any(all(C.holds(atom, facts, active) for atom in conj) for conj in branches)


@dataclass
class PlannedMeasure:
    id: str
    stage: int
    phase: str
    requires: list[str]
    prerequisites: list[PrerequisiteStatus] = field(default_factory=list)


def plan(ruleset: Ruleset, suggested: dict[str, str | None], derived: Iterable[str],
         already: Iterable[str], shared: Callable[[tuple[Any, ...], Callable[[], Any]], Any] | None = None,
         facts: dict[str, Any] | None = None) -> dict[str, PlannedMeasure]:
    """Stage and phase each suggested measure.

    ``suggested`` maps measure id → the earliest phase a rule asked for (or
    None for the catalogue default); ``derived`` are the active derived facts;
    ``already`` the measures the person already has; ``shared`` (optional)
    returns one shared object per key, so that equal statuses are built once;
    ``facts`` (the known assessment facts) settle prerequisites that name the
    facts settling them.
    """
    active = set(derived)
    have = set(already)
    ids = sorted(suggested)
    providers: dict[str, list[str]] = {}
    for mid in ids:
        for fid in ruleset.measures[mid].provides:
            providers.setdefault(fid, []).append(mid)

    after: dict[str, set[str]] = {mid: set() for mid in ids}
    # A bridge over a dated transition (AAP before sick pay ends, disability
    # benefit before AAP's last day) is asked for *now* by its rule: the
    # application goes in and the documentation it needs is obtained in
    # parallel (veileder §4.1.2: parallel unless an order is forced). Its hard
    # prerequisite stays shown as planned, but does not push it a stage
    # later, where the income would already have stopped; the measures that
    # meet it are started now too.
    bridged: set[str] = set()
    statuses: dict[str, list[PrerequisiteStatus]] = {}
    for mid in ids:
        out: list[PrerequisiteStatus] = []
        for index, pre in enumerate(ruleset.measures[mid].requires):
            by: list[str] = []
            if facts is not None and settled(ruleset, (mid, "requires", index), facts, active):
                status = "met"
            elif pre.measure is not None:
                if pre.measure in have:
                    status = "met"
                elif pre.measure in suggested:
                    status, by = "planned", [pre.measure]
                else:
                    status = "check"
            else:
                assert pre.fact is not None
                if pre.fact in active:
                    status = "met"
                else:
                    by = sorted(p for p in providers.get(pre.fact, []) if p != mid)
                    status = "planned" if by else "check"
            if status == "planned" and pre.kind == "hard":
                if suggested[mid] == "oppstart":
                    bridged.update(by)  # a bridge asked for now: its documentation starts now, beside it
                else:
                    after[mid].update(by)
            def make(pre: Any = pre, status: str = status, by: list[str] = by) -> PrerequisiteStatus:
                return PrerequisiteStatus(measure=pre.measure, fact=pre.fact, kind=pre.kind, status=status,
                                          by=by, check=pre.check, source=pre.source)

            out.append(shared(("pre", mid, index, status, tuple(by)), make) if shared is not None else make())
        statuses[mid] = out

    # Every edge here is an edge of the catalogue's prerequisite DAG, so its
    # topological order (computed at load time) puts what comes first first.
    stage: dict[str, int] = {}
    for mid in sorted(ids, key=ruleset.topo_rank.__getitem__):
        stage[mid] = max((stage[p] + 1 for p in after[mid]), default=0)

    planned: dict[str, PlannedMeasure] = {}
    for mid in ids:
        phase = suggested[mid] or ruleset.measures[mid].phase
        if mid in bridged:
            phase = earliest_phase(phase, "oppstart") or phase
        if stage[mid] > 0 and phase == "oppstart":
            phase = "oppfolging"  # it waits for something: it cannot start at intake
        planned[mid] = PlannedMeasure(mid, stage[mid], phase, sorted(after[mid]), statuses[mid])
    return planned


def earliest_phase(a: str | None, b: str | None) -> str | None:
    """The earlier of two requested phases (None = no request)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if PHASES.index(a) <= PHASES.index(b) else b
