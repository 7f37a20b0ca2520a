"""The pillar model as a graph: four pillars, six relations, two directions each.

The veileder (§4.1.1) explains a person's situation as a system: each pillar
can be a *barrier* for another or a *solution* for it. The graph is data from
``rulesets/`` (so a trainer can read and a municipality can reword it); this
module turns it into a networkx ``DiGraph`` and answers two questions:

* which relation (and which meaning of it) explains a cross-pillar
  suggestion, and
* where to start: the pillar(s) whose active barriers block the most other
  pillars. This ranks *pillars of one situation*, never people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from .ruleset import Ruleset
from .ruleset_files import PILLAR_IDS, DerivedFact, RelationDirection
from .text import Lang, Text


@dataclass(frozen=True)
class StartReason:
    """Why a pillar is suggested as the place to start."""

    pillar: str
    barriers: tuple[str, ...]
    blocks: tuple[str, ...]


class PillarGraph:
    """The four pillars and their relations, with barrier/solution meanings."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.pillars = ruleset.pillars
        g: nx.DiGraph = nx.DiGraph()
        for pid, pillar in ruleset.pillars.items():
            g.add_node(pid, title=pillar.title)
        for _key, rel in sorted(ruleset.relations.items(), key=lambda kv: relation_id(*kv[1].between)):
            for d in rel.directions:
                g.add_edge(d.from_, d.to, relation=relation_id(*rel.between), direction=d, title=rel.title, source=rel.source)
        self.graph = g

    def direction(self, from_: str, to: str) -> RelationDirection:
        return self.graph.edges[from_, to]["direction"]  # type: ignore[no-any-return]

    def meaning(self, from_: str, to: str, role: str) -> Text:
        d = self.direction(from_, to)
        return d.barrier if role == "barrier" else d.solution

    def start_with(self, barriers: Iterable[DerivedFact]) -> tuple[list[str], list[StartReason]]:
        """The pillar(s) whose active barriers block the most other pillars.

        Ties are all returned, in the canonical pillar order. A pillar with
        barriers that block nothing else still counts when no barrier blocks
        across pillars.
        """
        by_pillar: dict[str, list[DerivedFact]] = {}
        for b in barriers:
            by_pillar.setdefault(b.pillar, []).append(b)
        reasons: list[StartReason] = []
        for pid in PILLAR_IDS:
            found = sorted(by_pillar.get(pid, []), key=lambda f: f.id)
            if found:
                blocked = sorted({p for f in found for p in f.blocks}, key=PILLAR_IDS.index)
                reasons.append(StartReason(pid, tuple(f.id for f in found), tuple(blocked)))
        if not reasons:
            return [], []
        best = max(len(r.blocks) for r in reasons)
        chosen = [r for r in reasons if len(r.blocks) == best]
        return [r.pillar for r in chosen], chosen

    # -- drawings for trainers -------------------------------------------------

    def to_mermaid(self, lang: Lang = "nb") -> str:
        lines = ["graph LR"]
        for pid, data in self.graph.nodes(data=True):
            lines.append(f'    {pid}["{data["title"].get(lang)}"]')
        for a, b in self._undirected():
            label = self.graph.edges[a, b]["title"].get(lang)
            lines.append(f'    {a} <-- "{label}" --> {b}')
        return "\n".join(lines) + "\n"

    def to_dot(self, lang: Lang = "nb") -> str:
        lines = ["graph ibp_pillars {", "    layout=circo;", '    node [shape=box, style="rounded"];']
        for pid, data in self.graph.nodes(data=True):
            lines.append(f'    {pid} [label="{_dot_escape(data["title"].get(lang))}"];')
        for a, b in self._undirected():
            label = self.graph.edges[a, b]["title"].get(lang)
            lines.append(f'    {a} -- {b} [label="{_dot_escape(label)}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _undirected(self) -> list[tuple[str, str]]:
        pairs = {tuple(sorted((a, b), key=PILLAR_IDS.index)) for a, b in self.graph.edges}
        return sorted(pairs, key=lambda p: (PILLAR_IDS.index(p[0]), PILLAR_IDS.index(p[1])))


def relation_id(a: str, b: str) -> str:
    """Stable id of the undirected relation between two pillars."""
    x, y = sorted((a, b), key=PILLAR_IDS.index)
    return f"{x}-{y}"


def _dot_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')
