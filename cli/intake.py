"""``ibp intake``: the guided intake interview in the terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import LANG_OPTION, RULES_OPTION, engine, t


def _ask_path(output: Path | None) -> Path:
    while True:
        path = output or Path(click.prompt(t("Lagre kartleggingen som (filnavn)", "Save the assessment as (file name)"),
                                           default="kartlegging.yaml"))
        output = None
        if path.suffix.lower() not in (".yaml", ".yml", ".json"):
            path = path.with_suffix(".yaml")
        if path.exists() and not click.confirm(t(f"{path} finnes. Skrive over?", f"{path} exists. Overwrite?"), default=False):
            continue
        return path


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the assessment here (asked at the end if not given).")
@LANG_OPTION
@RULES_OPTION
@click.option("--no-strategy", is_flag=True, help="Only save the assessment; do not show the strategy.")
def intake(output: Path | None, lang: str, rules: tuple[Path, ...], no_strategy: bool) -> None:
    """Guided intake: pillar by pillar, then the user's own goals.

    Every question can be answered "v" (vet ikke / unknown) or skipped with
    Enter; "<" goes back one question. The answers are saved as an
    assessment file you name, and the suggested strategy is shown.

    \b
    Examples:
        ibp intake
        ibp intake -o kari-kartlegging.yaml --lang en
    """
    import yaml

    from ibp_rules import Assessment
    from ibp_rules.intake import ORDER, AnswerError, Interview, choices_text, hint, parse_answer, prompt_text
    from ibp_rules.labels import section_label, value_label
    from ibp_rules.render import render

    eng = engine(rules)
    measure_ids = frozenset(eng.ruleset.measures)
    interview = Interview()
    click.echo(click.style(t("IBP – kartlegging", "IBP – intake"), bold=True))
    click.echo(t("Svar på spørsmålene sammen med brukeren. Enter eller v = vet ikke, < = tilbake.\n"
                 "Ikke skriv navn eller fødselsnummer; verktøyet trenger dem ikke.",
                 "Answer together with the user. Enter or u = unknown, < = back.\n"
                 "Do not type names or national id numbers; the tool does not need them."))
    section = None
    while (q := interview.current()) is not None:
        sec = q.path.split(".", 1)[0]
        if sec != section:
            section = sec
            click.echo("\n" + click.style(f"[{ORDER.index(sec) + 1}/{len(ORDER)}] {section_label(sec, lang)}", fg="cyan", bold=True))  # type: ignore[arg-type]
        click.echo(prompt_text(q, lang))  # type: ignore[arg-type]
        if q.kind in ("enum", "enum_list"):
            for line in choices_text(q, lang):  # type: ignore[arg-type]
                click.echo(f"   {line}")
        current = interview.answers.get(q.path)
        if current is not None:
            click.echo(t("   (nå: ", "   (now: ") + value_label(q.path, current, lang) + ")")  # type: ignore[arg-type]
        answer = click.prompt(f"  {hint(q, lang)}", default="", show_default=False, prompt_suffix=" > ")  # type: ignore[arg-type]
        try:
            value = parse_answer(q, answer, lang, measure_ids)  # type: ignore[arg-type]
        except AnswerError as exc:
            click.echo(click.style(f"  ! {exc}", fg="red"))
            continue
        interview.answer(value)

    data = interview.assessment_data()
    assessment = Assessment.model_validate(data)
    path = _ask_path(output)
    header = t("# Kartlegging for individuell boligplan (laget med 'ibp intake'). Ukjent = utelatt.\n",
               "# Assessment for Individuell boligplan (made with 'ibp intake'). Unknown = left out.\n")
    path.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    click.echo(t(f"Lagret: {path}", f"Saved: {path}"))
    if not no_strategy:
        click.echo()
        strategy = eng.assess(assessment)
        click.echo(render(strategy, eng.ruleset, "text", lang, color=sys.stdout.isatty()), nl=False)  # type: ignore[arg-type]


COMMANDS = [intake]
