"""The guided intake interview, free of any terminal code.

The questions come from the assessment model (so a new field is asked about
automatically) and their words from :mod:`ibp_rules.labels`. Each answer is
parsed by :func:`parse_answer`; the terminal loop lives in the CLI. "Vet
ikke" (unknown) is always a valid answer, and "<" goes back one question.

Saving (for the terminal loop): the assessment is written completely or not
at all, and while the interview runs a recovery copy of the answers so far
(``FILE.utkast``, beside the file the user chose, never hidden) lets an
interview that stopped go on where it was (:func:`save_draft`,
:func:`load_draft`, :meth:`Interview.restore`).

Order: pillar by pillar — household, target groups, bolig, økonomi, helse,
arbeid/utdanning — then the user's own goals, as the method's mapping does.
"""

from __future__ import annotations

import contextlib
import enum
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel

from .assessment import Assessment, assessment_from_located
from .atomic import write_atomic
from .errors import AssessmentError, Problem, UnknownIdError
from .fact_schema import ASKED_ONLY_WITH, _strip_annotated, _unwrap_optional, means_nothing_here
from .labels import question, value_label
from .names import find, fold
from .text import Lang, Text
from .yaml_source import Located, SourceError, read_file

Kind = Literal["bool", "int", "float", "enum", "enum_list", "int_list", "text", "text_list", "id_list"]

ORDER = ("husholdning", "malgrupper", "bolig", "okonomi", "helse", "arbeid_utdanning", "mal", "samtykke_deling", "tiltak_mottatt")


class _Marker(enum.Enum):
    UNKNOWN = "unknown"
    BACK = "back"
    KEEP = "keep"


#: "vet ikke": the answer is cleared (unknown is never "no")
UNKNOWN = _Marker.UNKNOWN
#: "<": back one question
BACK = _Marker.BACK
#: Enter: leave the answer as it is (on a new question: unknown; on one answered before: that answer)
KEEP = _Marker.KEEP

_WORDS = {
    "unknown": {"v", "vet ikke", "vetikke", "?", "unknown", "u", "don't know", "dont know"},
    "back": {"<", "tilbake", "back", "b"},
    "none": {"-", "ingen", "none", "nei", "no"},
    "yes": {"j", "ja", "y", "yes"},
    "no": {"n", "nei", "no"},
}


@dataclass(frozen=True)
class Question:
    path: str
    kind: Kind
    choices: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None
    max_len: int | None = None
    #: ask only when this holds for the answers so far
    ask_if: Callable[[dict[str, Any]], bool] | None = field(default=None, compare=False)


# -- which questions fit the situation --------------------------------------------
#
# Two kinds of condition. A *follow-up* asks for the detail of an earlier
# answer and is asked only when that answer calls for it (the position
# percentage of someone in work, LAR for someone who uses substances). An
# *exclusion* leaves out a question the situation rules out, and only when
# it is known to: nobody is asked about rent arrears at a crisis centre, or
# about debt collection after saying there is no debt, while a situation
# not yet known hides nothing (unknown is never "no").

#: where the person rents the home they live in
RENTED = ("kommunal_gjennomgangsbolig", "kommunal_utleiebolig", "privat_leie", "annet")
#: where the person has a home of their own, rented or owned: the questions
#: about "the home" (its size, its costs, years in it, losing it) fit these;
#: not a crisis centre, an institution, prison, friends' sofa or no home
OWN_HOME = (*RENTED, "eid")


def _lives_in(situations: tuple[str, ...]) -> Callable[[dict[str, Any]], bool]:
    return lambda a: a.get("bolig.situasjon") in (*situations, None)


def _means_something(path: str) -> Callable[[dict[str, Any]], bool]:
    """Ask a field only where it means something (the weeks left of a benefit, of someone
    who receives it or whose income is unknown: :func:`~ibp_rules.fact_schema.means_nothing_here`)."""
    return lambda a: not means_nothing_here(path, a)


