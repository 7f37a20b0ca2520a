"""The pillar graph: four pillars, six relations in both directions, where to start."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibp_rules import Engine, RulesetError
from ibp_rules.graph import PillarGraph, relation_id
from ibp_rules.ruleset import load_ruleset
from ibp_rules.ruleset_files import DerivedFact


def fact(fid: str, pillar: str, blocks: list[str]) -> DerivedFact:
    return DerivedFact.model_validate({"id": fid, "kind": "barrier", "pillar": pillar, "blocks": blocks,
                                       "title": {"nb": fid, "en": fid}})


def test_shape(engine: Engine) -> None:
    g = engine.graph.graph
    assert sorted(g.nodes) == sorted(["bolig", "okonomi", "helse", "arbeid_utdanning"])
    assert g.number_of_edges() == 12  # six relations, both directions
    assert len({relation_id(a, b) for a, b in g.edges}) == 6
    d = engine.graph.direction("helse", "okonomi")
    assert d.barrier.nb and d.solution.en
    assert engine.graph.meaning("okonomi", "bolig", "solution") == engine.graph.direction("okonomi", "bolig").solution


def test_start_with_picks_the_pillar_that_blocks_most(engine: Engine) -> None:
    start, reasons = engine.graph.start_with([fact("aa", "okonomi", ["bolig"]), fact("bb", "helse", ["okonomi", "arbeid_utdanning"])])
    assert start == ["helse"] and reasons[0].blocks == ("okonomi", "arbeid_utdanning")


def test_start_with_ties_and_merging(engine: Engine) -> None:
    start, reasons = engine.graph.start_with([
        fact("aa", "okonomi", ["bolig"]), fact("cc", "okonomi", ["helse"]), fact("bb", "helse", ["okonomi", "bolig"])])
    assert start == ["okonomi", "helse"]
    assert reasons[0].barriers == ("aa", "cc") and reasons[0].blocks == ("bolig", "helse")


def test_start_with_barriers_that_block_nothing(engine: Engine) -> None:
    start, _ = engine.graph.start_with([fact("aa", "bolig", [])])
    assert start == ["bolig"]
    assert engine.graph.start_with([]) == ([], [])


def test_graph_files_are_checked(ruleset_copy: Path) -> None:
    pillars = ruleset_copy / "catalogue" / "pillars.yaml"
    text = pillars.read_text(encoding="utf-8")
    pillars.write_text(text.replace("      - from: bolig\n        to: helse", "      - from: bolig\n        to: bolig"), encoding="utf-8")
    with pytest.raises(RulesetError) as exc:
        load_ruleset([ruleset_copy])
    assert any("directions must be exactly" in p.message for p in exc.value.problems)


def test_relation_from_graph_for_a_custom_ruleset(ruleset_copy: Path) -> None:
    g = PillarGraph(load_ruleset([ruleset_copy]))
    assert "Bolig" in g.to_mermaid("nb") and "Housing" in g.to_dot("en")
