"""What the readable outputs show, as plain data in one language.

Three views are built from one strategy (and, where there are any, the
people's decisions and the assessment's own words):

* the **intake view** – one screen for the meeting: the person's goals, where
  to start and why, the first-stage actions with partner and form, and the
  open questions whose answers would change the plan;
* the **person's plan** – what the person takes home: goals and resources in
  their own words, the measures with who and when, open questions, date and
  signatures; no rule ids, no reasoning;
* the **coordinator's appendix** – every suggestion with its reasons, checks,
  relations and sources.

The terminal (``ibp assess``), the printed plan (Markdown, HTML) and the web
pages render these same objects with the templates in ``templates/``, so the
order and the decisions agree everywhere. The order is decided here, once:
within a stage, measures to start now come first, then those in the pillar
to start with, then the rest in the engine's order (the JSON order is never
changed).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .decisions import Decisions, MeasureDecision, OwnMeasure
from .labels import field_label, question, value_label
from .ruleset import Ruleset
from .strategy import InPlaceMeasure, PrerequisiteStatus, Strategy, SuggestedMeasure, Why
from .text import Lang
from .words import value_word, words

if TYPE_CHECKING:
    from .assessment import Assessment

#: how many open questions the intake view lists before "and N more"
INTAKE_QUESTIONS = 5
#: a first stage longer than this shows one question fewer per extra measure (at least
#: :data:`INTAKE_QUESTIONS_MIN`), and so do what is in place and each tension, so that
#: the overview stays about one screen
INTAKE_FIRST_STAGE_ROOM = 10
INTAKE_QUESTIONS_MIN = 0


@dataclass(frozen=True)
class PartnerView:
    """A partner service on a measure, with its collaboration forms as words."""

    id: str
    name: str
    forms: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.name} ({', '.join(self.forms)})"


@dataclass(frozen=True)
class ReasonView:
    """One reason: the rule's text, its id and source, and the relation it crosses."""

    text: str
    first_sentence: str
    rule: str
    rule_title: str
    source: str
    relation: str | None


@dataclass(frozen=True)
class CheckView:
    """A prerequisite not met yet: what to check, how binding, and where it stands."""

    text: str
    kind: str
    status: str


@dataclass(frozen=True)
class DecisionView:
    status_id: str
    status: str
    who: str | None
    when: str | None
    change: str | None
    reason: str | None


@dataclass(frozen=True)
class MeasureView:
    id: str
    title: str
    pillar_id: str
    pillar: str
    phase_id: str
    phase: str
    stage: int
    start_now: bool
    in_start_pillar: bool
    partners: tuple[PartnerView, ...]
    administered_by: str
    after: tuple[str, ...]
    unconfirmed: bool
    to_check: tuple[str, ...]
    reasons: tuple[ReasonView, ...]
    checks: tuple[CheckView, ...]
    decision: DecisionView | None
    #: checks the assessment already settles (shown as settled, not as open)
    settled: tuple[str, ...] = ()
    #: the person's goals this measure is an alternative to (it is not a route to them)
    alternative_to: tuple[str, ...] = ()

    @property
    def partners_text(self) -> str:
        return ", ".join(str(p) for p in self.partners)

    @property
    def declined(self) -> bool:
        return self.decision is not None and self.decision.status_id == "avslatt"


@dataclass(frozen=True)
class StageView:
    number: int
    measures: tuple[MeasureView, ...]
    waits_for: tuple[str, ...]

    @property
    def parallel(self) -> bool:
        return len(self.measures) > 1


@dataclass(frozen=True)
class StartView:
    pillar_id: str
    pillar: str
    barriers: tuple[str, ...]
    blocks: tuple[str, ...]


@dataclass(frozen=True)
class QuestionView:
    """An unknown field whose answer could change the plan, and what it could change."""

    path: str
    question: str
    field: str
    adds: tuple[str, ...]
    removes: tuple[str, ...]
    tasks: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def changes_measures(self) -> bool:
        return bool(self.adds or self.removes)

    def brief(self, L: dict[str, str], most: int = 2) -> str:
        """``kan gi Bostøtte, Startlån (+2); kan ta bort Gjeldsordning`` – at most ``most`` names a side."""
        def names(titles: tuple[str, ...]) -> str:
            shown = ", ".join(titles[:most])
            return shown + (f" (+{len(titles) - most})" if len(titles) > most else "")

        parts = [f"{L['could_add']} {names(self.adds)}"] if self.adds else []
        if self.removes:
            parts.append(f"{L['could_remove']} {names(self.removes)}")
        return "; ".join(parts)

    def detail(self, L: dict[str, str]) -> str:
        """The question and everything its answer could change, with the rules it hangs on (the appendix)."""
        parts = [self.brief(L, most=99)] if self.changes_measures else []
        if self.tasks:
            parts.append(f"{L['could_change_tasks']}: {', '.join(self.tasks)}")
        rules = f"[{L['rule']} {', '.join(self.rules)}]"
        return f"{self.question} – {'; '.join(parts)} {rules}" if parts else f"{self.question} {rules}"


