"""The ``ibp`` command line: suggest, inspect and check IBP strategies.

Installed as ``ibp_rules.cli`` (the folder is ``cli/`` in the repository).
Every bad input ends with a message naming the file, line and field and exit
code 2; an unexpected failure prints a short message, exit code 1, and the
traceback only with ``--debug``. Nothing is written anywhere except where
the user asks (standard output, or ``--output``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ibp_rules import __version__
from ibp_rules.errors import IbpError, InputError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
LANG_OPTION = click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
                           help="Language of the output.")
RULES_OPTION = click.option("--rules", "rules", multiple=True, type=click.Path(path_type=Path),
                            help="Ruleset folder or file (repeatable). Default: the bundled rulesets.")

MESSAGES = {
    "nb": {"error": "Feil", "internal": "Intern feil ({name}). Kjør på nytt med --debug for detaljer."},
    "en": {"error": "Error", "internal": "Internal error ({name}). Run again with --debug for details."},
}


def _lang_from_argv() -> str:
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1] if argv[i + 1] in MESSAGES else "nb"
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1] if arg.split("=", 1)[1] in MESSAGES else "nb"
    return "nb"


class IbpGroup(click.Group):
    """A click group that turns our errors into messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except InputError as exc:
            if debug:
                raise
            _fail(exc.render(_current_lang(ctx)), 2, ctx)
        except IbpError as exc:
            if debug:
                raise
            _fail(str(exc), 2 if isinstance(exc, KeyError) else 1, ctx)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if debug:
                raise
            lang = _current_lang(ctx)
            _fail(MESSAGES[lang]["internal"].format(name=type(exc).__name__), 1, ctx)


def _current_lang(ctx: click.Context) -> str:
    lang = ctx.meta.get("ibp.lang")
    return lang if lang in MESSAGES else _lang_from_argv()


def _fail(message: str, code: int, ctx: click.Context) -> NoReturn:
    lang = _current_lang(ctx)
    click.echo(f"{MESSAGES[lang]['error']}: {message}", err=True)
    ctx.exit(code)
    raise AssertionError  # pragma: no cover


def _engine(rules: tuple[Path, ...]) -> Any:
    from ibp_rules import Engine

    return Engine.from_paths(*rules) if rules else Engine.default()


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@click.group(cls=IbpGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="ibp")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
def cli(debug: bool) -> None:
    """Rule-based decision support for Individuell boligplan (IBP).

    The tool suggests; the user and the coordinator decide.

    \b
    Examples:
        ibp assess examples/uforetrygd-til-startlan.yaml
        ibp assess case.yaml --format json
        ibp rules validate
    """


@cli.command()
@click.argument("file", type=click.Path(allow_dash=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="Output format.")
@LANG_OPTION
@RULES_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.pass_context
def assess(ctx: click.Context, file: Path, fmt: str, lang: str, rules: tuple[Path, ...], output: Path | None) -> None:
    """Suggest a strategy for an assessment (YAML or JSON; - reads standard input).

    \b
    Examples:
        ibp assess examples/uforetrygd-til-startlan.yaml
        ibp assess case.json --format json --lang en
        cat case.yaml | ibp assess - --format markdown -o plan.md
    """
    from ibp_rules import parse_assessment, read_assessment
    from ibp_rules.render import render

    ctx.meta["ibp.lang"] = lang
    engine = _engine(rules)
    if str(file) == "-":
        assessment = parse_assessment(sys.stdin.buffer.read(), "<stdin>")
    else:
        assessment = read_assessment(file)
    strategy = engine.assess(assessment)
    _emit(render(strategy, engine.ruleset, fmt, lang), output)  # type: ignore[arg-type]


@cli.group(cls=IbpGroup)
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
@click.pass_context
def rules_list(ctx: click.Context, rules: tuple[Path, ...], lang: str, fmt: str) -> None:
    """List the rules: id, pillars they read and act in, title, source.

    \b
    Example:
        ibp rules list --lang en
    """
    from ibp_rules.resources import default_ruleset_path
    from ibp_rules.ruleset import load_ruleset

    ctx.meta["ibp.lang"] = lang
    rs = load_ruleset(list(rules) or [default_ruleset_path()])
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
@click.pass_context
def rules_validate(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Check rule and catalogue files; print a summary and the ruleset hash.

    Exit code 0 when the files load, 2 with every problem listed otherwise.

    \b
    Examples:
        ibp rules validate
        ibp rules validate rulesets/ my-extra-rules/
    """
    from ibp_rules.resources import default_ruleset_path
    from ibp_rules.ruleset import load_ruleset

    rs = load_ruleset(list(paths) or [default_ruleset_path()])
    click.echo(f"OK: {rs.id} {rs.version}")
    click.echo(f"  rules: {len(rs.rules)} (strata: {rs.max_stratum + 1})")
    click.echo(f"  measures: {len(rs.measures)}, partners: {len(rs.partners)}, derived facts: {len(rs.facts)}")
    click.echo(f"  pillars: {len(rs.pillars)}, relations: {len(rs.relations)}")
    click.echo(f"  files: {len(rs.files)}")
    if rs.overrides:
        click.echo(f"  overrides: {', '.join(rs.overrides)}")
    click.echo(f"  sha256: {rs.sha256}")


@cli.command()
@click.argument("what", type=click.Choice(["assessment", "strategy"]))
def schema(what: str) -> None:
    """Print the JSON Schema of the assessment input or the strategy output.

    \b
    Example:
        ibp schema assessment > assessment.schema.json
    """
    from ibp_rules import assessment_json_schema, strategy_json_schema

    data = assessment_json_schema() if what == "assessment" else strategy_json_schema()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
@LANG_OPTION
@RULES_OPTION
@click.pass_context
def graph(ctx: click.Context, fmt: str, lang: str, rules: tuple[Path, ...]) -> None:
    """Draw the pillar model: four pillars and their six relations.

    \b
    Examples:
        ibp graph
        ibp graph --format dot | dot -Tsvg > pilarer.svg
    """
    from ibp_rules.graph import PillarGraph
    from ibp_rules.resources import default_ruleset_path
    from ibp_rules.ruleset import load_ruleset

    ctx.meta["ibp.lang"] = lang
    g = PillarGraph(load_ruleset(list(rules) or [default_ruleset_path()]))
    click.echo(g.to_mermaid(lang) if fmt == "mermaid" else g.to_dot(lang), nl=False)  # type: ignore[arg-type]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ibp")


if __name__ == "__main__":  # pragma: no cover
    main()
