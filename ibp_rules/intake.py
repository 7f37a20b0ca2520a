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
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel

from .assessment import Assessment, assessment_from_located
from .atomic import write_atomic
from .errors import AssessmentError, Problem
from .fact_schema import _strip_annotated, _unwrap_optional
from .labels import question, value_label
from .text import Lang, did_you_mean
from .yaml_source import Located, SourceError, read_file

Kind = Literal["bool", "int", "float", "enum", "enum_list", "int_list", "text", "text_list", "id_list"]

ORDER = ("husholdning", "malgrupper", "bolig", "okonomi", "helse", "arbeid_utdanning", "mal", "samtykke_deling", "tiltak_mottatt")


class _Marker(enum.Enum):
    UNKNOWN = "unknown"
    BACK = "back"


UNKNOWN = _Marker.UNKNOWN
BACK = _Marker.BACK

_WORDS = {
    "unknown": {"v", "vet ikke", "vetikke", "?", "unknown", "u", "don't know", "dont know"},
    "back": {"<", "tilbake", "back", "b"},
    "none": {"-", "ingen", "none"},
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


def _receives(source: str) -> Callable[[dict[str, Any]], bool]:
    """Ask about when a benefit ends only of someone who receives it (or whose income is unknown)."""
    return lambda a: a.get("okonomi.inntektskilder") is None or source in a["okonomi.inntektskilder"]


_CONDITIONS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "husholdning.funksjonsnedsettelse": lambda a: bool(a.get("husholdning.barn_alder")) or (a.get("husholdning.voksne") or 1) > 1,
    "husholdning.hatt_barnevern": lambda a: a.get("husholdning.alder") is None or a["husholdning.alder"] <= 25,
    "husholdning.enslig_forsorger": lambda a: bool(a.get("husholdning.barn_alder")),
    "husholdning.barnevern": lambda a: bool(a.get("husholdning.barn_alder")),
    "bolig.ar_i_boligen": lambda a: a.get("bolig.situasjon") not in ("uten_fast_bolig", None),
    "arbeid_utdanning.stillingsprosent": lambda a: a.get("arbeid_utdanning.status") == "i_arbeid",
    "arbeid_utdanning.midlertidig_ansatt": lambda a: a.get("arbeid_utdanning.status") == "i_arbeid",
    "arbeid_utdanning.utdanning_godkjent": lambda a: a.get("arbeid_utdanning.utdanning_fra_utlandet") is True,
    "helse.lar": lambda a: a.get("helse.rus") not in ("ingen", None),
    "bolig.utrygg": lambda a: a.get("bolig.vold") is True,
    "bolig.uker_til_utflytting": lambda a: a.get("bolig.situasjon") in ("fengsel", "institusjon", "krisesenter")
    or bool({"loslatelse", "krisesenter"} & set(a.get("malgrupper") or ())),
    "okonomi.felles_gjeld": lambda a: a.get("okonomi.gjeld") is not False,
    "okonomi.aap_uker_igjen": _receives("aap"),
    "okonomi.overgangsstonad_uker_igjen": _receives("overgangsstonad"),
    "okonomi.sykepenger_uker_igjen": _receives("sykepenger"),
    "okonomi.introduksjonsstonad_uker_igjen": _receives("introduksjonsstonad"),
}


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
    return out


def choices_text(q: Question, lang: Lang) -> list[str]:
    """Numbered choices for an enum question: ``1) Leier privat``."""
    return [f"{i}) {value_label(q.path, v, lang)}" for i, v in enumerate(q.choices, 1)]


def hint(q: Question, lang: Lang) -> str:
    """What may be typed, in a few words."""
    nb = lang == "nb"
    unknown = "v = vet ikke" if nb else "u = unknown"
    back = "< = tilbake" if nb else "< = back"
    by_kind = {
        "bool": "j/n" if nb else "y/n",
        "int": (f"tall {q.lo:g}–{q.hi:g}" if nb else f"number {q.lo:g}–{q.hi:g}") if q.lo is not None and q.hi is not None else ("tall" if nb else "number"),
        "float": (f"tall {q.lo:g}–{q.hi:g}" if nb else f"number {q.lo:g}–{q.hi:g}") if q.lo is not None and q.hi is not None else ("tall" if nb else "number"),
        "enum": "nummer" if nb else "number",
        "enum_list": "numre med mellomrom, - = ingen" if nb else "numbers separated by spaces, - = none",
        "int_list": "tall med mellomrom, - = ingen" if nb else "numbers separated by spaces, - = none",
        "text": "tekst, tomt = hopp over" if nb else "text, empty = skip",
        "text_list": "tekst, skill med ;" if nb else "text, separate with ;",
        "id_list": "id-er med mellomrom, - = ingen" if nb else "ids separated by spaces, - = none",
    }[q.kind]
    return f"{by_kind}; {unknown}; {back}"


