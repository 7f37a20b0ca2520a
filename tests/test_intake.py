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
from ibp_rules.intake import BACK, UNKNOWN, AnswerError, Interview, draft_path, load_draft, parse_answer, questions, save_draft


def q(path: str):  # type: ignore[no-untyped-def]
    return next(x for x in questions() if x.path == path)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("bolig.husleierestanse", "j", True),
        ("bolig.husleierestanse", "Nei", False),
        ("bolig.husleierestanse", "", UNKNOWN),
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
        ("tiltak_mottatt", "uforetrgd", "uforetrygd"),
    ],
)
def test_bad_answers_say_what_fits(path: str, text: str, words: str) -> None:
    with pytest.raises(AnswerError, match=re.escape(words)):
        parse_answer(q(path), text, "nb", frozenset({"uforetrygd", "startlan"}))


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
    r = CliRunner().invoke(cli, ["intake", "--lang", "en", "--no-strategy"], input="my-case\n" + "\n" * n)
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
