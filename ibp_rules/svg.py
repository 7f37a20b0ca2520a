"""Draw the pillar model as a small self-contained SVG.

Four pillars at the corners of a square, the six relations as its sides and
diagonals. In a handlingsplan the pillars with active barriers are marked
(and the place to start is drawn heavier), so a user can *see* the systems
view the method builds on (veileder §4.1.1, Figur 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from .graph import PillarGraph
from .ruleset_files import PILLAR_IDS
from .text import Lang

_POS = {"bolig": (150, 70), "okonomi": (490, 70), "helse": (490, 290), "arbeid_utdanning": (150, 290)}  # a square
_W, _H = 230, 58


def pillar_svg(graph: PillarGraph, lang: Lang = "nb", barriers: Mapping[str, Sequence[str]] | None = None,
               start_with: Sequence[str] = (), title: str | None = None) -> str:
    """The SVG text. ``barriers`` maps pillar → barrier titles to mark."""
    barriers = barriers or {}
    caption = title or {"nb": "De fire velferdspilarene og de seks relasjonene", "en": "The four welfare pillars and the six relations"}[lang]
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 380" width="640" height="380" role="img" '
        f'aria-label="{escape(caption)}" font-family="DejaVu Sans, Arial, sans-serif">',
        f"<title>{escape(caption)}</title>",
        '<rect x="0" y="0" width="640" height="380" fill="#ffffff"/>',
    ]
    drawn: set[frozenset[str]] = set()
    for a, b in sorted(graph.graph.edges, key=lambda e: (PILLAR_IDS.index(e[0]), PILLAR_IDS.index(e[1]))):
        key = frozenset((a, b))
        if key in drawn:
            continue
        drawn.add(key)
        (x1, y1), (x2, y2) = _POS[a], _POS[b]
        label = graph.graph.edges[a, b]["title"].get(lang)
        out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#8a8f98" stroke-width="2"><title>{escape(label)}</title></line>')
    for pid in PILLAR_IDS:
        x, y = _POS[pid]
        active = list(barriers.get(pid, []))
        start = pid in start_with
        fill = "#fdecea" if active else "#eef3f8"
        stroke = "#b3261e" if active else "#3a5a80"
        width = 4 if start else 2
        out.append(f'<g class="pillar{" barrier" if active else ""}{" start" if start else ""}" data-pillar="{pid}">')
        out.append(f'<rect x="{x - _W // 2}" y="{y - _H // 2}" width="{_W}" height="{_H}" rx="12" fill="{fill}" '
                   f'stroke="{stroke}" stroke-width="{width}"/>')
        name = graph.pillars[pid].title.get(lang)
        ty = y - 4 if active else y + 6
        out.append(f'<text x="{x}" y="{ty}" text-anchor="middle" font-size="17" font-weight="bold" fill="#1d2733">{escape(name)}</text>')
        if active:
            n = len(active)
            note = {"nb": f"{n} barriere{'r' if n != 1 else ''}", "en": f"{n} barrier{'s' if n != 1 else ''}"}[lang]
            if start:
                note += {"nb": " · start her", "en": " · start here"}[lang]
            out.append(f'<text x="{x}" y="{y + 17}" text-anchor="middle" font-size="13" fill="#b3261e">{escape(note)}'
                       f"<title>{escape('; '.join(active))}</title></text>")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
