"""Properties over generated assessments: valid output, determinism, explanations."""

from __future__ import annotations

import enum
import json
import typing
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from ibp_rules import Assessment, Engine, strategy_json_schema
from ibp_rules.fact_schema import _strip_annotated, _unwrap_optional

VALIDATOR = jsonschema.Draft202012Validator(strategy_json_schema())
ENGINE = Engine.default()


def _field_strategy(name: str, annotation: Any, field: Any) -> st.SearchStrategy[Any]:
    inner = _strip_annotated(_unwrap_optional(annotation))
    if inner is bool:
        base: st.SearchStrategy[Any] = st.booleans()
    elif inner is int:
        lo = next((m.ge for m in field.metadata if hasattr(m, "ge")), 0)
        hi = next((m.le for m in field.metadata if hasattr(m, "le")), 100)
        base = st.integers(lo, hi)
    elif inner is float:
        base = st.floats(0, 100, allow_nan=False)
    elif isinstance(inner, type) and issubclass(inner, enum.Enum):
        base = st.sampled_from([m.value for m in inner])
    elif typing.get_origin(inner) is list:
        item = _strip_annotated(typing.get_args(inner)[0])
        if isinstance(item, type) and issubclass(item, enum.Enum):
            base = st.lists(st.sampled_from([m.value for m in item]), max_size=4)
        elif item is int:
            base = st.lists(st.integers(0, 25), max_size=4)
        else:
            base = st.lists(st.text(max_size=20), max_size=2)
    else:
        base = st.text(max_size=50)
    return st.none() | base


