"""The engine and rule-language features behind issue 11, each pinned by a small case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ibp_rules import Engine
from ibp_rules.cli.main import cli
from ibp_rules.render import render


def ids(s: Any) -> set[str]:
    return {m.id for m in s.measures}


def v2(**sections: Any) -> dict[str, Any]:
    return {"schema_version": 2, **sections}


# --- what is in place becomes a partner -----------------------------------------------

def test_what_is_in_place_is_a_partner_and_is_shown(engine: Engine) -> None:
    s = engine.assess(v2(okonomi={"inntektskilder": ["aap"]}, helse={"arbeidsevne": "nedsatt_uavklart", "tjenester": ["psykisk_helse"]},
                         bolig={"situasjon": "kommunal_utleiebolig"}))
    in_place = {x.id: x for x in s.already_in_place}
    assert {"aap", "arbeidsevnevurdering", "psykisk_helse_oppfolging", "kommunal_utleiebolig"} <= set(in_place)
    assert not {"aap", "arbeidsevnevurdering", "psykisk_helse_oppfolging", "kommunal_utleiebolig"} & ids(s)
    assert [(p.id, p.form) for p in in_place["aap"].partners] == [("nav_forvaltning", "samordning")]
    assert in_place["aap"].why[0].rule == "har-aap" and not in_place["aap"].recorded
    partners = {p.id: p for p in s.partners}
    assert "samordning" in partners["psykisk_helse_rus"].forms and "psykisk_helse_oppfolging" in partners["psykisk_helse_rus"].measures
    text = render(s, engine.ruleset, "text", "nb")
    assert "Har allerede (ikke foreslått på nytt; samarbeid med tjenesten): " in text and "NAV-forvaltning (samordning)" in text
    html = render(s, engine.ruleset, "html", "nb")
    assert 'data-in-place="aap"' in html


@pytest.mark.parametrize(("gp", "form"), [(True, "samordning"), (None, "tilgang"), (False, "tilgang")])
def test_a_service_the_person_has_is_coordinated_with_not_opened(engine: Engine, gp: bool | None, form: str) -> None:
    """A known GP: the medical documentation is coordinated with the GP
    (samordning); no GP, or not known: the form the rule asks (tilgang).
    Unknown is never read as having one."""
    helse: dict[str, Any] = {"arbeidsevne": "nedsatt_uavklart", "psykisk": "noe"}
    if gp is not None:
        helse["fastlege"] = gp
    s = engine.assess(v2(helse=helse))
    gp_measure = next(m for m in s.measures if m.id == "fastlege_vurdering")
    assert [(p.id, p.form) for p in gp_measure.partners] == [("fastlege", form)]


@pytest.mark.parametrize("services, form", [([], "tilgang"), (["psykisk_helse"], "samordning")])
def test_a_service_not_yet_following_the_person_is_opened_first(engine: Engine, services: list[str], form: str) -> None:
    """Home follow-up for someone whom no mental-health service follows yet:
    the coordinator first gets them access (tilgang); once the service
    follows them, the two tracks are coordinated (samordning)."""
    s = engine.assess(v2(helse={"psykisk": "betydelig", "tjenester": services}, bolig={"situasjon": "privat_leie"}))
    home = next(m for m in s.measures if m.id == "bo_oppfolging")
    assert [(p.id, p.form) for p in home.partners] == [("psykisk_helse_rus", form)]


def test_a_measures_forms_read_in_the_order_of_the_method(engine: Engine) -> None:
    """Access before coordinating, in a measure as in the partner summary
    (not alphabetically, which would put samordning first)."""
    s = engine.assess(v2(okonomi={"gjeld": True, "betalingsproblemer": True}))
    debt = next(m for m in s.measures if m.id == "gjeldsradgivning")
    assert [(p.id, p.form) for p in debt.partners] == [("gjeldsradgiver", "tilgang"), ("gjeldsradgiver", "samordning")]
    assert {p.id: p.forms for p in s.partners}["gjeldsradgiver"] == ["tilgang", "samordning"]


def test_a_partner_in_place_changes_only_access_and_reads_known_facts(engine: Engine) -> None:
    """Only tilgang becomes samordning (information asked of a service stays
    information), and the catalogue's condition is read on known facts."""
    rs = engine.ruleset
    assert ("fastlege", "in_place_when", 0) in rs.settles and ("verge", "in_place_when", 0) in rs.settles
    s = engine.assess(v2(helse={"fastlege": True, "arbeidsevne": "nedsatt_varig", "tjenester": ["psykisk_helse"]},
                         bolig={"situasjon": "uten_fast_bolig"}))
    forms = {(p.id, p.form) for m in s.measures for p in m.partners}
    assert ("fastlege", "tilgang") not in forms and ("psykisk_helse_rus", "tilgang") not in forms
    assert {p.id: p.forms for p in s.partners}["fastlege"] == sorted({f for pid, f in forms if pid == "fastlege"},
                                                                      key=("informasjon", "tilgang", "samordning").index)


