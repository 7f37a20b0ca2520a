"""``ibp rules``: list and check rule files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import LANG_OPTION, RULES_OPTION, IbpGroup, ruleset


@click.group(cls=IbpGroup)
def rules() -> None:
    """Inspect and check rulesets.

    \b
    Examples:
        ibp rules list
        ibp rules validate my-municipality/rules
    """


@rules.command("list")
@RULES_OPTION
@LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_list(rules: tuple[Path, ...], lang: str, fmt: str) -> None:
    """List the rules: id, pillars they read, what they suggest or derive, title.

    \b
    Example:
        ibp rules list --lang en
    """
    rs = ruleset(rules)
    rows = []
    for r in rs.rules.values():
        acts = sorted({a.suggest or a.derive or "" for a in r.rule.then})
        rows.append({"id": r.id, "reads": sorted(r.reads_pillars), "then": acts,
                     "title": r.rule.title.get(lang), "source": r.rule.source})  # type: ignore[arg-type]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from tabulate import tabulate

    headers = {"nb": ["regel", "leser", "foreslår / utleder", "tittel"], "en": ["rule", "reads", "suggests / derives", "title"]}[lang]
    table = [[row["id"], ", ".join(row["reads"]) or "–", ", ".join(row["then"]), row["title"]] for row in rows]
    click.echo(tabulate(table, headers=headers, tablefmt="simple", maxcolwidths=[32, 18, 28, 28]))
    click.echo(f"\n{len(rows)} {'regler' if lang == 'nb' else 'rules'}")


@rules.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@LANG_OPTION
def rules_validate(paths: tuple[Path, ...], lang: str) -> None:
    """Check rule and catalogue files; print a summary and the ruleset hash.

    Exit code 0 when the files load, 2 with every problem listed otherwise.

    \b
    Examples:
        ibp rules validate
        ibp rules validate rulesets/ my-extra-rules/
    """
    rs = ruleset(list(paths))
    nb = lang == "nb"
    click.echo(f"OK: {rs.id} {rs.version}")
    click.echo(f"  {'regler' if nb else 'rules'}: {len(rs.rules)} ({'lag' if nb else 'strata'}: {rs.max_stratum + 1})")
    click.echo(f"  {'tiltak' if nb else 'measures'}: {len(rs.measures)}, {'partnere' if nb else 'partners'}: {len(rs.partners)}, "
               f"{'utledede fakta' if nb else 'derived facts'}: {len(rs.facts)}")
    click.echo(f"  {'pilarer' if nb else 'pillars'}: {len(rs.pillars)}, {'relasjoner' if nb else 'relations'}: {len(rs.relations)}")
    click.echo(f"  {'filer' if nb else 'files'}: {len(rs.files)}")
    if rs.overrides:
        click.echo(f"  {'overstyrt' if nb else 'overrides'}: {', '.join(rs.overrides)}")
    click.echo(f"  sha256: {rs.sha256}")


COMMANDS = [rules]
