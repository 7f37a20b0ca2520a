"""``ibp decide``: record what the user and coordinator decided (brukermedvirkning)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import LANG_OPTION, RULES_OPTION, Words, engine, read_case, t

#: the command-line option behind each field of a decision
_OPTIONS = {"title": "--add", "when": "--when", "status": "--status"}

def _checked(model: Any, **values: Any) -> Any:
    """The model from the options, or bad input naming the option (a text too long is not an internal error)."""
    from pydantic import ValidationError

    from ibp_rules.errors import InputError, Problem
    from ibp_rules.validation_messages import describe

    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False):
            field = str(err["loc"][0]) if err["loc"] else ""
            text = describe(err)
            problems.append(Problem("ibp decide", None, _OPTIONS.get(field, f"--{field}"), text.en, message_nb=text.nb))
        raise InputError(problems) from None


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("measure", required=False)
@click.option("--status", type=Words("decision", {"valgt": ("chosen",), "avslatt": ("avslått", "declined"), "endret": ("changed",)}),
              help="valgt (chosen), avslått (declined) or endret (changed).")
@click.option("--reason", help="The person's own reason (their words).")
@click.option("--change", help="What was changed (with --status endret).")
@click.option("--who", help="Who does it.")
@click.option("--when", "when_", help="By when.")
@click.option("--add", "add", help="Add a measure of the user's own, with this title.")
@click.option("--note", help="A note on an added measure.")
@click.option("--clear", is_flag=True, help="Remove the decision on MEASURE.")
@LANG_OPTION
@RULES_OPTION
def decide(file: Path, measure: str | None, status: str | None, reason: str | None, change: str | None, who: str | None,
           when_: str | None, add: str | None, note: str | None, clear: bool, lang: str, rules: tuple[Path, ...]) -> None:
    """Record the user's decision on a suggestion, or add their own measure.

    MEASURE is the measure's title or id (ibp measures lists them).
    Decisions are saved beside the assessment (case.yaml → case.valg.yaml)
    and shape the handlingsplan (ibp assess --format html|markdown): the
    people's plan first, declined suggestions apart. Without options, shows
    the decisions so far.

    \b
    Examples:
        ibp decide case.yaml Startlån --status valgt --who "Kari og koordinator" --when "juni"
        ibp decide case.yaml "Leie til eie" --status avslått --reason "Vil heller leie privat først"
        ibp decide case.yaml --add "Besøke banken sammen" --when "neste uke"
    """
    from ibp_rules.decisions import Decisions, MeasureDecision, OwnMeasure, decisions_path, load_decisions, save_decisions
    from ibp_rules.names import find

    path = decisions_path(file)
    decisions = (load_decisions(path) if path.exists() else Decisions()).with_current_ids(engine(rules).ruleset.replaced)
    if measure is None and add is None:
        if not decisions.measures and not decisions.own:
            click.echo(t("Ingen valg registrert ennå.", "No decisions recorded yet."))
        from ibp_rules.words import value_word

        titles = engine(rules).ruleset.measures
        for mid, d in sorted(decisions.measures.items()):
            title = titles[mid].title.get(lang) if mid in titles else mid
            click.echo(f"{title}: {value_word('decision', d.status, lang)}" + (f" – {d.reason}" if d.reason else ""))  # type: ignore[arg-type]
        for o in decisions.own:
            click.echo(t("egen: ", "own: ") + o.title)
        return
    if add is not None:
        decisions.own.append(_checked(OwnMeasure, title=add, who=who, when=when_, note=note))
    if measure is not None:
        eng = engine(rules)
        measure = find(measure, eng.ruleset.measures, "measure", lang, former=eng.ruleset.replaced)  # type: ignore[arg-type]
        title = eng.ruleset.measures[measure].title.get(lang)
        if clear:
            decisions.measures.pop(measure, None)
        else:
            if status is None:
                raise click.UsageError(t("oppgi --status valgt|avslatt|endret", "give --status valgt|avslatt|endret"))
            suggested = {m.id for m in eng.assess(read_case(file)).measures}
            if measure not in suggested:
                click.echo(t(f"Merk: {title} er ikke foreslått nå; valget lagres likevel.",
                             f"Note: {title} is not suggested now; the decision is saved anyway."), err=True)
            decisions.measures[measure] = _checked(MeasureDecision, status=status, reason=reason, change=change, who=who, when=when_)
    save_decisions(path, decisions)
    click.echo(t(f"Lagret i {path}", f"Saved in {path}"))


COMMANDS = [decide]
