"""Human words for the assessment: section, field and value labels in nb and en.

The model's field names are slugs (``bolig.situasjon``, ``nedsatt_varig``);
coordinators and users need "Bosituasjon" and "Varig nedsatt". The words live
in ``labels/assessment.yaml`` so they can be reworded without touching code;
a test checks that every field and value of the model has both languages.
"""

from __future__ import annotations

import enum
import functools
from pathlib import Path
from typing import Any

from .assessment import Assessment
from .fact_schema import _strip_annotated, _unwrap_optional
from .text import Lang, Text
from .yaml_source import read_file

_FILE = Path(__file__).parent / "labels" / "assessment.yaml"


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data = read_file(_FILE).data
    assert isinstance(data, dict)
    return {
        "sections": {k: Text.model_validate(v) for k, v in data["sections"].items()},
        "fields": {k: {kk: Text.model_validate(vv) for kk, vv in v.items()} for k, v in data["fields"].items()},
        "values": {k: {kk: Text.model_validate(vv) for kk, vv in v.items()} for k, v in data["values"].items()},
    }


def enum_of(path: str) -> type[enum.Enum] | None:
    """The enum class behind a field path (for lists: of its items), if any."""
    model: Any = Assessment
    parts = path.split(".")
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return None
        ann = _strip_annotated(_unwrap_optional(field.annotation))
        if i < len(parts) - 1:
            model = ann
            continue
        import typing

        if typing.get_origin(ann) is list:
            ann = _strip_annotated(typing.get_args(ann)[0])
        return ann if isinstance(ann, type) and issubclass(ann, enum.Enum) else None
    return None


def section_label(section: str, lang: Lang) -> str:
    t = _data()["sections"].get(section)
    return t.get(lang) if t else section


def field_label(path: str, lang: Lang) -> str:
    f = _data()["fields"].get(path)
    return f["label"].get(lang) if f and "label" in f else path


def question(path: str, lang: Lang) -> str:
    f = _data()["fields"].get(path)
    if f and "question" in f:
        return str(f["question"].get(lang))
    return field_label(path, lang)


def value_label(path: str, value: Any, lang: Lang) -> str:
    """A value as words: enum values by their label, booleans as ja/nei."""
    if value is None:
        return {"nb": "vet ikke", "en": "unknown"}[lang]
    if isinstance(value, bool):
        return {"nb": {True: "ja", False: "nei"}, "en": {True: "yes", False: "no"}}[lang][value]
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",") if lang == "nb" else f"{value:g}"
    if isinstance(value, (list, tuple)):
        if not value:
            return {"nb": "ingen", "en": "none"}[lang]
        return ", ".join(value_label(path, v, lang) for v in value)
    cls = enum_of(path)
    if cls is not None:
        t = _data()["values"].get(cls.__name__, {}).get(str(getattr(value, "value", value)))
        if t:
            return str(t.get(lang))
    return str(value)


def all_labels() -> dict[str, Any]:
    """The raw tables (for completeness tests)."""
    return _data()
