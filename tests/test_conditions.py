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
    # on a true/false fact "known and not true" reads as "false"
    assert dnf == [(C.Compare("bolig.husleierestanse", "eq", False),), (C.Derived("stabil_inntekt", False),)]
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
    pairs = [("bolig.uegnet", "bolig.trangbodd"), ("helse.lar", "helse.fastlege"), ("okonomi.gjeld", "okonomi.inkasso"),
             ("okonomi.verge", "okonomi.sparing"), ("bolig.vold", "bolig.husleierestanse"), ("okonomi.bankavslag", "okonomi.gjeldsordning")]
    wide = {"all": [{"any": [{a: True}, {b: True}]} for a, b in pairs]}
    with pytest.raises(ValueError, match="split the rule"):
        C.to_dnf(parse_ok(wide))
    # the same alternative repeated is simplified away, not counted
    assert len(C.to_dnf(parse_ok({"all": [{"any": [{"bolig.uegnet": True}, {"bolig.trangbodd": True}]}] * 6}))) == 2


def test_simplify_drops_contradictions_and_implied_clauses() -> None:
    eq, ne = C.Compare("bolig.situasjon", "eq", "eid"), C.Compare("bolig.situasjon", "ne", "fengsel")
    assert C.simplify([(eq, ne)]) == [(eq,)]  # "= eid" implies "≠ fengsel"
    assert C.simplify([(eq, C.Compare("bolig.situasjon", "eq", "privat_leie"))]) == []
    assert C.simplify([(C.Compare("bolig.vold", "known", False), C.Compare("bolig.vold", "eq", True))]) == []
    assert C.simplify([(C.Compare("bolig.ar_i_boligen", "gt", 5), C.Compare("bolig.ar_i_boligen", "lt", 3))]) == []
    lst = "okonomi.inntektskilder"
    assert C.simplify([(C.Compare(lst, "contains", "aap"), C.Compare(lst, "contains_none", ("aap", "arbeid")))]) == []
    assert C.simplify([(C.Compare(lst, "empty", True), C.Compare(lst, "contains_any", ("aap",)))]) == []
    # two clauses on one enumeration read as one, in the enumeration's order
    (merged,) = C.simplify([(C.Compare("bolig.situasjon", "ne", "eid"), C.Compare("bolig.situasjon", "ne", "fengsel"))])
    assert merged == (C.Compare("bolig.situasjon", "not_in", ("eid", "fengsel")),)
    # a conjunction that says more than another adds no alternative
    a, b = C.Compare("okonomi.gjeld", "eq", True), C.Compare("okonomi.inkasso", "eq", True)
    assert C.simplify([(a, b), (a,)]) == [(a,)]


def test_known_false_is_three_valued() -> None:
    """X derived by (A and B) or C is known false only when (not A or not B) and not C are known."""
    a, b, c = (C.Compare("okonomi.gjeld", "eq", True), C.Compare("okonomi.inkasso", "eq", True),
               C.Compare("okonomi.betalingsproblemer", "eq", True))
    dnf = C.known_false([[(a, b)], [(c,)]], lambda fid: [])
    assert sorted(dnf, key=str) == sorted([(C.negate_atom(a), C.negate_atom(c)), (C.negate_atom(b), C.negate_atom(c))], key=str)
    holds = [all(C.holds(x, facts, set()) for x in conj) for conj in dnf for facts in [{}]]
    assert not any(holds)  # nothing known: not known false
    facts = {"okonomi.gjeld": False, "okonomi.betalingsproblemer": False}
    assert any(all(C.holds(x, facts, set()) for x in conj) for conj in dnf)
    assert C.known_false([], lambda fid: []) == [()]  # nothing derives it: always known false
    assert C.known_false([[()]], lambda fid: []) == []  # derived unconditionally: never false


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
