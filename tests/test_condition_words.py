"""Conditions in plain words: every clause a rule can have reads as a sentence, in nb and en."""

from __future__ import annotations

import pytest

from conftest import CONDITION_SYNTAX
from ibp_rules import Engine
from ibp_rules import condition_words as W
from ibp_rules import conditions as C
from ibp_rules.fact_schema import FACTS
from ibp_rules.labels import enum_of

SYNTAX = CONDITION_SYNTAX


def _atoms(engine: Engine) -> list[C.Atom]:
    seen: dict[C.Atom, None] = {}
    for rule in engine.ruleset.rules.values():
        for branch in rule.branches:
            for atom in branch:
                seen.setdefault(atom, None)
                seen.setdefault(C.negate_atom(atom), None)  # the other operators, on the same facts
    return list(seen)


def test_every_fact_a_rule_may_read_has_its_words() -> None:
    facts = W.catalogue()["facts"]
    assert set(facts) == set(FACTS), "facts without words, or words for facts that do not exist"
    for path, spec in FACTS.items():
        entry = facts[path]
        if spec.kind == "bool":
            assert {"when_true", "when_false"} <= set(entry), path
        elif spec.kind in ("enum", "number"):
            assert "subject" in entry, path
        else:
            assert "topic" in entry, path
        if spec.kind == "enum":
            assert set(entry["values"]) == set(spec.values), path
        if "values" in entry and spec.kind == "enum_list":
            cls = enum_of(path)
            assert cls is not None and set(entry["values"]) == {m.value for m in cls}, path


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_clause_of_the_bundled_rules_reads_without_syntax(engine: Engine, lang: str) -> None:
    rs = engine.ruleset
    for atom in _atoms(engine):
        words = W.atom_words(atom, lang, rs)  # type: ignore[arg-type]
        assert words and words[0].isupper(), (atom, words)
        assert not SYNTAX.search(words), (C.describe_atom(atom), words)


@pytest.mark.parametrize(
    ("atom", "nb", "en"),
    [
        (C.Compare("helse.arbeidsevne", "eq", "nedsatt_varig"), "Arbeidsevnen er varig nedsatt", "Work capacity is permanently reduced"),
        (C.Compare("bolig.situasjon", "known", False), "Bosituasjonen er ikke kjent", "The housing situation is not known"),
        (C.Compare("bolig.situasjon", "ne", "krisesenter"), "Bosituasjonen er ikke krisesenter", "The housing situation is not a crisis centre"),
        (C.Compare("arbeid_utdanning.status", "in", ("arbeidsledig", "utenfor_arbeid")),
         "Personen er arbeidsledig eller utenfor arbeid", "The person is unemployed or outside work"),
        (C.Compare("bolig.utkastelsesfare", "eq", True), "Det er fare for utkastelse", "There is a risk of eviction"),
        (C.Compare("okonomi.gjeld", "known", False), "Det er ikke kjent om personen har gjeld utover vanlig boliglån",
         "It is not known whether the person has debt beyond an ordinary mortgage"),
        (C.Compare("okonomi.inntektskilder", "not_contains", "uforetrygd"), "Inntektskildene omfatter ikke uføretrygd",
         "The income sources do not include disability benefit"),
        (C.Compare("okonomi.inntektskilder", "known", False), "Inntektskildene er ikke kjent", "The income sources are not known"),
        (C.Compare("okonomi.inntektskilder", "empty", True), "Personen har ingen inntekt", "The person has no income"),
        (C.Compare("arbeid_utdanning.stillingsprosent", "lt", 80), "Stillingsprosenten er under 80 %", "The position percentage is under 80%"),
        (C.Compare("bolig.ar_i_boligen", "gte", 2.5), "Botiden i boligen er 2,5 år eller mer", "The time lived in the home is 2.5 years or more"),
        # few other values read better than "not none"
        (C.Compare("helse.rus", "ne", "ingen"), "Russituasjonen er aktiv rusbruk, i behandling eller i bedring",
         "The substance-use situation is active substance use, in treatment or in recovery"),
        (C.Compare("malgrupper", "contains", "krisesenter"), "Personen hører til målgruppen «Fra krisesenter»",
         "The person belongs to the target group “From a crisis centre”"),
        (C.Compare("tiltak_mottatt", "contains", "bostotte"), "Personen har allerede «Bostøtte»", "The person already has “Housing allowance”"),
        (C.Derived("bolig_utrygg"), "Bosituasjonen er usikker nå", "The housing situation is insecure right now"),
        (C.Derived("bolig_utrygg", present=False), "Gjelder ikke: bosituasjonen er usikker nå", "Does not apply: the housing situation is insecure right now"),
    ],
)
def test_clauses_read_as_sentences(engine: Engine, atom: C.Atom, nb: str, en: str) -> None:
    assert W.atom_words(atom, "nb", engine.ruleset) == nb
    assert W.atom_words(atom, "en", engine.ruleset) == en


def test_a_branch_is_one_sentence(engine: Engine) -> None:
    branch = (C.Compare("helse.arbeidsevne", "eq", "nedsatt_varig"), C.Compare("okonomi.inntektskilder", "known", False),
              C.Compare("helse.lar", "eq", True))
    assert W.branch_words(branch, "nb", engine.ruleset) == \
        "Arbeidsevnen er varig nedsatt, inntektskildene er ikke kjent og personen er i LAR"
    assert W.branch_words(branch, "en", engine.ruleset) == \
        "Work capacity is permanently reduced, the income sources are not known and the person is in opioid substitution treatment (LAR)"


def test_a_recorded_test_is_found_in_its_rule_and_worded(engine: Engine) -> None:
    rs = engine.ruleset
    rule = next(r for r in rs.rules.values() if any(C.describe_atom(a) == "helse.arbeidsevne = nedsatt_varig" for b in r.branches for a in b))
    assert W.test_words(rs, rule.id, "helse.arbeidsevne = nedsatt_varig", "nb") == "Arbeidsevnen er varig nedsatt"
    assert W.test_words(rs, "no-such-rule", "x = y", "nb") == "x = y"  # never guessed


def test_a_fact_without_words_still_reads_as_label_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = dict(W.catalogue()["facts"])
    del facts["helse.arbeidsevne"], facts["okonomi.gjeld"]
    monkeypatch.setitem(W.catalogue(), "facts", facts)
    assert W.atom_words(C.Compare("helse.arbeidsevne", "eq", "nedsatt_varig"), "nb") == "Arbeidsevne: varig nedsatt"
    assert W.atom_words(C.Compare("helse.arbeidsevne", "ne", "full"), "en") == "Work capacity: not full work capacity"
    assert W.atom_words(C.Compare("okonomi.gjeld", "known", False), "nb") == "Gjeld: ikke kjent"


def test_current_values_in_words(engine: Engine) -> None:
    rs = engine.ruleset
    assert W.value_words("helse.arbeidsevne", "nedsatt_midlertidig", "nb", rs) == "midlertidig nedsatt"
    assert W.value_words("okonomi.gjeld", False, "nb", rs) == "nei"
    assert W.value_words("okonomi.gjeld", None, "en", rs) == "not known"
    assert W.value_words("okonomi.inntektskilder", [], "nb", rs) == "ingen"
    assert W.value_words("okonomi.inntektskilder", ["aap", "uforetrygd"], "en", rs) == \
        "work assessment allowance (AAP), disability benefit"
    assert W.value_words("derived.bolig_utrygg", True, "nb", rs) == "ja"
