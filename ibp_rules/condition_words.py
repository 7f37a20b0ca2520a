"""Rule conditions in plain words, in bokmål and English.

A person never reads condition syntax: not ``helse.arbeidsevne =
nedsatt_varig`` but "Arbeidsevnen er varig nedsatt", not
``bolig.situasjon is unknown`` but "Bosituasjonen er ikke kjent", not
``derived:bolig_utrygg`` but the derived fact's title. Explanations (why and
why not), training feedback and the web pages all word a clause here, so a
clause reads the same wherever it is shown.

The words live in ``labels/conditions.yaml`` (sentence frames per operator,
and per fact its subject, value words or yes/no statements) so they can be
reworded without touching code; a test checks that every fact a rule may
read has them in both languages. A fact without words (a new field not yet
described) still reads as "Label: value", never as syntax.

This module only words conditions; it decides nothing. Derived facts and
measures are named by their titles in the ruleset (``titles``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from . import conditions as C
from .fact_schema import FACTS
from .labels import field_label, value_label
from .text import Lang, Text
from .yaml_source import read_file

_FILE = Path(__file__).parent / "labels" / "conditions.yaml"


class _Titled(Protocol):
    @property
    def title(self) -> Text: ...


class Titles(Protocol):
    """Where the titles of derived facts and measures come from (a :class:`~ibp_rules.ruleset.Ruleset`)."""

    @property
    def facts(self) -> Mapping[str, _Titled]: ...

    @property
    def measures(self) -> Mapping[str, _Titled]: ...


class _Rules(Titles, Protocol):
    @property
    def rules(self) -> Mapping[str, Any]: ...


def _text(node: Any, where: str) -> Text:
    if not (isinstance(node, dict) and set(node) == {"nb", "en"}):
        raise ValueError(f"{_FILE.name}: {where}: expected {{nb, en}}")
    return Text.model_validate(node)


#: per-fact keys whose value is a text (the rest: ``values`` table, flags)
TEXT_KEYS = ("subject", "topic", "unit", "when_true", "when_false", "has", "has_not", "none", "some")
FLAG_KEYS = ("complement", "quote", "plural")


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    """The parsed word file: ``frames``, ``words`` and ``facts`` (for tests and tools)."""
    data = read_file(_FILE).data
    assert isinstance(data, dict)
    facts: dict[str, dict[str, Any]] = {}
    for path, entry in data["facts"].items():
        unknown = set(entry) - set(TEXT_KEYS) - set(FLAG_KEYS) - {"values"}
        if unknown:
            raise ValueError(f"{_FILE.name}: facts.{path}: unknown keys {sorted(unknown)}")
        out: dict[str, Any] = {k: _text(entry[k], f"facts.{path}.{k}") for k in TEXT_KEYS if k in entry}
        out.update({k: bool(entry[k]) for k in FLAG_KEYS if k in entry})
        if "values" in entry:
            out["values"] = {v: _text(t, f"facts.{path}.values.{v}") for v, t in entry["values"].items()}
        facts[path] = out
    return {
        "frames": {k: _text(v, f"frames.{k}") for k, v in data["frames"].items()},
        "words": {k: _text(v, f"words.{k}") for k, v in data["words"].items()},
        "facts": facts,
    }


def _frame(name: str, lang: Lang, plural: bool = False, **slots: str) -> str:
    return str(catalogue()["frames"][name].get(lang)).format(**{"is": _word("are" if plural else "is", lang), **slots})


def _word(name: str, lang: Lang) -> str:
    return str(catalogue()["words"][name].get(lang))


def lower_first(text: str) -> str:
    """``Personen har …`` → ``personen har …`` to continue a sentence; an
    acronym (``LAR``, ``NAV``) keeps its capitals."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_or(items: Sequence[str], lang: Lang, word: str = "or") -> str:
    """``a, b eller c`` (nb) / ``a, b or c`` (en)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_word(word, lang)} {items[-1]}"


def _number(value: Any, lang: Lang) -> str:
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:g}"
        return text.replace(".", ",") if lang == "nb" else text
    return str(int(value)) if isinstance(value, float) else str(value)


def _title(mapping: Mapping[str, _Titled] | None, key: str, lang: Lang) -> str:
    if mapping is not None and key in mapping:
        return mapping[key].title.get(lang)
    return key.replace("_", " ")


def _entry(path: str) -> dict[str, Any] | None:
    entry: dict[str, Any] | None = catalogue()["facts"].get(path)
    return entry


def _value_word(path: str, value: Any, lang: Lang, titles: Titles | None) -> str:
    """One value of a fact as it reads inside a sentence."""
    spec = FACTS.get(path)
    entry = _entry(path) or {}
    kind = spec.kind if spec is not None else ""
    if kind == "number":
        shown = _number(value, lang)
        return str(entry["unit"].get(lang)).format(value=shown) if "unit" in entry else shown
    if kind == "bool":
        return _word("yes" if value else "no", lang)
    if kind == "id_list":
        word = _title(titles.measures if titles is not None else None, str(value), lang)
    elif "values" in entry and value in entry["values"]:
        return str(entry["values"][value].get(lang))
    else:
        word = value_label(path, value, lang)
    return _word("quote", lang).format(value=word) if entry.get("quote") or kind == "id_list" else lower_first(word)


def _plain(atom: C.Compare, lang: Lang, titles: Titles | None) -> str:
    """The fallback for a fact without words: "Label: value"."""
    label = field_label(atom.path, lang)
    if atom.op == "known":
        return _frame("plain", lang, label=label, value=_word("unknown_value", lang)) if not atom.value else \
            _frame("known", lang, topic=label)
    if atom.op == "empty":
        return _frame("plain" if atom.value else "plain_not", lang, label=label, value=_word("none_value", lang))
    values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
    shown = join_or([_value_word(atom.path, v, lang, titles) for v in values], lang)
    negative = atom.op in ("ne", "not_in", "not_contains", "contains_none")
    if atom.op in ("lt", "lte", "gt", "gte"):
        shown = f"{ {'lt': '<', 'lte': '≤', 'gt': '>', 'gte': '≥'}[atom.op]} {shown}"
    return _frame("plain_not" if negative else "plain", lang, label=label, value=shown)


def atom_words(atom: C.Atom, lang: Lang, titles: Titles | None = None) -> str:
    """One clause of a condition as a sentence: "Arbeidsevnen er varig nedsatt".

    ``titles`` (the ruleset) names derived facts and measures; without it
    their ids are shown as words.
    """
    if isinstance(atom, C.Derived):
        title = _title(titles.facts if titles is not None else None, atom.id, lang)
        return title if atom.present else _frame("derived_not", lang, title=lower_first(title))
    spec = FACTS.get(atom.path)
    entry = _entry(atom.path)
    if spec is None or entry is None:
        return upper_first(_plain(atom, lang, titles))
    if spec.kind == "bool":
        return _bool_words(atom, entry, lang)
    topic = str((entry.get("topic") or entry.get("subject") or Text(nb=field_label(atom.path, "nb"),
                                                                     en=field_label(atom.path, "en"))).get(lang))
    plural = bool(entry.get("plural"))
    if atom.op == "known":
        return upper_first(_frame("known" if atom.value else "unknown", lang, plural, topic=topic))
    if spec.kind in ("enum_list", "id_list"):
        return upper_first(_list_words(atom, entry, topic, lang, titles))
    subject = str(entry["subject"].get(lang))
    op, values = atom.op, atom.value if isinstance(atom.value, tuple) else (atom.value,)
    if spec.kind == "enum" and entry.get("complement") and op in ("ne", "not_in"):
        values, op = tuple(v for v in spec.values if v not in values), "in"  # "not none" reads as the others
    words = join_or([_value_word(atom.path, v, lang, titles) for v in values], lang)
    frame = {"in": "eq", "not_in": "ne"}.get(op, op)
    return upper_first(_frame(frame, lang, plural, subject=subject, value=words))


def _bool_words(atom: C.Compare, entry: dict[str, Any], lang: Lang) -> str:
    if atom.op == "known":
        statement = lower_first(str(entry["when_true"].get(lang)))
        return _frame("known_statement" if atom.value else "unknown_statement", lang, statement=statement)
    values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
    allowed = {v if atom.op in ("eq", "in") else not v for v in values}
    if allowed == {True, False}:  # "true or false": simply known
        return _frame("known_statement", lang, statement=lower_first(str(entry["when_true"].get(lang))))
    return str(entry["when_true" if allowed == {True} else "when_false"].get(lang))


def _list_words(atom: C.Compare, entry: dict[str, Any], topic: str, lang: Lang, titles: Titles | None) -> str:
    if atom.op == "empty":
        key = "none" if atom.value else "some"
        return str(entry[key].get(lang)) if key in entry else _frame(key, lang, topic=topic)
    values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
    words = join_or([_value_word(atom.path, v, lang, titles) for v in values], lang)
    key = "has" if atom.op in ("contains", "contains_any") else "has_not"
    if key in entry:
        return str(entry[key].get(lang)).format(value=words)
    return _frame(key, lang, topic=topic, value=words)


def branch_words(branch: Iterable[C.Atom], lang: Lang, titles: Titles | None = None) -> str:
    """A conjunction of clauses as one sentence: "A, B og C"."""
    parts = [atom_words(a, lang, titles) for a in branch]
    return upper_first(join_or([parts[0], *[lower_first(p) for p in parts[1:]]] if parts else [], lang, "and"))


def find_atom(ruleset: _Rules, rule_id: str, test: str) -> C.Atom | None:
    """The clause of rule ``rule_id`` that a strategy records as ``test`` (``FactValue.test``)."""
    rule = ruleset.rules.get(rule_id)
    if rule is None:
        return None
    return next((a for branch in rule.branches for a in branch if C.describe_atom(a) == test), None)


def test_words(ruleset: _Rules, rule_id: str, test: str, lang: Lang) -> str:
    """A clause as a strategy or an explanation records it (rule id and ``test``), in words.

    A test the rule does not have (the strategy came from other rules) is
    returned unchanged rather than guessed at.
    """
    atom = find_atom(ruleset, rule_id, test)
    return atom_words(atom, lang, ruleset) if atom is not None else test


def narrowed(atom: C.Atom, value: Any) -> C.Atom:
    """The clause as it held for this person: "one of A, B, C" becomes the one
    the person has ("is A"); "contains any of" the ones they have. Other
    clauses (and a value that does not fit) are returned unchanged."""
    if not isinstance(atom, C.Compare) or value is None:
        return atom
    if atom.op == "in" and value in atom.value:
        return C.Compare(atom.path, "eq", value)
    if atom.op == "contains_any" and isinstance(value, (list, tuple)):
        have = tuple(v for v in atom.value if v in value)
        if len(have) == 1:
            return C.Compare(atom.path, "contains", have[0])
        if have:
            return C.Compare(atom.path, "contains_any", have)
    return atom


def held_words(ruleset: _Rules, rule_id: str, test: str, value: Any, lang: Lang) -> str:
    """A clause that held, as it holds for this person (see :func:`narrowed`):
    "Arbeidsevnen er varig nedsatt" rather than the rule's "varig, midlertidig
    eller uavklart nedsatt". For the facts a suggestion rests on (``Why.facts``)."""
    atom = find_atom(ruleset, rule_id, test)
    return atom_words(narrowed(atom, value), lang, ruleset) if atom is not None else test


def value_words(path: str, value: Any, lang: Lang, titles: Titles | None = None) -> str:
    """What a fact is now, in words, to show beside a clause that did not hold: "midlertidig nedsatt",
    "nei", "ikke kjent"; a derived fact's value is yes/no."""
    if value is None:
        return _word("unknown_value", lang)
    if path.startswith("derived."):
        return _word("yes" if value else "no", lang)
    if isinstance(value, (list, tuple)):
        if not value:
            return _word("none_value", lang)
        return ", ".join(_value_word(path, v, lang, titles) for v in value)
    return _value_word(path, value, lang, titles)
