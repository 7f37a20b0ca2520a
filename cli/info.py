"""``ibp schema``, ``ibp graph`` and ``ibp measures``: the contracts, the pillar model and the measures."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ibp_rules.text import Lang

from .common import LANG_OPTION, OUTPUT_OPTION, RULES_OPTION, emit, ruleset


@click.command()
@click.argument("what", type=click.Choice(["assessment", "strategy"]))
def schema(what: str) -> None:
    """Print the JSON Schema of the assessment input or the strategy output.

    \b
    Example:
        ibp schema assessment > assessment.schema.json
    """
    from ibp_rules import assessment_json_schema, strategy_json_schema

    data = assessment_json_schema() if what == "assessment" else strategy_json_schema()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


@click.command()
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]), default="mermaid", show_default=True)
@LANG_OPTION
@RULES_OPTION
@OUTPUT_OPTION
def graph(fmt: str, lang: str, rules: tuple[Path, ...], output: Path | None) -> None:
    """Draw the pillar model: four pillars and their six relations.

    \b
    Examples:
        ibp graph
        ibp graph --format svg -o pilarer.svg
        ibp graph --format dot | dot -Tpng > pilarer.png
    """
    from ibp_rules.graph import PillarGraph
    from ibp_rules.svg import pillar_svg

    g = PillarGraph(ruleset(rules))
    text = {"mermaid": g.to_mermaid, "dot": g.to_dot}[fmt](lang) if fmt != "svg" else pillar_svg(g, lang)  # type: ignore[arg-type]
    emit(text, output)


@click.command()
@click.argument("search", required=False)
@LANG_OPTION
@RULES_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def measures(search: str | None, lang: Lang, rules: tuple[Path, ...], fmt: str) -> None:
    """List the measures (virkemidler) by pillar, with their titles.

    A measure is named by its title (or id) wherever a command asks for one:
    ibp decide, ibp explain, ibp whatif, an answer file for ibp train. SEARCH
    shows only measures whose title or id contains it (æøå and case do not
    matter).

    \b
    Examples:
        ibp measures
        ibp measures bolig
        ibp measures --format json --lang en
    """
    from ibp_rules.names import fold
    from ibp_rules.words import value_word

    rs = ruleset(rules)
    order = [*rs.pillars, "annet"]
    items = sorted(rs.measures.values(), key=lambda m: (order.index(m.pillar) if m.pillar in order else len(order), m.title.get(lang)))
    if search:
        key = fold(search)
        items = [m for m in items if any(key in fold(name) for name in (m.id, m.title.nb, m.title.en))]
    if fmt == "json":
        click.echo(json.dumps([{"id": m.id, "title": m.title.get(lang), "pillar": m.pillar, "phase": m.phase,
                                "partner": m.partner} for m in items], ensure_ascii=False, indent=2))
        return
    nb = lang == "nb"
    if not items:
        click.echo(f"Ingen tiltak passer «{search}»." if nb else f"No measure matches “{search}”.")
        return
    width = max(len(m.title.get(lang)) for m in items) + 2
    pillar = None
    for m in items:
        if m.pillar != pillar:
            pillar = m.pillar
            name = rs.pillars[pillar].title.get(lang) if pillar in rs.pillars else value_word("other_pillar", pillar, lang)
            click.echo(("\n" if m is not items[0] else "") + click.style(name, bold=True))
        click.echo(f"  {m.title.get(lang):{width}}{click.style(m.id, dim=True)}")
    click.echo(("\n{n} tiltak. Skriv tittelen (eller id-en) der en kommando spør om et tiltak." if nb else
                "\n{n} measure{s}. Type the title (or the id) wherever a command asks for a measure.").format(n=len(items), s="" if len(items) == 1 else "s"))


COMMANDS = [schema, graph, measures]
