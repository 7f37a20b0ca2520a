"""The strict checks of ``ibp rules validate``, beyond what loading requires.

Loading checks that the files are well-formed and linked; these checks ask
whether the knowledge base is *finished*: every rule has examples both ways
(a rule nobody has shown firing and not firing is untested), every suggestion
names its partners with a collaboration form, and the cases themselves load.
An engine can run a ruleset that fails these (a municipality trying a draft),
but it should not be shipped.

It also builds the engine once, exactly as ``ibp assess`` would (and
frees it): a ruleset past a limit of durable_rules' C core fails here with
the same problems (:mod:`ibp_rules.engine_limits`), so ``ibp rules
validate`` never passes what ``assess`` refuses.
"""

from __future__ import annotations

from . import conditions as C
from .engine import Engine
from .errors import Problem, RulesetError
from .rule_cases import LoadedCase, coverage_gaps, load_rule_cases
from .ruleset import CompiledRule, Ruleset


def lint(rs: Ruleset) -> tuple[list[LoadedCase], list[Problem]]:
    """The ruleset's cases and every problem the strict checks find."""
    problems: list[Problem] = []
    try:
        Engine(rs).close()
    except RulesetError as exc:
        problems += exc.problems
    try:
        cases = load_rule_cases(rs)
    except RulesetError as exc:
        return [], problems + list(exc.problems)
    problems += coverage_gaps(rs, cases)
    for rule in rs.rules.values():
        for j, action in enumerate(rule.rule.then):
            if action.suggest and not action.partners:
                problems.append(Problem(rule.file, rule.line, f"then[{j}].partners",
                                        "a suggestion names the partners to involve, each with a collaboration form "
                                        "(informasjon, tilgang or samordning)", rule.id,
                                        message_nb="et forslag nevner hvilke partnere som skal involveres, hver med "
                                                   "samarbeidsform (informasjon, tilgang eller samordning)"))
    problems += _unknown_goals_suggest_nothing(rs) + _hard_prerequisites_are_guarded(rs)
    return cases, sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.path))


def _reads_goals_as_unknown(rule: CompiledRule) -> bool:
    return any(isinstance(a, C.Compare) and a.path == "mal.onsker" and (a.op, a.value) in (("known", False), ("empty", True))
               for conj in rule.branches for a in conj)


def _unknown_goals_suggest_nothing(rs: Ruleset) -> list[Problem]:
    """Unknown goals are treated alike in every pillar: no route is suggested on them.

    A rule may act on goals that are not yet known by giving the coordinator a
    task (clarify the goals) or by holding measures back, never by suggesting a
    route; otherwise one pillar would read "unknown" as "yes" while another
    waits (the strategy lists the goals as an open question instead).
    """
    out = []
    for rule in rs.rules.values():
        if _reads_goals_as_unknown(rule) and any(a.suggest for a in rule.rule.then):
            out.append(Problem(rule.file, rule.line, "when",
                               "a rule that acts while the user's goals are unknown may give tasks or exclude measures, not suggest them; "
                               "let the route wait for the goal (it shows as an open question)", rule.id,
                               message_nb="en regel som slår til mens brukerens mål er ukjente, kan gi oppgaver eller holde tiltak "
                                          "utenfor, ikke foreslå dem; la veien vente på målet (det vises som et åpent spørsmål)"))
    return out


def _hard_prerequisites_are_guarded(rs: Ruleset) -> list[Problem]:
    """A hard prerequisite no measure can bring about must have a guard for when it is known unmet.

    (A bank refusal before startlån: if the bank has not refused, startlån is
    left out with a plain reason, not shown as something to check.) A guard
    is a rule that excludes the measure on ``not: {derived: <fact>}``.
    """
    provided = {fid for m in rs.measures.values() for fid in m.provides}
    guarded = {(action.exclude, atom.id) for rule in rs.rules.values() for action in rule.rule.then if action.exclude
               for atom in _negated_derived(rule.condition)}
    out = []
    for m in rs.measures.values():
        for pre in m.requires:
            if pre.kind == "hard" and pre.fact is not None and pre.fact not in provided and (m.id, pre.fact) not in guarded:
                out.append(Problem(None, None, f"measures.{m.id}.requires",
                                   f"the hard prerequisite '{pre.fact}' is brought about by no measure: add a guard rule that excludes "
                                   f"'{m.id}' when it is known to be false (when: {{not: {{derived: {pre.fact}}}}})",
                                   message_nb=f"det harde vilkåret '{pre.fact}' kan ikke oppfylles av noe tiltak: legg til en vaktregel som "
                                              f"utelater '{m.id}' når det er kjent at det ikke er oppfylt (when: {{not: {{derived: {pre.fact}}}}})"))
    return out


def _negated_derived(cond: C.Condition, negated: bool = False) -> list[C.Derived]:
    """The derived facts a condition reads as "known false" (inside an odd number of ``not``)."""
    if isinstance(cond, C.Derived):
        return [cond] if negated else []
    if isinstance(cond, C.Not):
        return _negated_derived(cond.item, not negated)
    if isinstance(cond, (C.All, C.AnyOf)):
        return [a for item in cond.items for a in _negated_derived(item, negated)]
    return []
