"""One language at a time for the whole ``ibp`` command line, help included.

The language is chosen by ``--lang`` on a command, else by the environment
variable ``IBP_LANG`` (set once, e.g. in the shell profile, it applies to
every command), else bokmål. It is settled before click parses anything, so
that ``--help``, usage errors and "Avbrutt!" speak it as well as the output.

Two things are translated here, neither by editing the commands:

- click's own words ("Usage:", "Show this message and exit.", "Missing
  argument", "Aborted!" …). click asks :mod:`gettext` for each of them
  through a module-level ``_``; we give its modules our own ``_``, which
  looks the words up in :data:`CLICK_NB` when bokmål is chosen.
- our help texts: written in English in the code (docstrings and option
  ``help=``) and in bokmål in ``help_nb.yaml`` beside this module, swapped
  in on every command of the tree before help is formatted. A test checks
  that every command and option has its bokmål text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from typing import Any

import click

#: the languages every text exists in
LANGS = ("nb", "en")
#: the environment variable that chooses the language for every command
ENV = "IBP_LANG"

_active = ["nb"]


def env_lang() -> str | None:
    """The language ``IBP_LANG`` chooses, or None when it is unset (or not one we speak)."""
    value = os.environ.get(ENV, "").strip().casefold()
    return value if value in LANGS else None


def lang_in(args: Sequence[str]) -> str:
    """The language a command line asks for: ``--lang`` anywhere in it, else ``IBP_LANG``, else bokmål."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args) and args[i + 1] in LANGS:
            return args[i + 1]
        if arg.startswith("--lang=") and arg.split("=", 1)[1] in LANGS:
            return arg.split("=", 1)[1]
    return env_lang() or "nb"


def active() -> str:
    """The language chosen for this run (set by :func:`choose`)."""
    return _active[0]


# click's own words in bokmål; a string not here is shown as click wrote it
CLICK_NB: dict[str, str] = {
    "Usage:": "Bruk:",
    "Options": "Valg",
    "Commands": "Kommandoer",
    "Positional arguments": "Argumenter",
    "Show this message and exit.": "Vis denne hjelpen og avslutt.",
    "Show the version and exit.": "Vis versjonen og avslutt.",
    "%(prog)s, version %(version)s": "%(prog)s, versjon %(version)s",
    "Aborted!": "Avbrutt!",
    "Error: {message}": "Feil: {message}",
    "Try '{command} {option}' for help.": "Skriv '{command} {option}' for hjelp.",
    "Missing argument": "Mangler argument",
    "Missing option": "Mangler valg",
    "Missing parameter": "Mangler parameter",
    "Missing command.": "Mangler kommando.",
    "Missing {param_type}": "Mangler {param_type}",
    "argument": "argumentet",
    "option": "valget",
    "parameter": "parameteren",
    "No such command {name!r}.": "Ingen kommando heter {name!r}.",
    "No such option {name!r}.": "Ingen valg heter {name!r}.",
    "No such option: {name}": "Ingen valg heter {name}",
    "Did you mean {possibility}?": "Mente du {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Mente du en av: {possibilities}?)",
    "Option {name!r} requires an argument.": "Valget {name!r} trenger en verdi.",
    "Option {name!r} does not take a value.": "Valget {name!r} tar ingen verdi.",
    "Got unexpected extra argument ({args})": "Fikk et argument for mye ({args})",
    "Got unexpected extra arguments ({args})": "Fikk argumenter for mye ({args})",
    "Invalid value for {param_hint}: {message}": "Ugyldig verdi for {param_hint}: {message}",
    "Invalid value: {message}": "Ugyldig verdi: {message}",
    "{value!r} is not one of {choices}.": "{value!r} er ikke en av {choices}.",
    "{value!r} is not {choice}.": "{value!r} er ikke {choice}.",
    "{value!r} is not a valid {number_type}.": "{value!r} er ikke et gyldig {number_type}.",
    "{value} is not in the range {range}.": "{value} er ikke i området {range}.",
    "{value!r} does not match the format {format}.": "{value!r} passer ikke med formatet {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} passer ikke med formatene {formats}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} er ikke ja/nei. Godtatte verdier: {states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} finnes ikke.",
    "{name} {filename!r} is a file.": "{name} {filename!r} er en fil, ikke en mappe.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} er en mappe, ikke en fil.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} kan ikke leses.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} kan ikke skrives.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} kan ikke kjøres.",
    "File": "Filen",
    "Directory": "Mappen",
    "Path": "Stien",
    "Could not open file {filename!r}: {message}": "Kan ikke åpne filen {filename!r}: {message}",
    "Error: invalid input": "Feil: ugyldig svar",
    "Error: The two entered values do not match.": "Feil: de to verdiene er ikke like.",
    "Repeat for confirmation": "Gjenta for å bekrefte",
    "Do you want to continue?": "Vil du fortsette?",
    "Confirm the action without prompting.": "Bekreft uten å spørre.",
    "Press any key to continue...": "Trykk en tast for å fortsette …",
    "default: {default}": "standard: {default}",
    "env var: {var}": "miljøvariabel: {var}",
    "required": "påkrevd",
    "Choose from:\n\t{choices}": "Velg blant:\n\t{choices}",
    "{len_type} values are required, but {len_value} was given.": "{len_type} verdier trengs, men {len_value} ble gitt.",
    "{len_type} values are required, but {len_value} were given.": "{len_type} verdier trengs, men {len_value} ble gitt.",
    "Takes {nargs} values but 1 was given.": "Tar {nargs} verdier, men 1 ble gitt.",
    "Takes {nargs} values but {len} were given.": "Tar {nargs} verdier, men {len} ble gitt.",
    "Option {name!r} requires {nargs} arguments.": "Valget {name!r} trenger {nargs} verdier.",
}


