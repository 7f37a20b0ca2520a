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

from .engine import Engine
from .errors import Problem, RulesetError
from .rule_cases import LoadedCase, coverage_gaps, load_rule_cases
from .ruleset import Ruleset


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
    return cases, sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.path))
