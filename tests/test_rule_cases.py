"""Every case written beside the rules, collected as a pytest test of its own.

The cases live in ``rulesets/rules/*.cases.yaml`` (installed with the
wheel); a case marked ``xfail`` is a known gap and a *strict* expected
failure, so closing the gap without updating the case fails here.
"""

from __future__ import annotations

import pytest

from ibp_rules import Engine
from ibp_rules.resources import default_ruleset_path
from ibp_rules.rule_cases import LoadedCase, failure_text, load_rule_cases, run_case
from ibp_rules.ruleset import load_ruleset

_CASES = load_rule_cases(load_ruleset([default_ruleset_path()]))


def _param(lc: LoadedCase) -> object:
    marks = [pytest.mark.xfail(reason=lc.case.xfail, strict=True)] if lc.case.xfail else []
    return pytest.param(lc, id=lc.name, marks=marks)


@pytest.mark.parametrize("lc", [_param(lc) for lc in _CASES])
def test_rule_case(engine: Engine, lc: LoadedCase) -> None:
    result = run_case(engine, lc)
    assert result.passed, failure_text(result)


def test_every_rule_has_cases_both_ways(engine: Engine) -> None:
    have: dict[str, set[str]] = {}
    for lc in _CASES:
        if not lc.case.xfail:
            have.setdefault(lc.case.rule, set()).add(lc.case.expect)
    assert {rid for rid in engine.ruleset.rules if have.get(rid) != {"fires", "silent"}} == set()
    assert len(_CASES) >= 2 * len(engine.ruleset.rules)
