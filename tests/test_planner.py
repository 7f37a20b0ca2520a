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