def test_a_measure_in_place_meets_a_prerequisite(engine: Engine) -> None:
    """AAP is in place, so uføretrygd does not wait for an AAP application."""
    s = engine.assess(v2(okonomi={"inntektskilder": ["aap"]}, helse={"arbeidsevne": "nedsatt_varig", "fastlege": True}))
    (m,) = [m for m in s.measures if m.id == "uforetrygd"]
    aap = next(p for p in m.prerequisites if p.measure == "aap")
    assert aap.status == "met" and "aap" not in m.requires


# --- what the person does not want --------------------------------------------------

def test_measures_and_goals_the_user_does_not_want_are_left_out(engine: Engine) -> None:
    base = v2(okonomi={"inkasso": True}, helse={"psykisk": "betydelig"})
    assert "verge_oppnevning" in ids(engine.assess(base))
    s = engine.assess({**base, "mal": {"tiltak_ikke_onsket": ["verge_oppnevning"]}})
    assert "verge_oppnevning" not in ids(s) and [(x.id, x.goals) for x in s.not_wanted] == [("verge_oppnevning", [])]
    # a goal not wanted removes the routes that only lead to it
    own = v2(okonomi={"inntekt_stabil": True, "bankavslag": True}, bolig={"situasjon": "kommunal_utleiebolig"},
             mal={"onsker": ["eie"]})
    assert {"startlan", "leie_til_eie"} <= ids(engine.assess(own))
    s = engine.assess({**own, "mal": {"onsker": ["eie"], "onsker_ikke": ["eie"]}})
    assert not {"startlan", "leie_til_eie", "startlan_samtale"} & ids(s)
    assert ("startlan", ["eie"]) in [(x.id, x.goals) for x in s.not_wanted]
    assert "Utelatt fordi brukeren ikke ønsker det" in render(s, engine.ruleset, "markdown", "nb")


def test_unknown_declined_measure_is_a_clear_error(engine: Engine) -> None:
    from ibp_rules import AssessmentError

    with pytest.raises(AssessmentError, match=r"mal\.tiltak_ikke_onsket\[0\]"):
        engine.assess(v2(mal={"tiltak_ikke_onsket": ["verge"]}))


# --- goals steer: alternatives and tensions ------------------------------------------

def test_a_route_against_the_goal_is_marked_as_an_alternative(engine: Engine) -> None:
    s = engine.assess(v2(bolig={"situasjon": "kommunal_gjennomgangsbolig", "ar_i_boligen": 5}, mal={"onsker": ["eie", "trygg_bolig"]}))
    (m,) = [m for m in s.measures if m.id == "privat_leie_bistand"]
    assert m.alternative_to == ["eie"]
    assert "alternativ til målet: Eie egen bolig" in " ".join(render(s, engine.ruleset, "text", "nb").split())
    s = engine.assess(v2(bolig={"situasjon": "kommunal_gjennomgangsbolig", "ar_i_boligen": 5}, mal={"onsker": ["leie_privat", "eie"]}))
    assert next(m for m in s.measures if m.id == "privat_leie_bistand").alternative_to == []  # a route to one of the goals


