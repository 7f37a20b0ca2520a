"""Rule tests written beside the rules: ``rules/bolig.cases.yaml`` next to ``rules/bolig.yaml``.

Domain people write rules, so they also write the examples that pin a rule
down: for every rule at least one case where it must *fire* and one where it
must stay *silent* (the nearest situation where it should not apply). A known
gap is written as a case with ``xfail: <reason>``; it is a *strict* expected
failure, so the day the gap is closed the case must be updated.

A case gives a partial assessment (``given``) and what to expect of the
rule; it may also name measures the strategy must (``suggests``) or must not
(``absent``) contain, and tasks it must give. Cases run through the real
engine (durable_rules), never a re-implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import conditions as C
from .assessment import ASSESSMENT_SCHEMA_VERSION, Assessment, assessment_from_located
from .errors import AssessmentError, Problem, RulesetError
from .ruleset import CASES_SUFFIXES, Ruleset
from .ruleset_files import RuleId, Slug
from .validation_messages import located_problems
from .yaml_source import Located, SourceError, format_path, read_file

CaseId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]


class RuleCase(BaseModel):
    """One example for one rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: CaseId
    rule: RuleId
    expect: Literal["fires", "silent"]
    given: dict[str, Any]
    suggests: list[Slug] = []
    absent: list[Slug] = []
    tasks: list[Slug] = []
    note: str | None = Field(None, max_length=500)
    #: a known gap: the case is expected to fail, and must (strict)
    xfail: str | None = Field(None, min_length=3, max_length=500)


class RuleCasesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["cases"]
    cases: list[RuleCase]


@dataclass(frozen=True)
class LoadedCase:
    """A case with where it was written and its validated assessment."""

    case: RuleCase
    file: str
    line: int | None
    assessment: Assessment

    @property
    def name(self) -> str:
        """``file::case-id``, the name pytest and ``ibp rules test`` report."""
        return f"{Path(self.file).name}::{self.case.id}"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class CaseResult:
    case: LoadedCase
    passed: bool
    #: what went wrong, as (English, bokmål) (empty when the case behaved as expected)
    failures: tuple[tuple[str, str], ...]
    #: the rules that fired and the facts derived, for the failure message
    trace: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Passed, or failed as a known gap says it does (strict xfail)."""
        return self.passed != bool(self.case.case.xfail)


def case_files(ruleset: Ruleset) -> list[Path]:
    """Every cases file under the folders the ruleset was loaded from."""
    found: set[Path] = set()
    for root in map(Path, ruleset.roots):
        if root.is_dir():
            found.update(p for p in root.rglob("*") if p.is_file() and p.name.endswith(CASES_SUFFIXES))
        elif root.is_file():
            stem = root.name.rsplit(".", 1)[0]
            found.update(p for suffix in CASES_SUFFIXES if (p := root.with_name(stem + suffix)).is_file())
    return sorted(found)


def load_rule_cases(ruleset: Ruleset, files: Sequence[Path] | None = None) -> list[LoadedCase]:
    """Read and check the cases files; raises :class:`RulesetError` with every problem.

    Checks that each case names a rule of the ruleset, that ids are unique per
    file, that ``given`` is a valid assessment and that named measures and
    tasks exist.
    """
    problems: list[Problem] = []
    out: list[LoadedCase] = []
    for path in files if files is not None else case_files(ruleset):
        try:
            located = read_file(path)
        except SourceError as exc:
            problems.append(exc.problem)
            continue
        try:
            model = RuleCasesFile.model_validate(located.data or {})
        except ValidationError as exc:
            problems.extend(located_problems(exc, located))
            continue
        seen: set[str] = set()
        for i, case in enumerate(model.cases):
            loc: tuple[str | int, ...] = ("cases", i)
            line = located.line_of(loc)

            def bad(sub: tuple[str | int, ...], message: str, case: RuleCase = case, located: Located = located,
                    loc: tuple[str | int, ...] = loc) -> None:
                problems.append(Problem(located.file, located.line_of(loc + sub), format_path(loc + sub), message, case.rule))

            if case.id in seen:
                bad(("id",), f"duplicate case id '{case.id}' in this file")
            seen.add(case.id)
            if case.rule not in ruleset.rules:
                bad(("rule",), f"unknown rule '{case.rule}'")
            for key, known in (("suggests", ruleset.measures), ("absent", ruleset.measures), ("tasks", ruleset.tasks)):
                for j, ident in enumerate(getattr(case, key)):
                    if ident not in known:
                        bad((key, j), f"unknown {'task' if key == 'tasks' else 'measure'} '{ident}'")
            # a case is written for the rules as they are: in the current format unless it says otherwise
            given = case.given if "schema_version" in case.given else {"schema_version": ASSESSMENT_SCHEMA_VERSION, **case.given}
            sub = Located(given, located.file, {k[len(loc) + 1:]: v for k, v in located.lines.items()
                                                     if k[: len(loc) + 1] == loc + ("given",)})
            try:
                assessment = assessment_from_located(sub)
            except AssessmentError as exc:
                for p in exc.problems:
                    problems.append(Problem(p.file, p.line or line, f"{format_path(loc)}.given.{p.path}".rstrip("."), p.message, case.rule))
                continue
            out.append(LoadedCase(case, located.file, line, assessment))
    if problems:
        raise RulesetError(problems)
    return out


def run_case(engine: Any, lc: LoadedCase) -> CaseResult:
    """Run one case through the engine and compare with what it expects."""
    from .fact_schema import project

    case = lc.case
    facts = project(lc.assessment)
    firings = engine.trace(lc.assessment)
    fired = case.rule in firings.rules
    failures: list[tuple[str, str]] = []
    if case.expect == "fires" and not fired:
        misses = _misses(engine.ruleset, case.rule, facts, set(firings.derived))
        failures.append((f"expected rule '{case.rule}' to fire, but it stayed silent; not met: {misses}",
                         f"regelen '{case.rule}' skulle slå til, men var stille; ikke oppfylt: {misses}"))
    if case.expect == "silent" and fired:
        failures.append((f"expected rule '{case.rule}' to stay silent, but it fired",
                         f"regelen '{case.rule}' skulle være stille, men slo til"))
    if case.suggests or case.absent or case.tasks:
        strategy = engine.assess(lc.assessment)
        got = {m.id for m in strategy.measures}
        missing = [m for m in case.suggests if m not in got]
        extra = [m for m in case.absent if m in got]
        tasks = {t.id for t in strategy.tasks}
        no_task = [t for t in case.tasks if t not in tasks]
        if missing:
            failures.append(("the strategy lacks " + ", ".join(missing), "strategien mangler " + ", ".join(missing)))
        if extra:
            failures.append(("the strategy should not contain " + ", ".join(extra), "strategien skulle ikke hatt " + ", ".join(extra)))
        if no_task:
            failures.append(("the strategy lacks the task(s) " + ", ".join(no_task), "strategien mangler oppgaven(e) " + ", ".join(no_task)))
    trace = tuple(f"fired {rid}" for rid in sorted(firings.rules)) + tuple(
        f"derived {fid} (by {', '.join(by)})" for fid, by in sorted(firings.derived.items()))
    return CaseResult(lc, not failures, tuple(failures), trace)


def _misses(ruleset: Ruleset, rule_id: str, facts: dict[str, Any], derived: set[str]) -> str:
    """Which clauses failed, per alternative of the rule's condition."""
    rule = ruleset.rules[rule_id]
    parts = []
    for conj in rule.branches:
        failed = [C.describe_atom(a) + f" (is {_value(a, facts, derived)})" for a in conj if not C.holds(a, facts, derived)]
        parts.append(" and ".join(failed) or "(all held)")
    return " | ".join(parts)


