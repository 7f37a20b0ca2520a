"""The knowledge base as a whole: its tooling (rules test/validate/coverage/docs/params)
and what it must contain (every measure, partner, relation; tasks and guards)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from conftest import REPO
from ibp_rules import Engine
from ibp_rules.cli.main import cli
from ibp_rules.coverage import coverage
from ibp_rules.render import render
from ibp_rules.rule_cases import load_rule_cases
from ibp_rules.rule_docs import generate, stale

MEASURES_MD = REPO.parent / "shared" / "ibp" / "MEASURES.md"


def run(*args: str, **kw: Any) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)


def test_rules_test_cli_passes_and_reports_counts() -> None:
    r = run("rules", "test", "--lang", "en")
    assert r.exit_code == 0, r.output
    n = len(Engine.default().ruleset.rules)
    assert " 0 failed, 1 known gaps; " in r.output and f"{n} of {n} rules have cases" in r.output


def test_a_failing_case_names_file_case_and_trace(ruleset_copy: Path) -> None:
    cases = ruleset_copy / "rules" / "bolig.cases.yaml"
    text = cases.read_text(encoding="utf-8").replace(
        "{id: leier-privat, rule: bor-midlertidig-hos-andre, expect: silent, given: {bolig: {situasjon: privat_leie}}}",
        "{id: leier-privat, rule: bor-midlertidig-hos-andre, expect: fires, given: {bolig: {situasjon: privat_leie}}}")
    cases.write_text(text, encoding="utf-8")
    r = run("rules", "test", "--rules", str(ruleset_copy), "--lang", "en")
    assert r.exit_code == 1
    assert "bolig.cases.yaml:" in r.output and "case 'leier-privat' (rule bor-midlertidig-hos-andre, expect fires)" in r.output
    assert "not met: bolig.situasjon = hos_familie_venner (is privat_leie)" in r.output
    assert "trace: fired har-selvstendig-bolig" in r.output and "1 failed" in r.output


def test_a_known_gap_that_starts_passing_fails(ruleset_copy: Path) -> None:
    cases = ruleset_copy / "rules" / "bolig.cases.yaml"
    cases.write_text(cases.read_text(encoding="utf-8") + (
        "  - {id: na-virker-det, rule: uten-bolig-akutt, expect: fires, given: {bolig: {situasjon: uten_fast_bolig}},"
        " xfail: 'trodde det var et hull'}\n"), encoding="utf-8")
    r = run("rules", "test", "--rules", str(ruleset_copy))
    assert r.exit_code == 1 and "består nå: fjern 'xfail'" in r.output and "spor: fired " in r.output


def test_validate_requires_cases_both_ways_and_partners(ruleset_copy: Path) -> None:
    extra = ruleset_copy / "rules" / "ekstra.yaml"
    extra.write_text(
        "kind: rules\nrules:\n"
        "  - id: uten-eksempler\n"
        "    title: {nb: Test, en: Test}\n"
        "    when: {bolig.trangbodd: true}\n"
        "    then: [{suggest: privat_leie_bistand}]\n"
        "    rationale: {nb: Fordi., en: Because.}\n"
        "    source: veileder §3\n", encoding="utf-8")
    r = run("rules", "validate", str(ruleset_copy), "--lang", "en")
    assert r.exit_code == 2
    assert "ekstra.yaml:3: rule 'uten-eksempler': cases: the rule has no 'fires' and no 'silent' case" in r.output
    assert "then[0].partners: a suggestion names the partners to involve" in r.output
    (ruleset_copy / "rules" / "ekstra.cases.yaml").write_text(
        "kind: cases\ncases:\n"
        "  - {id: a, rule: uten-eksempler, expect: fires, given: {bolig: {trangbodd: true}}}\n", encoding="utf-8")
    r = run("rules", "validate", str(ruleset_copy), "--lang", "en")
    assert "has no 'silent' case" in r.output and "no 'fires'" not in r.output


def test_a_bad_cases_file_is_located(ruleset_copy: Path) -> None:
    (ruleset_copy / "rules" / "feil.cases.yaml").write_text(
        "kind: cases\ncases:\n"
        "  - {id: a, rule: finnes-ikke, expect: fires, given: {}}\n"
        "  - {id: b, rule: uten-bolig-akutt, expect: fires, given: {bolig: {situasjon: slott}}}\n", encoding="utf-8")
    r = run("rules", "test", "--rules", str(ruleset_copy), "--lang", "en")
    assert r.exit_code == 2
    assert "feil.cases.yaml:3: rule 'finnes-ikke': cases[0].rule: unknown rule 'finnes-ikke'" in r.output
    assert "feil.cases.yaml:4: rule 'uten-bolig-akutt': cases[1].given.bolig.situasjon" in r.output
    assert "Traceback" not in r.output


def test_coverage_is_clean_and_complete(engine: Engine) -> None:
    report = coverage(engine.ruleset)
    assert report.clean, report.unexplained + list(report.stale)
    assert report.counts["relation"] == (24, 24)  # 6 relations × 2 directions × barrier/solution
    assert report.counts["measure"][0] == report.counts["measure"][1] >= 40
    assert report.counts["partner"] == (20, 20)
    assert run("rules", "coverage").exit_code == 0


def test_coverage_flags_an_unused_measure_and_a_stale_note(ruleset_copy: Path) -> None:
    measures = ruleset_copy / "catalogue" / "measures.yaml"
    measures.write_text(measures.read_text(encoding="utf-8") + (
        "  - id: ny_ordning\n    title: {nb: Ny, en: New}\n    description: {nb: Ny., en: New.}\n"
        "    pillar: bolig\n    partner: boligkontoret\n    source: veileder §4.2\n"), encoding="utf-8")
    notes = ruleset_copy / "catalogue" / "coverage.yaml"
    notes.write_text(notes.read_text(encoding="utf-8") + (
        "  - item: measure:startlan\n    reason: {nb: Feil., en: Wrong.}\n"), encoding="utf-8")
    r = run("rules", "coverage", "--rules", str(ruleset_copy), "--format", "json", "--lang", "en")
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert {"item": "measure:ny_ordning", "reason": None} in data["unused"]
    assert data["stale_notes"] == ["measure:startlan"] and data["clean"] is False


#: The measure ids of shared/ibp/MEASURES.md (the project's brief), so the
#: check runs on a checkout without the shared folder too.
MEASURES_MD_IDS = [
    'aap', 'arbeidsevnevurdering', 'arbeidsrettet_tiltak', 'barnehage_moderasjon', 'barnehageplass',
    'barnevern_samarbeid', 'bo_oppfolging', 'bolig_forst', 'bostotte', 'dagpenger', 'depositum_garanti',
    'fastlege_vurdering', 'gjeldsordning', 'gjeldsradgivning', 'godkjenning_utdanning', 'helse_omsorgstjenester',
    'husleierestanse', 'individuell_plan', 'ips_jobbstotte', 'karriereveiledning', 'kommunal_utleiebolig',
    'krisesenter_reetablering', 'kvalifiseringsprogram', 'leie_til_eie', 'midlertidig_botilbud',
    'norskopplaering', 'oke_stillingsprosent', 'okonomisk_radgivning', 'okonomisk_sosialhjelp', 'overgangsstonad',
    'privat_leie_bistand', 'psykisk_helse_oppfolging', 'rus_oppfolging', 'skole_samarbeid', 'startlan',
    'tilpasning_bolig', 'tilskudd_etablering', 'uforetrygd', 'verge_oppnevning', 'videregaende_voksne',
]


def test_every_measure_in_measures_md_is_in_the_catalogue(engine: Engine) -> None:
    assert set(MEASURES_MD_IDS) - set(engine.ruleset.measures) == set()
    if MEASURES_MD.is_file():  # and the list above is still the brief's list
        import re

        assert sorted(set(re.findall(r"^\| `([a-z_]+)` \|", MEASURES_MD.read_text(encoding="utf-8"), re.M))) == MEASURES_MD_IDS


def test_committed_rule_docs_are_up_to_date(engine: Engine) -> None:
    pages = generate(engine.ruleset, load_rule_cases(engine.ruleset))
    assert len(pages) == len(engine.ruleset.rules) + 1
    assert stale(pages, REPO / "docs" / "rules") == [], "run: ibp rules docs -o docs/rules"
    page = pages["varig-nedsatt-arbeidsevne.md"]
    assert "helse → okonomi (solution)" in page and "### Slår til / fires: `varig-nedsatt`" in page
    assert "| veileder §4.1.1 |" in pages["README.md"]


def test_docs_check_detects_staleness(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    assert run("rules", "docs", "-o", str(out)).exit_code == 0
    assert run("rules", "docs", "-o", str(out), "--check").exit_code == 0
    (out / "uten-bolig-akutt.md").write_text("hand-edited\n", encoding="utf-8")
    (out / "gammel-regel.md").write_text("old\n", encoding="utf-8")
    r = run("rules", "docs", "-o", str(out), "--check")
    assert r.exit_code == 1 and "gammel-regel.md" in r.output and "uten-bolig-akutt.md" in r.output


def test_parameters_are_dated(engine: Engine) -> None:
    g = engine.ruleset.parameters["grunnbelop"]
    assert g.value_on(dt.date(2025, 4, 30)).value == 124028  # type: ignore[union-attr]
    assert g.value_on(dt.date(2025, 5, 1)).value == 130160  # type: ignore[union-attr]
    assert g.value_on(dt.date(2020, 1, 1)) is None
    r = run("rules", "params", "--date", "2024-06-01", "--lang", "en")
    assert r.exit_code == 0 and "124 028" in r.output and "(*) = unconfirmed" in r.output


def test_parameter_dates_must_increase(ruleset_copy: Path) -> None:
    p = ruleset_copy / "catalogue" / "parameters.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("{from: 2022-05-01, value: 111477", "{from: 2020-05-01, value: 111477"), encoding="utf-8")
    r = run("rules", "validate", str(ruleset_copy), "--lang", "en")
    assert r.exit_code == 2 and "parameters.yaml:" in r.output and "oldest first" in r.output


def test_tasks_follow_the_phases_and_render(engine: Engine) -> None:
    s = engine.assess({"bolig": {"situasjon": "uten_fast_bolig"}, "helse": {"rus": "aktiv"}})
    tasks = [(t.phase, t.id) for t in s.tasks]
    assert tasks == sorted(tasks, key=lambda pt: (("oppstart", "oppfolging", "avslutning").index(pt[0]), pt[1]))
    assert ("oppstart", "fullfore_kartlegging") in tasks and ("oppfolging", "samordne_tjenester") in tasks
    text = render(s, engine.ruleset, "text", "nb", document="full")
    assert "Koordinatorens oppgaver" in text and "Samordne tjenestene som arbeider parallelt [oppfølging]" in text
    done = engine.assess({"schema_version": 2, "malgrupper": [], "mal": {"onsker": ["trygg_bolig"]},
                          "bolig": {"situasjon": "eid", "husleierestanse": False, "utkastelsesfare": False, "vold": False,
                                    "boutgiftsbelastning": "lav"},
                          "okonomi": {"inntekt_stabil": True, "betalingsproblemer": False, "inkasso": False}})
    assert {t.id for t in done.tasks} >= {"evaluere_avslutte", "apen_dor"}
    assert "Døren står åpen" in render(done, engine.ruleset, "markdown", "nb", document="appendix")


def test_a_guard_leaves_a_measure_out_and_says_why(engine: Engine, ruleset_copy: Path) -> None:
    # a municipality's extra rule suggests uføretrygd on its own; the guard still applies
    (ruleset_copy / "rules" / "kommune.yaml").write_text(
        "kind: rules\nrules:\n"
        "  - id: kommune-uforetrygd\n    title: {nb: T, en: T}\n    when: {helse.somatisk: betydelig}\n"
        "    then: [{suggest: uforetrygd, partners: [{id: nav_forvaltning, form: informasjon}]}]\n"
        "    relation: {from: helse, to: okonomi, role: solution}\n"
        "    rationale: {nb: Fordi., en: Because.}\n    source: veileder §3\n", encoding="utf-8")
    eng = Engine.from_paths(ruleset_copy)
    s = eng.assess({"helse": {"somatisk": "betydelig", "arbeidsevne": "full"}})
    assert "uforetrygd" not in {m.id for m in s.measures}
    (x,) = s.excluded
    assert x.id == "uforetrygd" and x.why[0].rule == "full-arbeidsevne-utelukker-uforeytelser"
    assert "Vurdert, men utelatt" in render(s, eng.ruleset, "text", "nb", document="full")
    assert "uforetrygd" in {m.id for m in eng.assess({"helse": {"somatisk": "betydelig"}}).measures}


def test_urgent_measures_land_in_the_first_stage(engine: Engine) -> None:
    for case in ({"bolig": {"situasjon": "uten_fast_bolig"}}, {"bolig": {"husleierestanse": True}},
                 {"bolig": {"situasjon": "privat_leie", "vold": True, "utrygg": True}}):
        s = engine.assess(case)
        urgent = [m for m in s.measures if m.id in ("midlertidig_botilbud", "husleierestanse")]
        assert urgent and all(m.stage == 0 and m.phase == "oppstart" for m in urgent)


def test_every_partner_suggestion_has_a_form(engine: Engine) -> None:
    for rule in engine.ruleset.rules.values():
        for action in rule.rule.then:
            if action.suggest:
                assert action.partners, rule.id


def test_measures_say_what_to_check(engine: Engine) -> None:
    s = engine.assess({"okonomi": {"inntekt_stabil": True}, "mal": {"onsker": ["eie"]}})
    (m,) = [m for m in s.measures if m.id == "startlan"]
    assert any("bank" in c.nb for c in m.to_check)
    assert "Å sjekke (tjenesten avgjør): Har en vanlig bank sagt nei" in render(s, engine.ruleset, "text", "nb", document="full")
    # a check the assessment settles is shown as settled, not as open
    s = engine.assess({"okonomi": {"inntekt_stabil": True, "bankavslag": True}, "mal": {"onsker": ["eie"]}})
    (m,) = [m for m in s.measures if m.id == "startlan"]
    assert not any("bank" in c.nb for c in m.to_check) and any("bank" in c.nb for c in m.settled)
    assert "Avklart: Har en vanlig bank sagt nei" in render(s, engine.ruleset, "text", "nb", document="full")
    with_checks = [mid for mid, meas in engine.ruleset.measures.items() if meas.preconditions]
    assert {"startlan", "bostotte", "uforetrygd", "aap", "overgangsstonad", "kvalifiseringsprogram"} <= set(with_checks)