def test_suggestions_that_pull_apart_are_flagged(engine: Engine) -> None:
    s = engine.assess(v2(okonomi={"inkasso": True, "inntektskilder": ["aap"]}, helse={"arbeidsevne": "nedsatt_varig"},
                         mal={"onsker": ["eie"]}))
    assert [(t.measures, t.goals) for t in s.tensions] == [(["gjeldsordning"], ["eie"])]
    s = engine.assess(v2(okonomi={"inntektskilder": ["aap"]}, helse={"arbeidsevne": "nedsatt_varig"},
                         arbeid_utdanning={"utdanning": "grunnskole"}, mal={"onsker": ["fullfore_utdanning"]}))
    assert ["uforetrygd", "videregaende_voksne"] in [t.measures for t in s.tensions]
    assert "Trekker i ulike retninger" in render(s, engine.ruleset, "text", "nb")


# --- first contact before application --------------------------------------------------

def test_the_first_contact_comes_first_even_when_the_application_waits(engine: Engine) -> None:
    s = engine.assess(v2(okonomi={"inntektskilder": ["aap"], "bankavslag": True}, helse={"arbeidsevne": "nedsatt_varig"},
                         mal={"onsker": ["eie"]}))
    by = {m.id: m for m in s.measures}
    assert by["startlan"].stage > 0 and by["startlan_samtale"].stage == 0 and by["startlan_samtale"].phase == "oppstart"
    assert [(p.id, p.form) for p in by["startlan_samtale"].partners] == [("startlan_forvaltning", "informasjon")]
    assert {w.rule for w in by["startlan_samtale"].why} >= {"startlan-innen-rekkevidde"}


# --- known facts settle checks; a hard prerequisite known unmet excludes ----------------

def test_a_check_the_assessment_settles_is_settled_not_open(engine: Engine) -> None:
    s = engine.assess(v2(okonomi={"inntekt_stabil": True, "bankavslag": True, "betalingsproblemer": False, "inkasso": False},
                         mal={"onsker": ["eie"]}))
    (m,) = [m for m in s.measures if m.id == "startlan"]
    assert any("bank" in c.nb for c in m.settled)
    debt = next(p for p in m.prerequisites if p.measure == "gjeldsradgivning")
    assert debt.status == "met"  # payment problems are known to be absent
    unknown = engine.assess(v2(okonomi={"inntekt_stabil": True, "bankavslag": True}, mal={"onsker": ["eie"]}))
    (m,) = [m for m in unknown.measures if m.id == "startlan"]
    assert next(p for p in m.prerequisites if p.measure == "gjeldsradgivning").status == "check"


def test_a_bank_that_has_not_refused_excludes_startlan_with_a_plain_reason(engine: Engine) -> None:
    s = engine.assess(v2(okonomi={"inntekt_stabil": True, "bankavslag": False}, mal={"onsker": ["eie"]}))
    assert "startlan" not in ids(s)
    (x,) = [x for x in s.excluded if x.id == "startlan"]
    assert x.why[0].rule == "banken-har-ikke-sagt-nei" and "kan startlån vurderes" in x.why[0].text.nb


# --- texts fit the person; the soft second sentence survives ---------------------------

def test_the_text_is_chosen_by_the_facts(engine: Engine) -> None:
    def reason(data: dict[str, Any]) -> str:
        s = engine.assess(data)
        return next(w for m in s.measures if m.id == "startlan" for w in m.why if w.rule == "startlan-innen-rekkevidde").text.nb

    has = reason(v2(okonomi={"inntekt_stabil": True, "bankavslag": True}, mal={"onsker": ["eie"]}))
    later = reason(v2(okonomi={"inntektskilder": ["aap"], "bankavslag": True}, helse={"arbeidsevne": "nedsatt_varig"}, mal={"onsker": ["eie"]}))
    assert "inntekten er stabil" in has and "kan komme innen rekkevidde" not in has
    assert "kan komme innen rekkevidde" in later
    childless = engine.assess(v2(husholdning={"barn_alder": []}, bolig={"trangbodd": True}))
    text = next(w.text.nb for f in childless.findings for w in f.why if w.rule == "uegnet-eller-trang-bolig")
    assert "barn" not in text


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_the_soft_second_sentence_survives_every_format(engine: Engine, fmt: str) -> None:
    s = engine.assess(v2(helse={"arbeidsevne": "full"}, okonomi={"inntektskilder": ["sosialhjelp"]}, arbeid_utdanning={"status": "arbeidsledig"}))
    # every format that shows the reasons (the whole strategy; the appendix)
    out = render(s, engine.ruleset, fmt, "nb", document="full")
    assert "endrer helsen seg, kan det vurderes på nytt" in " ".join(out.split())
    s = engine.assess(v2(helse={"arbeidsevne": "nedsatt_varig"}))
    assert "NAV avgjør om vilkårene er oppfylt" in " ".join(render(s, engine.ruleset, fmt, "nb", document="full").split())


