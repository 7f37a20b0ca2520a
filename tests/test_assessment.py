"""The assessment model: unknown is not no, strict types, located errors, no identity fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ibp_rules import Assessment, AssessmentError, assessment_json_schema, parse_assessment, read_assessment
from ibp_rules.assessment import assessment_from_located
from ibp_rules.fact_schema import FACTS, project
from ibp_rules.yaml_source import Located


def test_everything_may_be_unknown() -> None:
    a = Assessment()
    assert project(a) == {}


def test_unknown_is_distinct_from_no() -> None:
    unknown = project(Assessment())
    no = project(Assessment.model_validate({"bolig": {"husleierestanse": False}, "okonomi": {"inntektskilder": []}}))
    assert "bolig.husleierestanse" not in unknown
    assert no["bolig.husleierestanse"] is False
    assert no["okonomi.inntektskilder"] == []


def test_computed_facts() -> None:
    facts = project(Assessment.model_validate({"husholdning": {"barn_alder": [7, 2, 12]}}))
    assert facts["husholdning.antall_barn"] == 3
    assert facts["husholdning.yngste_barn_alder"] == 2
    assert "husholdning.yngste_barn_alder" not in project(Assessment.model_validate({"husholdning": {"barn_alder": []}}))


def test_free_text_is_never_a_fact() -> None:
    assert "mal.fritekst" not in FACTS and "mal.ressurser" not in FACTS
    facts = project(Assessment.model_validate({"mal": {"fritekst": "hemmelig", "ressurser": ["x"]}}))
    assert facts == {}


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ({"bolig": {"husleierestanse": 1}}, "bolig.husleierestanse", "true"),
        ({"bolig": {"husleierestanse": "yes"}}, "bolig.husleierestanse", "true"),
        ({"bolig": {"situasjon": "slott"}}, "bolig.situasjon", "privat_leie"),
        ({"bolig": {"ar_i_boligen": -1}}, "bolig.ar_i_boligen", "≥"),
        ({"bolig": {"ar_i_boligen": float("nan")}}, "bolig.ar_i_boligen", ""),
        ({"husholdning": {"barn_alder": [-2]}}, "husholdning.barn_alder[0]", "≥"),
        # an unknown key is named by where it is (and its line), never repeated
        ({"okonomi": {"gjld": True}}, "okonomi", "gjeld"),
        ({"navn": "Kari"}, "", "unknown field"),
        ({"fodselsnummer": "01010112345"}, "", "unknown field"),
        ({"mal": {"fritekst": "x" * 3000}}, "mal.fritekst", "2000"),
    ],
)
def test_bad_values_name_the_field(data: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(AssessmentError) as exc:
        assessment_from_located(Located(data, "<test>", {}))
    paths = [p.path for p in exc.value.problems]
    assert path in paths
    msg = next(p for p in exc.value.problems if p.path == path)
    assert words in msg.message
    assert msg.message_nb  # a Norwegian message exists too


def test_errors_never_echo_the_value() -> None:
    with pytest.raises(AssessmentError) as exc:
        parse_assessment(b"bolig:\n  situasjon: SENTINEL_VALUE_123\n")
    assert "SENTINEL_VALUE_123" not in str(exc.value)
    assert "SENTINEL_VALUE_123" not in exc.value.render("nb")


def test_file_errors_carry_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "case.yaml"
    p.write_text("bolig:\n  situasjon: eid\n  husleierestanse: kanskje\n", encoding="utf-8")
    with pytest.raises(AssessmentError) as exc:
        read_assessment(p)
    (problem,) = exc.value.problems
    assert (problem.file, problem.line, problem.path) == (str(p), 3, "bolig.husleierestanse")
    assert exc.value.render("nb").startswith("ugyldig kartlegging (1 feil):")


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(AssessmentError):
        parse_assessment(b"- 1\n- 2\n")


def test_schema_has_no_identity_fields_and_exports() -> None:
    schema = assessment_json_schema()
    text = json.dumps(schema).lower()
    for forbidden in ("navn", "fodselsnummer", "personnummer", "adresse", '"name"'):
        assert forbidden not in text
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) >= {"husholdning", "bolig", "okonomi", "helse", "arbeid_utdanning", "mal", "malgrupper"}


@pytest.mark.parametrize(
    "given",
    [
        "helse: {arbeidsevne: nedsatt_varig}\nokonomi: {inntektskilder: [aap]}\n",
        b'{"helse": {"arbeidsevne": "nedsatt_varig"}, "okonomi": {"inntektskilder": ["aap"]}}',
        {"helse": {"arbeidsevne": "nedsatt_varig"}, "okonomi": {"inntektskilder": ["aap"]}},
    ],
)
def test_parse_assessment_is_the_one_entry_for_text_bytes_and_mappings(given: Any) -> None:
    a = parse_assessment(given)
    assert a.helse.arbeidsevne == "nedsatt_varig" and a.okonomi.inntektskilder == ["aap"]


@pytest.mark.parametrize(
    ("given", "path", "line"),
    [
        ("helse:\n  arbeidsevne: litt\n", "helse.arbeidsevne", 2),
        (b"okonomi:\n  gjeld: 3\n", "okonomi.gjeld", 2),
        ({"okonomi": {"gjeld": 3}}, "okonomi.gjeld", None),
        ({"bolig": "eid"}, "bolig", None),
        ("bolig: [\n", "", 2),
        (42, "", None),
    ],
)
def test_parse_assessment_raises_the_typed_error_never_pydantics(given: Any, path: str, line: int | None) -> None:
    from pydantic import ValidationError

    with pytest.raises(AssessmentError) as exc:
        parse_assessment(given, "sak")
    assert not isinstance(exc.value, ValidationError)
    (problem,) = exc.value.problems
    assert (problem.path, problem.line, problem.file) == (path, line, "sak")


def test_the_readme_library_example_runs_and_raises_the_documented_error() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("As a library:\n\n```python\n", 1)[1].split("```", 1)[0]
    assert "parse_assessment" in example and "model_validate" not in example
    scope: dict[str, Any] = {}
    exec(compile(example, "README.md", "exec"), scope)  # noqa: S102 - our own README
    assert '"schema_version"' in scope["strategy"].to_json()
    bad = example.replace('"nedsatt_varig"', '"litt"')
    with pytest.raises(AssessmentError) as exc:
        exec(compile(bad, "README.md", "exec"), {})  # noqa: S102
    assert exc.value.problems[0].path == "helse.arbeidsevne"


def test_yes_no_fields_take_ja_and_nei() -> None:
    """The error message says "true (ja)", so an answer file may say ja/nei (any case) or vet ikke; other words are still refused."""
    a = parse_assessment("okonomi:\n  gjeld: ja\n  inkasso: NEI\n  sparing: vet ikke\nbolig:\n  vold: Ja\n")
    assert (a.okonomi.gjeld, a.okonomi.inkasso, a.okonomi.sparing, a.bolig.vold) == (True, False, None, True)
    assert a == parse_assessment({"okonomi": {"gjeld": True, "inkasso": False}, "bolig": {"vold": True}})
    for word in ("sant", "1", "j", "yes"):
        with pytest.raises(AssessmentError) as err:
            parse_assessment({"okonomi": {"gjeld": word}})
        assert err.value.problems[0].path == "okonomi.gjeld"
