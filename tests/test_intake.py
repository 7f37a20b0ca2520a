"""The guided intake: parsing answers, going back, re-asking, saving, and the strategy."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ibp_rules.cli.main import cli
from ibp_rules.intake import (
    BACK,
    KEEP,
    UNKNOWN,
    AnswerError,
    Interview,
    draft_path,
    load_draft,
    parse_answer,
    questions,
    save_draft,
)
from ibp_rules.text import Text

MEASURES = [("startlan", Text(nb="Startlån", en="Start-up loan")), ("uforetrygd", Text(nb="Uføretrygd", en="Disability benefit"))]


def q(path: str):  # type: ignore[no-untyped-def]
    return next(x for x in questions() if x.path == path)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("bolig.husleierestanse", "j", True),
        ("bolig.husleierestanse", "Nei", False),
        ("bolig.husleierestanse", "", KEEP),
        ("bolig.husleierestanse", "vet ikke", UNKNOWN),
        ("bolig.husleierestanse", "<", BACK),
        ("bolig.situasjon", "3", "privat_leie"),
        ("bolig.situasjon", "Leier privat", "privat_leie"),
        ("bolig.situasjon", "eid", "eid"),
        ("bolig.ar_i_boligen", "2,5", 2.5),
        ("okonomi.inntektskilder", "2 1 2", ["arbeid", "aap"]),
        ("okonomi.inntektskilder", "-", []),
        ("husholdning.barn_alder", "0 7", [0, 7]),
        ("mal.ressurser", "Flink med tall; God på språk", ["Flink med tall", "God på språk"]),
        ("mal.fritekst", "Et eget hjem", "Et eget hjem"),
    ],
)
def test_parse_answer(path: str, text: str, expected: object) -> None:
    assert parse_answer(q(path), text, "nb") == expected


@pytest.mark.parametrize(
    ("path", "text", "words"),
    [
        ("bolig.husleierestanse", "kanskje", "j (ja)"),
        ("bolig.situasjon", "99", "1 til 10"),
        ("bolig.ar_i_boligen", "-3", "mellom 0 og 100"),
        ("husholdning.voksne", "to", "helt tall"),
        ("tiltak_mottatt", "uforetrgd", "Mente du: Uføretrygd?"),
        ("tiltak_mottatt", "3", "velg numre fra 1 til 2"),
    ],
)
def test_bad_answers_say_what_fits(path: str, text: str, words: str) -> None:
    with pytest.raises(AnswerError, match=re.escape(words)):
        parse_answer(q(path), text, "nb", MEASURES)


def test_questions_follow_the_method_order_and_skip_what_does_not_apply() -> None:
    sections = list(dict.fromkeys(x.path.split(".")[0] for x in questions()))
    assert sections == ["husholdning", "malgrupper", "bolig", "okonomi", "helse", "arbeid_utdanning", "mal", "samtykke_deling",
                        "tiltak_mottatt"]
    iv = Interview()
    asked = []
    while (cur := iv.current()) is not None:
        asked.append(cur.path)
        iv.answer("utenfor_arbeid" if cur.path == "arbeid_utdanning.status" else UNKNOWN)
    assert "arbeid_utdanning.stillingsprosent" not in asked and "helse.lar" not in asked
    # follow-ups wait for the answer they depend on
    assert "bolig.utrygg" not in asked and "bolig.uker_til_utflytting" not in asked and "husholdning.funksjonsnedsettelse" not in asked
    assert "okonomi.aap_uker_igjen" in asked  # income unknown: whether AAP ends soon is worth asking
    assert iv.assessment_data() == {"schema_version": 2, "arbeid_utdanning": {"status": "utenfor_arbeid"}}


def test_follow_up_questions_appear_when_they_apply() -> None:
    iv = Interview()
    given = {"husholdning.alder": 40, "husholdning.voksne": 2, "husholdning.barn_alder": [4], "bolig.situasjon": "fengsel",
             "bolig.vold": True, "okonomi.inntektskilder": ["overgangsstonad"], "okonomi.gjeld": False}
    asked = []
    while (cur := iv.current()) is not None:
        asked.append(cur.path)
        iv.answer(given.get(cur.path, UNKNOWN))
    assert {"husholdning.funksjonsnedsettelse", "bolig.utrygg", "bolig.uker_til_utflytting", "okonomi.overgangsstonad_uker_igjen"} <= set(asked)
    assert not {"husholdning.hatt_barnevern", "okonomi.felles_gjeld", "okonomi.aap_uker_igjen"} & set(asked)


ANSWERS = [
    "",         # alder
    "1",        # voksne
    "",         # barn_alder: vet ikke (so enslig_forsorger and barnevern are skipped)
    "",         # samlivsbrudd
    "",         # hatt_barnevern (age unknown; funksjonsnedsettelse skipped: one adult, no children known)
    "",         # malgrupper
    "slott",    # situasjon: invalid, re-asked
    "3",        # situasjon: privat_leie
    "2",        # ar_i_boligen
    "j",        # husleierestanse
    "<",        # back to husleierestanse
    "ja",       # husleierestanse again
    "j",        # utkastelsesfare
    "", "", "", "",  # trangbodd, uegnet, boutgiftsbelastning, vold (utrygg and uker_til_utflytting skipped)
    "", "", "", "", "", "", "", "", "",  # okonomi: 9 questions
    "", "", "", "", "",  # felles_gjeld, and when AAP, transitional benefit, sick pay, introduction benefit end
    "", "", "",  # psykisk, somatisk, rus (lar skipped)
    "3",        # arbeidsevne: nedsatt_varig
    "", "",     # fastlege, tjenester
    "", "", "", "", "",  # status (stilling skipped), utdanning, fra_utlandet (godkjent skipped), norsk, program
    "1",        # onsker: eie
    "", "",     # onsker_ikke, tiltak_ikke_onsket
    "", "",     # fritekst, ressurser
    "",         # samtykke_deling
    "",         # tiltak_mottatt
    "",         # the review: save
]


def test_intake_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "kartlegging.yaml"
    r = CliRunner().invoke(cli, ["intake", "-o", str(out)], input="\n".join(ANSWERS) + "\n")
    assert r.exit_code == 0, r.output
    assert "velg et nummer fra 1 til 10" in r.output  # the re-ask
    assert "(nå: ja)" in r.output  # after going back, the earlier answer is shown
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data == {
        "schema_version": 2,
        "husholdning": {"voksne": 1},
        "bolig": {"situasjon": "privat_leie", "ar_i_boligen": 2.0, "husleierestanse": True, "utkastelsesfare": True},
        "helse": {"arbeidsevne": "nedsatt_varig"},
        "mal": {"onsker": ["eie"]},
    }
    assert "Lagret:" in r.output and "Hjelp med husleierestanse" in r.output and "Uføretrygd" in r.output


def test_intake_in_english_asks_for_a_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    iv = Interview()
    n = 0
    while iv.current() is not None:  # how many questions an all-unknown interview asks
        iv.answer(UNKNOWN)
        n += 1
    r = CliRunner().invoke(cli, ["intake", "--lang", "en", "--no-strategy"], input="my-case\n" + "\n" * (n + 1))
    assert r.exit_code == 0, r.output
    assert r.output.index("Save the assessment as") < r.output.index("Where does the person live now?")
    assert "Saved: my-case.yaml" in r.output
    assert (tmp_path / "my-case.yaml").read_text(encoding="utf-8").startswith("# Assessment")
    assert sorted(os.listdir(tmp_path)) == ["my-case.yaml"]  # no recovery copy or temporary file left


EXPECTED = {
    "schema_version": 2,
    "husholdning": {"voksne": 1},
    "bolig": {"situasjon": "privat_leie", "ar_i_boligen": 2.0, "husleierestanse": True, "utkastelsesfare": True},
    "helse": {"arbeidsevne": "nedsatt_varig"},
    "mal": {"onsker": ["eie"]},
}
QUESTION = "Hvor bor personen nå?"


def test_output_in_a_missing_folder_is_refused_before_the_first_question(tmp_path: Path) -> None:
    target = tmp_path / "finnes-ikke" / "kari.yaml"
    r = CliRunner().invoke(cli, ["intake", "-o", str(target)], input="\n".join(ANSWERS) + "\n")
    assert r.exit_code == 2
    assert str(target) in r.output and "mappen finnes ikke" in r.output
    assert QUESTION not in r.output and "Intern feil" not in r.output


def test_a_typed_file_name_that_cannot_be_written_is_asked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["intake", "--no-strategy"], input="finnes-ikke/kari\nkari\n" + "\n".join(ANSWERS) + "\n")
    assert r.exit_code == 0, r.output
    assert "finnes-ikke/kari.yaml: kan ikke skrive filen: mappen finnes ikke" in r.output
    assert r.output.index("mappen finnes ikke") < r.output.index(QUESTION)
    assert yaml.safe_load((tmp_path / "kari.yaml").read_text(encoding="utf-8")) == EXPECTED


def test_a_save_error_at_the_end_asks_again_and_keeps_the_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder vanished (or the disk filled up) during the interview: nothing is lost."""
    import ibp_rules.atomic as atomic

    first = tmp_path / "kari.yaml"
    real = atomic.write_atomic

    def full_disk_once(path: Path | str, data: bytes | str) -> None:
        if Path(path) == first:
            raise atomic.output_error(path, OSError(errno.ENOSPC, "No space left on device"))
        real(path, data)

    monkeypatch.setattr(atomic, "write_atomic", full_disk_once)
    other = tmp_path / "annet.yaml"
    r = CliRunner().invoke(cli, ["intake", "-o", str(first), "--no-strategy"], input="\n".join(ANSWERS) + f"\n{other}\n")
    assert r.exit_code == 0, r.output
    assert "disken er full" in r.output and "Svarene er ikke borte" in r.output
    assert yaml.safe_load(other.read_text(encoding="utf-8")) == EXPECTED
    assert not first.exists() and not draft_path(first).exists()


