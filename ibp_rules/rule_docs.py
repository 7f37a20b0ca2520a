"""The rule catalogue as Markdown, generated from the rule files and their cases.

One page per rule and an index, never written by hand: a coordinator reads
what a rule looks at, what it suggests with which partner and collaboration
form, why (rationale, pillar relation, source) and examples taken from the
rule's own cases. ``ibp rules docs --check`` fails when the committed pages
are stale, so the catalogue cannot drift from the rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from . import conditions as C
from .render import _env
from .rule_cases import LoadedCase
from .ruleset import CompiledRule, Ruleset

INDEX = "README.md"


def _condition_lines(rule: CompiledRule) -> list[str]:
    """The condition as alternatives of clauses, in the compact notation."""
    return [" **og** ".join(f"`{C.describe_atom(a)}`" for a in conj) or "(alltid)" for conj in rule.branches]


def _given_yaml(case: LoadedCase) -> str:
    return yaml.safe_dump(case.case.given, allow_unicode=True, sort_keys=True, default_flow_style=False).strip()


def _relative(rs: Ruleset, path: str) -> str:
    for root in rs.roots:
        try:
            return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            continue
    return Path(path).name


def generate(rs: Ruleset, cases: Sequence[LoadedCase]) -> dict[str, str]:
    """File name → Markdown text for the whole catalogue (deterministic)."""
    env = _env()
    by_rule: dict[str, list[LoadedCase]] = {}
    for lc in cases:
        by_rule.setdefault(lc.case.rule, []).append(lc)
    pages: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for rid, rule in rs.rules.items():
        examples = sorted(by_rule.get(rid, []), key=lambda lc: (lc.case.expect, lc.case.id))
        relation = None
        if rule.rule.relation is not None:
            rel = rs.relations[frozenset((rule.rule.relation.from_, rule.rule.relation.to))]
            direction = next(d for d in rel.directions if d.from_ == rule.rule.relation.from_)
            relation = {"from": rule.rule.relation.from_, "to": rule.rule.relation.to, "role": rule.rule.relation.role,
                        "text": getattr(direction, rule.rule.relation.role)}
        file = _relative(rs, rule.file)
        pages[f"{rid}.md"] = env.get_template("rule_page.md.j2").render(
            r=rule.rule, file=file, line=rule.line, conditions=_condition_lines(rule), relation=relation, rs=rs,
            fires=[(lc, _given_yaml(lc)) for lc in examples if lc.case.expect == "fires"],
            silent=[(lc, _given_yaml(lc)) for lc in examples if lc.case.expect == "silent"],
            stratum=rule.stratum,
            variants=[{"when": " | ".join(" and ".join(C.describe_atom(a) for a in conj) for conj in branches), "text": text}
                      for branches, text in rule.text_variants],
        )
        rows.append({"id": rid, "title": rule.rule.title, "file": file, "reads": sorted(rule.reads_pillars),
                     "then": [f"{a.kind}: {a.target}" for a in rule.rule.then], "source": rule.rule.source,
                     "relation": relation})
    sections = sorted({r["file"] for r in rows})
    cited = veileder_sections(rs)
    pages[INDEX] = env.get_template("rule_index.md.j2").render(
        rs=rs, sections=[(f, [r for r in rows if r["file"] == f]) for f in sections], total=len(rows), cited=cited,
        cases=len(cases),
    )
    return pages


def veileder_sections(rs: Ruleset) -> list[tuple[str, int]]:
    """Each veileder section the rules cite, with how many rules cite it."""
    counts: dict[str, int] = {}
    for rule in rs.rules.values():
        found: set[str] = set()
        for part in rule.rule.source.split(";"):
            part = part.strip()
            if part.startswith("veileder"):
                found.update(re.findall(r"§\s*(\d+(?:\.\d+)*)", part))
        for sec in found:
            counts[sec] = counts.get(sec, 0) + 1
    return sorted(counts.items(), key=lambda kv: [int(x) for x in kv[0].split(".")])


def write(pages: dict[str, str], out: Path) -> list[str]:
    """Write the pages, removing stale ``.md`` files; returns the names written."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.md"):
        if old.name not in pages:
            old.unlink()
    for name, text in sorted(pages.items()):
        (out / name).write_text(text, encoding="utf-8")
    return sorted(pages)


def stale(pages: dict[str, str], out: Path) -> list[str]:
    """Names of pages missing, different or extra in ``out``."""
    existing = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.md")} if out.is_dir() else {}
    return sorted({n for n in pages if existing.get(n) != pages[n]} | (set(existing) - set(pages)))
