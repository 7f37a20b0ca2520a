"""Problems in files are shown in bokmål by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ibp_rules.cli.main import cli
from ibp_rules.messages_nb import to_nb


@pytest.mark.parametrize(
    ("en", "nb"),
    [
        ("unknown measure 'startln'. Did you mean: 'startlan'?", "ukjent tiltak 'startln'. Mente du: 'startlan'?"),
        ("duplicate rule id 'x-y' (also defined at a.yaml:3)", "Regel-id-en 'x-y' er brukt to ganger (også i a.yaml:3)"),
        ("prerequisite cycle: a → b → a", "forutsetningene går i ring: a → b → a"),
        ("nested more than 64 levels deep", "nøstet dypere enn 64 nivåer"),
        ("the tag '!x' is not allowed; only plain data (text, numbers, true/false, lists, mappings) is read",
         "taggen '!x' er ikke tillatt; bare vanlige data (tekst, tall, true/false, lister, nøkler) leses"),
        ("something new", "something new"),
    ],
)
def test_to_nb(en: str, nb: str) -> None:
    assert to_nb(en) == nb


def test_every_message_of_a_broken_ruleset_is_norwegian(ruleset_copy: Path) -> None:
    bad = ruleset_copy / "rules" / "bad.yaml"
    bad.write_text(
        "kind: rules\nrules:\n"
        "  - id: a-regel\n    title: {nb: A, en: A}\n    when: {bolig.situasjn: eid}\n"
        "    then: [{suggest: startln}]\n    rationale: {nb: A., en: A.}\n    source: veileder §3\n"
        "  - id: c-regel\n    title: {nb: C, en: C}\n    when: {bolig.uegnet: true}\n"
        "    then: [{derive: egen_bolig}]\n    rationale: {nb: C., en: C.}\n    source: TODO\n"
        "  - id: uten-bolig-akutt\n    title: {nb: B, en: B}\n    when: {helse.lar: 1}\n"
        "    then: [{derive: egen_bolig}]\n    rationale: {nb: B., en: B.}\n    source: veileder §3\n",
        encoding="utf-8")
    r = CliRunner().invoke(cli, ["rules", "validate", str(ruleset_copy)])
    assert r.exit_code == 2
    lines = [line for line in r.output.splitlines()[1:] if line.strip()]
    assert r.output.startswith("Feil: ugyldig regelsett (")
    english = ("unknown", "duplicate", "required", "expected", "Did you mean", " is ")
    assert lines and not [line for line in lines if any(w in line.split(": ", 2)[-1] for w in english)], lines
    en = CliRunner().invoke(cli, ["rules", "validate", str(ruleset_copy), "--lang", "en"])
    assert "Did you mean: 'startlan'" in en.output and "Error: invalid ruleset" in en.output


@pytest.mark.parametrize(
    ("name", "text", "nb", "en"),
    [
        ("a.yaml", "a: [\n", "fant ikke en verdi der en var ventet", "did not find expected node content"),
        ("a.yaml", "a: b: c\n", "et kolon (nøkkel: verdi) er ikke tillatt her", "mapping values are not allowed"),
        ("a.yaml", "a:\n  - x\n b: 1\n", "fant ikke ventet nøkkel", "did not find expected key"),
        ("a.yaml", "a:\n\t- x\n", "fant et tegn som ikke kan starte en verdi", "cannot start any token"),
        ("a.yaml", "a: 'x\n", "filen slutter midt i en verdi", "found unexpected end of stream"),
        ("a.json", '{"a": }', "ventet en verdi", "Expecting value"),
        ("a.json", "{a: 1}", "ventet et nøkkelnavn i doble anførselstegn", "Expecting property name"),
        ("a.json", '{"a": 1} x', "mer tekst etter slutten av verdien", "Extra data"),
        ("a.json", '{"a" 1}', "ventet skilletegnet ':'", "Expecting ':' delimiter"),
    ],
)
def test_yaml_and_json_parser_messages_are_norwegian(tmp_path: Path, name: str, text: str, nb: str, en: str) -> None:
    """What the parsers say reaches a coordinator in the chosen language, one at a time."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    r = CliRunner().invoke(cli, ["assess", str(tmp_path / name)])
    assert r.exit_code == 2 and nb in r.stderr and en not in r.stderr
    r = CliRunner().invoke(cli, ["assess", str(tmp_path / name), "--lang", "en"])
    assert r.exit_code == 2 and en in r.stderr and nb not in r.stderr


def test_file_system_messages_are_norwegian(tmp_path: Path) -> None:
    folder = tmp_path / "saker"
    folder.mkdir()
    for given, nb, en in [(tmp_path / "finnes-ikke.yaml", "filen finnes ikke", "the file does not exist"),
                          (folder, "det er en mappe, ikke en fil", "it is a folder, not a file")]:
        r = CliRunner().invoke(cli, ["assess", str(given)])
        assert r.exit_code == 2 and f"kan ikke lese filen: {nb}" in r.stderr and "No such file" not in r.stderr
        r = CliRunner().invoke(cli, ["assess", str(given), "--lang", "en"])
        assert r.exit_code == 2 and f"cannot read the file: {en}" in r.stderr
