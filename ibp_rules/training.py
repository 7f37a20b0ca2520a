"""Worked cases for teaching, and feedback on a trainee's answer.

A trainee reads a case, chooses the measures and partners they would
suggest, and gets each miss and each extra explained *from the rules*: a miss
with the rule that suggests it and why; an extra with the clause that kept
every rule from suggesting it. The feedback is about the trainee's answer
to an exercise, never about the person in the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from .assessment import Assessment
from .condition_words import held_words, join_or, lower_first, test_words, value_words
from .engine import Engine, read_assessment
from .errors import InputError, Problem, UnknownIdError
from .explain import explain_measure, wrap_line
from .intake import ORDER
from .labels import field_label, section_label, value_label
from .names import find
from .resources import examples_path
from .strategy import Strategy
from .text import Lang, Text, suggestion_suffix
from .validation_messages import load_model
from .words import value_word
from .yaml_source import SourceError, read_file

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{1,63}$")]


class CasesError(InputError):
    summary = {"en": "invalid cases or answer file", "nb": "ugyldig case- eller svarfil"}


PartnerForm = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}(:(informasjon|tilgang|samordning))?$")]


class Expect(BaseModel):
    """What an experienced coordinator looks for in the strategy of a worked case."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measures: list[Slug] = []
    absent: list[Slug] = []
    #: ordered pairs: the first comes in an earlier stage than the second
    before: list[tuple[Slug, Slug]] = []
    #: pairs that run in parallel (same stage): no real prerequisite between them
    parallel: list[tuple[Slug, Slug]] = []
    #: measures that belong in the first stage (urgent, or nothing to wait for)
    first_stage: list[Slug] = []
    #: partner ids, optionally with the collaboration form: ``gjeldsradgiver:samordning``
    partners: list[PartnerForm] = []
    tasks: list[Slug] = []
    #: the pillars the strategy should start with (exactly these, in any order)
    start_with: list[Slug] = []
    #: at most this many measures (a negative control expects few or none)
    max_measures: int | None = Field(None, ge=0)
    #: tasks that must not be given (closing while the user's goal is not met)
    absent_tasks: list[Slug] = []
    #: measures in the oppstart phase (a bridge planned before an income or a place ends)
    oppstart: list[Slug] = []
    #: measures the person already has: shown in place, never suggested again
    in_place: list[Slug] = []
    #: measures a guard left out with a reason
    excluded: list[Slug] = []
    #: measures left out because the user does not want them
    not_wanted: list[Slug] = []
    #: measures marked as an alternative to the user's goal
    alternatives: list[Slug] = []
    #: pulls flagged: each a set of measure ids and goals that must appear together in one tension
    tensions: list[list[Slug]] = []
    #: unknown fields the strategy must ask about (in its open questions)
    open_questions: list[str] = []


def check_expectations(strategy: Strategy, expect: Expect) -> list[str]:
    """What in ``strategy`` falls short of ``expect`` (empty when it meets it)."""
    got = {m.id: m for m in strategy.measures}
    out = [f"missing measure {m}" for m in expect.measures if m not in got]
    out += [f"unexpected measure {m}" for m in expect.absent if m in got]
    for a, b in expect.before:
        if a in got and b in got and not got[a].stage < got[b].stage:
            out.append(f"{a} (stage {got[a].stage + 1}) should come before {b} (stage {got[b].stage + 1})")
    for a, b in expect.parallel:
        if a in got and b in got and got[a].stage != got[b].stage:
            out.append(f"{a} and {b} should run in parallel (stages {got[a].stage + 1} and {got[b].stage + 1})")
    out += [f"{m} should be in the first stage" for m in expect.first_stage if m in got and got[m].stage != 0]
    forms = {(p.id, f) for p in strategy.partners for f in p.forms}
    for want in expect.partners:
        pid, _, form = want.partition(":")
        if not any(p == pid and (not form or f == form) for p, f in forms):
            out.append(f"missing partner {want}")
    tasks = {t.id for t in strategy.tasks}
    out += [f"missing task {t}" for t in expect.tasks if t not in tasks]
    if expect.max_measures is not None and len(got) > expect.max_measures:
        out.append(f"{len(got)} measures suggested, at most {expect.max_measures} expected: {', '.join(sorted(got))}")
    if expect.start_with and set(expect.start_with) != set(strategy.start_with):
        out.append(f"should start with {', '.join(expect.start_with)}, starts with {', '.join(strategy.start_with) or 'nothing'}")
    out += [f"unexpected task {t}" for t in expect.absent_tasks if t in tasks]
    out += [f"{m} should be in the oppstart phase" for m in expect.oppstart if m in got and got[m].phase != "oppstart"]
    for field, ids in (("in_place", {x.id for x in strategy.already_in_place}), ("excluded", {x.id for x in strategy.excluded}),
                       ("not_wanted", {x.id for x in strategy.not_wanted}),
                       ("alternatives", {m.id for m in strategy.measures if m.alternative_to})):
        out += [f"{m} should be {field.replace('_', ' ')}" for m in getattr(expect, field) if m not in ids]
    found = [set(t.measures) | set(t.goals) for t in strategy.tensions]
    out += [f"missing tension between {', '.join(t)}" for t in expect.tensions if not any(set(t) <= f for f in found)]
    asked = {q.path for q in strategy.open_questions}
    out += [f"missing open question {p}" for p in expect.open_questions if p not in asked]
    return out


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    file: str
    title: Text
    summary: Text
    expect: Expect = Expect()


class CasesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    cases: list[Case]


class Answer(BaseModel):
    """A trainee's answer: the measures and partners they would suggest."""

    model_config = ConfigDict(extra="forbid")

    measures: list[Slug] = []
    partners: list[Slug] = []


def load_cases(folder: Path | None = None) -> list[Case]:
    folder = folder or examples_path()
    return list(load_model(CasesFile, folder / "cases.yaml", CasesError).cases)


def find_case(case_id: str, folder: Path | None = None) -> tuple[Case, Assessment]:
    folder = folder or examples_path()
    cases = {c.id: c for c in load_cases(folder)}
    case = cases[find(case_id, cases, "case", by_id=True)]  # by id or title
    return case, read_assessment(folder / case.file)


_ANSWER_KEYS = {"measures": "measure", "partners": "partner"}


def read_answer(path: Path, engine: Engine, lang: Lang = "nb") -> Answer:
    """A trainee's answer file: ``measures: [...]`` and ``partners: [...]``, each
    named by title (either language, with or without æøå) or id.

    Every mistake in the file is reported at once, each with its line and a
    did-you-mean (:class:`CasesError`), so a class fixes a file in one go.
    """
    try:
        located = read_file(path)
    except SourceError as exc:
        raise CasesError(exc.problem) from None
    data = located.data if located.data is not None else {}
    file = str(path)
    if not isinstance(data, dict):
        raise CasesError(Problem(file, located.line_of(()), "", "expected 'measures: [...]' and 'partners: [...]'",
                                 message_nb="forventet 'measures: [...]' og 'partners: [...]'"))
    problems: list[Problem] = []
    for key in data:
        if key not in _ANSWER_KEYS:
            hint_en, hint_nb = suggestion_suffix(str(key), _ANSWER_KEYS), suggestion_suffix(str(key), _ANSWER_KEYS, "nb")
            problems.append(Problem(file, located.line_of((key,)), str(key), "unknown key; an answer has 'measures' and 'partners'." + hint_en,
                                    message_nb="ukjent nøkkel; et svar har 'measures' og 'partners'." + hint_nb))
    chosen: dict[str, list[str]] = {"measures": [], "partners": []}
    catalogues: dict[str, Mapping[str, Any]] = {"measures": engine.ruleset.measures, "partners": engine.ruleset.partners}
    for key, kind in _ANSWER_KEYS.items():
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(Problem(file, located.line_of((key,)), key, "expected a list", message_nb="forventet en liste"))
            continue
        for i, given in enumerate(items):
            where = (file, located.line_of((key, i)), f"{key}[{i}]")
            if not isinstance(given, str):
                problems.append(Problem(*where, "expected a title or an id", message_nb="forventet en tittel eller en id"))
                continue
            try:
                chosen[key].append(find(given, catalogues[key], kind, lang))
            except UnknownIdError as exc:
                problems.append(Problem(*where, exc.render("en"), message_nb=exc.render("nb")))
    if problems:
        raise CasesError(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    return Answer(measures=sorted(set(chosen["measures"])), partners=sorted(set(chosen["partners"])))


def case_lines(assessment: Assessment, lang: Lang) -> list[str]:
    """The known facts of a case, section by section, in words."""
    data = assessment.model_dump(mode="json", exclude_none=True)
    out: list[str] = []
    for section in ORDER:
        value = data.get(section)
        if isinstance(value, dict):
            rows = [(f"{section}.{k}", v) for k, v in value.items() if v not in (None, {})]
        elif value is not None:
            rows = [(section, value)]
        else:
            rows = []
        if not rows:
            continue
        out.append(section_label(section, lang))
        for path, v in rows:
            shown = v if path in ("mal.fritekst",) else ("; ".join(v) if path == "mal.ressurser" else value_label(path, v, lang))
            out.append(f"  {field_label(path, lang)}: {shown}")
    return out


@dataclass
class Feedback:
    hits: list[str]
    misses: list[str]
    extras: list[str]
    partner_hits: list[str]
    partner_misses: list[str]
    partner_extras: list[str]


def compare_answer(strategy: Strategy, answer: Answer) -> Feedback:
    engine_m = {m.id for m in strategy.measures}
    engine_p = {p.id for p in strategy.partners}
    chosen_m, chosen_p = set(answer.measures), set(answer.partners)
    return Feedback(
        hits=sorted(engine_m & chosen_m), misses=sorted(engine_m - chosen_m), extras=sorted(chosen_m - engine_m),
        partner_hits=sorted(engine_p & chosen_p), partner_misses=sorted(engine_p - chosen_p),
        partner_extras=sorted(chosen_p - engine_p),
    )


def feedback_text(fb: Feedback, engine: Engine, assessment: Assessment, strategy: Strategy, lang: Lang) -> str:
    """Each hit, miss and extra, explained from the rules in plain words (never condition syntax)."""
    rs = engine.ruleset
    nb = lang == "nb"
    by_id = {m.id: m for m in strategy.measures}

    def m_title(mid: str) -> str:
        return rs.measures[mid].title.get(lang)

    def p_title(pid: str) -> str:
        return rs.partners[pid].title.get(lang)

    def sentence(clauses: list[str]) -> str:
        parts = list(dict.fromkeys(clauses))
        return join_or([parts[0], *[lower_first(p) for p in parts[1:]]], lang, "and") if parts else "–"

    out = [("Tiltak: " if nb else "Measures: ") + (f"{len(fb.hits)} av {len(by_id)} funnet" if nb else f"{len(fb.hits)} of {len(by_id)} found")]
    for mid in fb.hits:
        out.append(f"  ✓ {m_title(mid)}")
    for mid in fb.misses:
        w = by_id[mid].why[0]
        out.append(f"  ✗ {'mangler' if nb else 'missing'}: {m_title(mid)}")
        out.append(f"      {w.title.get(lang)}: {w.text.get(lang)}")
        out.append(f"      {'fordi' if nb else 'because'}: {sentence([held_words(rs, w.rule, f.test, f.value, lang) for f in w.facts])}")
    for mid in fb.extras:
        expl = explain_measure(engine, assessment, mid)
        out.append(f"  + {'ekstra' if nb else 'extra'}: {m_title(mid)}")
        if expl.already_in_place:
            out.append("      " + ("personen har dette allerede" if nb else "the person already has it"))
        elif not expl.misses:
            out.append("      " + ("ingen regel foreslår dette tiltaket; begrunn det med egne ord" if nb
                                   else "no rule suggests this measure; give your own reason"))
        for miss in expl.misses:
            # the alternative of the rule that is closest to holding: what would have to be different
            closest = min(miss.branches, key=lambda branch: sum(not c.held for c in branch))
            missing = [f"{test_words(rs, miss.rule, c.test, lang)} ({'nå' if nb else 'now'}: {value_words(c.path, c.value, lang, rs)})"
                       for c in closest if not c.held]
            out.append(f"      «{miss.title.get(lang)}» {'slår ikke til' if nb else 'does not apply'}; "
                       f"{'det ville krevd' if nb else 'it would need'}: {sentence(missing)}")
    out.append("")
    out.append(("Samarbeidspartnere: " if nb else "Partners: ") + (f"{len(fb.partner_hits)} av {len(strategy.partners)} funnet" if nb
                                                                  else f"{len(fb.partner_hits)} of {len(strategy.partners)} found"))
    for pid in fb.partner_hits:
        out.append(f"  ✓ {p_title(pid)}")
    for pid in fb.partner_misses:
        ps = next(p for p in strategy.partners if p.id == pid)
        forms = ", ".join(value_word("form", f, lang) for f in ps.forms)
        out.append(f"  ✗ {'mangler' if nb else 'missing'}: {p_title(pid)} ({forms}; {', '.join(m_title(m) for m in ps.measures)})")
    for pid in fb.partner_extras:
        out.append(f"  + {'ekstra' if nb else 'extra'}: {p_title(pid)}")
    return "\n".join(wrap_line(line) for line in out) + "\n"


def measure_menu(engine: Engine, lang: Lang) -> list[tuple[str, str]]:
    """All catalogue measures as (id, "Pillar: Title"), in pillar order."""
    rs = engine.ruleset
    order = list(rs.pillars) + ["annet"]
    items = sorted(rs.measures.values(), key=lambda m: (order.index(m.pillar), m.title.get(lang)))
    other = value_word("other_pillar", "annet", lang)  # barnehage, skole, barnevern, krisesenter
    return [(m.id, f"{rs.pillars[m.pillar].title.get(lang) if m.pillar in rs.pillars else other}: {m.title.get(lang)}") for m in items]


def partner_menu(engine: Engine, lang: Lang) -> list[tuple[str, str]]:
    return [(p.id, p.title.get(lang)) for p in sorted(engine.ruleset.partners.values(), key=lambda p: p.title.get(lang))]

