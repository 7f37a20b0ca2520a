"""Several rule folders: municipal layers, blame for a cycle across folders, nothing skipped silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ibp_rules import Engine, RulesetError
from ibp_rules.cli.main import cli
from ibp_rules.resources import default_ruleset_path
from ibp_rules.ruleset import load_ruleset

RULE = """\
  - id: {rid}
    title: {{nb: Tittel, en: Title}}
    when: {when}
    then: [{then}]
    rationale: {{nb: Fordi., en: Because.}}
    source: veileder §4.2
"""
MANIFEST = "kind: ruleset\nid: {id}\nversion: {version}\ntitle: {{nb: Kommunen, en: The municipality}}\n"


def kommune(tmp_path: Path, manifest: str | None = None, rules: str | None = None, name: str = "kommune") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "regler.yaml").write_text("kind: rules\nrules:\n" + (rules or RULE.format(
        rid="kommune-regel", when="{bolig.vold: true}", then="{suggest: kommunal_utleiebolig, partners: [{id: boligkontoret, form: tilgang}]}")),
        encoding="utf-8")
    if rules is None:
        (folder / "regler.cases.yaml").write_text(
            "kind: cases\ncases:\n"
            "  - {id: vold, rule: kommune-regel, expect: fires, given: {bolig: {vold: true}}, suggests: [kommunal_utleiebolig]}\n"
            "  - {id: ikke-vold, rule: kommune-regel, expect: silent, given: {bolig: {vold: false}}}\n", encoding="utf-8")
    if manifest is not None:
        (folder / "ruleset.yaml").write_text(manifest, encoding="utf-8")
    return folder


def problems(*paths: Path) -> list[str]:
    with pytest.raises(RulesetError) as exc:
        load_ruleset(list(paths))
    return [str(p) for p in exc.value.problems]


# -- item 11: a second manifest ------------------------------------------------


def test_a_second_base_manifest_is_refused_in_either_order(tmp_path: Path) -> None:
    """Before: the first manifest by path won silently, and the hash was the same either way."""
    extra = kommune(tmp_path, MANIFEST.format(id="oslo", version="1.0.0"))
    for order in ([default_ruleset_path(), extra], [extra, default_ruleset_path()]):
        found = problems(*order)
        assert len(found) == 2, found  # reported at both manifests: which one is the base is the user's call
        assert all("more than one base ruleset" in p and "'oslo'" in p and "'ibp_standard'" in p and "extends" in p for p in found)
        assert {p.split(":")[0] for p in found} == {str(extra / "ruleset.yaml"), str(default_ruleset_path() / "ruleset.yaml")}


def test_a_municipal_layer_is_recorded_in_every_strategy_whatever_the_order(tmp_path: Path) -> None:
    extra = kommune(tmp_path, MANIFEST.format(id="oslo_tillegg", version="1.2.0") + "extends: ibp_standard\n")
    a = Engine.from_paths(default_ruleset_path(), extra)
    b = Engine.from_paths(extra, default_ruleset_path())
    case = {"bolig": {"vold": True}}
    sa = a.assess(case)
    assert sa.to_json() == b.assess(case).to_json()
    assert (sa.ruleset.id, sa.ruleset.version) == ("ibp_standard", a.ruleset.version)
    assert [(layer.id, layer.version) for layer in sa.ruleset.layers] == [("oslo_tillegg", "1.2.0")]
    assert Engine.default().assess(case).ruleset.layers == []
    out = CliRunner().invoke(cli, ["rules", "validate", str(default_ruleset_path()), str(extra), "--lang", "en"]).output
    assert "extended by: oslo_tillegg 1.2.0" in out


def test_a_layer_must_extend_the_base_and_have_its_own_id(tmp_path: Path) -> None:
    wrong = kommune(tmp_path, MANIFEST.format(id="oslo", version="1.0.0") + "extends: ibp_standar\n")
    assert any("extends 'ibp_standar', but the base ruleset is 'ibp_standard'" in p for p in problems(default_ruleset_path(), wrong))
    same = kommune(tmp_path, MANIFEST.format(id="ibp_standard", version="9.0.0") + "extends: ibp_standard\n", name="k2")
    assert any("ruleset id 'ibp_standard' is also used by" in p for p in problems(default_ruleset_path(), same))


def test_a_layer_alone_and_two_manifests_in_one_folder_are_refused(tmp_path: Path) -> None:
    layer = kommune(tmp_path, MANIFEST.format(id="oslo", version="1.0.0") + "extends: ibp_standard\n")
    assert any("no base ruleset" in p for p in problems(layer))
    (layer / "enda.yaml").write_text(MANIFEST.format(id="oslo2", version="1.0.0") + "extends: ibp_standard\n", encoding="utf-8")
    assert any("a folder has one 'kind: ruleset' manifest" in p for p in problems(default_ruleset_path(), layer))


# -- item 12: the rule that closes a negation cycle -------------------------------


def test_a_negation_cycle_closed_by_a_municipal_rule_names_that_rule(tmp_path: Path) -> None:
    """gjeld-uten-betalingsproblemer (built in) reads betalingsproblemer as absent; the municipality
    derives betalingsproblemer from itself (with debt in collection). Reported once, at the
    municipality's rule, naming the built-in rules that read the fact as absent."""
    extra = kommune(tmp_path, rules=RULE.format(rid="kommune-betaling", when="{all: [{okonomi.inkasso: true}, {derived: betalingsproblemer}]}",
                                                then="{derive: betalingsproblemer}"))
    for order in ([default_ruleset_path(), extra], [extra, default_ruleset_path()]):
        (problem,) = problems(*order)
        assert problem.startswith(f"{extra / 'regler.yaml'}:5: rule 'kommune-betaling': rules[0].when:"), problem
        assert "closes the cycle" in problem and "gjeld-uten-betalingsproblemer" in problem and "okonomi.yaml:" in problem