def test_an_interview_that_stops_keeps_a_recovery_copy_and_continues(tmp_path: Path) -> None:
    target = tmp_path / "kari.yaml"
    stop_at = ANSWERS.index("j")  # stops (end of input, as a closed terminal) after the rent arrears question
    r = CliRunner().invoke(cli, ["intake", "-o", str(target)], input="\n".join(ANSWERS[: stop_at + 1]) + "\n")
    assert r.exit_code == 1
    assert not target.exists()
    draft = draft_path(target)
    assert draft.name == "kari.yaml.utkast" and f"er i {draft}" in r.stderr
    assert r.stderr.count("Avbrutt") == 1 and "Aborted" not in r.stderr  # said once, in the user's language
    saved = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert saved["answers"]["bolig"] == {"situasjon": "privat_leie", "ar_i_boligen": 2.0, "husleierestanse": True}
    assert saved["next"] == "bolig.utkastelsesfare"
    r = CliRunner().invoke(cli, ["intake", "-o", str(target), "--no-strategy"],
                           input="j\n" + "\n".join(ANSWERS[stop_at + 1:]) + "\n")
    assert r.exit_code == 0, r.output
    assert "Fant svar fra en kartlegging som ble avbrutt (4 svar" in r.output
    assert yaml.safe_load(target.read_text(encoding="utf-8")) == EXPECTED
    assert not draft.exists()


