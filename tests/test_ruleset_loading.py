"""Loading rule files: every problem located with file, line and rule id; nothing executed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ibp_rules import RulesetError
from ibp_rules.ruleset import load_ruleset

GOOD_RULE = """\
  - id: {rid}
    title: {{nb: Tittel, en: Title}}
    when:
      {when}
    then:
      - suggest: {measure}
        partners: [{{id: boligkontoret, form: informasjon}}]
    rationale: {{nb: Fordi., en: Because.}}
    source: veileder §4.2
"""


def add_rules(root: Path, body: str, name: str = "extra.yaml") -> Path:
    p = root / "rules" / name
    p.write_text("kind: rules\nrules:\n" + body, encoding="utf-8")
    return p


def load_error(root: Path) -> RulesetError:
    with pytest.raises(RulesetError) as exc:
        load_ruleset([root])
    return exc.value


def test_default_ruleset_loads() -> None:
    from ibp_rules.resources import default_ruleset_path

    rs = load_ruleset([default_ruleset_path()])
    assert len(rs.rules) >= 15
    assert len(rs.pillars) == 4 and len(rs.relations) == 6
    assert re.fullmatch(r"[0-9a-f]{64}", rs.sha256)
    # rules span all four pillars and at least three relations
    read = set().union(*(r.reads_pillars for r in rs.rules.values()))
    assert read == {"bolig", "okonomi", "helse", "arbeid_utdanning"}
    relations = {frozenset((r.rule.relation.from_, r.rule.relation.to)) for r in rs.rules.values() if r.rule.relation}
    assert len(relations) >= 3


def test_unknown_measure_names_file_line_rule_and_suggests(ruleset_copy: Path) -> None:
    p = add_rules(ruleset_copy, GOOD_RULE.format(rid="test-regel", when="bolig.situasjon: eid", measure="startln"))
    err = load_error(ruleset_copy)
    (problem,) = err.problems
    assert problem.file == str(p)
    assert problem.rule_id == "test-regel"
    assert problem.line == 8
    assert problem.path == "rules[0].then[0].suggest"
    assert "'startlan'" in problem.message
    assert f"{p}:8: rule 'test-regel': rules[0].then[0].suggest" in str(err)


def test_unknown_fact_path_in_condition(ruleset_copy: Path) -> None:
    add_rules(ruleset_copy, GOOD_RULE.format(rid="test-regel", when="bolig.situasjn: eid", measure="bostotte"))
    (problem,) = load_error(ruleset_copy).problems
    assert problem.line == 6 and "bolig.situasjon" in problem.message and problem.rule_id == "test-regel"


def test_every_problem_is_reported(ruleset_copy: Path) -> None:
    body = GOOD_RULE.format(rid="a-regel", when="bolig.situasjn: eid", measure="startln")
    body += GOOD_RULE.format(rid="b-regel", when="bolig.situasjon: eid", measure="bostotte").replace("veileder §4.2", "TODO")
    add_rules(ruleset_copy, body)
    err = load_error(ruleset_copy)
    assert len(err.problems) == 3
    assert any("placeholder" in p.message and p.rule_id == "b-regel" for p in err.problems)


def test_duplicate_rule_id_points_to_the_first(ruleset_copy: Path) -> None:
    add_rules(ruleset_copy, GOOD_RULE.format(rid="uten-bolig-akutt", when="bolig.situasjon: eid", measure="bostotte"))
    (problem,) = load_error(ruleset_copy).problems
    assert "duplicate rule id 'uten-bolig-akutt'" in problem.message and "bolig.yaml" in problem.message


def test_cross_pillar_rule_must_name_its_relation(ruleset_copy: Path) -> None:
    add_rules(ruleset_copy, GOOD_RULE.format(rid="test-regel", when="helse.lar: true", measure="bostotte"))
    (problem,) = load_error(ruleset_copy).problems
    assert "declare the pillar relation" in problem.message


def test_relation_must_match_what_the_rule_reads(ruleset_copy: Path) -> None:
    body = GOOD_RULE.format(rid="test-regel", when="helse.lar: true", measure="bostotte")
    body += "    relation: {from: arbeid_utdanning, to: bolig, role: solution}\n"
    add_rules(ruleset_copy, body)
    (problem,) = load_error(ruleset_copy).problems
    assert problem.path == "rules[0].relation.from"


def test_prerequisite_cycle_is_printed(ruleset_copy: Path) -> None:
    measures = ruleset_copy / "catalogue" / "measures.yaml"
    text = measures.read_text(encoding="utf-8")
    # make fastlege_vurdering require uforetrygd: uforetrygd already requires fastlege_vurdering
    text = text.replace(
        "    partner: fastlege\n    phase: oppstart\n",
        "    partner: fastlege\n    phase: oppstart\n    requires:\n      - measure: uforetrygd\n        kind: soft\n"
        "        check: {nb: x, en: x}\n        source: veileder §4.2\n",
    )
    measures.write_text(text, encoding="utf-8")
    err = load_error(ruleset_copy)
    assert any("prerequisite cycle:" in p.message and "fastlege_vurdering" in p.message and "uforetrygd" in p.message
               for p in err.problems)


def test_negation_cycle_is_refused(ruleset_copy: Path) -> None:
    body = """\
  - id: a-regel
    title: {nb: A, en: A}
    when:
      not: {derived: egen_bolig}
    then:
      - derive: egen_bolig
    rationale: {nb: A., en: A.}
    source: veileder §4.2