@dataclass(frozen=True)
class NeedView:
    pillar_id: str
    pillar: str
    barriers: tuple[str, ...]
    resources: tuple[str, ...]
    measures: tuple[str, ...]


@dataclass(frozen=True)
class TaskView:
    id: str
    title: str
    description: str
    phase_id: str
    phase: str
    reasons: tuple[ReasonView, ...]


@dataclass(frozen=True)
class ExcludedView:
    id: str
    title: str
    reasons: tuple[ReasonView, ...]


@dataclass(frozen=True)
class PartnerSummaryView:
    id: str
    name: str
    forms: tuple[str, ...]
    measures: tuple[str, ...]


@dataclass(frozen=True)
class PlanRow:
    """One line of the person's plan: a suggestion or their own measure."""

    title: str
    who: str
    when: str
    status: str
    change: str | None = None
    note: str | None = None
    measure_id: str | None = None
    decided: bool = True


@dataclass(frozen=True)
class PlanGroup:
    label: str
    rows: tuple[PlanRow, ...]
    own: bool = False


@dataclass(frozen=True)
class DeclinedView:
    title: str
    reason: str | None


@dataclass(frozen=True)
class StrategyView:
    """Everything the three views show, in one language and one order."""

    lang: Lang
    L: dict[str, str]
    notice: str
    ruleset: str
    ruleset_sha: str
    engine_version: str
    goals: tuple[str, ...]
    goals_own_words: str | None
    resources_own_words: tuple[str, ...]
    start: tuple[StartView, ...]
    start_with: tuple[str, ...]
    needs: tuple[NeedView, ...]
    stages: tuple[StageView, ...]
    questions: tuple[QuestionView, ...]
    tasks: tuple[TaskView, ...]
    excluded: tuple[ExcludedView, ...]
    already: tuple[str, ...]
    partners: tuple[PartnerSummaryView, ...]
    plan_groups: tuple[PlanGroup, ...]
    declined: tuple[DeclinedView, ...]
    has_decisions: bool
    unknown_decisions: tuple[str, ...]
    other_pillar_shown: bool
    _graph_input: tuple[Ruleset, dict[str, list[str]], tuple[str, ...]] = field(repr=False, compare=False)
    #: measure ids of :attr:`already`, in the same order (for pages that link or mark them)
    already_ids: tuple[str, ...] = ()
    #: measures left out because the person does not want them
    not_wanted: tuple[str, ...] = ()
    #: pairs in the plan that pull against each other or against a goal
    tensions: tuple[str, ...] = ()

    # -- the intake view -------------------------------------------------------

    @property
    def measures(self) -> tuple[MeasureView, ...]:
        return tuple(m for s in self.stages for m in s.measures)

    @property
    def first_stage(self) -> tuple[MeasureView, ...]:
        return self.stages[0].measures if self.stages else ()

    @property
    def later(self) -> tuple[MeasureView, ...]:
        return tuple(m for s in self.stages[1:] for m in s.measures)

    @property
    def tasks_now(self) -> tuple[TaskView, ...]:
        return tuple(t for t in self.tasks if t.phase_id == "oppstart")

    @property
    def key_questions(self) -> tuple[QuestionView, ...]:
        """The questions to ask first (the person's plan and the web overview): those that could
        change the measures – first any that could take a suggestion out – in assessment order."""
        changing = [q for q in self.questions if q.changes_measures]
        return tuple(sorted(changing, key=lambda q: not q.removes)[:INTAKE_QUESTIONS])

    @property
    def more_questions(self) -> int:
        return sum(1 for q in self.questions if q.changes_measures) - len(self.key_questions)

    @property
    def overview_questions(self) -> tuple[QuestionView, ...]:
        """The first of :attr:`key_questions` that fit the terminal overview's one screen: a
        crowded first stage, what is in place and each tension leave room for fewer."""
        crowded = max(0, len(self.first_stage) - INTAKE_FIRST_STAGE_ROOM) + len(self.tensions) + (1 if self.already else 0)
        return self.key_questions[:max(INTAKE_QUESTIONS_MIN, INTAKE_QUESTIONS - crowded)]

    @property
    def more_overview_questions(self) -> int:
        return sum(1 for q in self.questions if q.changes_measures) - len(self.overview_questions)

    @property
    def unconfirmed(self) -> bool:
        return any(m.unconfirmed for m in self.measures)

    # -- pictures --------------------------------------------------------------

    @functools.cached_property
    def picture(self) -> str:
        """The pillar model for this situation as SVG (barriers marked, relations named)."""
        from .graph import PillarGraph
        from .svg import pillar_svg

        ruleset, barriers, start = self._graph_input
        titles = {p: [_fact(ruleset, f, self.lang) for f in fs] for p, fs in barriers.items()}
        return pillar_svg(PillarGraph(ruleset), self.lang, titles, start, active=self.active_relations,
                          description=". ".join(self.picture_text()) + ".")

    @property
    def active_relations(self) -> tuple[tuple[str, str], ...]:
        """(from, to) pillar ids where a barrier in one pillar blocks another now."""
        ruleset, barriers_by_pillar, _start = self._graph_input
        return tuple((p, b) for p, fact_ids in barriers_by_pillar.items() for b in ruleset.pillars
                     if any(fid in ruleset.facts and b in ruleset.facts[fid].blocks for fid in fact_ids))

    def picture_text(self) -> list[str]:
        """The picture's information in words (its text alternative): each pillar with its
        barriers, whether to start there and which pillars it blocks now; the six relations."""
        ruleset, barriers_by_pillar, start = self._graph_input
        L, lang = self.L, self.lang
        lines = []
        for pid, pillar in ruleset.pillars.items():
            found = [_fact(ruleset, f, lang) for f in barriers_by_pillar.get(pid, [])]
            line = f"{pillar.title.get(lang)}: {'; '.join(found) if found else L['no_barriers']}"
            if pid in start:
                line += f" ({L['start_here']})"
            blocked = [_pillar(ruleset, b, lang).lower() for a, b in self.active_relations if a == pid]
            if blocked:
                line += f" – {L['blocks']} {', '.join(blocked)}"
            lines.append(line)
        names = [rel.title.get(lang) for rel in ruleset.relations.values()]
        lines.append(f"{L['relations']}: {', '.join(names)}")
        return lines