def test_a_cycle_inside_one_folder_is_blamed_on_the_rule_testing_absence(ruleset_copy: Path) -> None:
    body = RULE.format(rid="b-regel", when="{derived: bolig_uegnet}", then="{derive: egen_bolig}") + \
        RULE.format(rid="a-regel", when="{not: {derived: egen_bolig}}", then="{derive: bolig_uegnet}")
    (ruleset_copy / "rules" / "syklus.yaml").write_text("kind: rules\nrules:\n" + body, encoding="utf-8")
    found = problems(ruleset_copy)
    assert len(found) == 1 and "rule 'a-regel'" in found[0] and "b-regel" in found[0], found


# -- item 13: nothing skipped silently -----------------------------------------------


def test_a_rule_file_with_an_upper_case_suffix_is_reported(tmp_path: Path, ruleset_copy: Path) -> None:
    """Before: R.YAML was skipped without a word (its rules simply did not exist)."""
    p = ruleset_copy / "rules" / "R.YAML"
    p.write_text("kind: rules\nrules: []\n", encoding="utf-8")
    (problem,) = problems(ruleset_copy)
    assert problem.startswith(str(p)) and "lower case" in problem


def test_an_empty_folder_given_with_rules_is_reported(tmp_path: Path) -> None:
    empty = tmp_path / "kommune"
    empty.mkdir()
    (empty / "LESMEG.md").write_text("Regler kommer.\n", encoding="utf-8")
    (problem,) = problems(default_ruleset_path(), empty)
    assert problem.startswith(str(empty)) and "no rule files in this folder" in problem
    case = tmp_path / "case.yaml"
    case.write_text("bolig: {vold: true}\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["assess", str(case), "--rules", str(default_ruleset_path()), "--rules", str(empty)])
    assert r.exit_code == 2 and "ingen regelfiler i denne mappen" in r.output


def test_other_files_are_listed_as_not_read(tmp_path: Path) -> None:
    extra = kommune(tmp_path)
    (extra / "LESMEG.md").write_text("Om reglene.\n", encoding="utf-8")
    (extra / "regler.yaml.bak").write_text("kind: rules\n", encoding="utf-8")
    (extra / ".skjult.yaml").write_text("ikke: yaml: her\n", encoding="utf-8")  # hidden: passed over
    rs = load_ruleset([default_ruleset_path(), extra])
    assert rs.not_read == (str(extra / "LESMEG.md"), str(extra / "regler.yaml.bak"))
    out = CliRunner().invoke(cli, ["rules", "validate", str(default_ruleset_path()), str(extra), "--lang", "en"]).output
    assert f"not read (not rule files): {extra / 'LESMEG.md'}, {extra / 'regler.yaml.bak'}" in out