_CONDITIONS: dict[str, Callable[[dict[str, Any]], bool]] = {
    # follow-ups
    "husholdning.funksjonsnedsettelse": lambda a: bool(a.get("husholdning.barn_alder")) or (a.get("husholdning.voksne") or 1) > 1,
    "husholdning.hatt_barnevern": lambda a: a.get("husholdning.alder") is None or a["husholdning.alder"] <= 25,
    "husholdning.enslig_forsorger": lambda a: bool(a.get("husholdning.barn_alder")),
    "husholdning.barnevern": lambda a: bool(a.get("husholdning.barn_alder")) or a.get("husholdning.hatt_barnevern") is True,
    "arbeid_utdanning.stillingsprosent": lambda a: a.get("arbeid_utdanning.status") == "i_arbeid",
    "arbeid_utdanning.midlertidig_ansatt": lambda a: a.get("arbeid_utdanning.status") == "i_arbeid",
    "arbeid_utdanning.utdanning_godkjent": lambda a: a.get("arbeid_utdanning.utdanning_fra_utlandet") is True,
    "helse.lar": lambda a: a.get("helse.rus") not in ("ingen", None),
    "bolig.utrygg": lambda a: a.get("bolig.vold") is True,
    "bolig.uker_til_utflytting": lambda a: a.get("bolig.situasjon") in ("fengsel", "institusjon", "krisesenter")
    or bool({"loslatelse", "krisesenter"} & set(a.get("malgrupper") or ())),
    "okonomi.felles_gjeld": lambda a: a.get("okonomi.gjeld") is not False,
    **{field: _means_something(field) for field in ASKED_ONLY_WITH},
    # exclusions
    "bolig.ar_i_boligen": _lives_in(OWN_HOME),
    "bolig.husleierestanse": _lives_in(RENTED),
    "bolig.utkastelsesfare": _lives_in(OWN_HOME),
    "bolig.trangbodd": _lives_in(OWN_HOME),
    "bolig.uegnet": _lives_in(OWN_HOME),
    "bolig.boutgiftsbelastning": _lives_in(OWN_HOME),
    "okonomi.inntekt_stabil": lambda a: a.get("okonomi.inntektskilder") != [],  # no income: nothing to be stable
    "okonomi.inkasso": lambda a: a.get("okonomi.gjeld") is not False,
    "okonomi.gjeldsordning": lambda a: a.get("okonomi.gjeld") is not False,
}


def flat_answers(assessment: Assessment) -> dict[str, Any]:
    """What an assessment knows, by question path (``bolig.situasjon``), as the interview holds answers."""
    out: dict[str, Any] = {}
    for key, value in assessment.model_dump(mode="json", exclude_none=True).items():
        if isinstance(value, dict):
            out.update({f"{key}.{name}": v for name, v in value.items()})
        elif key in ORDER:
            out[key] = value
    return out


def fits(path: str, assessment: Assessment) -> bool:
    """Whether the interview would ask about ``path`` given what ``assessment`` knows:
    the plan's open questions leave out what the situation rules out, as the interview does."""
    condition = _CONDITIONS.get(path)
    return condition is None or condition(flat_answers(assessment))


def _bounds(f: Any) -> tuple[float | None, float | None, int | None]:
    lo = hi = None
    max_len = None
    for m in f.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
        max_len = getattr(m, "max_length", max_len)
    return lo, hi, max_len


def _question(path: str, annotation: Any, f: Any) -> Question:
    ann = _strip_annotated(_unwrap_optional(annotation))
    lo, hi, max_len = _bounds(f)
    cond = _CONDITIONS.get(path)
    if ann is bool:
        return Question(path, "bool", ask_if=cond)
    if ann is int:
        return Question(path, "int", lo=lo, hi=hi, ask_if=cond)
    if ann is float:
        return Question(path, "float", lo=lo, hi=hi, ask_if=cond)
    if ann is str:
        return Question(path, "text", max_len=max_len or 2000, ask_if=cond)
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return Question(path, "enum", tuple(m.value for m in ann), ask_if=cond)
    if typing.get_origin(ann) is list:
        item_ann = typing.get_args(ann)[0]
        item = _strip_annotated(item_ann)
        if isinstance(item, type) and issubclass(item, enum.Enum):
            return Question(path, "enum_list", tuple(m.value for m in item), ask_if=cond)
        if item is int:
            ilo = ihi = None
            for m in getattr(item_ann, "__metadata__", ()):
                ilo, ihi = getattr(m, "ge", ilo), getattr(m, "le", ihi)
            return Question(path, "int_list", lo=ilo, hi=ihi, ask_if=cond)
        if path in ("tiltak_mottatt", "mal.tiltak_ikke_onsket"):
            return Question(path, "id_list", ask_if=cond)
        return Question(path, "text_list", max_len=2000, ask_if=cond)
    raise TypeError(f"no question type for {path}")  # pragma: no cover


