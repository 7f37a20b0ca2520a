"""``ibp cases`` and ``ibp train``: worked cases for teaching new coordinators."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .common import LANG_OPTION, RULES_OPTION, IbpGroup, engine, t


@click.group(cls=IbpGroup)
def cases() -> None:
    """The worked cases (fictional, written from the veileder).

    \b
    Examples:
        ibp cases list
        ibp cases show uforetrygd-til-startlan --strategy
        ibp cases check
    """


@cases.command("list")
@LANG_OPTION
def cases_list(lang: str) -> None:
    """List the worked cases.

    \b
    Example:
        ibp cases list --lang en
    """
    from tabulate import tabulate

    from ibp_rules.training import load_cases

    rows = [[c.id, c.title.get(lang)] for c in load_cases()]  # type: ignore[arg-type]
    click.echo(tabulate(rows, headers=[t("case", "case"), t("tittel", "title")], tablefmt="simple"))


@cases.command("check")
@RULES_OPTION
def cases_check(rules: tuple[Path, ...]) -> None:
    """Run every worked case against the rules and check what a coordinator expects.

    Each case's ``expect`` (measures, absent, order, parallel, first stage,
    partners with form, tasks, where to start) is compared with the
    strategy. Use it after changing rules: exit code 0 when all cases still
    hold, 1 otherwise.

    \b
    Example:
        ibp cases check --rules my-municipality/
    """
    from ibp_rules.training import check_expectations, find_case, load_cases

    eng = engine(rules)
    failed = 0
    for c in load_cases():
        _case, assessment = find_case(c.id)
        problems = check_expectations(eng.assess(assessment), c.expect)
        failed += bool(problems)
        click.echo(f"{'ok  ' if not problems else 'FAIL'} {c.id}")
        for p in problems:
            click.echo(f"       {p}")
    total = len(load_cases())
    click.echo(t(f"{total - failed} av {total} caser holder", f"{total - failed} of {total} cases hold"))
    if failed:
        raise SystemExit(1)


@cases.command("show")
@click.argument("case_id", metavar="CASE")
@click.option("--strategy", "with_strategy", is_flag=True, help="Also show the suggested strategy.")
@LANG_OPTION
@RULES_OPTION
def cases_show(case_id: str, with_strategy: bool, lang: str, rules: tuple[Path, ...]) -> None:
    """Show a worked case: its story and the facts of its assessment.

    \b
    Example:
        ibp cases show utkastelse-barnefamilie
    """
    from ibp_rules.render import render

    assessment = _show_case(case_id, lang)
    if with_strategy:
        eng = engine(rules)
        click.echo()
        click.echo(render(eng.assess(assessment), eng.ruleset, "text", lang, color=sys.stdout.isatty()), nl=False)  # type: ignore[arg-type]


def _show_case(case_id: str, lang: str) -> Any:
    """Print a case's title, story and facts; return its assessment."""
    from ibp_rules.training import case_lines, find_case

    case, assessment = find_case(case_id)
    click.echo(click.style(case.title.get(lang), bold=True))  # type: ignore[arg-type]
    click.echo(case.summary.get(lang))  # type: ignore[arg-type]
    click.echo()
    for line in case_lines(assessment, lang):  # type: ignore[arg-type]
        click.echo(line)
    return assessment


def _pick(title: str, menu: list[tuple[str, str]]) -> list[str]:
    click.echo(click.style(title, bold=True))
    for i, (_id, label) in enumerate(menu, 1):
        click.echo(f"  {i:>2}) {label}")
    while True:
        raw = click.prompt(t("Numre med mellomrom (tomt = ingen)", "Numbers separated by spaces (empty = none)"),
                           default="", show_default=False)
        try:
            picks = sorted({int(x) for x in raw.replace(",", " ").split()})
        except ValueError:
            click.echo(t("  ! skriv numre, f.eks. 1 4 7", "  ! type numbers, e.g. 1 4 7"))
            continue
        if any(not 1 <= p <= len(menu) for p in picks):
            click.echo(t(f"  ! velg mellom 1 og {len(menu)}", f"  ! choose between 1 and {len(menu)}"))
            continue
        return [menu[p - 1][0] for p in picks]


@click.command()
@click.argument("case_id", metavar="CASE")
@click.option("--answer", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A YAML answer (measures: [...], partners: [...]) instead of asking; for a class.")
@LANG_OPTION
@RULES_OPTION
def train(case_id: str, answer: Path | None, lang: str, rules: tuple[Path, ...]) -> None:
    """Training round: choose measures and partners for a case, then compare.

    Each miss and each extra is explained from the rules.

    \b
    Examples:
        ibp train uforetrygd-til-startlan
        ibp train utkastelse-barnefamilie --answer svar.yaml --lang en
    """
    from ibp_rules.training import Answer, compare_answer, feedback_text, measure_menu, partner_menu, read_answer

    eng = engine(rules)
    given = read_answer(answer, eng, lang) if answer is not None else None  # type: ignore[arg-type]
    assessment = _show_case(case_id, lang)
    click.echo()
    if given is None:
        given = Answer(measures=_pick(t("Hvilke tiltak vil du foreslå?", "Which measures would you suggest?"),
                                      measure_menu(eng, lang)),  # type: ignore[arg-type]
                       partners=_pick(t("Hvilke samarbeidspartnere vil du koble på?", "Which partners would you involve?"),
                                      partner_menu(eng, lang)))  # type: ignore[arg-type]
        click.echo()
    strategy = eng.assess(assessment)
    click.echo(click.style(t("Sammenlignet med regelsettet", "Compared with the ruleset"), bold=True))
    click.echo(feedback_text(compare_answer(strategy, given), eng, assessment, strategy, lang), nl=False)  # type: ignore[arg-type]


COMMANDS = [cases, train]