def test_recovery_copy_can_go_back_into_earlier_answers(tmp_path: Path) -> None:
    target = tmp_path / "kari.yaml"
    iv = Interview()
    for a in ("", "2", "", ""):  # age unknown, two adults, children's ages and breakup unknown
        iv.answer(parse_answer(iv.current(), a, "nb"))  # type: ignore[arg-type]
    save_draft(target, iv)
    answers, nxt = load_draft(target)
    again = Interview()
    again.restore(answers, nxt)
    assert again.current() == iv.current() and again.answers == {"husholdning.voksne": 2}
    again.answer(BACK)
    assert again.current().path == "husholdning.samlivsbrudd"  # type: ignore[union-attr]


# --- going back, the review, what is asked, natural answers (issue 14, item 3) ----------

def _until(iv: Interview, path: str) -> None:
    """Skip (Enter) up to the question ``path``."""
    while (cur := iv.current()) is not None and cur.path != path:
        iv.answer(KEEP)


def test_back_then_enter_keeps_the_answer() -> None:
    iv = Interview()
    _until(iv, "husholdning.voksne")  # the person's age comes first; skipped
    iv.answer(parse_answer(iv.current(), "2", "nb"))  # type: ignore[arg-type]
    iv.answer(parse_answer(iv.current(), "<", "nb"))  # type: ignore[arg-type]
    assert iv.current().path == "husholdning.voksne"  # type: ignore[union-attr]
    iv.answer(parse_answer(iv.current(), "", "nb"))  # type: ignore[arg-type]
    assert iv.answers == {"husholdning.voksne": 2}
    iv.answer(BACK)
    iv.answer(parse_answer(iv.current(), "v", "nb"))  # type: ignore[arg-type]  # "vet ikke" clears it
    assert iv.answers == {}


