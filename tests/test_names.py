"""People name measures by title, not id: decide, explain, whatif, measures and training answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES
from ibp_rules import Engine
from ibp_rules.cli.main import cli
from ibp_rules.errors import UnknownIdError
from ibp_rules.names import find, fold

CASE = EXAMPLES / "uforetrygd-til-startlan.yaml"


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Bostøtte", "bostotte"), ("bostotte", "bostotte"), ("BOSTØTTE", "bostotte"), ("  bostøtte ", "bostotte"),
        ("overgangsstønad", "overgangsstonad"), ("Leie til eie", "leie_til_eie"), ("leie-til-eie", "leie_til_eie"),
        ("Housing allowance", "bostotte"), ("Arbeidsavklaringspenger (AAP)", "aap"), ("aap", "aap"),
        ("Økonomisk rådgivning", "okonomisk_radgivning"),
    ],
)
def test_a_measure_is_found_by_title_or_id_in_any_spelling(engine: Engine, given: str, expected: str) -> None:
    assert find(given, engine.ruleset.measures, "measure") == expected


def test_a_near_miss_suggests_titles(engine: Engine) -> None:
    with pytest.raises(UnknownIdError) as exc:
        find("Bostøtt", engine.ruleset.measures, "measure")
    assert exc.value.render("nb") == "ukjent tiltak 'Bostøtt'. Mente du: Bostøtte?"
    with pytest.raises(UnknownIdError) as exc:
        find("husleie", engine.ruleset.measures, "measure", "en")
    assert exc.value.render("en") == "unknown measure 'husleie'. Did you mean: Help with rent arrears?"
    assert fold("Bo-støtte_ÆØÅ") == "bo stotte aeoa"


def test_explain_takes_a_title_with_or_without_aeoa() -> None:
    for name in ("Bostøtte", "bostotte", "BOSTØTTE"):
        r = run("explain", str(CASE), name)
        assert r.exit_code == 0 and r.output.startswith("Bostøtte – foreslått"), r.output
    r = run("explain", str(CASE), "Uføretrygd", "--lang", "en")
    assert r.output.startswith("Disability benefit – suggested")
    r = run("explain", str(CASE), "bostøtt")
    assert r.exit_code == 2 and r.output == "Feil: ukjent tiltak 'bostøtt'. Mente du: Bostøtte?\n"


def test_decide_takes_titles_and_statuses_in_words(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    shutil.copy(CASE, case)
    assert run("decide", str(case), "Leie til eie", "--status", "avslått", "--reason", "Vil leie privat").exit_code == 0
    assert run("decide", str(case), "startlån", "--status", "Valgt", "--who", "Kari").exit_code == 0
    assert run("decide", str(case), "Uføretrygd", "--status", "changed", "--change", "Etter AAP").exit_code == 0
    saved = yaml.safe_load((tmp_path / "case.valg.yaml").read_text(encoding="utf-8"))
    assert {k: v["status"] for k, v in saved["measures"].items()} == \
        {"leie_til_eie": "avslatt", "startlan": "valgt", "uforetrygd": "endret"}
    r = run("decide", str(case), "startlan", "--status", "kanskje")
    assert r.exit_code == 2 and "'kanskje' er ikke en av: valgt, avslått, endret" in r.output
    r = run("decide", str(case), "startlan", "--status", "maybe", "--lang", "en")
    assert r.exit_code == 2 and "'maybe' is not one of: chosen, declined, changed" in r.output
    assert "[valgt|avslått|endret]" in run("decide", "--help").output


def test_whatif_takes_measures_by_title() -> None:
    r = run("whatif", str(CASE), "--set", "tiltak_mottatt=[Gjeldsrådgivning, uføretrygd]")
    assert r.exit_code == 0, r.output
    assert "Tiltak personen allerede har: vet ikke → Gjeldsrådgivning, Uføretrygd" in r.output
    assert "- Gjeldsrådgivning" in r.output
    r = run("whatif", str(CASE), "--set", "tiltak_mottatt=[Gjeldsrådgiving]")
    assert r.exit_code == 2 and "Mente du: Gjeldsrådgivning, Gjeldsordning?" in r.output


def test_measures_lists_titles_by_pillar_and_searches() -> None:
    r = run("measures")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0] == "Bolig" and any(line.split() == ["Bostøtte", "bostotte"] for line in lines)
    assert "Utenfor pilarene" in lines and f"{len(Engine.default().ruleset.measures)} tiltak." in r.output
    r = run("measures", "stønad", "--lang", "en")
    assert [line.split("  ")[1] for line in r.output.splitlines() if line.startswith("  ")] == \
        ["Transitional benefit for single parents"]
    r = run("measures", "husleie", "--format", "json")
    assert '"id": "husleierestanse"' in r.output and '"title": "Hjelp med husleierestanse"' in r.output


def test_a_training_answer_names_measures_and_partners_by_title(tmp_path: Path) -> None:
    answer = tmp_path / "svar.yaml"
    answer.write_text("measures: [Uføretrygd, startlån, Leie til eie]\npartners: [NAV-forvaltning, Fastlege]\n", encoding="utf-8")
    r = run("train", "uforetrygd-til-startlan", "--answer", str(answer))
    assert r.exit_code == 0, r.output
    assert "✓ Uføretrygd" in r.output and "✓ Startlån" in r.output and "✓ Leie til eie" in r.output and "✓ Fastlege" in r.output


def test_an_answer_file_with_several_mistakes_reports_all_of_them(tmp_path: Path) -> None:
    answer = tmp_path / "svar.yaml"
    answer.write_text("measures:\n  - Startln\n  - 7\n  - Bostøtte\npartners: [Fastlge]\ntiltak: [x]\n", encoding="utf-8")
    r = run("train", "uforetrygd-til-startlan", "--answer", str(answer))
    assert r.exit_code == 2
    assert "(4 feil)" in r.output
    assert "svar.yaml:2: measures[0]: ukjent tiltak 'Startln'. Mente du: Startlån, Uformell samtale med startlånforvaltningen?" in r.output
    assert "svar.yaml:3: measures[1]: forventet en tittel eller en id" in r.output
    assert "svar.yaml:5: partners[0]: ukjent samarbeidspartner 'Fastlge'. Mente du: Fastlege?" in r.output
    assert "svar.yaml:6: tiltak: ukjent nøkkel; et svar har 'measures' og 'partners'" in r.output
