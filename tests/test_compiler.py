"""The compiled durable_rules definitions (plain data), pinned for reviewers."""

from __future__ import annotations

from ibp_rules import Engine
from ibp_rules.compiler import END_RULE, SINK_RULE, engine_fact, first_key, first_key_groups, flags_read, plain_definition


def test_not_derived_compiles_to_when_the_fact_is_known_false(engine: Engine) -> None:
    """"not derived betalingsproblemer" is not "the fact was not derived": it becomes the
    conditions under which no rule can derive it (payment problems and collection both
    known to be absent), so an unknown input never reads as "no"."""
    d = plain_definition(engine.ruleset)
    (name,) = [k for k in d if k.startswith("gjeld-uten-betalingsproblemer#")]
    (pattern,) = d[name]["all"]
    tests = pattern["a"]["$and"]
    assert tests[0] == {"t": "a"}
    assert [t for t in tests[1:] if "$neq" not in t] == [{"okonomi__gjeld": True}, {"okonomi__betalingsproblemer": False},
                                                          {"okonomi__inkasso": False}]
    # no negated patterns remain, so no stratum markers are needed
    assert engine.ruleset.max_stratum == 0
    assert not any("$not" in key for rule in d.values() for pattern in rule["all"] for key in pattern)


def test_derived_and_list_patterns(engine: Engine) -> None:
    d = plain_definition(engine.ruleset)
    groups = first_key_groups(engine.ruleset)
    assert d["startlan-innen-rekkevidde#0"] == {"all": [
        {"a": {"$and": [{"t": "a"}, {"$neq": {"t": f"g{groups['mal__onsker__eie']}"}}, {"mal__onsker__eie": True}]}},
        {"d0": {"$and": [{"t": "d"}, {"id": "stabil_inntekt"}]}},
    ]}
    assert d["varig-nedsatt-arbeidsevne#1"] == {"all": [
        {"a": {"$and": [{"t": "a"}, {"$neq": {"t": f"g{groups['helse__arbeidsevne']}"}}, {"helse__arbeidsevne": "nedsatt_varig"},
                        {"$nex": {"okonomi__inntektskilder": 1}}]}},
    ]}
    assert SINK_RULE in d and END_RULE in d


def test_engine_fact_flattens_lists_into_flags(engine: Engine) -> None:
    flags = flags_read(engine.ruleset)
    assert "uforetrygd" in flags["okonomi.inntektskilder"]
    # only the items some rule reads become flags: a home already allocated, say, not every measure id
    assert "kommunal_utleiebolig" in flags["tiltak_mottatt"] and "startlan" not in flags["tiltak_mottatt"]
    fact = engine_fact({"okonomi.inntektskilder": ["aap"], "bolig.situasjon": "eid", "tiltak_mottatt": ["startlan"]}, flags)
    assert fact["tiltak_mottatt"] == 1 and "tiltak_mottatt__startlan" not in fact
    assert fact["tiltak_mottatt__kommunal_utleiebolig"] is False
    assert fact["t"] == "a" and fact["bolig__situasjon"] == "eid"
    assert fact["okonomi__inntektskilder"] == 1
    assert fact["okonomi__inntektskilder__aap"] is True and fact["okonomi__inntektskilder__uforetrygd"] is False


def test_first_tests_are_spread_over_groups(engine: Engine) -> None:
    """Every assessment pattern's first test sits under a group test, about
    √(first keys) groups, all tests of one key in one group (see the
    compiler's docstring: durable's 64-node matching stack)."""
    groups = first_key_groups(engine.ruleset)
    n = max(groups.values()) + 1
    assert n * n >= len(groups) > (n - 1) * (n - 1)
    for name, rule in plain_definition(engine.ruleset).items():
        for pattern in rule["all"]:
            (alias, expr), = pattern.items()
            tests = expr.get("$and", [])
            if tests[:1] == [{"t": "a"}] and len(tests) > 1:
                assert tests[1] == {"$neq": {"t": f"g{groups[first_key(tests[2])]}"}}, name