# -- building ---------------------------------------------------------------------


def _pillar(rs: Ruleset, pid: str, lang: Lang) -> str:
    if pid in rs.pillars:
        return rs.pillars[pid].title.get(lang)
    return value_word("other_pillar", pid, lang)


def _fact(rs: Ruleset, fid: str, lang: Lang) -> str:
    return rs.facts[fid].title.get(lang) if fid in rs.facts else fid


def _measure_title(rs: Ruleset, mid: str, lang: Lang) -> str:
    return rs.measures[mid].title.get(lang) if mid in rs.measures else mid


def _partner_name(rs: Ruleset, pid: str, lang: Lang) -> str:
    return rs.partners[pid].title.get(lang) if pid in rs.partners else pid


def first_sentence(text: str) -> str:
    s = text.strip()
    cut = s.find(". ")
    return s if cut < 0 else s[: cut + 1]


def _reason(rs: Ruleset, w: Why, lang: Lang) -> ReasonView:
    text = w.text.get(lang)
    relation = None
    if w.relation is not None:
        r = w.relation
        relation = (f"{_pillar(rs, r.from_, lang)} → {_pillar(rs, r.to, lang)} ({value_word('role', r.role, lang)}): "
                    f"{r.text.get(lang)}")
    return ReasonView(text=text, first_sentence=first_sentence(text), rule=w.rule, rule_title=w.title.get(lang),
                      source=w.source, relation=relation)


def _check(rs: Ruleset, p: PrerequisiteStatus, lang: Lang) -> CheckView:
    status = value_word("prerequisite_status", p.status, lang)
    if p.status == "planned":
        status = f"{status} {', '.join(_measure_title(rs, b, lang) for b in p.by)}"
    return CheckView(text=p.check.get(lang), kind=value_word("prerequisite_kind", p.kind, lang), status=status)


def _decision(d: MeasureDecision | None, lang: Lang) -> DecisionView | None:
    if d is None:
        return None
    return DecisionView(status_id=d.status, status=value_word("decision", d.status, lang), who=d.who, when=d.when,
                        change=d.change, reason=d.reason)


