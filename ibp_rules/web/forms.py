"""The assessment as an HTML form: every field, grouped by section, with "vet ikke" first.

The questions are the terminal intake's (:func:`ibp_rules.intake.questions`:
from the assessment model, so a new field appears here by itself), asked in
its order and with its words; a question that does not apply (no children →
no question about child welfare) is hidden by the intake's own ``ask_if``.
Typed answers are read by the intake's :func:`~ibp_rules.intake.parse_answer`
and the whole is validated by the library, so the form, the terminal and a
YAML file refuse the same things with the same messages.

A form is kept as what was typed (:class:`RawForm`: field name → the values
sent), never as parsed values: a draft then holds "12,5" or "abc" exactly as
typed until it is fixed, so a closed tab loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ibp_rules.assessment import Assessment, assessment_from_located
from ibp_rules.errors import AssessmentError
from ibp_rules.intake import ORDER, UNKNOWN, AnswerError, Question, parse_answer, questions
from ibp_rules.labels import field_label, section_label, value_label
from ibp_rules.text import Lang
from ibp_rules.views import spoken_question
from ibp_rules.yaml_source import Located

#: field name → every value the browser sent under it (a checkbox group sends several)
RawForm = dict[str, list[str]]

#: for list fields: which of "unknown", "none" or "these" was chosen
LIST_STATE = "{path}:svar"
#: kinds whose answer is typed (read by the intake's parser)
TYPED = frozenset({"int", "float", "int_list", "text"})
#: kinds answered by ticking values
TICKED = frozenset({"enum_list", "id_list"})
#: an enum with more choices than this is a drop-down, else radio buttons
RADIO_MAX = 6

_HINTS: dict[str, tuple[str, str]] = {
    "bool": ("", ""),
    "enum": ("", ""),
    "int": ("Et helt tall. Tomt = vet ikke.", "A whole number. Empty = unknown."),
    "float": ("Et tall. Tomt = vet ikke.", "A number. Empty = unknown."),
    "int_list": ("Tall skilt med mellomrom, f.eks. 3 7. «ingen» = ingen. Tomt = vet ikke.",
                 "Numbers separated by spaces, e.g. 3 7. 'none' = none. Empty = unknown."),
    "text": ("Med brukerens egne ord. Tomt = vet ikke.", "In the user's own words. Empty = unknown."),
    "text_list": ("Ett punkt per linje, med brukerens egne ord. Tomt = vet ikke.",
                  "One item per line, in the user's own words. Empty = unknown."),
    "enum_list": ("", ""),
    "id_list": ("", ""),
}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    group: str = ""


@dataclass(frozen=True)
class Field:
    """One question of the form, in one language, with what was typed and what is wrong."""

    path: str
    kind: str
    label: str
    question: str
    hint: str
    choices: tuple[Choice, ...]
    #: what was typed or chosen (for typed kinds: the text; else the chosen values)
    raw: tuple[str, ...]
    #: for list kinds: "", "none" or "some"
    list_state: str
    applies: bool
    problem: str | None

    @property
    def name(self) -> str:
        return self.path

    @property
    def state_name(self) -> str:
        return LIST_STATE.format(path=self.path)

    @property
    def id(self) -> str:
        return "f-" + self.path.replace(".", "-").replace("_", "-")

    @property
    def text(self) -> str:
        return self.raw[0] if self.raw else ""

    @property
    def radio(self) -> bool:
        return self.kind == "bool" or (self.kind == "enum" and len(self.choices) <= RADIO_MAX)

    @property
    def unknown(self) -> bool:
        """Nothing given: the field reads "vet ikke"."""
        if self.kind in TICKED:
            return not self.raw and self.list_state in ("", "unknown")
        return not "".join(self.raw).strip()


@dataclass(frozen=True)
class Section:
    id: str
    label: str
    fields: tuple[Field, ...]

    @property
    def problems(self) -> int:
        return sum(1 for f in self.fields if f.problem and f.applies)


@dataclass(frozen=True)
class FormResult:
    """A read form: its sections for the page, the assessment data, and whether it is valid."""

    sections: tuple[Section, ...]
    data: dict[str, Any]
    #: problems no field shows (should not happen; shown at the top of the form)
    other_problems: tuple[str, ...]
    assessment: Assessment | None

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    @property
    def problems(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.problem and f.applies)

    @property
    def valid(self) -> bool:
        return self.assessment is not None

    @property
    def hidden(self) -> list[str]:
        return [f.path for f in self.fields if not f.applies]


def _questions() -> list[Question]:
    return [q for q in questions() if q.path.split(".")[0] in ORDER]


def _choices(q: Question, lang: Lang, measures: Iterable[tuple[str, str, str]]) -> tuple[Choice, ...]:
    if q.kind == "id_list":
        return tuple(Choice(mid, title, group) for mid, title, group in measures)
    return tuple(Choice(v, value_label(q.path, v, lang)) for v in q.choices)


def raw_from_assessment(data: Mapping[str, Any]) -> RawForm:
    """The form as it would be typed to give ``data`` (assessment JSON data)."""
    raw: RawForm = {}
    for q in _questions():
        section, _, name = q.path.partition(".")
        value = (data.get(section) or {}).get(name) if name else data.get(section)
        if value is None:
            continue
        if q.kind == "bool":
            raw[q.path] = ["true" if value else "false"]
        elif q.kind in TICKED:
            raw[q.path] = [str(v) for v in value]
            raw[LIST_STATE.format(path=q.path)] = ["some" if value else "none"]
        elif q.kind == "int_list":
            raw[q.path] = [" ".join(str(v) for v in value) if value else "ingen"]
        elif q.kind == "text_list":
            raw[q.path] = ["\n".join(value)]
        elif q.kind == "float":
            raw[q.path] = [f"{value:g}"]
        else:
            raw[q.path] = [str(value)]
    return raw


def _parse(q: Question, raw: RawForm, lang: Lang) -> Any:
    """The value of one field from what was typed (``UNKNOWN`` when nothing was given);
    raises :class:`AnswerError` saying what would fit."""
    values = [v for v in raw.get(q.path, []) if v is not None]
    if q.kind in TICKED:
        state = (raw.get(LIST_STATE.format(path=q.path)) or [""])[0]
        if values:
            allowed = set(q.choices) if q.kind == "enum_list" else None
            if allowed is not None and not set(values) <= allowed:
                raise AnswerError("velg blant valgene" if lang == "nb" else "choose among the choices")
            order = {v: i for i, v in enumerate(q.choices)}
            return sorted(set(values), key=lambda v: (order.get(v, 0), v))
        if state == "none":
            return []
        if state == "some":
            raise AnswerError("kryss av minst ett valg, eller velg «vet ikke» eller «ingen»" if lang == "nb" else
                              "tick at least one, or choose 'unknown' or 'none'")
        return UNKNOWN
    text = values[0] if values else ""
    if q.kind == "bool":
        return {"true": True, "false": False}.get(text, UNKNOWN)
    if q.kind == "enum":
        if not text:
            return UNKNOWN
        if text not in q.choices:
            raise AnswerError("velg blant valgene" if lang == "nb" else "choose among the choices")
        return text
    if q.kind == "text_list":
        items = [line.strip() for line in text.splitlines() if line.strip()]
        return items or UNKNOWN
    if not text.strip():
        return UNKNOWN
    if q.kind == "int_list" and text.strip().casefold() in ("ingen", "none", "-"):
        return []
    value = parse_answer(q, text.replace("\r", ""), lang)
    return UNKNOWN if value is UNKNOWN else value


def _nest(answers: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in answers.items():
        section, _, name = path.partition(".")
        if name:
            out.setdefault(section, {})[name] = value
        else:
            out[path] = value
    return {k: out[k] for k in ORDER if k in out}


def read_form(raw: RawForm, lang: Lang, measures: Iterable[tuple[str, str, str]] = (), validate: bool = True) -> FormResult:
    """Read what was typed: each field's value or problem, which questions apply, and the
    assessment when everything fits. ``measures`` are (id, title, group) for the measures
    already in place."""
    measures = tuple(measures)
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    applies: dict[str, bool] = {}
    qs = _questions()
    for q in qs:  # in order: whether a question applies depends on the answers before it
        # a question that does not apply is hidden and left out, as in the terminal
        # intake; one that has an answer stays in view, so no answer vanishes unseen
        answered = any(v.strip() for v in raw.get(q.path, ())) or \
            (raw.get(LIST_STATE.format(path=q.path)) or [""])[0] in ("none", "some")
        applies[q.path] = q.ask_if is None or q.ask_if(answers) or answered
        if not applies[q.path]:
            continue
        try:
            value = _parse(q, raw, lang)
        except AnswerError as exc:
            problems[q.path] = str(exc)
            continue
        if value is not UNKNOWN:
            answers[q.path] = value
    data = _nest(answers)
    other: list[str] = []
    assessment = None
    if validate and not problems:
        try:
            assessment = assessment_from_located(Located(data, "kartlegging", {}))
        except AssessmentError as exc:
            for p in exc.problems:
                path = p.path if p.path in applies else ".".join(p.path.split(".")[:2])
                if path in applies:
                    problems.setdefault(path, p.message_in(lang))
                else:
                    other.append(p.message_in(lang))
    sections: dict[str, list[Field]] = {}
    for q in qs:
        section = q.path.split(".")[0]
        state = (raw.get(LIST_STATE.format(path=q.path)) or [""])[0]
        hint_nb, hint_en = _HINTS[q.kind]
        sections.setdefault(section, []).append(Field(
            path=q.path, kind=q.kind, label=field_label(q.path, lang), question=spoken_question(q.path, lang),
            hint=hint_nb if lang == "nb" else hint_en, choices=_choices(q, lang, measures),
            raw=tuple(raw.get(q.path, ())), list_state=state, applies=applies[q.path], problem=problems.get(q.path)))
    return FormResult(
        sections=tuple(Section(s, section_label(s, lang), tuple(fs)) for s, fs in sections.items()),
        data=data, other_problems=tuple(other), assessment=assessment if not problems else None)


def form_fields(raw: Mapping[str, list[str]]) -> RawForm:
    """Only the fields of the form (a posted form also carries the CSRF token and buttons)."""
    known = {q.path for q in _questions()} | {LIST_STATE.format(path=q.path) for q in _questions() if q.kind in TICKED}
    return {k: [str(v) for v in vs][:200] for k, vs in raw.items() if k in known}
