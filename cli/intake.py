"""``ibp intake``: the guided intake interview in the terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .common import LANG_OPTION, RULES_OPTION, confirm, current_lang, engine, t


def _choose_path(output: Path | None, default: str = "kartlegging.yaml") -> Path:
    """The file to save to, checked *before* the first question.

    ``-o`` that cannot be written is bad input (exit 2, nothing asked); a
    name typed at the prompt is asked again until it can be written.
    """
    from ibp_rules.atomic import check_writable
    from ibp_rules.errors import OutputError
    from ibp_rules.intake import draft_path

    while True:
        given, output = output, None
        path = given or Path(click.prompt(t("Lagre kartleggingen som (filnavn)", "Save the assessment as (file name)"), default=default))
        if path.suffix.lower() not in (".yaml", ".yml", ".json"):
            path = path.with_suffix(".yaml")
        try:
            check_writable(path)
            check_writable(draft_path(path))
        except OutputError as exc:
            if given is not None:
                raise
            click.echo(click.style("  ! " + exc.problems[0].render(current_lang()), fg="red"))
            continue
        if path.exists() and not confirm(t(f"{path} finnes. Skrive over?", f"{path} exists. Overwrite?"), False):
            continue
        return path


def _resume(path: Path, interview: Any) -> None:
    """Offer to continue from a recovery copy left by an interview that stopped."""
    from ibp_rules.errors import InputError
    from ibp_rules.intake import draft_path, load_draft

    draft = draft_path(path)
    if not draft.exists():
        return
    try:
        answers, nxt = load_draft(path)
    except InputError as exc:
        click.echo(click.style("  ! " + exc.render(current_lang()), fg="red"))
        click.echo(t(f"  {draft} blir ikke brukt (den skrives over).", f"  {draft} is not used (it will be overwritten)."))
        return
    if confirm(t(f"Fant svar fra en kartlegging som ble avbrutt ({len(answers)} svar i {draft}). Fortsette der?",
                 f"Found answers from an interview that stopped ({len(answers)} answers in {draft}). Continue there?"),
               default=True):
        interview.restore(answers, nxt)


def _save(path: Path, data: dict[str, Any], lang: str) -> Path:
    """Save the assessment; on any error say why and ask for another place (the answers stay)."""
    from ibp_rules.atomic import write_atomic
    from ibp_rules.errors import OutputError
    from ibp_rules.intake import assessment_text

    while True:
        try:
            write_atomic(path, assessment_text(data, lang))  # type: ignore[arg-type]
            return path
        except OutputError as exc:
            click.echo(click.style("  ! " + exc.problems[0].render(lang), fg="red"))
            click.echo(t("  Svarene er ikke borte. Velg et annet sted å lagre.", "  The answers are not lost. Choose another place to save."))
            path = _choose_path(None, default=str(path))


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the assessment here (asked before the first question if not given).")
@LANG_OPTION
@RULES_OPTION
@click.option("--no-strategy", is_flag=True, help="Only save the assessment; do not show the strategy.")
def intake(output: Path | None, lang: str, rules: tuple[Path, ...], no_strategy: bool) -> None:
    """Guided intake: pillar by pillar, then the user's own goals.

    Every question can be answered "v" (vet ikke / unknown) or skipped with
    Enter; "<" goes back one question. Where to save is asked first; until
    the assessment is saved, the answers so far are kept beside it in
    FILE.utkast (a recovery copy), and an interview that stopped can be
    continued by running the same command again.

    \b
    Examples:
        ibp intake
        ibp intake -o kari-kartlegging.yaml --lang en
    """
    from ibp_rules import Assessment
    from ibp_rules.errors import OutputError
    from ibp_rules.intake import (
        ORDER,
        AnswerError,
        Interview,
        choices_text,
        draft_path,
        hint,
        parse_answer,
        prompt_text,
        remove_draft,
        save_draft,
    )
    from ibp_rules.labels import section_label, value_label
    from ibp_rules.render import render

    eng = engine(rules)
    measure_ids = frozenset(eng.ruleset.measures)
    interview = Interview()
    click.echo(click.style(t("IBP – kartlegging", "IBP – intake"), bold=True))
    path = _choose_path(output)
    _resume(path, interview)
    click.echo(t("Svar på spørsmålene sammen med brukeren. Enter eller v = vet ikke, < = tilbake.\n"
                 "Ikke skriv navn eller fødselsnummer; verktøyet trenger dem ikke.",
                 "Answer together with the user. Enter or u = unknown, < = back.\n"
                 "Do not type names or national id numbers; the tool does not need them."))
    section = None
    draft_failed = False
    try:
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
            try:
                save_draft(path, interview)
            except OutputError as exc:
                if not draft_failed:  # said once; the answers stay in memory and are saved at the end
                    draft_failed = True
                    click.echo(click.style("  ! " + t("gjenopprettingskopien kan ikke lagres: ", "the recovery copy cannot be saved: ")
                                           + exc.problems[0].render(lang), fg="red"))
    except click.exceptions.Abort:
        if draft_path(path).exists():
            click.echo(t(f"\nAvbrutt. Svarene så langt er i {draft_path(path)}; kjør 'ibp intake -o {path}' for å fortsette.",
                         f"\nStopped. The answers so far are in {draft_path(path)}; run 'ibp intake -o {path}' to continue."), err=True)
        raise

    data = interview.assessment_data()
    assessment = Assessment.model_validate(data)
    saved = _save(path, data, lang)
    remove_draft(path)
    click.echo(t(f"Lagret: {saved}", f"Saved: {saved}"))
    if not no_strategy:
        click.echo()
        strategy = eng.assess(assessment)
        click.echo(render(strategy, eng.ruleset, "text", lang, color=sys.stdout.isatty()), nl=False)  # type: ignore[arg-type]


COMMANDS = [intake]
