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
