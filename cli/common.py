"""Options and helpers shared by the ``ibp`` commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ibp_rules.errors import IbpError, InputError, UnknownIdError

from .language import LANGS, choose, env_lang, lang_in

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

MESSAGES = {
    "nb": {"error": "Feil", "internal": "Intern feil ({name}). Kjør på nytt med --debug for detaljer."},
    "en": {"error": "Error", "internal": "Internal error ({name}). Run again with --debug for details."},
}


def _remember_lang(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    ctx.meta["ibp.lang"] = value
    return value


LANG_OPTION = click.option("--lang", type=click.Choice(LANGS), default=lambda: env_lang() or "nb",
                           callback=_remember_lang, is_eager=True,
                           help="Language: nb (bokmål) or en (English). Without the option: the IBP_LANG environment variable, else nb.")
RULES_OPTION = click.option("--rules", "rules", multiple=True, type=click.Path(path_type=Path),
                            help="Ruleset folder or file (repeatable). Default: the bundled rulesets.")
OUTPUT_OPTION = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                             help="Write to this file instead of standard output.")


def current_lang(ctx: click.Context | None = None) -> str:
    """The language the user asked for: --lang, else IBP_LANG, else nb (also before options are parsed)."""
    lang = ctx.meta.get("ibp.lang") if ctx is not None else None
    if lang in MESSAGES:
        return str(lang)
    return lang_in(sys.argv[1:])


def engine(rules: tuple[Path, ...]) -> Any:
    """The engine over ``--rules`` folders, or the bundled default."""
    from ibp_rules import Engine

    return Engine.from_paths(*rules) if rules else Engine.default()


def ruleset(rules: tuple[Path, ...] | list[Path]) -> Any:
    from ibp_rules.resources import default_ruleset_path
    from ibp_rules.ruleset import load_ruleset

    return load_ruleset(list(rules) or [default_ruleset_path()])


def read_case(file: Path) -> Any:
    """An assessment from a file, or standard input for ``-``."""
    from ibp_rules import parse_assessment, read_assessment

    if str(file) == "-":
        return parse_assessment(sys.stdin.buffer.read(), "<stdin>")
    return read_assessment(file)


def emit(text: str, output: Path | None) -> None:
    """Print, or write where the user asked (and nowhere else)."""
    if output is None:
        click.echo(text, nl=False)
    else:
        from ibp_rules.atomic import write_atomic

        write_atomic(output, text)  # complete or not at all; a bad path is an OutputError (exit 2)


def t(nb: str, en: str) -> str:
    """Pick the text for the current language."""
    return nb if current_lang(click.get_current_context(silent=True)) == "nb" else en


def confirm(question: str, default: bool) -> bool:
    """Ask yes/no in the user's language: j/ja/n/nei in bokmål, y/yes/n/no in English (both always work)."""
    nb = current_lang(click.get_current_context(silent=True)) == "nb"
    choices = ("J/n" if default else "j/N") if nb else ("Y/n" if default else "y/N")
    while True:
        answer = click.prompt(f"{question} [{choices}]", default="", show_default=False, prompt_suffix=" ").strip().casefold()
        if not answer:
            return default
        if answer in ("j", "ja", "y", "yes"):
            return True
        if answer in ("n", "nei", "no"):
            return False
        click.echo("  ! svar j (ja) eller n (nei)" if nb else "  ! answer y (yes) or n (no)")


class Words(click.ParamType):  # type: ignore[type-arg]  # generic in click 8.2+
    """A choice typed as a word a person would use, in either language, with or
    without æøå and in any case: ``--status avslått``, ``avslatt``, ``declined``
    and ``takket nei`` are all ``avslatt``. ``words`` maps each id to the
    other words it may be typed as; the help shows the words of the user's language."""

    name = "word"

    def __init__(self, vocabulary: str, words: dict[str, tuple[str, ...]]) -> None:
        from ibp_rules.names import fold
        from ibp_rules.words import vocabularies

        self.vocabulary, self.ids, self.words = vocabulary, tuple(words), words
        texts = vocabularies().get(vocabulary, {})
        self.lookup: dict[str, str] = {}
        for value, others in words.items():
            shown = texts.get(value)
            for word in (value, *others, *((shown.nb, shown.en) if shown else ())):
                self.lookup.setdefault(fold(word), value)

    def shown(self, value: str) -> str:
        from ibp_rules.names import fold
        from ibp_rules.words import value_word

        if current_lang(click.get_current_context(silent=True)) == "en":
            return value_word(self.vocabulary, value, "en")
        # the id as Norwegian is written (avslatt → avslått), when one of its words is that
        return next((w for w in self.words[value] if fold(w) == fold(value)), value)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self.shown(v) for v in self.ids) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ibp_rules.names import fold

        found = self.lookup.get(fold(str(value)))
        if found is None:
            self.fail(t(f"'{value}' er ikke en av: {', '.join(self.shown(v) for v in self.ids)}",
                        f"'{value}' is not one of: {', '.join(self.shown(v) for v in self.ids)}"), param, ctx)
        return found


class IbpGroup(click.Group):
    """A click group that speaks one language and turns our errors into messages and exit codes."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:  # the root, before anything is parsed: --help and usage errors speak it too
            lang = lang_in(args)
            ctx.meta["ibp.lang"] = lang
            choose(self, lang)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            # the reader went away (``ibp ... | head``): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except InputError as exc:
            if debug:
                raise
            _fail(exc.render(current_lang(ctx)), 2, ctx)
        except UnknownIdError as exc:
            if debug:
                raise
            _fail(exc.render(current_lang(ctx)), 2, ctx)
        except IbpError as exc:
            if debug:
                raise
            _fail(str(exc), 1, ctx)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if debug:
                raise
            _fail(MESSAGES[current_lang(ctx)]["internal"].format(name=type(exc).__name__), 1, ctx)


def _fail(message: str, code: int, ctx: click.Context) -> NoReturn:
    click.echo(f"{MESSAGES[current_lang(ctx)]['error']}: {message}", err=True)
    ctx.exit(code)
    raise AssertionError  # pragma: no cover