# --- lints that keep the patterns out of new rules --------------------------------------

def _validate(ruleset_copy: Path) -> str:
    return str(CliRunner().invoke(cli, ["rules", "validate", str(ruleset_copy), "--lang", "en"]).output)


def test_lint_unknown_goals_never_suggest_a_route(ruleset_copy: Path) -> None:
    (ruleset_copy / "rules" / "kommune.yaml").write_text(
        "kind: rules\nrules:\n"
        "  - id: ukjent-mal-foreslar\n    title: {nb: T, en: T}\n    when: {mal.onsker: {known: false}}\n"
        "    then: [{suggest: karriereveiledning, partners: [{id: karrieresenter, form: informasjon}]}]\n"
        "    rationale: {nb: Fordi., en: Because.}\n    source: veileder §3\n", encoding="utf-8")
    assert "may give tasks or exclude measures, not suggest them" in _validate(ruleset_copy)


def test_lint_a_hard_prerequisite_no_measure_can_meet_needs_a_guard(ruleset_copy: Path) -> None:
    vakter = ruleset_copy / "rules" / "vakter.yaml"
    text = vakter.read_text(encoding="utf-8")
    start = text.index("  - id: banken-har-ikke-sagt-nei")
    vakter.write_text(text[:start] + text[text.index("  - id: ", start + 10):], encoding="utf-8")
    cases = ruleset_copy / "rules" / "vakter.cases.yaml"
    lines = cases.read_text(encoding="utf-8").splitlines(keepends=True)
    kept, skip = [], False
    for line in lines:
        if line.startswith("  - {"):
            skip = "rule: banken-har-ikke-sagt-nei" in line
        if not skip:
            kept.append(line)
    cases.write_text("".join(kept), encoding="utf-8")
    out = _validate(ruleset_copy)
    assert "the hard prerequisite 'bank_har_avslatt' is brought about by no measure" in out and "'startlan'" in out


@pytest.mark.parametrize("children, status", [([], "met"), ([9], "met"), ([2], "planned"), (None, "check")])
def test_the_kindergarten_check_applies_only_with_a_child_of_that_age(engine: Engine, children: list[int] | None,
                                                                       status: str) -> None:
    """Adult upper-secondary school's soft prerequisite (a kindergarten place)
    is not needed without a child of kindergarten age; unknown stays a check."""
    household = {} if children is None else {"barn_alder": children}
    s = engine.assess(v2(husholdning=household, arbeid_utdanning={"utdanning": "grunnskole", "status": "arbeidsledig"},
                         mal={"onsker": ["fullfore_utdanning"]}))
    school = next(m for m in s.measures if m.id == "videregaende_voksne")
    assert [(p.measure, p.status) for p in school.prerequisites] == [("barnehageplass", status)]


def test_a_pensioners_plan_asks_nothing_about_working_age_benefits(engine: Engine) -> None:
    """A 78-year-old on a retirement pension: no AAP, unemployment benefit or work measures,
    and no questions about weeks left of benefits the income sources rule out."""
    s = engine.assess(v2(husholdning={"alder": 78}, okonomi={"inntektskilder": ["alderspensjon"]},
                         bolig={"situasjon": "privat_leie", "boutgiftsbelastning": "hoy"}, mal={"onsker": ["trygg_bolig"]}))
    asked = {q.path for q in s.open_questions}
    assert not asked & {"okonomi.aap_uker_igjen", "okonomi.sykepenger_uker_igjen", "okonomi.overgangsstonad_uker_igjen",
                        "okonomi.introduksjonsstonad_uker_igjen"}
    added = {m for q in s.open_questions for m in q.adds}
    assert not added & {"aap", "uforetrygd", "dagpenger", "arbeidsevnevurdering", "arbeidsrettet_tiltak", "karriereveiledning"}

    def weeks_asked(income: list[str] | None) -> bool:
        okonomi = {} if income is None else {"inntektskilder": income}
        s = engine.assess(v2(husholdning={"alder": 50}, helse={"arbeidsevne": "nedsatt_uavklart"}, okonomi=okonomi))
        return "okonomi.sykepenger_uker_igjen" in {q.path for q in s.open_questions}

    # sick pay's weeks are asked while the income sources are unknown or name sick pay, not beside a wage only
    assert weeks_asked(None) and weeks_asked(["sykepenger"]) and not weeks_asked(["arbeid"])


