"""The published JSON Schemas of the assessment and the strategy, with words.

Another system (a municipal case system, a form builder) should be able to
build its own form or screen from the schema alone, in nb or en, without
reading our YAML. So each published schema carries

* ``$id`` – a stable URI naming the contract and its schema version
  (``urn:ibp-rules:schema:assessment:1``), changed only when the version is;
* ``x-labels: {nb, en}`` on every field, ``x-question: {nb, en}`` where the
  intake asks for it, and
* ``x-enum-labels: {value: {nb, en}}`` beside every ``enum``

(``x-`` keywords are annotations: validators ignore them). The words come
from ``labels/`` – the same words the terminal, the printed plan and the web
pages use – and a test checks that none is missing.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .assessment import ASSESSMENT_SCHEMA_VERSION, Assessment
from .assessment import assessment_json_schema as _plain_assessment_schema
from .labels import all_labels
from .strategy import STRATEGY_SCHEMA_VERSION
from .strategy import strategy_json_schema as _plain_strategy_schema
from .text import Text
from .words import read_texts, vocabularies

ASSESSMENT_SCHEMA_ID = f"urn:ibp-rules:schema:assessment:{ASSESSMENT_SCHEMA_VERSION}"
STRATEGY_SCHEMA_ID = f"urn:ibp-rules:schema:strategy:{STRATEGY_SCHEMA_VERSION}"

_FILE = Path(__file__).parent / "labels" / "schema.yaml"


@functools.lru_cache(maxsize=1)
def _schema_words() -> dict[str, dict[str, Text]]:
    return read_texts(_FILE)


def _words(t: Text) -> dict[str, str]:
    return {"nb": t.nb, "en": t.en}


def _label_enums(node: Any, labels_for: Any) -> None:
    """Put ``x-enum-labels`` beside every ``enum`` under ``node``."""
    if isinstance(node, dict):
        if "enum" in node:
            words = labels_for(tuple(node["enum"]), node.get("title"))
            if words is not None:
                node["x-enum-labels"] = {v: _words(words[v]) for v in node["enum"]}
        for value in node.values():
            _label_enums(value, labels_for)
    elif isinstance(node, list):
        for item in node:
            _label_enums(item, labels_for)


def assessment_json_schema() -> dict[str, Any]:
    """The assessment's JSON Schema with ``$id`` and nb/en words for every field and value."""
    schema = _plain_assessment_schema()
    schema["$id"] = ASSESSMENT_SCHEMA_ID
    labels = all_labels()
    extra = _schema_words()["assessment"]
    sections = {f.annotation.__name__: name for name, f in Assessment.model_fields.items()
                if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)}

    def field_words(path: str) -> dict[str, Any]:
        entry = labels["fields"].get(path, {})
        label = entry.get("label") or labels["sections"].get(path) or extra.get(path)
        out = {"x-labels": _words(label)} if label is not None else {}
        if "question" in entry:
            out["x-question"] = _words(entry["question"])
        return out

    for name, prop in schema["properties"].items():
        prop.update(field_words(name))
    for def_name, definition in schema["$defs"].items():
        section = sections.get(def_name)
        if section is not None:
            for name, prop in definition.get("properties", {}).items():
                prop.update(field_words(f"{section}.{name}"))

    def enum_words(values: tuple[str, ...], title: str | None) -> dict[str, Text] | None:
        table = labels["values"].get(title or "", {})
        return table if set(values) <= set(table) else None

    _label_enums(schema, enum_words)
    return schema


def strategy_json_schema() -> dict[str, Any]:
    """The strategy's JSON Schema with ``$id`` and nb/en words for every field and enum value."""
    schema = _plain_strategy_schema()
    schema["$id"] = STRATEGY_SCHEMA_ID
    words = _schema_words()["strategy"]
    for model, definition in [("Strategy", schema), *schema["$defs"].items()]:
        for name, prop in definition.get("properties", {}).items():
            label = words.get(f"{model}.{name}")
            if label is not None:
                prop["x-labels"] = _words(label)
    vocab = vocabularies()

    def enum_words(values: tuple[str, ...], _title: str | None) -> dict[str, Text] | None:
        return next((table for table in vocab.values() if set(table) == set(values)), None)

    _label_enums(schema, enum_words)
    return schema