def questions() -> list[Question]:
    """Every question of the interview, in order."""
    out: list[Question] = []
    for section in ORDER:
        f = Assessment.model_fields[section]
        ann = _unwrap_optional(f.annotation)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += [_question(f"{section}.{name}", sub.annotation, sub) for name, sub in ann.model_fields.items()]
        else:
            out.append(_question(section, f.annotation, f))
    # child welfare now is asked after child welfare before 18: a young person in
    # aftercare has no children to bring the question up
    paths = [q.path for q in out]
    then, now = paths.index("husholdning.hatt_barnevern"), paths.index("husholdning.barnevern")
    out.insert(then, out.pop(now))
    return out


# -- the words of a question and its choices -------------------------------------

#: measures as (id, title) pairs, in the order the interview numbers them
Measures = Sequence[tuple[str, Text]]


def measure_choices(catalogue: Mapping[str, Any], lang: Lang, pillars: Sequence[str] = ()) -> list[tuple[str, Text]]:
    """The measures of a catalogue (id → entry with ``title`` and ``pillar``), as the
    interview numbers them: by pillar (in ``pillars`` order), then by title."""
    order = list(pillars)
    return [(m.id, m.title) for m in sorted(catalogue.values(), key=lambda m: (
        order.index(m.pillar) if m.pillar in order else len(order), m.title.get(lang)))]


def choices(q: Question, lang: Lang, measures: Measures = ()) -> list[str]:
    """What a numbered choice shows, in order: enum labels, or measure titles."""
    if q.kind == "id_list":
        return [t.get(lang) for _, t in measures]
    return [value_label(q.path, v, lang) for v in q.choices]


def choices_text(q: Question, lang: Lang, measures: Measures = ()) -> list[str]:
    """Numbered choices for a choice question: ``1) Leier privat``."""
    return [f"{i}) {label}" for i, label in enumerate(choices(q, lang, measures), 1)]


#: the unit a number answer is in, by the end of the field's name
_UNIT_OF = (("prosent", "%"), ("uker", "uker"), ("alder", "år"), ("ar_i_", "år"))
#: what a person may write after a number, per unit (folded: æøå as in ids)
_UNIT_WORDS = {
    "%": {"%", "prosent", "percent", "pst"},
    "uker": {"uke", "uker", "u", "week", "weeks", "wk", "wks"},
    "år": {"ar", "aar", "year", "years", "yr", "yrs"},
}
_OTHER_UNITS = {"maned", "maneder", "mnd", "month", "months", "dag", "dager", "day", "days", "timer", "hours"}
_UNIT_NAMES = {"%": ("prosent", "per cent"), "uker": ("uker", "weeks"), "år": ("år", "years")}


def unit(q: Question) -> str | None:
    """The unit a number question is answered in (``%``, ``uker``, ``år``), if any."""
    name = q.path.rsplit(".", 1)[-1]
    return next((u for part, u in _UNIT_OF if part in name), None)


def hint(q: Question, lang: Lang, answered: bool = False) -> str:
    """What may be typed, in a few words; ``answered``: the question has an answer to keep."""
    nb = lang == "nb"
    u = unit(q)
    shown_unit = f" {_UNIT_NAMES[u][0 if nb else 1]}" if u else ""
    if q.lo is not None and q.hi is not None:
        number = (f"tall {q.lo:g}–{q.hi:g}" if nb else f"number {q.lo:g}–{q.hi:g}") + shown_unit
    else:
        number = ("tall" if nb else "number") + shown_unit
    by_kind = {
        "bool": "j/n" if nb else "y/n",
        "int": number,
        "float": number,
        "enum": "nummer eller ord" if nb else "number or words",
        "enum_list": "numre med mellomrom, - = ingen" if nb else "numbers separated by spaces, - = none",
        "int_list": "tall med mellomrom, - = ingen" if nb else "numbers separated by spaces, - = none",
        "text": "tekst" if nb else "text",
        "text_list": "tekst, skill med ;" if nb else "text, separate with ;",
        "id_list": "numre eller titler, - = ingen" if nb else "numbers or titles, - = none",
    }[q.kind]
    enter = ("Enter = behold" if nb else "Enter = keep") if answered else ("Enter = hopp over" if nb else "Enter = skip")
    unknown = "v = vet ikke" if nb else "u = unknown"
    back = "< = tilbake" if nb else "< = back"
    return f"{by_kind}; {enter}; {unknown}; {back}"


def prompt_text(q: Question, lang: Lang) -> str:
    return question(q.path, lang)


