"""Staging and phases: parallel by default, later only for a hard prerequisite."""

from __future__ import annotations

from pathlib import Path

from ibp_rules import Engine
from ibp_rules.planner import earliest_phase


def test_earliest_phase() -> None:
    assert earliest_phase(None, "oppfolging") == "oppfolging"
    assert earliest_phase("avslutning", "oppstart") == "oppstart"
    assert earliest_phase("oppfolging", None) == "oppfolging"


def test_waiting_measure_leaves_oppstart(ruleset_copy: Path) -> None:
    """A measure asked for in oppstart that must wait for another goes to oppfolging."""
    measures = ruleset_copy / "catalogue" / "measures.yaml"
    text = measures.read_text(encoding="utf-8")
    start = text.index("  - id: aap\n")
    end = text.index("  - id: uforetrygd\n")
    block = text[start:end].replace("    partner: nav_forvaltning\n", "    partner: nav_forvaltning\n    phase: oppstart\n", 1)
    measures.write_text(text[:start] + block + text[end:], encoding="utf-8")
    eng = Engine.from_paths(ruleset_copy)
    s = eng.assess({"helse": {"arbeidsevne": "nedsatt_uavklart"}})
    aap = next(m for m in s.measures if m.id == "aap")
    assert aap.stage == 1 and aap.requires == ["fastlege_vurdering"] and aap.phase == "oppfolging"
    fastlege = next(m for m in s.measures if m.id == "fastlege_vurdering")
    assert fastlege.stage == 0 and fastlege.phase == "oppstart"


def test_everything_without_an_edge_is_parallel(engine: Engine) -> None:
    s = engine.assess({"bolig": {"situasjon": "uten_fast_bolig", "husleierestanse": True},
                       "okonomi": {"betalingsproblemer": True, "inntektskilder": []},
                       "arbeid_utdanning": {"norsk": "lite"}})
    # only a hard prerequisite met by another suggested measure delays anything (bostøtte waits for a home)
    assert all(m.requires for m in s.measures if m.stage > 0)
    assert [m.id for m in s.measures if m.stage > 0] == ["bostotte"]
    assert len([m for m in s.measures if m.stage == 0]) >= 6


def test_measures_are_sorted_by_stage_pillar_id(engine: Engine) -> None:
    from conftest import EXAMPLES
    from ibp_rules import read_assessment

    s = engine.assess(read_assessment(EXAMPLES / "uforetrygd-til-startlan.yaml"))
    order = ["bolig", "okonomi", "helse", "arbeid_utdanning", "annet"]
    keys = [(m.stage, order.index(m.pillar), m.id) for m in s.measures]
    assert keys == sorted(keys)


def test_a_bridge_asked_for_now_starts_beside_its_documentation(engine: Engine) -> None:
    """Sick pay ends in six weeks: AAP is applied for now, with the GP's documentation in parallel.

    Its hard prerequisite is still shown, planned by the documentation step;
    only the stage changes (a stage later, the income would already stop).
    """
    s = engine.assess({"okonomi": {"sykepenger_uker_igjen": 6, "inntektskilder": ["sykepenger"]},
                       "helse": {"arbeidsevne": "nedsatt_uavklart"}})
    aap = next(m for m in s.measures if m.id == "aap")
    fastlege = next(m for m in s.measures if m.id == "fastlege_vurdering")
    assert (aap.stage, aap.phase, aap.requires) == (0, "oppstart", [])
    assert (fastlege.stage, fastlege.phase) == (0, "oppstart")
    pre = next(p for p in aap.prerequisites if p.measure == "fastlege_vurdering")
    assert (pre.kind, pre.status, pre.by) == ("hard", "planned", ["fastlege_vurdering"])


def test_a_bridge_brings_its_documentation_step_forward(engine: Engine) -> None:
    """AAP ends in ten weeks, capacity permanently reduced: disability benefit now, and the GP's part starts now too.

    The rule asks only for the benefit now; the measure meeting its hard
    prerequisite comes forward with it rather than holding it back.
    """
    s = engine.assess({"okonomi": {"aap_uker_igjen": 10, "inntektskilder": ["aap"]},
                       "helse": {"arbeidsevne": "nedsatt_varig"}})
    stages = {m.id: (m.stage, m.phase) for m in s.measures}
    assert stages["uforetrygd"] == (0, "oppstart") and stages["fastlege_vurdering"] == (0, "oppstart")


def test_without_a_rule_asking_for_now_the_hard_prerequisite_still_orders(engine: Engine) -> None:
    """The same measures without a dated transition keep their order: documentation first, then AAP."""
    s = engine.assess({"helse": {"arbeidsevne": "nedsatt_uavklart"}})
    aap = next(m for m in s.measures if m.id == "aap")
    assert (aap.stage, aap.phase, aap.requires) == (1, "oppfolging", ["fastlege_vurdering"])
