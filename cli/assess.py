"""``ibp assess``: the suggested strategy, readable or as data."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

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
              help="text for the screen; markdown or html for the person's plan to print; json for programs.")
@click.option("--full", is_flag=True,
              help="Everything: the whole strategy with reasons on the screen; with markdown or html the person's plan "
                   "followed by the coordinator's appendix on its own pages.")
@click.option("--appendix", is_flag=True, help="Only the coordinator's appendix (reasons and checks), to print on its own.")
@LANG_OPTION
@RULES_OPTION
@OUTPUT_OPTION
@click.option("--decisions", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The user's choices (default: FILE's .valg.yaml beside it, if any).")
def assess(file: Path, fmt: str, full: bool, appendix: bool, lang: str, rules: tuple[Path, ...], output: Path | None,
           decisions: Path | None) -> None:
    """Suggest a strategy for an assessment (YAML or JSON; - reads standard input).

    The screen shows the overview for the meeting (goals, where to start,
    the first actions, open questions); --full shows everything. Markdown
    and HTML give the person's plan (at most two A4 pages); --appendix the
    coordinator's appendix with the reasons.

    \b
    Examples:
        ibp assess examples/uforetrygd-til-startlan.yaml
        ibp assess case.yaml --full
        ibp assess case.yaml --format html -o handlingsplan.html
        ibp assess case.yaml --format html --appendix -o vedlegg.html
        ibp assess case.json --format json --lang en
        cat case.yaml | ibp assess - --format markdown -o plan.md
    """
    from ibp_rules.render import render

    eng = engine(rules)
    case = read_case(file)
    strategy = eng.assess(case)
    chosen = load_decisions_for(file, decisions) if fmt != "json" else None
    color = output is None and fmt == "text" and sys.stdout.isatty()
    document: Literal["appendix", "full"] | None = "appendix" if appendix else "full" if full else None
    emit(render(strategy, eng.ruleset, fmt, lang, color=color, decisions=chosen, assessment=case,  # type: ignore[arg-type]
                document=document), output)


COMMANDS = [assess]
