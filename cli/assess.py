"""``ibp assess``: the suggested strategy, readable or as data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import LANG_OPTION, OUTPUT_OPTION, RULES_OPTION, emit, engine, read_case


def load_decisions_for(file: Path, explicit: Path | None) -> object | None:
    """The people's decisions: ``--decisions`` or the file beside the assessment."""
    from ibp_rules.decisions import decisions_path, load_decisions

    if explicit is not None:
        return load_decisions(explicit)
    if str(file) != "-" and decisions_path(file).is_file():
        return load_decisions(decisions_path(file))
    return None


@click.command()
@click.argument("file", type=click.Path(allow_dash=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text", show_default=True,
              help="text for the screen; markdown or html for a handlingsplan to print; json for programs.")
@LANG_OPTION
@RULES_OPTION
@OUTPUT_OPTION
@click.option("--decisions", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The user's choices (default: FILE's .valg.yaml beside it, if any).")
def assess(file: Path, fmt: str, lang: str, rules: tuple[Path, ...], output: Path | None, decisions: Path | None) -> None:
    """Suggest a strategy for an assessment (YAML or JSON; - reads standard input).

    \b
    Examples:
        ibp assess examples/uforetrygd-til-startlan.yaml
        ibp assess case.json --format json --lang en
        ibp assess case.yaml --format html -o handlingsplan.html
        cat case.yaml | ibp assess - --format markdown -o plan.md
    """
    from ibp_rules.render import render

    eng = engine(rules)
    strategy = eng.assess(read_case(file))
    chosen = load_decisions_for(file, decisions) if fmt in ("markdown", "html") else None
    color = output is None and fmt == "text" and sys.stdout.isatty()
    emit(render(strategy, eng.ruleset, fmt, lang, color=color, decisions=chosen), output)  # type: ignore[arg-type]


COMMANDS = [assess]
