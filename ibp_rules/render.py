"""Render a strategy for people: plain text for the terminal, Markdown to print.

The same :class:`~ibp_rules.strategy.Strategy` feeds every format; only the
words change with the language. Templates live in ``templates/`` (Jinja2)
so wording and layout can be changed without touching code. Text output is
wrapped to fit 100 columns.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .decisions import Decisions, plan_view
from .graph import PillarGraph
from .labels import field_label, value_label
from .ruleset import Ruleset
from .strategy import Strategy
from .svg import pillar_svg
from .text import Lang, Text

WIDTH = 100

LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "heading": "IBP – forslag til strategi",
        "ruleset": "Regelsett",
        "goals": "Brukerens egne mål",
        "no_goals": "ikke oppgitt ennå – avklar målene sammen med brukeren",
        "start_with": "Start med",
        "start_none": "ingen tydelige barrierer; la brukerens mål styre",
        "blocks": "hindrer",
        "needs": "Behov per pilar",
        "barriers": "Barrierer",
        "resources": "Ressurser",
        "none": "–",
        "plan": "Tiltak i trinn",
        "stage": "Trinn",
        "parallel": "parallelt",
        "after": "etter",
        "nothing": "Ingen tiltak foreslås ut fra det som er kjent nå. Kartlegg det som er ukjent, og se på målene på nytt.",
        "partners": "Samarbeidspartnere",
        "why": "Hvorfor",
        "relation": "Relasjon",
        "rule": "regel",
        "source": "kilde",
        "check": "Sjekk",
        "hard": "vilkår",
        "soft": "råd",
        "met": "oppfylt",
        "planned": "dekkes av",
        "open": "åpent",
        "unconfirmed": "detaljer ikke bekreftet",
        "legend": "Forklaring",
        "legend_forms": "informasjon = hente råd og opplysninger · tilgang = skaffe brukeren tjenesten · "
                        "samordning = koordinere aktiviteter som går parallelt",
        "legend_stages": "Tiltak i samme trinn går parallelt; et senere trinn venter bare der et vilkår krever det.",
        "already": "Har allerede (ikke foreslått på nytt)",
        "tasks": "Koordinatorens oppgaver",
        "to_check": "Å sjekke (tjenesten avgjør)",
        "excluded": "Vurdert, men utelatt ut fra det som er kjent",
        "barrier": "barriere",
        "solution": "løsning",
        "phase_oppstart": "oppstart",
        "phase_oppfolging": "oppfølging",
        "phase_avslutning": "avslutning",
        "handlingsplan": "Utkast til handlingsplan",
        "document_title": "Individuell boligplan – handlingsplan",
        "subgoal": "Delmål",
        "who": "Hvem",
        "when": "Når",
        "activity": "Aktivitet",
        "measure": "Tiltak",
        "partner": "Partner",
        "form": "Form",
        "measures_col": "Tiltak",
        "pillar": "Pilar",
        "their_plan": "Planen slik brukeren har bestemt",
        "declined": "Forslag brukeren har takket nei til",
        "own": "Brukerens egne tiltak",
        "own_item": "eget tiltak",
        "undecided": "ikke avklart ennå",
        "status_valgt": "valgt",
        "status_endret": "endret",
        "status_avslatt": "takket nei",
        "reason": "Begrunnelse",
        "change": "Endring",
        "date": "Dato",
        "signature_user": "Bruker",
        "signature_coordinator": "Koordinator",
        "suggested": "Foreslått av verktøyet",
        "decide_hint": "Marker hvert forslag som valgt, endret eller takket nei sammen med brukeren (ibp decide).",
        "fill_in": "Fylles ut sammen med brukeren",
        "model": "Pilarmodellen – barrierer nå",
        "unknown_in_decisions": "Valg for tiltak som ikke er foreslått nå",
        "open_questions": "Åpne spørsmål som kan endre planen",
        "could_add": "kan gi",
        "could_remove": "kan ta bort",
    },
    "en": {
        "heading": "IBP – suggested strategy",
        "ruleset": "Ruleset",
        "goals": "The user's own goals",
        "no_goals": "not given yet – agree the goals with the user",
        "start_with": "Start with",
        "start_none": "no clear barriers; let the user's goals steer",
        "blocks": "blocks",
        "needs": "Needs per pillar",
        "barriers": "Barriers",
        "resources": "Resources",
        "none": "–",
        "plan": "Measures in stages",
        "stage": "Stage",
        "parallel": "in parallel",
        "after": "after",
        "nothing": "No measures are suggested from what is known now. Map what is unknown and revisit the goals.",
        "partners": "Partner services",
        "why": "Why",
        "relation": "Relation",
        "rule": "rule",
        "source": "source",
        "check": "Check",
        "hard": "condition",
        "soft": "advice",
        "met": "met",
        "planned": "met by",
        "open": "open",
        "unconfirmed": "details unconfirmed",
        "legend": "Legend",
        "legend_forms": "informasjon = obtain advice and information · tilgang = get the user access to the service · "
                        "samordning = coordinate activities running in parallel",
        "legend_stages": "Measures in one stage run in parallel; a later stage waits only where a condition requires it.",
        "already": "Already in place (not suggested again)",
        "tasks": "The coordinator's tasks",
        "to_check": "To check (the service decides)",
        "excluded": "Considered, but left out given what is known",
        "barrier": "barrier",
        "solution": "solution",
        "phase_oppstart": "start-up",
        "phase_oppfolging": "follow-up",
        "phase_avslutning": "closing",
        "handlingsplan": "Draft action plan (handlingsplan)",
        "document_title": "Individuell boligplan – action plan",
        "subgoal": "Sub-goal",
        "who": "Who",
        "when": "When",
        "activity": "Activity",
        "measure": "Measure",
        "partner": "Partner",
        "form": "Form",
        "measures_col": "Measures",
        "pillar": "Pillar",
        "their_plan": "The plan as the user decided it",
        "declined": "Suggestions the user declined",
        "own": "The user's own measures",
        "own_item": "own measure",
        "undecided": "not decided yet",
        "status_valgt": "chosen",
        "status_endret": "changed",
        "status_avslatt": "declined",
        "reason": "Reason",
        "change": "Change",
        "date": "Date",
        "signature_user": "User",
        "signature_coordinator": "Coordinator",
        "suggested": "Suggested by the tool",
        "decide_hint": "Mark each suggestion as chosen, changed or declined together with the user (ibp decide).",
        "fill_in": "To be filled in with the user",
        "model": "The pillar model – barriers now",
        "unknown_in_decisions": "Decisions on measures not suggested now",
        "open_questions": "Open questions that could change the plan",
        "could_add": "could add",
        "could_remove": "could remove",
    },
}


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["wrap"] = _wrap
    env.filters["each"] = lambda seq, fn: [fn(x) for x in seq]
    return env


def _wrap(text: str, indent: int = 0, first: str | None = None) -> str:
    pad = " " * indent
    return textwrap.fill(text, width=WIDTH, initial_indent=first if first is not None else pad,
                         subsequent_indent=pad, break_on_hyphens=False)


class _View:
    """Look-ups the templates need, bound to one ruleset and language."""

    def __init__(self, ruleset: Ruleset, lang: Lang, color: bool = False) -> None:
        self.rs, self.lang, self.color = ruleset, lang, color
        self.L = LABELS[lang]

    def style(self, text: str, **kw: Any) -> str:
        """ANSI style for a whole (already wrapped) block, only on a terminal."""
        if not self.color:
            return text
        import click

        return "\n".join(click.style(line, **kw) for line in text.split("\n"))

    def t(self, text: Text) -> str:
        return text.get(self.lang)

    def pillar(self, pid: str) -> str:
        return self.rs.pillars[pid].title.get(self.lang) if pid in self.rs.pillars else {"nb": "Annet", "en": "Other"}[self.lang]

    def partner(self, pid: str) -> str:
        return self.rs.partners[pid].title.get(self.lang) if pid in self.rs.partners else pid

    def partner_uses(self, measure: Any) -> str:
        """``Boligkontoret (informasjon, samordning)``: one entry per partner, its forms together."""
        forms: dict[str, list[str]] = {}
        for u in measure.partners:
            forms.setdefault(u.id, []).append(u.form)
        return ", ".join(f"{self.partner(pid)} ({', '.join(fs)})" for pid, fs in forms.items())

    def measure(self, mid: str) -> str:
        return self.rs.measures[mid].title.get(self.lang) if mid in self.rs.measures else mid

    def fact(self, fid: str) -> str:
        return self.rs.facts[fid].title.get(self.lang) if fid in self.rs.facts else fid

    def field(self, path: str) -> str:
        return field_label(path, self.lang)

    def question_line(self, q: Any) -> str:
        """``Betalingsproblemer: kan gi Gjeldsrådgivning``: one open question, briefly."""
        parts = []
        if q.adds:
            parts.append(f"{self.L['could_add']} {', '.join(self.measure(m) for m in q.adds)}")
        if q.removes:
            parts.append(f"{self.L['could_remove']} {', '.join(self.measure(m) for m in q.removes)}")
        return f"{self.field(q.path)}: {'; '.join(parts)}"

    def goal(self, gid: str) -> str:
        return value_label("mal.onsker", gid, self.lang)

    def phase(self, phase: str) -> str:
        return self.L[f"phase_{phase}"]

    def first_sentence(self, text: Text) -> str:
        s = self.t(text).strip()
        cut = s.find(". ")
        return s if cut < 0 else s[: cut + 1]

    def brief_reasons(self, whys: list[Any]) -> str:
        """First sentence of each reason, then the rules: for one-line lists."""
        texts = " ".join(self.first_sentence(w.text) for w in whys)
        return f"{texts} [{self.L['rule']} {', '.join(w.rule for w in whys)}]"


def render(strategy: Strategy, ruleset: Ruleset, fmt: str, lang: Lang = "nb", color: bool = False,
           decisions: Decisions | None = None) -> str:
    """Render ``strategy`` as ``text``, ``markdown``, ``html`` or ``json``.

    ``decisions`` (the people's choices) shape the handlingsplan in markdown
    and html: their plan first, declined suggestions apart.
    """
    if fmt == "json":
        return strategy.to_json()
    template = {"text": "strategy.txt.j2", "markdown": "strategy.md.j2", "html": "strategy.html.j2"}[fmt]
    view = _View(ruleset, lang, color and fmt == "text")
    stages: list[list[Any]] = [[] for _ in range(strategy.stages)]
    for m in strategy.measures:
        stages[m.stage].append(m)
    extra: dict[str, Any] = {"plan": plan_view(strategy, decisions)}
    if fmt == "html":
        barriers = {n.pillar: [view.fact(b) for b in n.barriers] for n in strategy.needs if n.barriers}
        extra["svg"] = Markup(pillar_svg(PillarGraph(ruleset), lang, barriers, strategy.start_with))
    return _env().get_template(template).render(s=strategy, v=view, L=view.L, stages=stages, **extra)