def test_back_then_enter_keeps_the_answer_in_the_terminal(tmp_path: Path) -> None:
    out = tmp_path / "k.yaml"
    r = CliRunner().invoke(cli, ["intake", "-o", str(out), "--no-strategy"], input="\n3\n<\n\n" + "\n" * 70)
    assert r.exit_code == 0, r.output
    assert "(nå: 3)" in r.output and "Enter = behold" in r.output
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == {"schema_version": 2, "husholdning": {"voksne": 3}}


def test_the_review_lists_every_answer_and_changes_one(tmp_path: Path) -> None:
    out = tmp_path / "k.yaml"
    iv = Interview()
    answers = dict.fromkeys((x.path for x in iv.qs), "")
    answers.update({"bolig.situasjon": "3", "bolig.husleierestanse": "j", "arbeid_utdanning.status": "arbeidsledig"})
    typed = []
    while (cur := iv.current()) is not None:
        typed.append(answers[cur.path])
        iv.answer(parse_answer(cur, answers[cur.path], "nb"))
    review = [x.path for x, _ in iv.review()]
    situation, status = review.index("bolig.situasjon") + 1, review.index("arbeid_utdanning.status") + 1
    typed += [
        str(situation), "Bor på krisesenter",   # change where the person lives: the rent questions no longer fit …
        "",                                     # … and when she must move out is asked (not known)
        str(status - 5), "i arbeid",            # the review is numbered again (6 questions fewer, 1 more): now in work …
        "40 %", "nei",                          # … which asks the follow-ups: position percentage, temporary
        "",                                     # save
    ]
    r = CliRunner().invoke(cli, ["intake", "-o", str(out), "--no-strategy"], input="\n".join(typed) + "\n")
    assert r.exit_code == 0, r.output
    reviews = r.output.split("Gjennomgang – se over svarene før de lagres")
    assert len(reviews) == 4  # the questions, then the review three times
    assert f"{situation}) Bosituasjon: Leier privat" in reviews[1] and "Husleierestanse: ja" in reviews[1]
    assert "Bosituasjon: Bor på krisesenter" in reviews[2] and "Husleierestanse" not in reviews[2]
    assert "Hva er hovedaktiviteten nå?" in reviews[2] and "Hvilken stillingsprosent" in reviews[2]
    assert "Hvor bor personen nå?" not in reviews[3]  # only what the change made relevant is asked
    assert "Stillingsprosent: 40 %" in reviews[3] and "Midlertidig ansatt: nei" in reviews[3]
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == {"schema_version": 2,
        "bolig": {"situasjon": "krisesenter"},
        "arbeid_utdanning": {"status": "i_arbeid", "stillingsprosent": 40, "midlertidig_ansatt": False},
    }


