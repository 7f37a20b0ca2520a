"""Assessment files in the first format keep loading: read as version 1 and upgraded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ibp_rules import Assessment, Engine, read_assessment
from ibp_rules.assessment import ASSESSMENT_SCHEMA_VERSION, upgrade

V1 = Path(__file__).parent / "fixtures" / "assessments-v1"
V1_FILES = sorted(V1.glob("*.yaml"))


def test_every_worked_example_of_version_1_is_kept() -> None:
    assert len(V1_FILES) >= 13
    for path in V1_FILES:
        assert "schema_version" not in yaml.safe_load(path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize("path", V1_FILES, ids=[p.stem for p in V1_FILES])
def test_a_version_1_file_loads_upgraded_and_assesses(engine: Engine, path: Path) -> None:
    a = read_assessment(path)
    assert a.schema_version == ASSESSMENT_SCHEMA_VERSION == 2
    strategy = engine.assess(a)
    assert strategy.measures or strategy.tasks
    # the upgrade adds nothing but the meaning of "vold" that version 1 carried
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    dumped = a.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    for section, values in raw.items():
        if isinstance(values, dict):
            for key, value in values.items():
                assert dumped[section][key] == value, (path.name, section, key)


def test_version_1_violence_meant_an_unsafe_home() -> None:
    old = {"bolig": {"situasjon": "privat_leie", "vold": True}}
    assert Assessment.model_validate(old).bolig.utrygg is True
    # at a crisis centre the person is already in the safe place
    assert Assessment.model_validate({"bolig": {"situasjon": "krisesenter", "vold": True}}).bolig.utrygg is None
    # version 2 keeps the two apart, and an explicit answer is never overwritten
    assert Assessment.model_validate({"schema_version": 2, **old}).bolig.utrygg is None
    assert Assessment.model_validate({"bolig": {"vold": True, "utrygg": False}}).bolig.utrygg is False
    assert upgrade(old) is not old and old == {"bolig": {"situasjon": "privat_leie", "vold": True}}


def test_version_1_violence_case_still_gets_a_safe_place(engine: Engine) -> None:
    """The meaning is kept end to end: an old file saying the home is unsafe still gets
    somewhere safe to stay, as it did before the upgrade."""
    s = engine.assess({"bolig": {"situasjon": "privat_leie", "vold": True}})
    assert "midlertidig_botilbud" in {m.id for m in s.measures}


def test_an_unknown_version_is_refused() -> None:
    from ibp_rules import AssessmentError

    with pytest.raises(AssessmentError, match="schema_version"):
        Engine.default().assess({"schema_version": 3})
