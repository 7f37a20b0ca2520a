"""Open questions: the unknown fields whose answers could change the plan."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import ASSESSMENTS, ENGINE, get_field, set_field, values_of

from ibp_rules import Engine, Strategy
from ibp_rules.questions import FIELD_ORDER


def _q(s: Strategy, path: str) -> Any:
    return next((q for q in s.open_questions if q.path == path), None)


def test_an_unknown_payment_problem_is_asked_about(engine: Engine) -> None:
    s = engine.assess({"okonomi": {"gjeld": True}})
    q = _q(s, "okonomi.betalingsproblemer")
    assert q is not None and {"gjeld-og-betalingsproblemer", "gjeld-uten-betalingsproblemer"} <= set(q.rules)
    assert q.measures == sorted(set(q.adds) | set(q.removes))
    # the half-known trigger gives an informasjon contact now, not silence
    (m,) = [m for m in s.measures if m.id == "gjeldsradgivning"]
    assert [(p.id, p.form) for p in m.partners] == [("gjeldsradgiver", "informasjon")]
    # without knowing anything about debt, the question is what could bring debt counselling in
    q = _q(engine.assess({}), "okonomi.betalingsproblemer")
    assert q is not None and "gjeldsradgivning" in q.adds


def test_questions_reach_through_derived_facts(engine: Engine) -> None:
    # wants to own: whether work capacity is permanently reduced decides whether uføretrygd
    # (and through it a stable income and startlån) comes in
    s = engine.assess({"mal": {"onsker": ["eie"]}, "okonomi": {"inntektskilder": ["aap"]}})
    q = _q(s, "helse.arbeidsevne")
    assert q is not None and {"uforetrygd", "startlan"} <= set(q.adds)


def test_a_suggestion_resting_on_an_unknown_can_be_removed(engine: Engine) -> None:
    # uføretrygd is suggested while the income sources are unknown; if they turn out to include it, it goes
    s = engine.assess({"helse": {"arbeidsevne": "nedsatt_varig"}})
    assert "uforetrygd" in {m.id for m in s.measures}
    q = _q(s, "okonomi.inntektskilder")
    assert q is not None and "uforetrygd" in q.removes


def test_known_facts_raise_no_questions(engine: Engine) -> None:
    s = engine.assess({"okonomi": {"gjeld": True, "betalingsproblemer": False, "inkasso": False}})
    assert _q(s, "okonomi.betalingsproblemer") is None and _q(s, "okonomi.inkasso") is None


def test_no_children_is_not_an_unknown_age(engine: Engine) -> None:
    s = engine.assess({"husholdning": {"barn_alder": []}, "okonomi": {"inntektskilder": ["sosialhjelp"]}})
    assert not any(q.path in ("husholdning.barn_alder", "husholdning.yngste_barn_alder", "husholdning.eldste_barn_alder",
                              "husholdning.antall_barn") for q in s.open_questions)
    s = engine.assess({"okonomi": {"inntektskilder": ["sosialhjelp"]}})
    assert _q(s, "husholdning.barn_alder") is not None  # asked about as the field a person answers


def test_questions_are_in_assessment_order_and_deterministic(engine: Engine) -> None:
    data = {"okonomi": {"gjeld": True}, "helse": {"psykisk": "betydelig"}}
    first = engine.assess(data)
    order = [FIELD_ORDER[q.path] for q in first.open_questions]
    assert order == sorted(order)
    assert engine.assess(data).to_json() == first.to_json()
    assert json.loads(first.to_json())["schema_version"] == 4


def test_text_output_lists_the_questions_briefly(engine: Engine) -> None:
    from ibp_rules.render import render

    s = engine.assess({"okonomi": {"gjeld": True, "inntektskilder": ["arbeid"]}, "helse": {"psykisk": "betydelig"}})
    text = render(s, engine.ruleset, "text", "nb")
    assert "Åpne spørsmål som kan endre planen" in text and "Har personen problemer med å betale regninger i tide? – kan gi" in text
    assert "Open questions that could change the plan" in render(s, engine.ruleset, "text", "en")


def _measures(s: Strategy) -> set[str]:
    return {m.id for m in s.measures}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ASSESSMENTS, st.data())
def test_answering_one_question_changes_only_what_it_said(data: dict[str, Any], draw: Any) -> None:
    """Complete: set any one unknown field to any value; every measure that comes in
    was announced under that field's ``adds``, every one that goes under ``removes``."""
    before = ENGINE.assess(data)
    # the user's own refusals are asked in the goals conversation, not as open facts
    unknown = [p for p in values_of if get_field(data, p) is None and p not in ("mal.onsker_ikke",)]
    if not unknown:
        return
    path = draw.draw(st.sampled_from(sorted(unknown)))
    q = _q(before, path)
    for value in values_of[path]:
        after = ENGINE.assess(set_field(data, path, value))
        added = _measures(after) - _measures(before)
        removed = _measures(before) - _measures(after)
        assert added <= set(q.adds if q else ()), (path, value, added)
        assert removed <= set(q.removes if q else ()), (path, value, removed)
