"""Every section, field and value of the assessment has words in nb and en."""

from __future__ import annotations

import enum

from ibp_rules.assessment import Assessment
from ibp_rules.fact_schema import FACTS
from ibp_rules.labels import all_labels, enum_of, field_label, value_label


def _enums() -> set[type[enum.Enum]]:
    return {cls for path in FACTS if (cls := enum_of(path)) is not None}


def test_every_field_has_a_label_and_question() -> None:
    from ibp_rules.questions import FIELD_ORDER

    fields = all_labels()["fields"]
    paths = set(FACTS) | set(FIELD_ORDER)
    for path in sorted(paths):
        assert path in fields and "label" in fields[path], path
        if not FACTS.get(path) or not FACTS[path].computed:
            assert "question" in fields[path], path
    for section in Assessment.model_fields:
        if section != "schema_version":
            assert section in all_labels()["sections"], section


def test_every_enum_value_has_words() -> None:
    values = all_labels()["values"]
    for cls in _enums():
        assert cls.__name__ in values, cls.__name__
        assert set(values[cls.__name__]) == {m.value for m in cls}, cls.__name__


def test_value_label() -> None:
    assert value_label("bolig.situasjon", "privat_leie", "nb") == "Leier privat"
    assert value_label("okonomi.inntektskilder", ["aap", "arbeid"], "en") == "Work assessment allowance (AAP), Work"
    assert value_label("bolig.husleierestanse", True, "nb") == "ja"
    assert value_label("bolig.husleierestanse", None, "en") == "unknown"
    assert field_label("helse.arbeidsevne", "nb") == "Arbeidsevne"