def shown_value(q: Question | str, value: Any, lang: Lang, measures: Measures = ()) -> str:
    """An answer as words (measures by their titles, never ids)."""
    path = q if isinstance(q, str) else q.path
    titles = dict(measures)
    if isinstance(value, list) and value and all(v in titles for v in value):
        return ", ".join(titles[v].get(lang) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not isinstance(q, str) and unit(q):
        return f"{value_label(path, value, lang)} {'%' if unit(q) == '%' else _UNIT_NAMES[unit(q) or ''][0 if lang == 'nb' else 1]}"
    return value_label(path, value, lang)


# -- understanding an answer ------------------------------------------------------

class AnswerError(ValueError):
    """An answer that does not fit; the message says what would."""


def _msg(lang: Lang, nb: str, en: str) -> str:
    return nb if lang == "nb" else en


def _number(text: str, q: Question, lang: Lang, integer: bool) -> float | int:
    """A number as people write it: ``40``, ``40 %``, ``2,5 år``, ``3 uker``."""
    m = re.fullmatch(r"\s*([-+]?\d+(?:[.,]\d+)?)\s*(.*?)\s*", text)
    what = _msg(lang, "skriv et helt tall" if integer else "skriv et tall", "type a whole number" if integer else "type a number")
    if m is None:
        raise AnswerError(what)
    number, word = m.group(1).replace(",", "."), fold(m.group(2)) or m.group(2).strip()
    u = unit(q)
    if word:
        if u is not None and word in _UNIT_WORDS[u]:
            pass
        elif word in _OTHER_UNITS or any(word in ws for ws in _UNIT_WORDS.values()):
            raise AnswerError(_msg(lang, f"svar i {_UNIT_NAMES[u][0]}" if u else "svar med et tall uten enhet",
                                   f"answer in {_UNIT_NAMES[u][1]}" if u else "answer with a number, no unit"))
        else:
            raise AnswerError(what)
    try:
        value: float | int = int(number) if integer else float(number)
    except ValueError:
        raise AnswerError(what) from None
    if (q.lo is not None and value < q.lo) or (q.hi is not None and value > q.hi):
        raise AnswerError(_msg(lang, f"tallet må være mellom {q.lo:g} og {q.hi:g}", f"the number must be between {q.lo:g} and {q.hi:g}"))
    return value


#: words for the choice that says "none" (its id is ``ingen`` or begins so), in either language
_NONE_WORDS = frozenset({"ingen", "none"})


def _choice(token: str, q: Question, lang: Lang) -> str:
    """A choice by its number, its id or its label in either language (any case, with or without æøå);
    a word that begins only one label is enough ("krise" for "Bor på krisesenter")."""
    t = token.strip()
    if t.isdigit() and 1 <= int(t) <= len(q.choices):
        return q.choices[int(t) - 1]
    names = {v: Text(nb=value_label(q.path, v, "nb"), en=value_label(q.path, v, "en")) for v in q.choices}
    try:
        return find(t, names, "value", lang)
    except UnknownIdError:
        pass
    key = fold(t)
    nothing = [v for v in q.choices if v == "ingen" or v.startswith("ingen_")]
    if key in _NONE_WORDS and len(nothing) == 1:  # "none" for "No substance use", "ingen" for "Ingen fullført"
        return nothing[0]
    for pattern in (rf"^{re.escape(key)}", rf"\b{re.escape(key)}"):  # a label that begins so, else a word in one
        starts = [v for v, name in names.items() if key and any(re.search(pattern, fold(n)) for n in (name.nb, name.en))]
        if len(starts) == 1:
            return starts[0]
    raise AnswerError(_msg(lang, f"velg et nummer fra 1 til {len(q.choices)}, eller skriv ordene i ett av valgene",
                           f"choose a number from 1 to {len(q.choices)}, or type the words of one of the choices"))


def _several(raw: str, count: int, one: Callable[[str], str], lang: Lang) -> list[str]:
    """Several choices: by number (``3 12``), or by words separated by commas or
    semicolons (``Bostøtte, Startlån``), or single words separated by spaces
    (``aap uforetrygd``). ``one`` finds one choice by its words (raising
    :class:`AnswerError`); the numbers are 1 to ``count``."""
    tokens = raw.replace(",", " ").replace(";", " ").split()
    if all(t.isdigit() for t in tokens):
        if any(not 1 <= int(t) <= count for t in tokens):
            raise AnswerError(_msg(lang, f"velg numre fra 1 til {count}", f"choose numbers from 1 to {count}"))
        return [str(int(t)) for t in tokens]
    out: list[str] = []
    for part in (p.strip() for p in re.split(r"[;,]", raw) if p.strip()):
        try:
            out.append(one(part))
        except AnswerError:
            words = part.split()
            if len(words) == 1:
                raise
            out += [one(w) for w in words]  # the first word that is not a choice says so
    return out


def _measures(raw: str, lang: Lang, measures: Measures) -> list[str]:
    """Measures by number (``3 12``) or by title or id (``Bostøtte, Startlån``; ``bostotte startlan``)."""
    titles = dict(measures)

    def one(words: str) -> str:
        if words.isdigit():
            return measures[int(words) - 1][0]
        try:
            return find(words, titles, "measure", lang)
        except UnknownIdError as exc:
            raise AnswerError(exc.render(lang)) from None

    return sorted({one(t) for t in _several(raw, len(measures), one, lang)})


def parse_answer(q: Question, text: str, lang: Lang, measures: Measures = ()) -> Any:
    """The value of an answer, or :data:`KEEP` (Enter), :data:`UNKNOWN` ("v") or :data:`BACK` ("<").

    Natural answers are understood: ``ja``/``nei``, a choice's words instead
    of its number, ``40 %``, ``3 uker``, measures by title. Raises
    :class:`AnswerError` with a message that says what would fit.
    """
    raw = text.strip()
    low = raw.casefold()
    if raw == "":
        return KEEP
    if low in _WORDS["back"]:
        return BACK
    if low in _WORDS["unknown"]:
        return UNKNOWN
    if q.kind == "text":
        if q.max_len and len(raw) > q.max_len:
            raise AnswerError(_msg(lang, f"høyst {q.max_len} tegn", f"at most {q.max_len} characters"))
        return raw
    if q.kind == "bool":
        if low in _WORDS["yes"]:
            return True
        if low in _WORDS["no"]:
            return False
        raise AnswerError(_msg(lang, "svar j (ja), n (nei) eller v (vet ikke)", "answer y (yes), n (no) or u (unknown)"))
    if q.kind in ("int", "float"):
        return _number(raw, q, lang, q.kind == "int")
    if q.kind == "enum":
        return _choice(raw, q, lang)
    if low in _WORDS["none"]:
        return []
    if q.kind == "text_list":
        items = [p.strip() for p in raw.split(";") if p.strip()]
        if any(len(i) > (q.max_len or 2000) for i in items):
            raise AnswerError(_msg(lang, "hvert punkt høyst 2000 tegn", "each item at most 2000 characters"))
        return items
    if q.kind == "id_list":
        return _measures(raw, lang, measures)
    if q.kind == "enum_list":
        return sorted({_choice(t, q, lang) for t in _several(raw, len(q.choices), lambda t: _choice(t, q, lang), lang)},
                      key=q.choices.index)
    return [int(_number(t, q, lang, True)) for t in raw.replace(",", " ").replace(";", " ").split()]


# -- the interview ------------------------------------------------------------------

@dataclass
class Interview:
    """The interview's state: the answers so far, where we are, and what was asked.

    After the last question comes the review (:meth:`review`); :meth:`edit`
    goes back to one answer from there, asks whatever the change makes newly
    relevant, and returns to the review.
    """

    qs: list[Question] = field(default_factory=questions)
    answers: dict[str, Any] = field(default_factory=dict)
    position: int = 0
    history: list[int] = field(default_factory=list)
    #: the questions asked so far (answered or not)
    asked: set[str] = field(default_factory=set)
    #: while changing an answer from the review: the question changed
    editing: int | None = None

    def applies(self, q: Question) -> bool:
        return q.ask_if is None or q.ask_if(self.answers)

    def current(self) -> Question | None:
        """The next question to ask, skipping those that do not apply (and, when
        changing an answer from the review, those already asked); None = review."""
        while self.position < len(self.qs):
            q = self.qs[self.position]
            if self.applies(q) and not (self.editing is not None and self.position > self.editing and q.path in self.asked):
                return q
            if not self.applies(q):
                self.answers.pop(q.path, None)
            self.position += 1
        self.editing = None
        return None

    def answer(self, value: Any) -> None:
        q = self.current()
        assert q is not None
        if value is BACK:
            self.back()
            return
        if value is UNKNOWN:
            self.answers.pop(q.path, None)
        elif value is not KEEP:
            self.answers[q.path] = value
        self.asked.add(q.path)
        self.history.append(self.position)
        self.position += 1

    def back(self) -> None:
        if self.history and (self.editing is None or self.history[-1] >= self.editing):
            self.position = self.history.pop()
        elif self.editing is not None:  # "<" at the answer being changed: back to the review
            self.position, self.editing = len(self.qs), None

    def review(self) -> list[tuple[Question, Any]]:
        """Every question that applies to the answers, with its answer (None = not known), in order."""
        return [(q, self.answers.get(q.path)) for q in self.qs if self.applies(q)]

    def edit(self, path: str) -> None:
        """Change one answer from the review (see the class doc)."""
        index = [q.path for q in self.qs].index(path)
        self.position, self.editing = index, index
        self.history = [i for i in self.history if i < index]

    def assessment_data(self) -> dict[str, Any]:
        """The answers as assessment data in the current format (unknowns left out, and answers to
        questions that no longer apply: a changed answer can rule one out)."""
        from .assessment import ASSESSMENT_SCHEMA_VERSION

        out: dict[str, Any] = {"schema_version": ASSESSMENT_SCHEMA_VERSION}
        for q, value in self.review():
            if value is None:
                continue
            if "." in q.path:
                section, name = q.path.split(".", 1)
                out.setdefault(section, {})[name] = value
            else:
                out[q.path] = value
        return {k: out[k] for k in ("schema_version",) + ORDER if k in out}

    def restore(self, answers: dict[str, Any], next_path: str | None) -> None:
        """Continue from saved answers, at the question ``next_path`` (``None`` = all asked: the review).

        "<" then goes back through the questions that applied before it.
        """
        self.answers = dict(answers)
        paths = [q.path for q in self.qs]
        self.position = paths.index(next_path) if next_path in paths else len(self.qs)
        self.history = [i for i, q in enumerate(self.qs[: self.position]) if self.applies(q)]
        self.asked = {self.qs[i].path for i in self.history}


# -- saving: the assessment file, and a recovery copy while the interview runs ----

#: the recovery copy sits beside the file the user chose, under a name that
#: says what it is (never hidden: a person must be able to find it)
DRAFT_SUFFIX = ".utkast"


def draft_path(path: Path) -> Path:
    """Where the recovery copy of the interview for ``path`` is kept."""
    return path.with_name(path.name + DRAFT_SUFFIX)


def assessment_text(data: dict[str, Any], lang: Lang) -> str:
    """The saved assessment file: a header saying what it is, then the answers."""
    header = _msg(lang, "# Kartlegging for individuell boligplan (laget med 'ibp intake'). Ukjent = utelatt.\n",
                  "# Assessment for Individuell boligplan (made with 'ibp intake'). Unknown = left out.\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def save_draft(path: Path, interview: Interview) -> None:
    """Write the recovery copy (completely or not at all): the answers so far and the next question."""
    current = interview.current()
    data = {"kind": "intake_draft", "next": current.path if current else None, "answers": interview.assessment_data()}
    header = ("# Gjenopprettingskopi fra 'ibp intake' (svarene så langt); slettes når kartleggingen er lagret.\n"
              "# Recovery copy from 'ibp intake' (the answers so far); removed when the assessment is saved.\n")
    write_atomic(draft_path(path), header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def load_draft(path: Path) -> tuple[dict[str, Any], str | None]:
    """The answers (by field path) and the next question from a recovery copy.

    Raises :class:`~ibp_rules.errors.AssessmentError` if the copy is not one
    (or its answers do not fit the assessment model).
    """
    file = draft_path(path)
    try:
        located = read_file(file)
    except SourceError as exc:
        raise AssessmentError(exc.problem) from None
    data = located.data
    if not isinstance(data, dict) or data.get("kind") != "intake_draft" or not isinstance(data.get("answers"), dict):
        raise AssessmentError(Problem(str(file), None, "", "not a recovery copy from 'ibp intake'",
                                      message_nb="ikke en gjenopprettingskopi fra 'ibp intake'"))
    answers = data["answers"]
    assessment_from_located(Located(answers, str(file), {k: v for k, v in located.lines.items() if k[:1] == ("answers",)}))
    flat: dict[str, Any] = {}
    for key, value in answers.items():
        if key == "schema_version":
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{name}": v for name, v in value.items()})
        else:
            flat[key] = value
    nxt = data.get("next")
    return flat, nxt if isinstance(nxt, str) else None


def remove_draft(path: Path) -> None:
    """Remove the recovery copy once the assessment is safely saved."""
    with contextlib.suppress(FileNotFoundError):
        draft_path(path).unlink()
