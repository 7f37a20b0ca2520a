"""``ibp intake``: the guided intake interview in the terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ibp_rules.text import Lang

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


def _save(path: Path, data: dict[str, Any], lang: Lang) -> Path:
    """Save the assessment; on any error say why and ask for another place (the answers stay)."""
    from ibp_rules.atomic import write_atomic
    from ibp_rules.errors import OutputError
    from ibp_rules.intake import assessment_text

    while True:
        try:
            write_atomic(path, assessment_text(data, lang))
            return path
        except OutputError as exc:
            click.echo(click.style("  ! " + exc.problems[0].render(lang), fg="red"))
            click.echo(t("  Svarene er ikke borte. Velg et annet sted å lagre.", "  The answers are not lost. Choose another place to save."))
            path = _choose_path(None, default=str(path))


def _columns(lines: list[str], indent: str = "   ") -> list[str]:
    """A long numbered list in two columns when the terminal is wide enough."""
    import shutil

    width = max(map(len, lines)) + 3
    if len(lines) < 12 or shutil.get_terminal_size((100, 24)).columns < len(indent) + 2 * width:
        return [indent + line for line in lines]
    half = (len(lines) + 1) // 2
    right = lines[half:] + [""] * (2 * half - len(lines))
    return [(indent + left.ljust(width) + r).rstrip() for left, r in zip(lines[:half], right, strict=True)]


def _measure_menu(rs: Any, measures: Any, lang: Lang) -> list[str]:
    """The measures to choose from, numbered, a few lines per pillar (40 measures fit a screen)."""
    import shutil

    from ibp_rules.words import value_word

    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120) - 1)
    groups: dict[str, list[str]] = {}
    for n, (mid, title) in enumerate(measures, 1):
        groups.setdefault(rs.measures[mid].pillar, []).append(f"{n}) {title.get(lang)}")
    out: list[str] = []
    for pillar, items in groups.items():
        name = rs.pillars[pillar].title.get(lang) if pillar in rs.pillars else value_word("other_pillar", pillar, lang)
        line = f"   {name}: "
        for i, item in enumerate(items):  # a line ends between measures, never inside one
            piece = item + ("  ·  " if i < len(items) - 1 else "")
            if len(line) + len(piece.rstrip()) > width and line.strip():
                out.append(line.rstrip())
                line = "      "
            line += piece
        out.append(line.rstrip())
    return out


def _ask(interview: Any, path: Path, lang: Any, measures: Any, menu: list[str], draft_failed: list[bool]) -> None:
    """Ask the questions from where the interview is until the review."""
    from ibp_rules.intake import ORDER, AnswerError, choices_text, hint, parse_answer, prompt_text, shown_value
    from ibp_rules.labels import section_label

    section = None
    while (q := interview.current()) is not None:
        sec = q.path.split(".", 1)[0]
        if sec != section:
            section = sec
            click.echo("\n" + click.style(f"[{ORDER.index(sec) + 1}/{len(ORDER)}] {section_label(sec, lang)}", fg="cyan", bold=True))
        click.echo(prompt_text(q, lang))
        if q.kind == "id_list":
            for line in menu:
                click.echo(line)
        elif q.kind in ("enum", "enum_list"):
            for line in _columns(choices_text(q, lang, measures)):
                click.echo(line)
        current = interview.answers.get(q.path)
        if current is not None:
            click.echo(t("   (nå: ", "   (now: ") + shown_value(q, current, lang, measures) + ")")
        answer = click.prompt(f"  {hint(q, lang, answered=current is not None)}", default="", show_default=False, prompt_suffix=" > ")
        try:
            value = parse_answer(q, answer, lang, measures)
        except AnswerError as exc:
            click.echo(click.style(f"  ! {exc}", fg="red"))
            continue
        interview.answer(value)
        _keep_draft(path, interview, lang, draft_failed)


def _keep_draft(path: Path, interview: Any, lang: Any, failed: list[bool]) -> None:
    """Update the recovery copy; a failure is said once (the answers stay in memory and are saved at the end)."""
    from ibp_rules.errors import OutputError
    from ibp_rules.intake import save_draft

    try:
        save_draft(path, interview)
    except OutputError as exc:
        if not failed:
            failed.append(True)
            click.echo(click.style("  ! " + t("gjenopprettingskopien kan ikke lagres: ", "the recovery copy cannot be saved: ")
                                   + exc.problems[0].render(lang), fg="red"))


def _review(interview: Any, lang: Any, measures: Any) -> str | None:
    """The review before saving: every answer, numbered. A number changes that
    answer (its question path is returned); Enter saves (None)."""
    from ibp_rules.intake import shown_value
    from ibp_rules.labels import field_label, section_label

    items = interview.review()
    click.echo("\n" + click.style(t("Gjennomgang – se over svarene før de lagres", "Review – check the answers before they are saved"),
                                   fg="cyan", bold=True))
    section = None
    width = len(str(len(items)))
    for n, (q, value) in enumerate(items, 1):
        sec = q.path.split(".", 1)[0]
        if sec != section:
            section = sec
            click.echo(click.style(section_label(sec, lang), bold=True))
        shown = shown_value(q, value, lang, measures) if value is not None else click.style(t("vet ikke", "unknown"), dim=True)
        if len(shown) > 70:
            shown = shown[:69] + "…"
        click.echo(f"  {n:>{width}}) {field_label(q.path, lang)}: {shown}")
    while True:
        raw = click.prompt(t("Nummer = endre svaret; Enter = lagre", "Number = change the answer; Enter = save"),
                           default="", show_default=False, prompt_suffix=" > ").strip()
        if not raw:
            return None
        if raw == "<":
            raw = str(len(items))
        if raw.isdigit() and 1 <= int(raw) <= len(items):
            return str(items[int(raw) - 1][0].path)
        click.echo(click.style(t(f"  ! skriv et nummer fra 1 til {len(items)}, eller Enter for å lagre",
                                 f"  ! type a number from 1 to {len(items)}, or Enter to save"), fg="red"))


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the assessment here (asked before the first question if not given).")
@LANG_OPTION
@RULES_OPTION
@click.option("--no-strategy", is_flag=True, help="Only save the assessment; do not show the strategy.")
def intake(output: Path | None, lang: Lang, rules: tuple[Path, ...], no_strategy: bool) -> None:
    """Guided intake: pillar by pillar, then the user's own goals.

    Answers can be given in words ("ja", "leier privat", "40 %", "3 uker",
    a measure's title) or by number. Enter skips a question, or keeps the
    answer when you come back to it; "v" is vet ikke (unknown); "<" goes
    back one question. Questions that do not fit the situation are not
    asked. Before saving, a review lists every answer: type its number to
    change it.

    Where to save is asked first; until the assessment is saved, the
    answers so far are kept beside it in FILE.utkast (a recovery copy), and
    an interview that stopped can be continued by running the same command
    again.

    \b
    Examples:
        ibp intake
        ibp intake -o kari-kartlegging.yaml --lang en
    """
    from ibp_rules import Assessment
    from ibp_rules.intake import Interview, draft_path, measure_choices, remove_draft
    from ibp_rules.render import render

    eng = engine(rules)
    measures = measure_choices(eng.ruleset.measures, lang, list(eng.ruleset.pillars))
    menu = _measure_menu(eng.ruleset, measures, lang)
    interview = Interview()
    click.echo(click.style(t("IBP – kartlegging", "IBP – intake"), bold=True))
    path = _choose_path(output)
    _resume(path, interview)
    click.echo(t("Svar på spørsmålene sammen med brukeren: med ord eller nummer. Enter = hopp over, v = vet ikke, "
                 "< = tilbake.\nTil slutt ser dere over alle svarene før de lagres. "
                 "Ikke skriv navn eller fødselsnummer; verktøyet trenger dem ikke.",
                 "Answer together with the user: in words or by number. Enter = skip, u = unknown, < = back.\n"
                 "At the end you review every answer before it is saved. "
                 "Do not type names or national id numbers; the tool does not need them."))
    draft_failed: list[bool] = []
    try:
        while True:
            _ask(interview, path, lang, measures, menu, draft_failed)
            _keep_draft(path, interview, lang, draft_failed)
            change = _review(interview, lang, measures)
            if change is None:
                break
            interview.edit(change)
    except click.exceptions.Abort:
        if draft_path(path).exists():
            click.echo(t(f"\nAvbrutt. Svarene så langt er i {draft_path(path)}; kjør 'ibp intake -o {path}' for å fortsette.",
                         f"\nStopped. The answers so far are in {draft_path(path)}; run 'ibp intake -o {path}' to continue."), err=True)
            click.get_current_context().exit(1)  # said once, in the user's words (not also click's "Avbrutt!")
        raise

    data = interview.assessment_data()
    assessment = Assessment.model_validate(data)
    saved = _save(path, data, lang)
    remove_draft(path)
    click.echo(t(f"Lagret: {saved}", f"Saved: {saved}"))
    if not no_strategy:
        click.echo()
        strategy = eng.assess(assessment)
        click.echo(render(strategy, eng.ruleset, "text", lang, color=sys.stdout.isatty(), assessment=assessment), nl=False)


COMMANDS = [intake]