"""
    add_rules(ruleset_copy, body)
    (problem,) = load_error(ruleset_copy).problems
    assert "depend on themselves in a ring" in problem.message


def test_python_tags_are_never_constructed(ruleset_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    p = ruleset_copy / "rules" / "evil.yaml"
    p.write_text(f"kind: rules\nrules: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    (problem,) = load_error(ruleset_copy).problems
    assert problem.file == str(p) and problem.line == 2 and "not allowed" in problem.message
    assert not marker.exists()


def test_unknown_kind_and_missing_manifest(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    (root / "a.yaml").write_text("kind: regler\n", encoding="utf-8")
    err = load_error(root)
    assert "unknown kind 'regler'" in str(err)


def test_missing_path(tmp_path: Path) -> None:
    err = load_error(tmp_path / "nowhere")
    assert "no such file or folder" in str(err)


def test_hash_ignores_folder_location_but_not_content(ruleset_copy: Path, tmp_path: Path) -> None:
    import shutil

    other = tmp_path / "elsewhere" / "rs"
    shutil.copytree(ruleset_copy, other)
    a, b = load_ruleset([ruleset_copy]), load_ruleset([other])
    assert a.sha256 == b.sha256
    with (other / "rules" / "bolig.yaml").open("a", encoding="utf-8") as f:
        f.write("\n# a comment changes the bytes\n")
    assert load_ruleset([other]).sha256 != a.sha256


def test_extra_folder_adds_rules(ruleset_copy: Path, tmp_path: Path) -> None:
    from ibp_rules.resources import default_ruleset_path

    extra = tmp_path / "kommune"
    extra.mkdir()
    (extra / "mine.yaml").write_text(
        "kind: rules\nrules:\n" + GOOD_RULE.format(rid="kommune-regel", when="bolig.situasjon: eid", measure="bostotte"),
        encoding="utf-8")
    rs = load_ruleset([default_ruleset_path(), extra])
    assert "kommune-regel" in rs.rules


def _kommune(tmp_path: Path, body: str) -> Path:
    extra = tmp_path / "kommune"
    extra.mkdir(exist_ok=True)
    (extra / "mine.yaml").write_text("kind: rules\nrules:\n" + body, encoding="utf-8")
    return extra


def test_extra_folder_cannot_silently_replace_a_rule(tmp_path: Path) -> None:
    from ibp_rules.resources import default_ruleset_path

    extra = _kommune(tmp_path, GOOD_RULE.format(rid="hoye-boutgifter", when="bolig.situasjon: eid", measure="bostotte"))
    with pytest.raises(RulesetError) as exc:
        load_ruleset([default_ruleset_path(), extra])
    problem = next(p for p in exc.value.problems if p.file == str(extra / "mine.yaml"))
    assert problem.rule_id == "hoye-boutgifter" and problem.path == "rules[0].id"
    assert "also defined at" in problem.message and "bolig.yaml" in problem.message and "override: true" in problem.message


def test_explicit_override_wins_whatever_the_order_and_is_reported(tmp_path: Path) -> None:
    from ibp_rules import Engine
    from ibp_rules.resources import default_ruleset_path

    body = GOOD_RULE.format(rid="hoye-boutgifter", when="bolig.situasjon: eid", measure="bostotte") + "    override: true\n"
    extra = _kommune(tmp_path, body)
    a = Engine.from_paths(default_ruleset_path(), extra)
    b = Engine.from_paths(extra, default_ruleset_path())
    assert a.ruleset.overrides == ("rule:hoye-boutgifter",)
    assert a.ruleset.sha256 == b.ruleset.sha256
    case = {"bolig": {"situasjon": "eid", "boutgiftsbelastning": "hoy"}}
    sa, sb = a.assess(case), b.assess(case)
    assert sa.to_json() == sb.to_json()
    assert sa.ruleset.overrides == ["rule:hoye-boutgifter"]
    assert [w.rule for m in sa.measures for w in m.why] == ["hoye-boutgifter"]
    assert sa.measures[0].why[0].facts[0].path == "bolig.situasjon"  # the municipality's condition


def test_override_of_nothing_is_an_error(tmp_path: Path) -> None:
    from ibp_rules.resources import default_ruleset_path

    body = GOOD_RULE.format(rid="ny-regel", when="bolig.situasjon: eid", measure="bostotte") + "    override: true\n"
    with pytest.raises(RulesetError, match="marked override, but no other folder defines it"):
        load_ruleset([default_ruleset_path(), _kommune(tmp_path, body)])


def test_rule_file_order_does_not_change_the_hash(tmp_path: Path, ruleset_copy: Path) -> None:
    import shutil

    # the same files, split over two folders given in either order
    part = tmp_path / "part2"
    (part / "rules").mkdir(parents=True)
    shutil.move(str(ruleset_copy / "rules" / "helse.yaml"), part / "rules" / "helse.yaml")
    assert load_ruleset([ruleset_copy, part]).sha256 == load_ruleset([part, ruleset_copy]).sha256

    from ibp_rules import Engine

    case = {"helse": {"arbeidsevne": "nedsatt_varig"}, "mal": {"onsker": ["eie"]}, "bolig": {"situasjon": "uten_fast_bolig"}}
    one, two = Engine.from_paths(ruleset_copy, part), Engine.from_paths(part, ruleset_copy)
    assert one.assess(case).to_json() == two.assess(case).to_json()


def test_a_partners_in_place_condition_is_checked_like_a_rules(ruleset_copy: Path) -> None:
    """A misspelt field in a partner's ``in_place_when`` names the file, line and field path."""
    p = ruleset_copy / "catalogue" / "partners.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("in_place_when: {helse.fastlege: true}", "in_place_when: {helse.fastlge: true}"), encoding="utf-8")
    (problem,) = load_error(ruleset_copy).problems
    assert problem.file is not None and problem.file.endswith("partners.yaml")
    assert "in_place_when" in problem.path and "helse.fastlege" in problem.message
    assert problem.line == text[: text.index("in_place_when: {helse.fastlege")].count("\n") + 1