@pytest.mark.parametrize(
    ("situation", "asked"),
    [
        (None, {"ar_i_boligen", "husleierestanse", "utkastelsesfare", "trangbodd", "uegnet", "boutgiftsbelastning", "vold"}),
        ("privat_leie", {"ar_i_boligen", "husleierestanse", "utkastelsesfare", "trangbodd", "uegnet", "boutgiftsbelastning", "vold"}),
        ("eid", {"ar_i_boligen", "utkastelsesfare", "trangbodd", "uegnet", "boutgiftsbelastning", "vold"}),
        ("krisesenter", {"vold", "uker_til_utflytting"}),  # when the person must move out
        ("fengsel", {"vold", "uker_til_utflytting"}),  # when the person must move out
        ("institusjon", {"vold", "uker_til_utflytting"}),  # when the person must move out
        ("uten_fast_bolig", {"vold"}),
        ("hos_familie_venner", {"vold"}),
    ],
)
def test_questions_about_the_home_are_asked_only_where_there_is_one(situation: str | None, asked: set[str]) -> None:
    iv = Interview()
    if situation is not None:
        iv.answers["bolig.situasjon"] = situation
    housing = {x.path.split(".")[1] for x, _ in iv.review() if x.path.startswith("bolig.") and x.path != "bolig.situasjon"}
    assert housing == asked


def test_a_no_rules_out_its_follow_ups() -> None:
    iv = Interview()
    iv.answers.update({"okonomi.gjeld": False, "okonomi.inntektskilder": []})
    shown = {x.path for x, _ in iv.review()}
    assert not {"okonomi.inkasso", "okonomi.gjeldsordning", "okonomi.inntekt_stabil"} & shown
    assert "okonomi.betalingsproblemer" in shown  # bills can be a problem without debt


#: single-choice questions without a "none": everyone lives somewhere ("Uten fast bolig" is a choice),
#: has some work capacity, main activity ("Utenfor arbeid"), level of Norwegian and housing costs
NO_NONE_NEEDED = {"bolig.situasjon", "bolig.boutgiftsbelastning", "helse.arbeidsevne", "arbeid_utdanning.status",
                  "arbeid_utdanning.norsk"}


def test_every_single_choice_question_has_none_where_none_is_an_answer() -> None:
    without = {x.path for x in questions() if x.kind == "enum" and not any(v.startswith("ingen") for v in x.choices)}
    assert without == NO_NONE_NEEDED
    assert parse_answer(q("arbeid_utdanning.program"), "ingen", "nb") == "ingen"
    assert parse_answer(q("arbeid_utdanning.program"), "1", "nb") == "ingen"
    # "none" / "ingen" picks the none-choice whatever its label says ("No substance use", "Ingen fullført")
    assert parse_answer(q("helse.rus"), "none", "en") == "ingen" and parse_answer(q("helse.rus"), "Ingen", "nb") == "ingen"
    assert parse_answer(q("arbeid_utdanning.utdanning"), "none", "en") == "ingen_fullfort"
    assert parse_answer(q("arbeid_utdanning.utdanning"), "ingen", "nb") == "ingen_fullfort"


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("arbeid_utdanning.stillingsprosent", "40 %", 40),
        ("arbeid_utdanning.stillingsprosent", "40%", 40),
        ("arbeid_utdanning.stillingsprosent", "40 prosent", 40),
        ("bolig.ar_i_boligen", "2,5 år", 2.5),
        ("bolig.ar_i_boligen", "3 years", 3.0),
        ("bolig.husleierestanse", "Ja", True),
        ("bolig.husleierestanse", "nei", False),
        ("bolig.situasjon", "leier privat", "privat_leie"),
        ("bolig.situasjon", "krisesenter", "krisesenter"),
        ("bolig.situasjon", "Staying at a crisis centre", "krisesenter"),
        ("helse.arbeidsevne", "varig", "nedsatt_varig"),
        ("okonomi.inntektskilder", "Uføretrygd, AAP", ["aap", "uforetrygd"]),
        ("okonomi.inntektskilder", "aap uforetrygd", ["aap", "uforetrygd"]),
        ("okonomi.inntektskilder", "nei", []),
        ("husholdning.barn_alder", "ingen", []),
        ("tiltak_mottatt", "Uføretrygd", ["uforetrygd"]),
        ("tiltak_mottatt", "1 2", ["startlan", "uforetrygd"]),
        ("tiltak_mottatt", "startlån; UFØRETRYGD", ["startlan", "uforetrygd"]),
    ],
)
def test_natural_answers_are_understood(path: str, text: str, expected: object) -> None:
    assert parse_answer(q(path), text, "nb", MEASURES) == expected