def _partners(rs: Ruleset, m: SuggestedMeasure | InPlaceMeasure, lang: Lang) -> tuple[PartnerView, ...]:
    forms: dict[str, list[str]] = {}
    for u in m.partners:
        forms.setdefault(u.id, []).append(value_word("form", u.form, lang))
    return tuple(PartnerView(pid, _partner_name(rs, pid, lang), tuple(fs)) for pid, fs in forms.items())


def start_now(m: SuggestedMeasure) -> bool:
    """A measure to start at once: in the first stage, in the start-up phase
    (urgent situations – no home, eviction, violence – put their measures
    there; so does the earliest step of a chain)."""
    return m.stage == 0 and m.phase == "oppstart"


def order_in_stage(measures: Sequence[SuggestedMeasure], start_with: Sequence[str]) -> list[SuggestedMeasure]:
    """Within one stage: start-now measures first, then the start pillar's, then the rest (stable)."""
    return sorted(measures, key=lambda m: (not start_now(m), m.pillar not in start_with))


_INPUT_HINT = re.compile(r"\?\s*\([^()]*\)\s*$")


def spoken_question(path: str, lang: Lang) -> str:
    """The intake's question as said to a person: without the typing hint after the question
    mark (``(- = ingen)``, ``(velg alle som passer)``), which is for the terminal only."""
    return _INPUT_HINT.sub("?", question(path, lang))


def _open_questions(strategy: Strategy, rs: Ruleset, lang: Lang, assessment: Assessment | None = None) -> tuple[QuestionView, ...]:
    """The strategy's open questions, asked as the intake asks them, in assessment order;
    with the assessment, not those the intake would not ask (rent arrears at a crisis centre)."""
    from .intake import fits

    return tuple(QuestionView(
        path=q.path, question=spoken_question(q.path, lang), field=field_label(q.path, lang),
        adds=tuple(_measure_title(rs, mid, lang) for mid in q.adds),
        removes=tuple(_measure_title(rs, mid, lang) for mid in q.removes),
        tasks=tuple(rs.tasks[t].title.get(lang) if t in rs.tasks else t for t in q.tasks), rules=tuple(q.rules),
    ) for q in strategy.open_questions if assessment is None or fits(q.path, assessment))


