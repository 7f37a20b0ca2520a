"""The condition language: parsing, type checks, normalisation, explanation."""

from __future__ import annotations

from typing import Any

import pytest

from ibp_rules import conditions as C

CTX = C.ParseContext(derived_ids=frozenset({"stabil_inntekt", "ustabil_inntekt"}), measure_ids=frozenset({"startlan", "bostotte"}))


def parse_ok(data: Any) -> C.Condition:
    cond, problems = C.parse(data, CTX)
    assert not problems, [p.message for p in problems]
    assert cond is not None
    return cond


def parse_bad(data: Any) -> list[C.ConditionProblem]:
    cond, problems = C.parse(data, CTX, ("when",))
    assert cond is None and problems
    return problems


def test_shorthand_equality_and_operators() -> None:
    assert parse_ok({"bolig.situasjon": "eid"}) == C.Compare("bolig.situasjon", "eq", "eid")
    assert parse_ok({"bolig.ar_i_boligen": {"gte": 3}}) == C.Compare("bolig.ar_i_boligen", "gte", 3)
    assert parse_ok({"okonomi.inntektskilder": {"contains_any": ["aap", "dagpenger"]}}) == C.Compare(
        "okonomi.inntektskilder", "contains_any", ("aap", "dagpenger"))
    assert parse_ok({"tiltak_mottatt": {"contains": "startlan"}}).value == "startlan"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ({"bolig.situasjn": "eid"}, ("when", "bolig.situasjn"), "bolig.situasjon"),
        ({"bolig.situasjon": "slott"}, ("when", "bolig.situasjon"), "allowed:"),
        ({"bolig.husleierestanse": 1}, ("when", "bolig.husleierestanse"), "true/false"),
        ({"bolig.ar_i_boligen": "mange"}, ("when", "bolig.ar_i_boligen"), "number"),
        ({"bolig.situasjon": {"gt": "eid"}}, ("when", "bolig.situasjon", "gt"), "does not apply"),
        ({"okonomi.inntektskilder": "aap"}, ("when", "okonomi.inntektskilder"), "does not apply"),
        ({"derived": "stabil_inntek"}, ("when", "derived"), "stabil_inntekt"),
        ({"tiltak_mottatt": {"contains": "startln"}}, ("when", "tiltak_mottatt", "contains"), "startlan"),
        ({"all": []}, ("when", "all"), "non-empty"),
        ({"all": [{"a": 1, "b": 2}]}, ("when", "all", 0), "exactly one key"),
        ({"bolig.ar_i_boligen": {"gt": 1, "lt": 5}}, ("when", "bolig.ar_i_boligen"), "exactly one operator"),
        ({"bolig.situasjon": {"in": []}}, ("when", "bolig.situasjon", "in"), "non-empty"),
    ],
)
def test_problems_are_located_and_helpful(data: Any, path: tuple[Any, ...], words: str) -> None:
    problems = parse_bad(data)
    assert problems[0].path == path
    assert words in problems[0].message


def test_all_problems_are_reported() -> None:
    problems = parse_bad({"all": [{"nope.a": 1}, {"nope.b": 2}, {"derived": "x"}]})
    assert len(problems) == 3


def test_not_pushes_to_atoms_and_unknown_stays_false() -> None:
    cond = parse_ok({"not": {"all": [{"bolig.husleierestanse": True}, {"derived": "stabil_inntekt"}]}})
    dnf = C.to_dnf(cond)
    assert dnf == [(C.Compare("bolig.husleierestanse", "ne", True),), (C.Derived("stabil_inntekt", False),)]
    # "not husleierestanse" does not hold when husleierestanse is unknown
    assert not C.holds(dnf[0][0], {}, set())
    assert C.holds(dnf[0][0], {"bolig.husleierestanse": False}, set())


@pytest.mark.parametrize(
    ("atom", "negated"),
    [
        (C.Compare("x", "lt", 3), C.Compare("x", "gte", 3)),
        (C.Compare("x", "in", ("a",)), C.Compare("x", "not_in", ("a",))),
        (C.Compare("x", "contains_any", ("a",)), C.Compare("x", "contains_none", ("a",))),
        (C.Compare("x", "known", True), C.Compare("x", "known", False)),
        (C.Compare("x", "empty", True), C.Compare("x", "empty", False)),
    ],
)
def test_negation_table(atom: C.Compare, negated: C.Compare) -> None:
    assert C.negate_atom(atom) == negated
    assert C.negate_atom(negated) == atom


def test_dnf_distributes_and_is_bounded() -> None:
    cond = parse_ok({"all": [{"any": [{"bolig.uegnet": True}, {"bolig.trangbodd": True}]},
                             {"any": [{"helse.lar": True}, {"helse.fastlege": False}]}]})
    assert len(C.to_dnf(cond)) == 4
    wide = {"all": [{"any": [{"bolig.uegnet": True}, {"bolig.trangbodd": True}]}] * 6}
    with pytest.raises(ValueError, match="split the rule"):
        C.to_dnf(parse_ok(wide))


@pytest.mark.parametrize(
    ("atom", "facts", "expected"),
    [
        (C.Compare("a", "known", False), {}, True),
        (C.Compare("a", "ne", 1), {}, False),
        (C.Compare("a", "not_in", (1,)), {"a": 2}, True),
        (C.Compare("l", "empty", True), {"l": []}, True),
        (C.Compare("l", "empty", False), {}, False),
        (C.Compare("l", "contains_none", ("x",)), {"l": ["y"]}, True),
        (C.Compare("l", "not_contains", "x"), {}, False),
    ],
)
def test_holds(atom: C.Compare, facts: dict[str, Any], expected: bool) -> None:
    assert C.holds(atom, facts, set()) is expected


def test_describe_atom() -> None:
    assert C.describe_atom(C.Compare("helse.arbeidsevne", "eq", "nedsatt_varig")) == "helse.arbeidsevne = nedsatt_varig"
    assert C.describe_atom(C.Derived("stabil_inntekt", False)) == "not derived:stabil_inntekt"
    assert C.describe_atom(C.Compare("okonomi.gjeld", "known", False)) == "okonomi.gjeld is unknown"