def _section(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    fields = {name: _field_strategy(name, f.annotation, f) for name, f in model.model_fields.items()}
    if "tiltak_ikke_onsket" in fields:  # measure ids, not free text
        fields["tiltak_ikke_onsket"] = st.none() | st.lists(st.sampled_from(sorted(ENGINE.ruleset.measures)), max_size=2)
    return st.fixed_dictionaries({}, optional=fields)


SECTIONS = {name: _section(typing.cast(type[BaseModel], _unwrap_optional(f.annotation)))
            for name, f in Assessment.model_fields.items()
            if isinstance(_unwrap_optional(f.annotation), type) and issubclass(_unwrap_optional(f.annotation), BaseModel)}
ASSESSMENTS = st.fixed_dictionaries({"schema_version": st.just(2)}, optional={
    **SECTIONS,
    "malgrupper": st.none() | st.lists(st.sampled_from(["rus", "introduksjon", "krisesenter", "loslatelse", "enslig_forsorger"]), max_size=3),
    "tiltak_mottatt": st.none() | st.lists(st.sampled_from(sorted(ENGINE.ruleset.measures)), max_size=3),
    "samtykke_deling": st.none() | st.booleans(),
})


def _values(annotation: Any, field: Any) -> list[Any]:
    """Representative values to set a field to (every value of a closed vocabulary)."""
    inner = _strip_annotated(_unwrap_optional(annotation))
    if inner is bool:
        return [True, False]
    if inner in (int, float):
        lo = next((m.ge for m in field.metadata if hasattr(m, "ge")), 0)
        hi = next((m.le for m in field.metadata if hasattr(m, "le")), 100)
        return sorted({v for v in (0, 1, 2, 3, 4, 8, 12, 17, 20, 26, 30, 50, 60, 67, 70, 79, 80, 100) if lo <= v <= hi})
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return [m.value for m in inner]
    if typing.get_origin(inner) is list:
        item = _strip_annotated(typing.get_args(inner)[0])
        if isinstance(item, type) and issubclass(item, enum.Enum):
            return [[]] + [[m.value] for m in item]
        if item is int:
            return [[], [0], [3], [7], [12], [2, 16]]
    return []


#: every field rules may read, with the values a property test sets it to
values_of: dict[str, list[Any]] = {}
for _section_name, _f in Assessment.model_fields.items():
    _ann = _unwrap_optional(_f.annotation)
    if isinstance(_ann, type) and issubclass(_ann, BaseModel):
        for _name, _sub in _ann.model_fields.items():
            if _vals := _values(_sub.annotation, _sub):
                values_of[f"{_section_name}.{_name}"] = _vals
    elif _section_name == "malgrupper":
        values_of[_section_name] = _values(_f.annotation, _f)


def get_field(data: dict[str, Any], path: str) -> Any:
    """The value at a field path of assessment data (None when absent)."""
    if "." not in path:
        return data.get(path)
    section, name = path.split(".", 1)
    sec = data.get(section)
    return sec.get(name) if isinstance(sec, dict) else None


def set_field(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of assessment data with one field set."""
    out = json.loads(json.dumps(data))
    if "." not in path:
        out[path] = value
        return out
    section, name = path.split(".", 1)
    sec = out.get(section)
    out[section] = {**(sec if isinstance(sec, dict) else {}), name: value}
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ASSESSMENTS)
def test_any_valid_assessment_gives_a_valid_deterministic_strategy(data: dict[str, Any]) -> None:
    first = ENGINE.assess(data).to_json()
    VALIDATOR.validate(json.loads(first))
    assert ENGINE.assess(data).to_json() == first
    strategy = json.loads(first)
    for m in strategy["measures"]:
        assert m["id"] not in (data.get("tiltak_mottatt") or [])
        assert m["why"] and all(w["rule"] in ENGINE.ruleset.rules and w["facts"] for w in m["why"])
        assert all(r in {x["id"] for x in strategy["measures"]} for r in m["requires"])
        by_id = {x["id"]: x for x in strategy["measures"]}
        assert all(by_id[r]["stage"] < m["stage"] for r in m["requires"])


@settings(max_examples=60, deadline=None)
@given(ASSESSMENTS, st.randoms())
def test_list_order_does_not_matter(data: dict[str, Any], rnd: Any) -> None:
    shuffled = json.loads(json.dumps(data))
    for section in shuffled.values():
        if isinstance(section, dict):
            for v in section.values():
                if isinstance(v, list):
                    rnd.shuffle(v)
        elif isinstance(section, list):
            rnd.shuffle(section)
    assert ENGINE.assess(shuffled).to_json() == ENGINE.assess(data).to_json()


def _with(data: dict[str, Any], section: str, **values: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(data))
    sec = out.get(section)
    out[section] = {**(sec if isinstance(sec, dict) else {}), **values}
    return out


@settings(max_examples=120, deadline=None)
@given(ASSESSMENTS)
def test_payment_problems_never_remove_debt_counselling(data: dict[str, Any]) -> None:
    """Adding payment problems with debt keeps (or brings) gjeldsrådgivning."""
    declined = ((data.get("mal") or {}).get("tiltak_ikke_onsket")) or []
    if "gjeldsradgivning" in (data.get("tiltak_mottatt") or []) or "gjeldsradgivning" in declined:
        return
    worse = _with(data, "okonomi", betalingsproblemer=True, gjeld=True)
    after = {m.id for m in ENGINE.assess(worse).measures}
    assert "gjeldsradgivning" in after


@settings(max_examples=120, deadline=None)
@given(ASSESSMENTS)
def test_granting_uforetrygd_never_removes_startlan(data: dict[str, Any]) -> None:
    """Once uføretrygd is granted (a stable income), startlån stays within reach."""
    before = {m.id for m in ENGINE.assess(data).measures}
    if "startlan" not in before:
        return
    sources = (data.get("okonomi") or {}).get("inntektskilder") or []
    granted = _with(data, "okonomi", inntektskilder=sorted(set(sources) | {"uforetrygd"}))
    after = ENGINE.assess(granted)
    startlan = next(m for m in after.measures if m.id == "startlan")
    stable = next(p for p in startlan.prerequisites if p.fact == "stabil_inntekt")
    assert stable.status == "met" and "uforetrygd" not in startlan.requires


@settings(max_examples=100, deadline=None)
@given(ASSESSMENTS)
def test_every_suggestion_traces_back_to_input_facts(data: dict[str, Any]) -> None:
    s = ENGINE.assess(data)
    findings = {f.id: f for f in s.findings}

    def grounded(why: Any, seen: frozenset[str] = frozenset()) -> bool:
        if any(not f.path.startswith("derived.") for f in why.facts):
            return True
        for f in why.facts:
            fid = f.path.removeprefix("derived.")
            if f.value and fid in findings and fid not in seen:
                if any(grounded(w, seen | {fid}) for w in findings[fid].why):
                    return True
        return False

    for m in s.measures:
        assert all(w.rule in ENGINE.ruleset.rules for w in m.why)
        assert any(grounded(w) for w in m.why), m.id
