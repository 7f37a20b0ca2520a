"""What changes in the strategy: two assessments, or one with changed facts.

Trainers use it for "what if" ("once uføretrygd is granted, startlån moves
into reach"); coordinators to see what a new fact would mean. The diff is
computed on strategies, so it shows exactly what the engine would say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import AssessmentError, Problem
from .fact_schema import FACTS
from .labels import field_label, value_label
from .ruleset import Ruleset
from .strategy import Strategy, SuggestedMeasure
from .text import Lang, suggestion_suffix
from .words import value_word
from .yaml_source import SourceError, parse_text

#: fields in the person's own words: a what-if says that they changed, never what they say
FREE_TEXT = frozenset({"mal.fritekst", "mal.ressurser"})

SETTABLE = sorted([p for p, spec in FACTS.items() if not spec.computed] + ["husholdning.barn_alder", *FREE_TEXT])


@dataclass
class StrategyDiff:
    added: list[SuggestedMeasure] = field(default_factory=list)
    removed: list[SuggestedMeasure] = field(default_factory=list)
    changed: list[tuple[SuggestedMeasure, SuggestedMeasure, list[str]]] = field(default_factory=list)
    start_before: list[str] = field(default_factory=list)
    start_after: list[str] = field(default_factory=list)
    findings_added: list[str] = field(default_factory=list)
    findings_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.findings_added or self.findings_removed
                    or self.start_before != self.start_after)

    def to_data(self) -> dict[str, Any]:
        return {
            "added": [m.id for m in self.added],
            "removed": [m.id for m in self.removed],
            "changed": [{"id": a.id, "fields": f, "before": {k: _essence(a)[k] for k in f}, "after": {k: _essence(b)[k] for k in f}}
                        for a, b, f in self.changed],
            "start_with": {"before": self.start_before, "after": self.start_after},
            "findings": {"added": self.findings_added, "removed": self.findings_removed},
        }


def _essence(m: SuggestedMeasure) -> dict[str, Any]:
    return {
        "stage": m.stage,
        "phase": m.phase,
        "requires": m.requires,
        "partners": [[p.id, p.form] for p in m.partners],
        "prerequisites": [[p.measure or p.fact, p.status] for p in m.prerequisites],
    }


def diff(before: Strategy, after: Strategy) -> StrategyDiff:
    """What differs between two strategies (same ruleset assumed)."""
    a = {m.id: m for m in before.measures}
    b = {m.id: m for m in after.measures}
    d = StrategyDiff(start_before=before.start_with, start_after=after.start_with)
    d.added = [b[k] for k in sorted(set(b) - set(a))]
    d.removed = [a[k] for k in sorted(set(a) - set(b))]
    for k in sorted(set(a) & set(b)):
        ea, eb = _essence(a[k]), _essence(b[k])
        changed = [f for f in ea if ea[f] != eb[f]]
        if changed:
            d.changed.append((a[k], b[k], changed))
    fa, fb = {f.id for f in before.findings}, {f.id for f in after.findings}
    d.findings_added, d.findings_removed = sorted(fb - fa), sorted(fa - fb)
    return d


def apply_sets(data: dict[str, Any], sets: list[str]) -> dict[str, Any]:
    """A copy of assessment data with ``PATH=VALUE`` changes applied.

    VALUE is read as YAML plain data (``true``, ``3``, ``[aap, arbeid]``);
    ``null`` (or ``vet_ikke``) makes the fact unknown. Nothing is evaluated.
    """
    out: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    problems = []
    for n, item in enumerate(sets, 1):
        path, sep, raw = item.partition("=")
        path = path.strip()
        if not sep or path not in SETTABLE:
            # what was typed is not repeated (it may be a value); which --set it was, and a did-you-mean, are
            problems.append(Problem(f"--set #{n}", None, "", ("expected PATH=VALUE with a known path." if not sep else "unknown path.")
                                    + suggestion_suffix(path, SETTABLE),
                                    message_nb=("forventet STI=VERDI med en kjent sti." if not sep else "ukjent sti.")
                                    + suggestion_suffix(path, SETTABLE, "nb")))
            continue
        try:
            value = parse_text(raw, "--set").data if raw.strip() not in ("vet_ikke", "unknown") else None
        except SourceError as exc:
            problems.append(Problem(f"--set #{n}", None, path, exc.problem.message, message_nb=exc.problem.message_nb))
            continue
        if "." in path:
            section, name = path.split(".", 1)
            sec = out.get(section)
            sec = dict(sec) if isinstance(sec, dict) else {}
            if value is None:
                sec.pop(name, None)
            else:
                sec[name] = value
            out[section] = sec
        elif value is None:
            out.pop(path, None)
        else:
            out[path] = value
    if problems:
        raise AssessmentError(problems)
    return out


def diff_text(d: StrategyDiff, rs: Ruleset, lang: Lang, changes: list[tuple[str, Any, Any]] | None = None) -> str:
    """The diff for a person."""
    nb = lang == "nb"
    def title(mid: str) -> str:
        return rs.measures[mid].title.get(lang) if mid in rs.measures else mid

    def pillar(pid: str) -> str:
        return rs.pillars[pid].title.get(lang) if pid in rs.pillars else pid

    def fact(fid: str) -> str:
        return rs.facts[fid].title.get(lang) if fid in rs.facts else fid

    def value_text(path: str, value: Any) -> str:
        if isinstance(value, list) and value and path in FACTS and FACTS[path].kind == "id_list":
            return ", ".join(map(title, value))  # measures by their titles, never ids
        return value_label(path, value, lang)

    out: list[str] = []
    if changes:
        out.append("Endret i kartleggingen:" if nb else "Changed in the assessment:")
        for path, old, new in changes:
            if path in FREE_TEXT:
                shown = ("endret (teksten vises ikke)" if nb else "changed (the text is not shown)") if old != new else \
                        ("uendret" if nb else "unchanged")
                out.append(f"  {field_label(path, lang)}: {shown}")
            else:
                out.append(f"  {field_label(path, lang)}: {value_text(path, old)} → {value_text(path, new)}")
        out.append("")
    if d.empty:
        out.append("Ingen endring i strategien." if nb else "No change in the strategy.")
        return "\n".join(out) + "\n"
    for m in d.added:
        out.append(f"+ {title(m.id)}  ({'nytt forslag' if nb else 'new suggestion'}; {'trinn' if nb else 'stage'} {m.stage + 1})")
    for m in d.removed:
        out.append(f"- {title(m.id)}  ({'ikke lenger foreslått' if nb else 'no longer suggested'})")
    names = {"stage": "trinn" if nb else "stage", "phase": "fase" if nb else "phase", "requires": "etter" if nb else "after",
             "partners": "partnere" if nb else "partners", "prerequisites": "forutsetninger" if nb else "prerequisites"}
    for a, b, fields in d.changed:
        parts = []
        for f in fields:
            if f == "stage":
                parts.append(f"{names[f]} {a.stage + 1} → {b.stage + 1}")
            elif f == "phase":
                parts.append(f"{names[f]} {value_word('phase', a.phase, lang)} → {value_word('phase', b.phase, lang)}")
            elif f == "requires":
                parts.append(f"{names[f]}: {', '.join(map(title, a.requires)) or '–'} → {', '.join(map(title, b.requires)) or '–'}")
            elif f == "prerequisites":
                before = {p.measure or p.fact or "": p.status for p in a.prerequisites}
                after = {p.measure or p.fact or "": p.status for p in b.prerequisites}
                status = {"met": "oppfylt" if nb else "met", "planned": "planlagt" if nb else "planned",
                          "check": "sjekk" if nb else "check", "–": "–"}
                for k in sorted(set(before) | set(after)):
                    if before.get(k) != after.get(k):
                        name = title(k) if k in rs.measures else fact(k)
                        parts.append(f"{name}: {status[before.get(k, '–')]} → {status[after.get(k, '–')]}")
            else:
                parts.append(names[f])
        out.append(f"~ {title(a.id)}: " + "; ".join(parts))
    if d.start_before != d.start_after:
        out.append(("Start med: " if nb else "Start with: ") + f"{', '.join(map(pillar, d.start_before)) or '–'} → "
                   f"{', '.join(map(pillar, d.start_after)) or '–'}")
    for f in d.findings_added:
        out.append(f"+ {fact(f)}")
    for f in d.findings_removed:
        out.append(f"- {fact(f)}")
    return "\n".join(out) + "\n"
