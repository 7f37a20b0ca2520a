"""The JSON line a strategy is written as, put together from shared parts
(:meth:`Strategy.to_json_line`), is byte for byte what pydantic's serializer
gives for the whole model — for the worked cases and a synthetic caseload,
in both forms, and however the shared-part cache is filled or emptied."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibp_rules import Engine, strategy
from ibp_rules.caches import TwoGenerations
from ibp_rules.engine import read_assessment
from ibp_rules.population import population
from ibp_rules.strategy import COMPACT_EXCLUDE, Strategy

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))


def _whole(s: Strategy, compact: bool) -> bytes:
    if compact:
        return s.__pydantic_serializer__.to_json(s, by_alias=True, exclude=COMPACT_EXCLUDE, exclude_none=True)
    return s.__pydantic_serializer__.to_json(s, by_alias=True)


def _cases() -> list[Strategy]:
    engine = Engine.default()
    out = []
    for path in EXAMPLES:
        try:
            out.append(engine.assess(read_assessment(path)))
        except Exception:  # noqa: BLE001 - a file of several cases, not one assessment
            continue
    out += [engine.assess(p) for p in population(300, 4)]
    return out


@pytest.mark.parametrize("compact", [False, True])
def test_line_is_the_whole_model_serialized(compact: bool) -> None:
    cases = _cases()
    assert len(cases) > 320
    for s in cases:  # twice: first serialization fills the cache, the second reads it
        assert s.to_json_line(compact) == _whole(s, compact)
        assert s.to_json_line(compact) == _whole(s, compact)


def test_cache_is_bounded_and_survives_turning_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strategy, "_SHARED", TwoGenerations(7))
    Engine.default()._objects.clear()
    for s in _cases()[:60]:
        assert s.to_json_line(True) == _whole(s, True)
        assert s.to_json_line(False) == _whole(s, False)
        assert len(strategy._SHARED) <= 14


def test_compact_leaves_out_the_same_fields_of_a_part_everywhere() -> None:
    """The compact form is written per part type; an exclude tree that treats
    one type differently in two places cannot be written so, and is refused."""
    omit = strategy._compact_omit()
    assert omit[strategy.Why] == {"title", "text", "source"}
    assert omit[strategy.FactValue] == {"test"}
    tree = {**COMPACT_EXCLUDE, "tasks": {"__all__": {"title": True, "description": True, "why": {"__all__": {"title": True}}}}}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(strategy, "COMPACT_EXCLUDE", tree)
        with pytest.raises(AssertionError, match="Why"):
            strategy._compact_omit()