def test_a_former_measure_id_must_not_be_a_measure_or_replaced_twice(ruleset_copy: Path) -> None:
    """``replaces`` names ids that are gone: a current measure's id, or an id two
    measures claim, is refused at the field that says it (file and path)."""
    p = ruleset_copy / "catalogue" / "measures.yaml"
    text = p.read_text(encoding="utf-8")
    assert "replaces: [hjelpemidler]" in text
    p.write_text(text.replace("replaces: [hjelpemidler]", "replaces: [hjelpemidler, bostotte]")
                 .replace("    partner: boligkontoret\n    phase: oppstart\n    provides: [egen_bolig]\n",
                          "    partner: boligkontoret\n    phase: oppstart\n    provides: [egen_bolig]\n    replaces: [hjelpemidler]\n", 1),
                 encoding="utf-8")
    problems = load_error(ruleset_copy).problems
    messages = sorted(pr.message for pr in problems)
    assert any("'bostotte' is a measure of its own" in m for m in messages), messages
    assert any("'hjelpemidler' is already replaced by" in m for m in messages), messages
    assert all(pr.file is not None and pr.file.endswith("measures.yaml") and ".replaces[" in pr.path for pr in problems)
    from ibp_rules.messages_nb import to_nb

    assert sorted(to_nb(m) for m in messages) == ["'bostotte' er et eget tiltak; bare en tidligere id kan erstattes",
                                                 "'hjelpemidler' er allerede erstattet av 'kommunal_utleiebolig'"]
