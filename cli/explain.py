"""``ibp explain``: the full chain for one suggestion, or why it was not made."""

from __future__ import annotations

from pathlib import Path

import click

from .common import LANG_OPTION, RULES_OPTION, emit, engine, read_case


@click.command()
@click.argument("file", type=click.Path(allow_dash=True, path_type=Path))
@click.argument("measure")
@LANG_OPTION
@RULES_OPTION
def explain(file: Path, measure: str, lang: str, rules: tuple[Path, ...]) -> None:
    """Explain one measure: facts → rules → derived facts → relation → measure.

    MEASURE is the measure's title or id (ibp measures lists them).

    For a measure that was not suggested, shows each rule that could suggest
    it with the clauses that held (✓) and those that did not (✗).

    \b
    Examples:
        ibp explain examples/uforetrygd-til-startlan.yaml Startlån
        ibp explain case.yaml bostøtte --lang en
    """
    from ibp_rules.explain import explain_measure, explanation_text
    from ibp_rules.names import find

    eng = engine(rules)
    expl = explain_measure(eng, read_case(file), find(measure, eng.ruleset.measures, "measure", lang, former=eng.ruleset.replaced))  # type: ignore[arg-type]
    emit(explanation_text(expl, eng, lang), None)  # type: ignore[arg-type]


COMMANDS = [explain]