def test_weeks_are_understood_where_a_question_counts_weeks() -> None:
    from ibp_rules.intake import Question

    weeks = Question("okonomi.aap_uker_igjen", "int", lo=0, hi=520)
    assert parse_answer(weeks, "3 uker", "nb") == 3 and parse_answer(weeks, "1 uke", "nb") == 1
    with pytest.raises(AnswerError, match="svar i uker"):
        parse_answer(weeks, "3 måneder", "nb")
    with pytest.raises(AnswerError, match="answer in per cent"):
        parse_answer(q("arbeid_utdanning.stillingsprosent"), "40 uker", "en")


def test_measures_already_in_place_are_a_numbered_list_of_titles(tmp_path: Path) -> None:
    iv = Interview()
    n = 0
    while iv.current() is not None and iv.current().path != "tiltak_mottatt":  # type: ignore[union-attr]
        iv.answer(KEEP)
        n += 1
    out = tmp_path / "k.yaml"
    r = CliRunner().invoke(cli, ["intake", "-o", str(out), "--no-strategy"], input="\n" * n + "Bostøtte, 28\n\n")
    assert r.exit_code == 0, r.output
    menu = r.output.split("Har personen allerede noen av disse tiltakene?")[1].split("numre eller titler")[0]
    assert "2) Bostøtte" in menu and "28) Økonomisk sosialhjelp" in menu
    assert "bostotte" not in menu and "_" not in menu
    assert "Tiltak personen allerede har: Bostøtte, Økonomisk sosialhjelp" in r.output  # in the review
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == {"schema_version": 2, "tiltak_mottatt": ["bostotte", "okonomisk_sosialhjelp"]}


def test_the_plan_does_not_ask_what_the_interview_leaves_out(engine) -> None:  # type: ignore[no-untyped-def]
    from ibp_rules import parse_assessment
    from ibp_rules.views import build_view

    assessment = parse_assessment({"bolig": {"situasjon": "krisesenter"}, "okonomi": {"gjeld": False}})
    strategy = engine.assess(assessment)
    engine_asks = {q.path for q in strategy.open_questions}
    assert {"bolig.husleierestanse", "okonomi.inkasso", "helse.lar"} <= engine_asks  # the JSON keeps every one
    shown = {q.path for q in build_view(strategy, engine.ruleset, "nb", assessment=assessment).questions}
    assert not {"bolig.husleierestanse", "bolig.utkastelsesfare", "okonomi.inkasso", "helse.lar"} & shown
    assert {"helse.rus", "okonomi.betalingsproblemer"} <= shown


def test_a_young_person_with_a_child_welfare_past_is_asked_about_child_welfare_now() -> None:
    """Aftercare is coordinated once child welfare follows the person: the interview asks
    whether it is involved now of a young person who had measures before 18, even without
    children, and asks it after that answer."""
    from ibp_rules.assessment import Assessment
    from ibp_rules.intake import fits, questions

    paths = [q.path for q in questions()]
    assert paths.index("husholdning.hatt_barnevern") < paths.index("husholdning.barnevern")
    young = Assessment.model_validate({"schema_version": 2, "husholdning": {"alder": 19, "barn_alder": [], "hatt_barnevern": True}})
    assert fits("husholdning.barnevern", young)
    other = Assessment.model_validate({"schema_version": 2, "husholdning": {"alder": 40, "barn_alder": [], "hatt_barnevern": False}})
    assert not fits("husholdning.barnevern", other)
