"""The compiled durable_rules definitions (plain data), pinned for reviewers."""

from __future__ import annotations

from ibp_rules import Engine
from ibp_rules.compiler import END_RULE, SINK_RULE, engine_fact, flags_read, plain_definition


def test_negated_derived_fact_waits_for_its_stratum_marker(engine: Engine) -> None:
    d = plain_definition(engine.ruleset)
    assert d["midlertidig-inntekt#0"] == {"all": [
        {"s": {"$and": [{"t": "s"}, {"n": 1}]}},
        {"a": {"$and": [{"t": "a"}, {"okonomi__inntekt_stabil": False}]}},
        {"n0$not": {"$and": [{"t": "d"}, {"id": "stabil_inntekt"}]}},
    ]}
    assert len([k for k in d if k.startswith("midlertidig-inntekt#")]) == 2


def test_derived_and_list_patterns(engine: Engine) -> None:
    d = plain_definition(engine.ruleset)
    assert d["startlan-innen-rekkevidde#0"] == {"all": [
        {"a": {"$and": [{"t": "a"}, {"mal__onsker__eie": True}]}},
        {"d0": {"$and": [{"t": "d"}, {"id": "stabil_inntekt"}]}},
    ]}
    assert d["varig-nedsatt-arbeidsevne#1"] == {"all": [
        {"a": {"$and": [{"t": "a"}, {"helse__arbeidsevne": "nedsatt_varig"}, {"$nex": {"okonomi__inntektskilder": 1}}]}},
    ]}
    assert SINK_RULE in d and END_RULE in d


def test_engine_fact_flattens_lists_into_flags(engine: Engine) -> None:
    flags = flags_read(engine.ruleset)
    assert "uforetrygd" in flags["okonomi.inntektskilder"] and "tiltak_mottatt" not in flags
    fact = engine_fact({"okonomi.inntektskilder": ["aap"], "bolig.situasjon": "eid", "tiltak_mottatt": ["startlan"]}, flags)
    assert fact["tiltak_mottatt"] == 1 and not any(k.startswith("tiltak_mottatt__") for k in fact)
    assert fact["t"] == "a" and fact["bolig__situasjon"] == "eid"
    assert fact["okonomi__inntektskilder"] == 1
    assert fact["okonomi__inntektskilder__aap"] is True and fact["okonomi__inntektskilder__uforetrygd"] is False