def _value(atom: C.Atom, facts: dict[str, Any], derived: set[str]) -> str:
    if isinstance(atom, C.Derived):
        return "derived" if atom.id in derived else "not derived"
    value = facts.get(atom.path)
    return "unknown" if value is None else str(value)


def failure_text(result: CaseResult, lang: str = "en") -> str:
    """A multi-line message: where, which case, what failed, and the trace."""
    lc = result.case
    nb = lang == "nb"
    lines = [f"{lc.where}: case '{lc.case.id}' ({'regel' if nb else 'rule'} {lc.case.rule}, "
             f"{'forventer' if nb else 'expect'} {lc.case.expect})"]
    if lc.case.xfail and result.passed:
        lines.append(f"  merket som kjent hull ({lc.case.xfail}), men består nå: fjern 'xfail'" if nb else
                     f"  marked as a known gap ({lc.case.xfail}) but it now passes: remove 'xfail'")
    lines += [f"  {nb_text if nb else en}" for en, nb_text in result.failures]
    lines.append(("  spor: " if nb else "  trace: ") + ("; ".join(result.trace) or ("ingenting slo til" if nb else "nothing fired")))
    return "\n".join(lines)


def coverage_gaps(ruleset: Ruleset, cases: Sequence[LoadedCase]) -> list[Problem]:
    """Rules lacking a 'fires' or a 'silent' case (known gaps do not count)."""
    have: dict[str, set[str]] = {}
    for lc in cases:
        if not lc.case.xfail:
            have.setdefault(lc.case.rule, set()).add(lc.case.expect)
    out = []
    for rid, rule in ruleset.rules.items():
        missing = sorted({"fires", "silent"} - have.get(rid, set()))
        if missing:
            out.append(Problem(rule.file, rule.line, "cases",
                               f"the rule has no {' and no '.join(repr(m) for m in missing)} case; add it to "
                               f"{Path(rule.file).name.rsplit('.', 1)[0]}.cases.yaml", rid,
                               message_nb=f"regelen mangler {' og '.join(repr(m) for m in missing)}-eksempel; legg det i "
                                          f"{Path(rule.file).name.rsplit('.', 1)[0]}.cases.yaml"))
    return out
