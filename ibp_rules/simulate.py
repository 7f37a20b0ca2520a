"""Impact of a ruleset on a (synthetic) caseload, and of a rule change.

Before changing a rule, a municipality or Husbanken wants to see what it
would do across many people: how often each measure and partner would be
suggested, by target group and by start pillar, and — comparing two
ruleset versions — which suggestions would appear or vanish, for how many.
These are counts of *suggestions*, never a ranking of people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .engine import Engine
from .errors import InputError
from .text import Lang


@dataclass
class Impact:
    people: int = 0
    failed: int = 0
    measures: Counter[str] = field(default_factory=Counter)
    partners: Counter[str] = field(default_factory=Counter)
    group_sizes: Counter[str] = field(default_factory=Counter)
    by_group: dict[str, Counter[str]] = field(default_factory=dict)
    start_sizes: Counter[str] = field(default_factory=Counter)
    by_start: dict[str, Counter[str]] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        def sort(c: Counter[str]) -> dict[str, int]:
            return dict(most_common(c))

        return {
            "people": self.people, "failed": self.failed,
            "measures": sort(self.measures), "partners": sort(self.partners),
            "by_target_group": {g: {"people": self.group_sizes[g], "measures": sort(c)} for g, c in sorted(self.by_group.items())},
            "by_start_pillar": {p: {"people": self.start_sizes[p], "measures": sort(c)} for p, c in sorted(self.by_start.items())},
        }


@dataclass
class RuleChange:
    people: int = 0
    changed: int = 0
    appear: Counter[str] = field(default_factory=Counter)
    vanish: Counter[str] = field(default_factory=Counter)

    def to_data(self) -> dict[str, Any]:
        return {"people": self.people, "people_with_changes": self.changed,
                "appear": dict(most_common(self.appear)),
                "vanish": dict(most_common(self.vanish))}


NO_GROUP = "-"


def most_common(counter: Counter[str]) -> list[tuple[str, int]]:
    """Counts, most common first, ties by id (deterministic)."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def simulate(engine: Engine, people: Iterable[dict[str, Any]], against: Engine | None = None) -> tuple[Impact, RuleChange | None]:
    """Run every person through ``engine`` (and ``against``, if given)."""
    impact = Impact()
    change = RuleChange() if against is not None else None
    for data in people:
        impact.people += 1
        try:
            s = engine.assess(data)
        except InputError:
            impact.failed += 1
            continue
        mids = {m.id for m in s.measures}
        impact.measures.update(mids)
        impact.partners.update(p.id for p in s.partners)
        for g in (data.get("malgrupper") or [NO_GROUP]):
            impact.group_sizes[g] += 1
            impact.by_group.setdefault(g, Counter()).update(mids)
        for p in (s.start_with or [NO_GROUP]):
            impact.start_sizes[p] += 1
            impact.by_start.setdefault(p, Counter()).update(mids)
        if against is not None and change is not None:
            other = {m.id for m in against.assess(data).measures}
            change.people += 1
            if other != mids:
                change.changed += 1
            change.appear.update(other - mids)
            change.vanish.update(mids - other)
    return impact, change


def impact_text(impact: Impact, change: RuleChange | None, engine: Engine, lang: Lang, top: int = 12) -> str:
    """The impact in words and numbers of the chosen language: titles and labels, never ids."""
    import textwrap

    from tabulate import tabulate

    from .labels import value_label
    from .words import number, percent

    rs = engine.ruleset
    nb = lang == "nb"

    def m(mid: str) -> str:
        return rs.measures[mid].title.get(lang) if mid in rs.measures else mid

    def n(k: int) -> str:
        return number(k, lang)

    def group(key: str) -> str:
        if key == NO_GROUP:
            return "ingen målgruppe" if nb else "no target group"
        if key in rs.pillars:
            return rs.pillars[key].title.get(lang)
        return value_label("malgrupper", key, lang)

    out = [("Simulert befolkning: " if nb else "Simulated population: ") + n(impact.people)
           + (f" ({n(impact.failed)} {'ugyldige' if nb else 'invalid'})" if impact.failed else "")]
    out.append("")
    out.append("Hvor ofte hvert tiltak foreslås" if nb else "How often each measure is suggested")
    rows = [[m(k), n(v), percent(v, impact.people, lang)] for k, v in most_common(impact.measures)]
    out.append(tabulate(rows, headers=["tiltak" if nb else "measure", "antall" if nb else "count", "andel" if nb else "share"],
                        tablefmt="simple", colalign=("left", "right", "right"), disable_numparse=True))
    out.append("")
    out.append("Samarbeidspartnere" if nb else "Partners")
    rows = [[rs.partners[k].title.get(lang) if k in rs.partners else k, n(v), percent(v, impact.people, lang)]
            for k, v in most_common(impact.partners)]
    out.append(tabulate(rows, headers=["partner", "antall" if nb else "count", "andel" if nb else "share"],
                        tablefmt="simple", colalign=("left", "right", "right"), disable_numparse=True))
    for title, sizes, table in (("Etter målgruppe" if nb else "By target group", impact.group_sizes, impact.by_group),
                                ("Etter startpilar" if nb else "By start pillar", impact.start_sizes, impact.by_start)):
        out.append("")
        out.append(title)
        for key in sorted(table, key=lambda k: (k == NO_GROUP, group(k).lower())):
            commonest = ", ".join(f"{m(k)} {percent(v, sizes[key], lang)}" for k, v in most_common(table[key])[:4])
            out.append(textwrap.fill(f"{group(key)} ({n(sizes[key])}): {commonest}", width=100, initial_indent="  ",
                                     subsequent_indent="    ", break_on_hyphens=False))
    if change is not None:
        out.append("")
        out.append(("Endring mot det andre regelsettet: " if nb else "Change against the other ruleset: ")
                   + f"{n(change.changed)} {'av' if nb else 'of'} {n(change.people)} "
                   + ("personer får andre forslag" if nb else "people get different suggestions"))
        for k, v in most_common(change.appear)[:top]:
            out.append(f"  + {m(k)}: {n(v)}")
        for k, v in most_common(change.vanish)[:top]:
            out.append(f"  - {m(k)}: {n(v)}")
    return "\n".join(out) + "\n"