def prompt_text(q: Question, lang: Lang) -> str:
    return question(q.path, lang)


class AnswerError(ValueError):
    """An answer that does not fit; the message says what would."""


def _msg(lang: Lang, nb: str, en: str) -> str:
    return nb if lang == "nb" else en


def _number(text: str, q: Question, lang: Lang, integer: bool) -> float | int:
    t = text.replace(",", ".").strip()
    try:
        value: float | int = int(t) if integer else float(t)
    except ValueError:
        raise AnswerError(_msg(lang, "skriv et helt tall" if integer else "skriv et tall",
                               "type a whole number" if integer else "type a number")) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise AnswerError(_msg(lang, "skriv et tall", "type a number"))
    if (q.lo is not None and value < q.lo) or (q.hi is not None and value > q.hi):
        raise AnswerError(_msg(lang, f"tallet må være mellom {q.lo:g} og {q.hi:g}", f"the number must be between {q.lo:g} and {q.hi:g}"))
    return value


def _choice(token: str, q: Question, lang: Lang) -> str:
    t = token.strip().casefold()
    if t.isdigit() and 1 <= int(t) <= len(q.choices):
        return q.choices[int(t) - 1]
    for v in q.choices:
        if t in (v.casefold(), value_label(q.path, v, lang).casefold()):
            return v
    raise AnswerError(_msg(lang, f"velg et nummer fra 1 til {len(q.choices)}", f"choose a number from 1 to {len(q.choices)}"))


def parse_answer(q: Question, text: str, lang: Lang, measure_ids: frozenset[str] = frozenset()) -> Any:
    """The value of an answer, :data:`UNKNOWN`, or :data:`BACK`.

    Raises :class:`AnswerError` with a message that says what would fit.
    """
    raw = text.strip()
    low = raw.casefold()
    if low in _WORDS["back"]:
        return BACK
    if low in _WORDS["unknown"] or (raw == "" and q.kind not in ("text",)):
        return UNKNOWN
    if q.kind == "text":
        if raw == "":
            return UNKNOWN
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
    tokens = [t for t in raw.replace(",", " ").split() if t]
    if q.kind == "enum_list":
        return sorted({_choice(t, q, lang) for t in tokens}, key=q.choices.index)
    if q.kind == "int_list":
        return [int(_number(t, q, lang, True)) for t in tokens]
    # id_list
    out = []
    for t in tokens:
        if t not in measure_ids:
            close = did_you_mean(t, measure_ids)
            suggestion = (_msg(lang, " Mente du: ", " Did you mean: ") + ", ".join(close) + "?") if close else ""
            raise AnswerError(_msg(lang, "ukjent tiltak (se 'ibp rules list').", "unknown measure (see 'ibp rules list').") + suggestion)
        out.append(t)
    return sorted(set(out))


@dataclass
class Interview:
    """The interview's state: answers so far and where we are."""

    qs: list[Question] = field(default_factory=questions)
    answers: dict[str, Any] = field(default_factory=dict)
    position: int = 0
    history: list[int] = field(default_factory=list)

    def current(self) -> Question | None:
        """The next question to ask, skipping those that do not apply."""
        while self.position < len(self.qs):
            q = self.qs[self.position]
            if q.ask_if is None or q.ask_if(self.answers):
                return q
            self.answers.pop(q.path, None)
            self.position += 1
        return None

    def answer(self, value: Any) -> None:
        q = self.current()
        assert q is not None
        if value is BACK:
            self.back()
            return
        if value is UNKNOWN:
            self.answers.pop(q.path, None)
        else:
            self.answers[q.path] = value
        self.history.append(self.position)
        self.position += 1

    def back(self) -> None:
        if self.history:
            self.position = self.history.pop()

    def assessment_data(self) -> dict[str, Any]:
        """The answers as assessment data (unknowns left out), in the current format."""
        from .assessment import ASSESSMENT_SCHEMA_VERSION

        out: dict[str, Any] = {"schema_version": ASSESSMENT_SCHEMA_VERSION}
        for path, value in self.answers.items():
            if "." in path:
                section, name = path.split(".", 1)
                out.setdefault(section, {})[name] = value
            else:
                out[path] = value
        return {k: out[k] for k in ("schema_version",) + ORDER if k in out}

    def restore(self, answers: dict[str, Any], next_path: str | None) -> None:
        """Continue from saved answers, at the question ``next_path`` (``None`` = all asked).

        "<" then goes back through the questions that applied before it.
        """
        self.answers = dict(answers)
        paths = [q.path for q in self.qs]
        self.position = paths.index(next_path) if next_path in paths else len(self.qs)
        self.history = [i for i, q in enumerate(self.qs[: self.position]) if q.ask_if is None or q.ask_if(self.answers)]


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