#: the names of click's parameter types (shown as metavars and in messages), in bokmål
_TYPE_NAMES_NB = {"file": "fil", "directory": "mappe", "path": "sti", "integer": "heltall", "integer range": "heltall",
                  "float": "tall", "float range": "tall", "text": "tekst", "boolean": "ja/nei", "datetime": "dato"}
#: each type object's own (English) name, kept the first time it is seen
_TYPE_NAMES_EN: dict[int, str] = {}


def _gettext(message: str) -> str:
    return CLICK_NB.get(message, message) if _active[0] == "nb" else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def _click_modules() -> Iterator[Any]:
    import importlib

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils", "_termui_impl"):
        try:
            yield importlib.import_module(f"click.{name}")
        except ImportError:  # pragma: no cover - a click without that module
            continue


@cache
def _install_gettext() -> None:
    """Give click's modules our ``_`` and ``ngettext`` (once; they read :func:`active`)."""
    for module in _click_modules():
        if callable(getattr(module, "_", None)):
            module._ = _gettext
        if callable(getattr(module, "ngettext", None)):
            module.ngettext = _ngettext


@cache
def help_nb() -> dict[str, Any]:
    """The bokmål help texts: ``{"options": {name: text}, "commands": {path: {"help", "options"}}}``."""
    import yaml

    text = resources.files(__package__ or "ibp_rules.cli").joinpath("help_nb.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _block(text: str) -> str:
    r"""A help text from the catalogue: a line ``\b`` keeps click from rewrapping the paragraph after it."""
    return "\n".join("\b" if line.strip() == "\\b" else line for line in text.strip("\n").split("\n"))


def commands(root: click.Command, path: str = "") -> Iterator[tuple[str, click.Command]]:
    """Every command of the tree with its path (``""`` for the root, ``"rules list"``)."""
    yield path, root
    if isinstance(root, click.Group):
        for name, command in sorted(root.commands.items()):
            yield from commands(command, f"{path} {name}".strip())


def option_help_nb(path: str, param: click.Parameter) -> str | None:
    """The bokmål help of one option: the command's own, else the one every command shares."""
    catalogue = help_nb()
    own = (catalogue["commands"].get(path) or {}).get("options") or {}
    text = own.get(param.name) or catalogue["options"].get(param.name)
    return str(text) if text else None


def _localise(root: click.Command, lang: str) -> None:
    """Put the help texts of ``lang`` on every command and option (the English ones are kept to switch back)."""
    for path, command in commands(root):
        english: dict[str, Any] = command.__dict__.setdefault("_ibp_english", {
            "help": command.help, "short_help": command.short_help,
            "params": {p.name: getattr(p, "help", None) for p in command.params}})
        if isinstance(command, click.Group):
            command.subcommand_metavar = "KOMMANDO [ARGUMENTER]..." if lang == "nb" else "COMMAND [ARGS]..."
        command.options_metavar = "[VALG]" if lang == "nb" else "[OPTIONS]"
        command._help_option = None  # click keeps --help's text from its first use
        if lang == "en":
            command.help, command.short_help = english["help"], english["short_help"]
        else:
            own = help_nb()["commands"].get(path) or {}
            command.help = _block(own["help"]) if own.get("help") else english["help"]
            command.short_help = own.get("short_help") or None
        for param in command.params:
            # a type's name ("Path '…' does not exist", "INTEGER") is set when click loads; types are shared
            english_name = _TYPE_NAMES_EN.setdefault(id(param.type), param.type.name)
            param.type.name = _TYPE_NAMES_NB.get(english_name, english_name) if lang == "nb" else english_name
            if not isinstance(param, click.Option):
                continue
            nb = option_help_nb(path, param) if lang == "nb" else None
            param.help = nb or english["params"].get(param.name)


def choose(root: click.Command, lang: str) -> None:
    """Make ``lang`` the language of this run: click's words and every help text."""
    _install_gettext()
    _active[0] = lang
    _localise(root, lang)

