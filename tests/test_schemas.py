"""The published JSON Schemas name themselves and carry nb/en words for every field and value,
so another system can build its own form from them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLE_FILES
from ibp_rules import Engine, assessment_json_schema, read_assessment, strategy_json_schema
from ibp_rules.cli.main import cli


def _fields(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for model, definition in [("(root)", schema), *schema.get("$defs", {}).items()]:
        for name, prop in definition.get("properties", {}).items():
            yield f"{model}.{name}", prop


def _enums(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "enum" in node:
            yield where, node
        for key, value in node.items():
            yield from _enums(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _enums(item, f"{where}/{i}")


def _words(w: Any) -> bool:
    return isinstance(w, dict) and set(w) == {"nb", "en"} and all(isinstance(v, str) and v.strip() for v in w.values())


@pytest.mark.parametrize(("which", "schema_id"), [("assessment", "urn:ibp-rules:schema:assessment:2"),
                                                  ("strategy", "urn:ibp-rules:schema:strategy:4")])
def test_every_field_and_enum_value_has_nb_and_en_words(which: str, schema_id: str) -> None:
    out = CliRunner().invoke(cli, ["schema", which])
    assert out.exit_code == 0
    schema = json.loads(out.output)
    assert schema["$id"] == schema_id and schema["$schema"].endswith("2020-12/schema")
    jsonschema.Draft202012Validator.check_schema(schema)
    fields = list(_fields(schema))
    assert len(fields) > 30
    missing = [path for path, prop in fields if not _words(prop.get("x-labels"))]
    assert missing == [], f"fields without nb/en labels: {missing}"
    enums = list(_enums(schema))
    assert enums
    for where, node in enums:
        labels = node.get("x-enum-labels")
        assert isinstance(labels, dict) and set(labels) == set(node["enum"]), where
        assert all(_words(w) for w in labels.values()), where


def test_a_form_builder_finds_the_words_for_krisesenter() -> None:
    schema = assessment_json_schema()
    housing = schema["$defs"]["Housing"]["properties"]["situasjon"]
    assert housing["x-labels"] == {"nb": "Bosituasjon", "en": "Housing situation"}
    assert housing["x-question"]["nb"] == "Hvor bor personen nå?"
    words = schema["$defs"]["HousingSituation"]["x-enum-labels"]["krisesenter"]
    assert "krisesenter" in words["nb"].lower() and "crisis centre" in words["en"].lower()
    forms = strategy_json_schema()["$defs"]["PartnerUse"]["properties"]["form"]["x-enum-labels"]
    assert forms["tilgang"] == {"nb": "tilgang", "en": "access"}


def test_the_schemas_still_validate_real_documents(engine: Engine) -> None:
    assessment = jsonschema.Draft202012Validator(assessment_json_schema())
    strategy = jsonschema.Draft202012Validator(strategy_json_schema())
    for example in EXAMPLE_FILES:
        data = yaml.safe_load(example.read_text(encoding="utf-8"))
        assessment.validate(data)
        strategy.validate(json.loads(engine.assess(read_assessment(example)).to_json()))
    with pytest.raises(jsonschema.ValidationError):
        assessment.validate({"bolig": {"situasjon": "slott"}})