def build_view(strategy: Strategy, ruleset: Ruleset, lang: Lang = "nb", decisions: Decisions | None = None,
               assessment: Assessment | None = None) -> StrategyView:
    """The view of ``strategy`` in ``lang``; ``decisions`` and ``assessment`` (for the
    person's own words) are optional. Free text is shown only here, where the
    user asked for their plan; rules never read it."""
    rs, L = ruleset, words(lang)
    d = (decisions or Decisions()).with_current_ids(rs.replaced)
    start_with = list(strategy.start_with)

    by_stage: list[list[SuggestedMeasure]] = [[] for _ in range(strategy.stages)]
    for m in strategy.measures:
        by_stage[m.stage].append(m)

    def measure_view(m: SuggestedMeasure) -> MeasureView:
        return MeasureView(
            id=m.id, title=m.title.get(lang), pillar_id=m.pillar, pillar=_pillar(rs, m.pillar, lang),
            phase_id=m.phase, phase=value_word("phase", m.phase, lang), stage=m.stage + 1, start_now=start_now(m),
            in_start_pillar=m.pillar in start_with, partners=_partners(rs, m, lang),
            administered_by=_partner_name(rs, m.administered_by, lang),
            after=tuple(_measure_title(rs, r, lang) for r in m.requires), unconfirmed=not m.confirmed,
            to_check=tuple(c.get(lang) for c in m.to_check), reasons=tuple(_reason(rs, w, lang) for w in m.why),
            checks=tuple(_check(rs, p, lang) for p in m.prerequisites if p.status != "met"),
            decision=_decision(d.measures.get(m.id), lang),
            settled=tuple(c.get(lang) for c in m.settled),
            alternative_to=tuple(value_label("mal.onsker", g, lang) for g in m.alternative_to),
        )

    stages: list[StageView] = []
    for i, ms in enumerate(by_stage):
        views = tuple(measure_view(m) for m in order_in_stage(ms, start_with))
        waits = sorted({a for v in views for a in v.after})
        stages.append(StageView(number=i + 1, measures=views, waits_for=tuple(waits)))

    has_decisions = bool(d.measures or d.own)
    groups, declined = _plan_groups(stages, d.own, has_decisions, L)

    barriers_by_pillar = {n.pillar: list(n.barriers) for n in strategy.needs if n.barriers}
    mal = assessment.mal if assessment is not None else None
    suggested = {m.id for m in strategy.measures}
    return StrategyView(
        lang=lang, L=L, notice=strategy.notice.get(lang),
        ruleset=f"{strategy.ruleset.id} {strategy.ruleset.version}", ruleset_sha=strategy.ruleset.sha256[:12],
        engine_version=strategy.engine.version,
        goals=tuple(value_label("mal.onsker", g, lang) for g in strategy.goals),
        goals_own_words=(mal.fritekst or None) if mal is not None else None,
        resources_own_words=tuple(r for r in (mal.ressurser or []) if r.strip()) if mal is not None else (),
        start=tuple(StartView(r.pillar, _pillar(rs, r.pillar, lang), tuple(_fact(rs, b, lang) for b in r.barriers),
                              tuple(_pillar(rs, p, lang) for p in r.blocks))
                    for r in strategy.start_reason if r.pillar in start_with),
        start_with=tuple(_pillar(rs, p, lang) for p in start_with),
        needs=tuple(NeedView(n.pillar, _pillar(rs, n.pillar, lang), tuple(_fact(rs, b, lang) for b in n.barriers),
                             tuple(_fact(rs, r, lang) for r in n.resources),
                             tuple(_measure_title(rs, mid, lang) for mid in n.measures)) for n in strategy.needs),
        stages=tuple(stages),
        questions=_open_questions(strategy, rs, lang, assessment),
        tasks=tuple(TaskView(t.id, t.title.get(lang), t.description.get(lang), t.phase, value_word("phase", t.phase, lang),
                             tuple(_reason(rs, w, lang) for w in t.why)) for t in strategy.tasks),
        excluded=tuple(ExcludedView(x.id, x.title.get(lang), tuple(_reason(rs, w, lang) for w in x.why)) for x in strategy.excluded),
        already=tuple(_measure_title(rs, x.id, lang) + (f" ({', '.join(str(p) for p in _partners(rs, x, lang))})" if x.partners else "")
                      for x in strategy.already_in_place),
        already_ids=tuple(x.id for x in strategy.already_in_place),
        partners=tuple(PartnerSummaryView(p.id, p.title.get(lang), tuple(value_word("form", f, lang) for f in p.forms),
                                          tuple(_measure_title(rs, mid, lang) for mid in p.measures)) for p in strategy.partners),
        plan_groups=groups, declined=declined, has_decisions=has_decisions,
        unknown_decisions=tuple(_measure_title(rs, mid, lang) for mid in sorted(set(d.measures) - suggested)),
        other_pillar_shown=any(m.pillar not in rs.pillars for m in strategy.measures),
        _graph_input=(rs, barriers_by_pillar, tuple(start_with)),
        not_wanted=tuple(_measure_title(rs, x.id, lang) for x in strategy.not_wanted),
        tensions=tuple(t.text.get(lang) for t in strategy.tensions),
    )


def _plan_groups(stages: Sequence[StageView], own: Sequence[OwnMeasure], has_decisions: bool,
                 L: dict[str, str]) -> tuple[tuple[PlanGroup, ...], tuple[DeclinedView, ...]]:
    """The person's plan: one group per stage in the view's order, their own measures last;
    declined suggestions apart. Without decisions every suggestion is listed to tick."""
    groups: list[PlanGroup] = []
    declined: list[DeclinedView] = []
    for s in stages:
        rows: list[PlanRow] = []
        for m in s.measures:
            dec = m.decision
            if dec is not None and dec.status_id == "avslatt":
                declined.append(DeclinedView(m.title, dec.reason))
                continue
            if dec is not None:
                status = dec.status
            else:
                status = L["undecided"] if has_decisions else ""
            rows.append(PlanRow(title=m.title, who=(dec.who if dec and dec.who else m.administered_by),
                                when=(dec.when if dec and dec.when else ""), status=status,
                                change=dec.change if dec else None, measure_id=m.id, decided=dec is not None))
        when = L["plan_stage_now"] if s.number == 1 else L["plan_stage_after"].format(after=", ".join(s.waits_for))
        if rows:
            groups.append(PlanGroup(f"{L['stage']} {s.number} – {when}", tuple(rows)))
    if own:
        groups.append(PlanGroup(L["own"], tuple(PlanRow(title=o.title, who=o.who or "", when=o.when or "", status=L["own_status"],
                                                        note=o.note) for o in own), own=True))
    return tuple(groups), tuple(declined)
