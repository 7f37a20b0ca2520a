"""``ibp schema`` and ``ibp graph``: the contracts and the pillar model."""

from __future__ import annotations

import json
from pathlib import Path

import click

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


COMMANDS = [schema, graph]