@pytest.mark.parametrize(("involved", "form"), [(None, "tilgang"), (True, "samordning")])
def test_aftercare_is_working_with_child_welfare(engine: Engine, involved: bool | None, form: str) -> None:
    """A young person who had child-welfare measures gets the catalogue's shared measure for
    child welfare (aftercare is part of it); child welfare is opened unless the assessment
    says it is involved now, when the work is coordinated."""
    household: dict[str, Any] = {"alder": 19, "hatt_barnevern": True}
    if involved is not None:
        household["barnevern"] = involved
    s = engine.assess(v2(husholdning=household))
    m = next(m for m in s.measures if m.id == "barnevern_samarbeid")
    assert [(p.id, p.form) for p in m.partners] == [("barnevern", form)]
    assert engine.ruleset.replaced["ettervern"] == "barnevern_samarbeid"


def test_advice_from_a_partner_already_opened_is_not_listed_twice(engine: Engine) -> None:
    """Joint debt opens the debt counsellor (access, coordination); a second rule asks only
    for advice while payment problems are unknown: the measure lists the stronger forms,
    not "information, access, coordination" for one partner."""
    s = engine.assess(v2(okonomi={"gjeld": True, "felles_gjeld": True}))
    m = next(m for m in s.measures if m.id == "gjeldsradgivning")
    assert {w.rule for w in m.why} >= {"felles-gjeld", "gjeld-betaling-ukjent"}
    assert [(p.id, p.form) for p in m.partners] == [("gjeldsradgiver", "tilgang"), ("gjeldsradgiver", "samordning")]
    # advice alone (payment unknown, no joint debt) is still information
    alone = engine.assess(v2(okonomi={"gjeld": True}))
    m = next(m for m in alone.measures if m.id == "gjeldsradgivning")
    assert [(p.id, p.form) for p in m.partners] == [("gjeldsradgiver", "informasjon")]


def test_a_home_allocated_before_release_needs_no_temporary_fallback(engine: Engine) -> None:
    """Released in four weeks to a municipal flat already allocated: no temporary
    accommodation, and the finding says the next home is ready; without it, the fallback stays."""
    case: dict[str, Any] = {"malgrupper": ["loslatelse"], "bolig": {"situasjon": "fengsel", "uker_til_utflytting": 4},
                            "okonomi": {"inntektskilder": []}}
    ready = engine.assess(v2(**case, tiltak_mottatt=["kommunal_utleiebolig"]))
    assert "midlertidig_botilbud" not in {m.id for m in ready.measures}
    assert "neste_bolig_klar" in {f.id for f in ready.findings}
    assert "okonomisk_sosialhjelp" in {m.id for m in ready.measures}
    waiting = engine.assess(v2(**case))
    assert {"midlertidig_botilbud", "kommunal_utleiebolig"} <= {m.id for m in waiting.measures}


def test_weeks_left_of_a_benefit_the_person_does_not_have_are_not_read(engine: Engine) -> None:
    """A stale answer (AAP weeks beside income sources without AAP) is neither asked nor read by rules."""
    stale = engine.trace(v2(okonomi={"inntektskilder": ["arbeid"], "aap_uker_igjen": 4}, helse={"arbeidsevne": "nedsatt_uavklart"}))
    assert not {"aap-slutter", "aap-slutter-uavklart"} & set(stale.rules)
    current = engine.trace(v2(okonomi={"inntektskilder": ["aap"], "aap_uker_igjen": 4}, helse={"arbeidsevne": "nedsatt_uavklart"}))
    assert {"aap-slutter", "aap-slutter-uavklart"} <= set(current.rules)
