"""Draw the pillar model as a small self-contained SVG.

Four pillars at the corners of a square, the six relations as its sides and
diagonals, each relation named on the line it is drawn as (veileder §4.1.1,
Figur 2). In a handlingsplan the pillars with active barriers are marked, the
place to start is drawn heavier, and a relation along which a barrier blocks
another pillar now is drawn red with an arrow, so a user can *see* the
systems view the method builds on. The picture carries a text alternative
(``<title>`` and ``<desc>``, referenced by ``aria-labelledby``) with the same
information in sentences, for screen readers and for print without colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from .graph import PillarGraph
from .ruleset_files import PILLAR_IDS
from .text import Lang
from .words import words

VIEW_W, VIEW_H = 760, 440
_POS = {"bolig": (130, 70), "okonomi": (630, 70), "helse": (630, 370), "arbeid_utdanning": (130, 370)}  # a square
_W, _H = 220, 60

# Where each relation's name sits: a side's name at its middle beside the line;
# a diagonal's name along its line, a third of the way from the top, where
# the two diagonals are apart. (x, y, text-anchor, rotation in degrees)
_LABEL_AT: dict[frozenset[str], tuple[float, float, str, float]] = {
    frozenset(("bolig", "okonomi")): (380, 60, "middle", 0),
    frozenset(("arbeid_utdanning", "helse")): (380, 392, "middle", 0),
    frozenset(("bolig", "arbeid_utdanning")): (140, 224, "start", 0),
    frozenset(("okonomi", "helse")): (620, 224, "end", 0),
    frozenset(("bolig", "helse")): (284, 152, "middle", 30.96),
    frozenset(("okonomi", "arbeid_utdanning")): (290, 268, "middle", -30.96),
}


def _edge_point(a: str, b: str) -> tuple[float, float]:
    """Where the line from pillar ``a`` towards ``b`` leaves ``a``'s box (arrows end at boxes)."""
    (x1, y1), (x2, y2) = _POS[a], _POS[b]
    dx, dy = x2 - x1, y2 - y1
    scale = min(((_W / 2 + 4) / abs(dx)) if dx else float("inf"), ((_H / 2 + 4) / abs(dy)) if dy else float("inf"))
    return x1 + dx * scale, y1 + dy * scale


def default_description(graph: PillarGraph, lang: Lang) -> str:
    """The drawing of the bare model in words: the pillars and the six relations."""
    names = ", ".join(p.title.get(lang) for p in graph.pillars.values())
    rels = ", ".join(graph.graph.edges[a, b]["title"].get(lang) for a, b in _pairs(graph))
    return f"{names}. {words(lang)['relations']}: {rels}."


def _pairs(graph: PillarGraph) -> list[tuple[str, str]]:
    seen: set[frozenset[str]] = set()
    out = []
    for a, b in sorted(graph.graph.edges, key=lambda e: (PILLAR_IDS.index(e[0]), PILLAR_IDS.index(e[1]))):
        if frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            out.append((a, b))
    return out


def pillar_svg(graph: PillarGraph, lang: Lang = "nb", barriers: Mapping[str, Sequence[str]] | None = None,
               start_with: Sequence[str] = (), title: str | None = None, active: Sequence[tuple[str, str]] = (),
               description: str | None = None, id_prefix: str = "ibp-pillars") -> str:
    """The SVG text.

    ``barriers`` maps pillar → barrier titles to mark; ``active`` lists
    (from, to) pillars where a barrier blocks another pillar now;
    ``description`` is the text alternative (default: the pillars and
    relations named); ``id_prefix`` keeps ids unique when a page shows more
    than one picture.
    """
    barriers = barriers or {}
    L = words(lang)
    caption = title or L["graph_title"]
    desc = description or default_description(graph, lang)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {VIEW_W} {VIEW_H}" width="{VIEW_W}" height="{VIEW_H}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" font-family="DejaVu Sans, Arial, sans-serif">',
        f'<title id="{id_prefix}-title">{escape(caption)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>',
        f'<defs><marker id="{id_prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#b3261e"/></marker></defs>',
        f'<rect x="0" y="0" width="{VIEW_W}" height="{VIEW_H}" fill="#ffffff"/>',
    ]
    active_set = set(active)
    labels: list[str] = []
    for a, b in _pairs(graph):
        (x1, y1), (x2, y2) = _POS[a], _POS[b]
        name = graph.graph.edges[a, b]["title"].get(lang)
        on = (a, b) in active_set or (b, a) in active_set
        rel = graph.graph.edges[a, b]["relation"]
        out.append(f'<line class="relation{" active" if on else ""}" data-relation="{rel}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
                   f'stroke="{"#b3261e" if on else "#8a8f98"}" stroke-width="{3 if on else 2}"/>')
        for f, t in ((a, b), (b, a)):
            if (f, t) in active_set:  # an arrow into the blocked pillar
                sx, sy = _edge_point(f, t)
                ex, ey = _edge_point(t, f)
                out.append(f'<line x1="{sx:.0f}" y1="{sy:.0f}" x2="{ex:.0f}" y2="{ey:.0f}" stroke="#b3261e" stroke-width="3" '
                           f'marker-end="url(#{id_prefix}-arrow)"/>')
        lx, ly, anchor, angle = _LABEL_AT.get(frozenset((a, b)), ((x1 + x2) / 2, (y1 + y2) / 2 - 6, "middle", 0.0))
        turn = f' transform="rotate({angle:g} {lx:.0f} {ly:.0f})"' if angle else ""
        labels.append(f'<text class="relation-name" x="{lx:.0f}" y="{ly:.0f}" text-anchor="{anchor}"{turn} font-size="14" '
                      f'fill="{"#8c1d18" if on else "#3d4652"}" stroke="#ffffff" stroke-width="5" paint-order="stroke" '
                      f'stroke-linejoin="round">{escape(name)}</text>')
    for pid in PILLAR_IDS:
        x, y = _POS[pid]
        found = list(barriers.get(pid, []))
        start = pid in start_with
        fill = "#fdecea" if found else "#eef3f8"
        stroke = "#b3261e" if found else "#3a5a80"
        width = 4 if start else 2
        out.append(f'<g class="pillar{" barrier" if found else ""}{" start" if start else ""}" data-pillar="{pid}">')
        out.append(f'<rect x="{x - _W // 2}" y="{y - _H // 2}" width="{_W}" height="{_H}" rx="12" fill="{fill}" '
                   f'stroke="{stroke}" stroke-width="{width}"/>')
        name = graph.pillars[pid].title.get(lang)
        ty = y - 4 if found else y + 6
        out.append(f'<text x="{x}" y="{ty}" text-anchor="middle" font-size="17" font-weight="bold" fill="#1d2733">{escape(name)}</text>')
        if found:
            note = L["barrier_count_one"] if len(found) == 1 else L["barrier_count"].format(n=len(found))
            if start:
                note += f" · {L['start_here']}"
            out.append(f'<text x="{x}" y="{y + 17}" text-anchor="middle" font-size="13" fill="#b3261e">{escape(note)}</text>')
        out.append("</g>")
    out.extend(labels)  # names last, so no line is drawn over them
    out.append("</svg>")
    return "\n".join(out) + "\n"
