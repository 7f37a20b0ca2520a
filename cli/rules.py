"""``ibp rules``: list and check rule files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .common import LANG_OPTION, RULES_OPTION, IbpGroup, ruleset, t


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
                     "title": r.rule.title.get(lang), "source": r.rule.source})
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
    from ibp_rules.errors import RulesetError
    from ibp_rules.lint import lint

    rs = ruleset(list(paths))
    cases, problems = lint(rs)
    if problems:
        raise RulesetError(problems)
    nb = lang == "nb"
    click.echo(f"OK: {rs.id} {rs.version}")
    for layer in rs.layers:
        click.echo(f"  {'utvidet med' if nb else 'extended by'}: {layer.id} {layer.version}")
    click.echo(f"  {'regler' if nb else 'rules'}: {len(rs.rules)} ({'lag' if nb else 'strata'}: {rs.max_stratum + 1})")
    click.echo(f"  {'tiltak' if nb else 'measures'}: {len(rs.measures)}, {'partnere' if nb else 'partners'}: {len(rs.partners)}, "
               f"{'utledede fakta' if nb else 'derived facts'}: {len(rs.facts)}")
    click.echo(f"  {'oppgaver' if nb else 'tasks'}: {len(rs.tasks)}, {'parametere' if nb else 'parameters'}: {len(rs.parameters)}, "
               f"{'regeleksempler' if nb else 'rule cases'}: {len(cases)}")
    click.echo(f"  {'pilarer' if nb else 'pillars'}: {len(rs.pillars)}, {'relasjoner' if nb else 'relations'}: {len(rs.relations)}")
    click.echo(f"  {'filer' if nb else 'files'}: {len(rs.files)}")
    if rs.not_read:
        click.echo(f"  {'ikke lest (ikke regelfiler)' if nb else 'not read (not rule files)'}: {', '.join(rs.not_read)}")
    if rs.overrides:
        click.echo(f"  {'overstyrt' if nb else 'overrides'}: {', '.join(rs.overrides)}")
    click.echo(f"  sha256: {rs.sha256}")


@rules.command("test")
@RULES_OPTION
@LANG_OPTION
@click.option("-k", "select", default=None, help="Only cases whose rule id or case id contains this text.")
@click.option("-v", "--verbose", is_flag=True, help="List every case, not only failures.")
def rules_test(rules: tuple[Path, ...], lang: str, select: str | None, verbose: bool) -> None:
    """Run the cases written beside the rules (``*.cases.yaml``).

    Each case says whether its rule must fire or stay silent for a partial
    assessment. A failure names the file and line, the case, what went wrong
    and the trace (rules fired, facts derived). Exit code 0 when every case
    behaves as expected (known gaps fail as they say), 1 otherwise.

    \b
    Examples:
        ibp rules test
        ibp rules test -k startlan -v
    """
    from ibp_rules.engine import Engine
    from ibp_rules.rule_cases import failure_text, load_rule_cases, run_case

    rs = ruleset(rules)
    engine = Engine(rs)
    cases = [lc for lc in load_rule_cases(rs) if not select or select in lc.case.rule or select in lc.case.id]
    results = [run_case(engine, lc) for lc in cases]
    bad = [r for r in results if not r.ok]
    for r in results:
        if not r.ok:
            click.echo(failure_text(r, lang))
        elif verbose:
            click.echo(f"ok     {r.case.name} ({r.case.case.rule} {r.case.case.expect})" if not r.case.case.xfail
                       else f"xfail  {r.case.name} ({r.case.case.xfail})")
    gaps = sum(1 for r in results if r.case.case.xfail)
    covered = len({r.case.case.rule for r in results})
    ok = len(results) - len(bad)
    click.echo(t(f"{ok} bestått, {len(bad)} feilet, {gaps} kjente hull; {covered} av {len(rs.rules)} regler har eksempler",
                 f"{ok} passed, {len(bad)} failed, {gaps} known gaps; {covered} of {len(rs.rules)} rules have cases"))
    if bad:
        raise SystemExit(1)


@rules.command("coverage")
@RULES_OPTION
@LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_coverage(rules: tuple[Path, ...], lang: str, fmt: str) -> None:
    """Catalogue items and assessment fields no rule uses, and why.

    Lists measures no rule can suggest, partners no rule involves, tasks no
    rule gives, derived facts nobody derives, assessment fields no rule
    reads, and pillar relations (each direction, as barrier and as solution)
    no rule explains a suggestion by. Each must be explained by a ``kind: coverage`` note; exit code 1
    when something is unexplained or a note is stale.

    \b
    Example:
        ibp rules coverage --lang en
    """
    from ibp_rules.coverage import coverage

    report = coverage(ruleset(rules))
    if fmt == "json":
        click.echo(json.dumps({
            "counts": {k: {"used": u, "defined": d} for k, (u, d) in report.counts.items()},
            "unused": [{"item": u.item, "reason": u.reason.get(lang) if u.reason else None} for u in report.unused],  # type: ignore[arg-type]
            "stale_notes": list(report.stale), "clean": report.clean,
        }, ensure_ascii=False, indent=2))
    else:
        nb = lang == "nb"
        for kind, (used, defined) in report.counts.items():
            click.echo(f"{kind:8} {used}/{defined} {'brukt av regler' if nb else 'used by rules'}")
        for u in report.unused:
            reason = u.reason.get(lang) if u.reason else ("UFORKLART" if nb else "UNEXPLAINED")  # type: ignore[arg-type]
            click.echo(f"  - {u.item}: {reason}")
        for item in report.stale:
            why = "notatet forklarer noe som er i bruk eller ikke finnes" if nb else "the note explains something that is used or does not exist"
            click.echo(f"  ! {item}: {why}")
        click.echo(("OK: dekningen er ren" if nb else "OK: coverage is clean") if report.clean
                   else ("Ikke ren: " if nb else "Not clean: ") + ", ".join(report.unexplained + list(report.stale)))
    if not report.clean:
        raise SystemExit(1)


@rules.command("docs")
@RULES_OPTION
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/rules"),
              show_default=True, help="Folder for the Markdown pages.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the pages in the folder are stale.")
def rules_docs(rules: tuple[Path, ...], out: Path, check: bool) -> None:
    """Generate the rule catalogue: one Markdown page per rule and an index.

    Examples come from each rule's cases. Never edit the pages by hand: run
    this again after changing rules (``--check`` guards against staleness).

    \b
    Examples:
        ibp rules docs -o docs/rules
        ibp rules docs -o docs/rules --check
    """
    from ibp_rules.rule_cases import load_rule_cases
    from ibp_rules.rule_docs import generate, stale, write

    rs = ruleset(rules)
    pages = generate(rs, load_rule_cases(rs))
    if check:
        old = stale(pages, out)
        if old:
            names = ", ".join(old[:10]) + (" …" if len(old) > 10 else "")
            click.echo(t(f"utdatert: {len(old)} side(r) i {out} stemmer ikke med reglene: {names}; kjør 'ibp rules docs -o {out}'",
                         f"stale: {len(old)} page(s) in {out} differ from the rules: {names}; run 'ibp rules docs -o {out}'"))
            raise SystemExit(1)
        click.echo(t(f"OK: {len(pages)} sider i {out} er oppdatert", f"OK: {len(pages)} pages in {out} are up to date"))
        return
    written = write(pages, out)
    click.echo(t(f"skrev {len(written)} sider til {out}", f"wrote {len(written)} pages to {out}"))


@rules.command("params")
@RULES_OPTION
@LANG_OPTION
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date to show values for (default: today).")
def rules_params(rules: tuple[Path, ...], lang: str, day: Any) -> None:
    """Dated parameters (grunnbeløpet, guideline rates …) and the value in force.

    \b
    Example:
        ibp rules params --date 2025-06-01
    """
    import datetime as dt

    from tabulate import tabulate

    rs = ruleset(rules)
    when = day.date() if day is not None else dt.date.today()
    rows = []
    for p in rs.parameters.values():
        v = p.value_on(when)
        shown = "–" if v is None else f"{v.value:,.2f}".rstrip("0").rstrip(".").replace(",", " ")
        rows.append([p.id, p.title.get(lang), shown, p.unit.get(lang), "–" if v is None else v.from_.isoformat(),
                     "–" if v is None else (v.source + ("" if v.confirmed else " (*)"))])
    headers = {"nb": ["parameter", "tittel", "verdi", "enhet", "fra", "kilde"], "en": ["parameter", "title", "value", "unit", "from", "source"]}[lang]
    click.echo(tabulate(rows, headers=headers, tablefmt="simple", maxcolwidths=[24, 30, 12, 14, 10, 40]))
    click.echo(f"\n{when.isoformat()} · (*) = {'ikke bekreftet' if lang == 'nb' else 'unconfirmed'}")


COMMANDS = [rules]
